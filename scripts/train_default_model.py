"""Train the bundled default model with the engine's own CLI, then install it into resources/.

Recipe (CPU, this is what shipped; see resources/models/default.md for the numbers), two stages:
  1. all emoji  every single-codepoint emoji of Noto Color Emoji (scripts/build_default_dataset.py,
                1381 images), composited on white, 64 px, mirror augmentation; channel_base 1024,
                channel_max 128 (0.8 M generator parameters, ~6 ms per image); non-saturating
                loss + lazy R1, DiffAugment color/translation/cutout with ADA (target 0.6),
                batch 16, EMA half-life 2.5 kimg, seed 0; lr 0.0025 to 115 kimg, then 0.001;
                the best logged snapshot (128 kimg, about 105 min on 2 CPU cores)
  2. faces      that model fine-tuned (--base) on the 120 face emoji
                (build_default_dataset.py --subset faces), same recipe, lr 0.0025, keep-variety
                100 (without it every seed drew the same face); 120 kimg, 82 min; the best
                logged snapshot (112 kimg) installed

    python scripts/train_default_model.py --kimg 80
    python scripts/train_default_model.py --kimg 200 [--lr 0.001]   # resumes the run
    python scripts/train_default_model.py --install-only
    git show 2448fb2:resources/models/default.safetensors > runs/emoji-all-128kimg.safetensors
    python scripts/train_default_model.py --data data/emoji-faces --subset faces \
        --run runs/faces-variety --kimg 120 --base runs/emoji-all-128kimg.safetensors \
        --keep-variety 100 --threads 2 --subject "emoji faces"

A base of many kinds (scripts/build_base_dataset.py), from scratch, for fine-tunes to start from:
    python scripts/train_default_model.py --data data/base-set --run runs/base-mixed \
        --kimg 300 --threads 2 --subject "many kinds" --install-as base-mixed.safetensors \
        --license "GPL-3+ (trained on GPL-2+/GPL-3+ game art and wallpapers and Apache-2.0 emoji)"

Measured (BENCHMARKS.md, own folders, 2026-12-04): that set continued for 100 kimg from
base-emoji-all (`--base resources/models/base-emoji-all.safetensors --kimg 100`, 52 min) gave
fine-tunes no better than base-emoji-all's (portraits 2.14 vs 2.10, clipart 1.71 vs 1.74 x floor)
and samples farther from every benchmark folder (its photos and textures fill the frame; the
folders are figures on white), so it is not shipped.

A base of figures and objects (build_base_dataset.py --out data/base-figures --kinds
sprites,renders,buildings,warriors,faces: 898 images), continued from base-emoji-all with every
discriminator block trainable (its new dark grounds are far from the emoji's white):
    python scripts/train_default_model.py --data data/base-figures --run runs/base-figures \
        --kimg 100 --threads 2 --base resources/models/base-emoji-all.safetensors --freeze-d 0 \
        --subject figures --display-name "Ganvas base (figures and objects, 64 px)" \
        --install-as base-figures.safetensors --license "CC-BY-SA-3.0 (...)"

Measured (BENCHMARKS.md, own folders, 2026-12-08): portraits fine-tuned 10 min from it scored 2.11
x floor (16 px 2.75) against base-emoji-all's 2.05 (2.33), and its samples are farther from every
benchmark folder, so it is not shipped either.

Stopping it (Ctrl+C) and running it again resumes. `--install-only` copies the run's best snapshot
(lowest logged SWD) to resources/models/default.safetensors with the model's display name.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RECIPE = [
    "--batch", "16",
    "--loss", "ns",
    "--augment", "color,translation,cutout",
    "--channel-max", "128",
    "--seed", "0",
    "--snapshot-every", "500",
    "--preview-every", "250",
    "--metric-every", "1000",
    "--checkpoint-every", "250",
]  # fmt: skip


def best_snapshot(run: Path) -> Path:
    """The snapshot at the step with the lowest SWD logged during training (SWD wanders by a few
    points between evaluations, so the newest is not always the best); the newest if none."""
    snapshots = sorted((run / "snapshots").glob("*.safetensors"))
    by_step = {int(p.stem.split("-")[1]): p for p in snapshots}
    metrics = []
    for line in (run / "stats.jsonl").read_text().splitlines():
        record = json.loads(line)
        if record.get("kind") == "metric" and record["step"] in by_step:
            metrics.append((record["swd_mean"], record["step"]))
    return by_step[min(metrics)[1]] if metrics else snapshots[-1]


EMOJI_LICENSE = "Apache-2.0 (trained on Noto Color Emoji artwork, Apache-2.0 / OFL-1.1)"


def install(
    run: Path,
    subject: str,
    name: str = "default.safetensors",
    license: str = EMOJI_LICENSE,
    display_name: str = "",
) -> Path:
    from engine.modelfile import load_model, save_model

    snapshot = best_snapshot(run)
    model = load_model(snapshot, with_discriminator=True)
    info = {k: v for k, v in model.metadata.items() if k not in ("format", "model")}
    info |= {
        "name": display_name or f"Ganvas default ({subject}, {model.config.resolution} px)",
        "license": license,
        "source_snapshot": snapshot.name,
    }
    target = ROOT / "resources" / "models" / name
    save_model(target, model.G, model.D, info=info)
    print(f"installed {snapshot} → {target} ({target.stat().st_size / 2**20:.1f} MiB)")
    from engine.directions import iter_directions

    stale = target.with_name(target.name + ".directions.json")
    stale.unlink(missing_ok=True)  # keyed to the old model's SHA-256
    *_, last = iter_directions(target)  # ships beside it: no PCA on an artist's first start
    print(f"directions cached in {last['path']}")
    return target


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--data", default=str(ROOT / "data" / "emoji"))
    p.add_argument("--run", default=str(ROOT / "runs" / "default"))
    p.add_argument("--kimg", default="80")
    p.add_argument("--device", default="auto")
    p.add_argument("--resolution", default="64", help="64 on a CPU; 128 on a GPU")
    p.add_argument("--channel-base", default="1024", help="network width; raise it on a GPU")
    p.add_argument("--lr", help="learning rate (engine default 0.0025); a resume takes it")
    p.add_argument("--threads", default="0", help="CPU threads (0 = torch default)")
    p.add_argument("--base", help="fine-tune from this .safetensors model (a new run only)")
    p.add_argument("--keep-variety", help="fine-tuning: weight of the variety-keeping loss")
    p.add_argument("--freeze-d", help="fine-tuning: discriminator blocks kept frozen (CLI: 2)")
    p.add_argument("--subject", default="emoji", help="what it draws, for the model's name")
    p.add_argument("--display-name", default="", help="the model's whole name (a base's)")
    p.add_argument("--subset", default="all", help="which emoji, when --data must be built")
    p.add_argument("--install-only", action="store_true")
    p.add_argument("--no-install", action="store_true", help="train only; look before installing")
    p.add_argument(
        "--install-as",
        default="default.safetensors",
        help="file name in resources/models (default-128.safetensors: the model the app opens)",
    )
    p.add_argument("--license", default=EMOJI_LICENSE, help="the model's licence, from its data's")
    args = p.parse_args()
    run = Path(args.run)
    if not args.install_only:
        if not Path(args.data).is_dir():
            build = ROOT / "scripts" / "build_default_dataset.py"
            cmd = [sys.executable, str(build), "--out", args.data, "--subset", args.subset]
            subprocess.run(cmd, check=True)
        cmd = [sys.executable, str(ROOT / "main.py"), "train", "--data", args.data]
        cmd += ["--out", str(run), "--kimg", args.kimg, "--device", args.device]
        cmd += ["--threads", args.threads, "--resolution", args.resolution]
        cmd += ["--channel-base", args.channel_base, *RECIPE]
        cmd += ["--lr", args.lr] if args.lr else []
        cmd += ["--base", args.base] if args.base else []
        cmd += ["--keep-variety", args.keep_variety] if args.keep_variety else []
        cmd += ["--freeze-d", args.freeze_d] if args.freeze_d else []
        start = time.time()
        subprocess.run(cmd, check=True)
        with open(run / "wall_time.jsonl", "a") as f:
            f.write(json.dumps({"started": start, "seconds": time.time() - start}) + "\n")
    if not args.no_install:
        install(run, args.subject, args.install_as, args.license, args.display_name)


if __name__ == "__main__":
    main()
