"""How good is a model? Its metrics against real images, with references that give them meaning.

SWD (ProGAN's, ×1e3) of the model vs real images sits next to an untrained generator of the
same architecture (the ceiling) and two disjoint halves of the real images (the floor); the
nearest training image of each sample is the memorisation check; variety (metrics.variety) is
the mode-collapse check, with two halves of the real images as its reference. FID is added only
when the user passes a local Inception-v3 weights file (engine/fid.py).
"""

from __future__ import annotations

from pathlib import Path

import torch

from .config import DataConfig
from .dataset import scan_folder
from .metrics import nearest_training_images, sliced_wasserstein_distance, variety
from .modelfile import load_model
from .networks import Generator
from .render import render_seeds

SAMPLE_SEEDS_FROM = 10**6  # far from the seeds a person browses first


def evaluate_model(
    model_path: Path | str, data_dir: Path | str, n: int = 600, inception: Path | str | None = None
) -> dict:
    """Metrics of the model at `model_path` against the images in `data_dir` (n per set)."""
    model = load_model(model_path)
    cfg = model.config
    reals = scan_folder(data_dir, DataConfig(resolution=cfg.resolution, rgba=cfg.img_channels == 4))
    images = reals.images
    n = min(n, len(images) // 2)
    if n < 2:
        raise ValueError(f"{data_dir} has too few usable images to measure against ({len(images)})")
    perm = torch.randperm(len(images), generator=torch.Generator().manual_seed(0))
    half_a, half_b = images[perm[:n]], images[perm[n : 2 * n]]
    seeds = range(SAMPLE_SEEDS_FROM, SAMPLE_SEEDS_FROM + n)

    def fakes(G: Generator, psi: float = 1.0) -> torch.Tensor:
        return torch.from_numpy(render_seeds(G, seeds, psi)).permute(0, 3, 1, 2)

    def swd(a: torch.Tensor, b: torch.Tensor) -> float:
        return sliced_wasserstein_distance(a, b)["swd_mean"]

    torch.manual_seed(0)
    untrained = Generator(cfg).eval()
    generated = fakes(model.G)
    dist, _ = nearest_training_images(generated[:256], images)
    model_variety = variety(half_a, generated)
    result = {
        "model": model.name,
        "images": len(images),
        "n": n,
        "swd_model": swd(half_a, generated),
        "swd_model_psi07": swd(half_a, fakes(model.G, 0.7)),
        "swd_untrained": swd(half_a, fakes(untrained)),
        "swd_floor": swd(half_a, half_b),
        "spread_real": model_variety["spread_real"],
        "spread_model": model_variety["spread_samples"],
        "coverage_model": model_variety["coverage"],
        "coverage_floor": variety(half_a, half_b)["coverage"],
        "nearest_rms_median": float(dist[:, 0].median()),
        "nearest_rms_min": float(dist[:, 0].min()),
    }
    if inception is not None:
        from .fid import fid, load_inception

        net = load_inception(inception)
        result |= {"fid_model": fid(net, half_a, generated), "fid_floor": fid(net, half_a, half_b)}
    return result
