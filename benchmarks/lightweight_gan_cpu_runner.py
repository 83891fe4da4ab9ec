"""Train lucidrains' lightweight-gan on the CPU for a wall-clock budget; save samples at marks.

Runs inside the peer's own virtual environment (never Ganvas's), with the CPU-patched private
copy of the package first on PYTHONPATH (see benchmarks/quality_vs_peer.py, which prepares
both and starts this file). It only calls the package's public `Trainer` API, with the
settings of the package's own command line (`lightweight_gan --data ...`) except those the
benchmark fixes (image size, batch, fmap_max, attention layers, accumulation, data workers).

Output, in --out: samples-<i>.npz (uint8 [N, 3, H, W] from the generator at mark i) and
marks.json (per mark: training seconds, steps, images shown, img/s). The training clock
starts after the imports, so it covers building the model and reading the data, and it is
paused while samples are drawn.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--data", required=True, help="folder of RGB training images")
    p.add_argument("--out", required=True, help="folder for samples, marks.json, the peer's run")
    p.add_argument("--marks", required=True, help="training seconds to sample at: 600,1800")
    p.add_argument("--samples", type=int, required=True, help="images drawn at each mark")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--image-size", type=int, default=64)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--grad-accum", type=int, default=1, help="gradient_accumulate_every (CLI: 4)")
    p.add_argument("--fmap-max", type=int, default=64, help="CLI default: 512")
    p.add_argument("--attn-res-layers", default="", help="e.g. '32' (CLI default); '' = none")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--flush-denormal", action="store_true", help="as Ganvas does on the CPU")
    args = p.parse_args()

    torch.set_num_threads(args.threads)
    if args.flush_denormal:
        torch.set_flush_denormal(True)
    torch.manual_seed(args.seed)
    from lightweight_gan import NanException, Trainer

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    marks = [float(x) for x in args.marks.split(",")]
    attn = [int(x) for x in args.attn_res_layers.split(",") if x.strip()]

    start = time.perf_counter()
    paused = 0.0
    # the values lightweight_gan's command line passes, except the ones the benchmark fixes
    trainer = Trainer(
        name="bench",
        base_dir=str(out),
        results_dir="results",
        models_dir="models",
        batch_size=args.batch_size,
        gradient_accumulate_every=args.grad_accum,
        attn_res_layers=attn,
        freq_chan_attn=False,
        disc_output_size=1,
        dual_contrast_loss=False,
        antialias=False,
        image_size=args.image_size,
        num_image_tiles=8,
        optimizer="adam",
        num_workers=0,  # decode in this process: the thread budget is the whole budget
        fmap_max=args.fmap_max,
        transparent=False,
        greyscale=False,
        lr=2e-4,
        save_every=1000,
        evaluate_every=1000,
        aug_prob=None,
        aug_types=["cutout", "translation"],
        dataset_aug_prob=0.0,
        calculate_fid_every=None,
        amp=False,
        use_aim=False,
    )
    trainer.clear()
    trainer.set_data_src(args.data)
    images_per_step = args.batch_size * args.grad_accum
    records = []
    nan_tries = 0
    while len(records) < len(marks):
        try:
            trainer.train()
        except NanException:  # the package's CLI retries a step up to 3 times
            nan_tries += 1
            if nan_tries > 3:
                raise
            continue
        elapsed = time.perf_counter() - start - paused
        if elapsed < marks[len(records)]:
            continue
        pause = time.perf_counter()
        images = sample(trainer, args.samples, args.seed)
        np.savez_compressed(out / f"samples-{len(records)}.npz", images=images)
        shown = trainer.steps * images_per_step
        records.append(
            {
                "mark_s": marks[len(records)],
                "train_s": round(elapsed, 2),
                "steps": trainer.steps,
                "images_shown": shown,
                "img_per_s": round(shown / elapsed, 3),
            }
        )
        print(json.dumps(records[-1]), flush=True)
        paused += time.perf_counter() - pause
    (out / "marks.json").write_text(json.dumps(records, indent=2))


@torch.no_grad()
def sample(trainer, n: int, seed: int) -> np.ndarray:
    """n images from the trained generator G, as the package's own sample grids do (eval mode,
    clamped to [0, 1]). Its EMA copy GE is not used: the package only starts averaging after
    20k steps, so before that GE is a copy of G from step 2."""
    trainer.GAN.eval()
    gen = torch.Generator().manual_seed(seed + 1)
    z = torch.randn(n, trainer.GAN.latent_dim, generator=gen)
    chunks = [trainer.GAN.G(z[i : i + 64]).clamp(0.0, 1.0) for i in range(0, n, 64)]
    trainer.GAN.train()
    x = torch.cat(chunks).mul(255).add(0.5).clamp(0, 255).to(torch.uint8)
    return x[:, :3].numpy()


if __name__ == "__main__":
    main()
