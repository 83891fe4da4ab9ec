"""Turning latents into pixels: seeds → z → w → uint8 images, and image grids."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import torch

from .networks import Generator

if TYPE_CHECKING:
    from .latent import Latent


def z_from_seed(seed: int, z_dim: int) -> torch.Tensor:
    """The same seed gives the same z on every machine (CPU generator, float32)."""
    gen = torch.Generator().manual_seed(int(seed) & 0xFFFF_FFFF_FFFF_FFFF)
    return torch.randn(z_dim, generator=gen)


def z_from_seeds(seeds: Sequence[int], z_dim: int) -> torch.Tensor:
    return torch.stack([z_from_seed(s, z_dim) for s in seeds])


def to_uint8(img: torch.Tensor) -> np.ndarray:
    """[B, C, H, W] in about [-1, 1] → [B, H, W, C] uint8."""
    img = (img.float() * 127.5 + 128).clamp(0, 255).to(torch.uint8)
    return img.permute(0, 2, 3, 1).cpu().numpy()


@torch.no_grad()
def render_ws(G: Generator, ws: torch.Tensor, batch: int = 32) -> np.ndarray:
    device = G.w_avg.device
    out = [to_uint8(G.synthesis(ws[i : i + batch].to(device))) for i in range(0, len(ws), batch)]
    return np.concatenate(out)


@torch.no_grad()
def render_seeds(G: Generator, seeds: Sequence[int], psi: float = 1.0) -> np.ndarray:
    z = z_from_seeds(seeds, G.cfg.z_dim).to(G.w_avg.device)
    return render_ws(G, G.map(z, psi))


def tile(images: np.ndarray, cols: int | None = None, pad: int = 0, fill: int = 255) -> np.ndarray:
    """[N, H, W, C] → one grid image (rows × cols), padded between cells."""
    n, h, w, c = images.shape
    cols = cols or int(np.ceil(np.sqrt(n)))
    rows = int(np.ceil(n / cols))
    grid = np.full((rows * (h + pad) - pad, cols * (w + pad) - pad, c), fill, np.uint8)
    for i, img in enumerate(images):
        r, q = divmod(i, cols)
        grid[r * (h + pad) : r * (h + pad) + h, q * (w + pad) : q * (w + pad) + w] = img
    return grid


def parse_seeds(text: str) -> list[int]:
    """'0-15', '1,2,7', '3-5,9' → seeds; plain errors for anything else."""
    seeds: list[int] = []
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        lo, sep, hi = part.partition("-")
        try:
            if sep:
                a, b = int(lo), int(hi)
                if b < a or b - a > 100_000:
                    raise ValueError
                seeds.extend(range(a, b + 1))
            else:
                seeds.append(int(part))
        except ValueError:
            raise ValueError(f"cannot read seeds {text!r}: use e.g. 0-15 or 1,2,7") from None
    if not seeds:
        raise ValueError(f"no seeds in {text!r}")
    return seeds


@torch.no_grad()
def render_latents(G: Generator, latents: Sequence[Latent], batch: int = 32) -> np.ndarray:
    """Each latent's image, its network bends applied (latents that share bends render
    together, so a grid without bends is one batch as before)."""
    from .bending import bent
    from .latent import latent_ws

    out: list[np.ndarray | None] = [None] * len(latents)
    groups: dict[tuple, list[int]] = {}
    for i, lat in enumerate(latents):
        groups.setdefault(tuple(lat.bends), []).append(i)
    for bends, idx in groups.items():
        ws = torch.stack([latent_ws(G, latents[i]) for i in idx])
        with bent(G, bends):
            for i, image in zip(idx, render_ws(G, ws, batch), strict=True):
                out[i] = image
    return np.stack(out)
