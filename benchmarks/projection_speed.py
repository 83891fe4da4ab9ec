"""Projection budget (issue #7): a 64 px projection of 300 steps in ≤ 10 s on this CPU, with the
PSNR/SSIM it reaches on images the model never saw.

Held-out images: by default skin-tone variants of emoji (the default model was trained on the
plain emoji only), rendered by scripts/build_default_dataset.py --skin-tones into a temp folder.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import append_result  # noqa: E402
from engine.config import DataConfig  # noqa: E402
from engine.dataset import load_image  # noqa: E402
from engine.modelfile import load_model  # noqa: E402
from engine.projection import ProjectionConfig, project  # noqa: E402
from scripts.build_default_dataset import held_out_skin_tones  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--model", default=str(ROOT / "resources/models/default.safetensors"))
    p.add_argument("--images", nargs="*", help="held-out images (default: skin-tone emoji)")
    p.add_argument("--count", type=int, default=8)
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    model = load_model(args.model, with_discriminator=True)
    res = model.config.resolution
    paths = [Path(x) for x in args.images] if args.images else held_out_skin_tones(args.count)
    rows = ["| image | seconds | PSNR dB | SSIM |", "|---|---|---|---|"]
    secs, psnrs, ssims = [], [], []
    for path in paths:
        target = load_image(path, DataConfig(resolution=res))
        start = time.perf_counter()
        *_, event = project(model.G, target, ProjectionConfig(steps=args.steps), model.D)
        secs.append(time.perf_counter() - start)
        psnrs.append(event["psnr"])
        ssims.append(event["ssim"])
        rows.append(f"| {path.name} | {secs[-1]:.2f} | {psnrs[-1]:.2f} | {ssims[-1]:.3f} |")
        print(rows[-1], flush=True)
    med = statistics.median
    rows.append(
        f"| **median** | **{med(secs):.2f}** (goal ≤ 10) | {med(psnrs):.2f} | {med(ssims):.3f} |"
    )
    notes = (
        f"{res} px model `{Path(args.model).name}` (its discriminator's features in the loss "
        f"while one w is optimised), {args.steps} steps, {args.threads} torch threads; "
        "held-out images the model was not trained on."
    )
    append_result("Projection speed and quality (issue #7)", "\n".join(rows), notes)


if __name__ == "__main__":
    main()
