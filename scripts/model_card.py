"""Measure a model against its training images and write its model card (Markdown + sample grid).

SWD (ProGAN's, ×1e3) of the model vs real images is reported next to two references that give
the number meaning: an untrained generator of the same architecture (the ceiling) and two
disjoint halves of the real images (the floor).

    python scripts/model_card.py [--model resources/models/default.safetensors] [--data data/emoji]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.config import DataConfig  # noqa: E402
from engine.dataset import scan_folder  # noqa: E402
from engine.metrics import nearest_training_images, sliced_wasserstein_distance  # noqa: E402
from engine.modelfile import load_model  # noqa: E402
from engine.networks import Generator  # noqa: E402
from engine.render import render_seeds, tile  # noqa: E402


def measure(model_path: Path, data: Path, n: int) -> dict:
    model = load_model(model_path)
    cfg = model.config
    reals = scan_folder(data, DataConfig(resolution=cfg.resolution, rgba=cfg.img_channels == 4))
    images = reals.images
    n = min(n, len(images) // 2)
    perm = torch.randperm(len(images), generator=torch.Generator().manual_seed(0))
    half_a, half_b = images[perm[:n]], images[perm[n : 2 * n]]
    seeds = range(10**6, 10**6 + n)

    def fakes(G: Generator, psi: float = 1.0) -> torch.Tensor:
        return torch.from_numpy(render_seeds(G, seeds, psi)).permute(0, 3, 1, 2)

    torch.manual_seed(0)
    untrained = Generator(cfg).eval()
    generated = fakes(model.G)
    dist, _ = nearest_training_images(generated[:256], images)
    return {
        "images": len(images),
        "n": n,
        "swd_model": sliced_wasserstein_distance(half_a, generated)["swd_mean"],
        "swd_model_psi07": sliced_wasserstein_distance(half_a, fakes(model.G, 0.7))["swd_mean"],
        "swd_untrained": sliced_wasserstein_distance(half_a, fakes(untrained))["swd_mean"],
        "swd_floor": sliced_wasserstein_distance(half_a, half_b)["swd_mean"],
        "nearest_rms_median": float(dist[:, 0].median()),
        "nearest_rms_min": float(dist[:, 0].min()),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--model", default=str(ROOT / "resources/models/default.safetensors"))
    p.add_argument("--data", default=str(ROOT / "data/emoji"))
    p.add_argument("--n", type=int, default=600, help="images per SWD set")
    p.add_argument("--json", help="also write the numbers here")
    args = p.parse_args()
    start = time.time()
    numbers = measure(Path(args.model), Path(args.data), args.n)
    model = load_model(args.model)
    grid = tile(render_seeds(model.G, range(64), 0.7), cols=8, pad=2)
    sample = Path(args.model).with_name(Path(args.model).stem + "-samples.png")
    Image.fromarray(grid).resize((grid.shape[1] * 2, grid.shape[0] * 2), Image.NEAREST).save(sample)
    print(json.dumps(numbers | {"seconds": round(time.time() - start, 1)}, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(numbers, indent=2))


if __name__ == "__main__":
    main()
