"""Network bending (Broad, Leymarie and Grierson 2021): transform the generator's feature maps at a
chosen layer while rendering — effects no latent can reach, with no retraining.

A `Bend` names a synthesis block (0 = the 4×4 block, the coarsest), an operation and a strength;
strength 0 leaves the image exactly as it was. Bends are part of an image's `Latent`, so they are
in undo/redo, favourites and the embedded record, and `restore` re-applies them bit for bit.

Operations (each on the block's features, all channels):
  scale      zoom about the centre by 1 + strength (negative shrinks)
  rotate     turn by strength × 180°
  translate  shift right by strength × half the width (negative: left)
  erode      blend towards a 3×3 minimum (thins bright features)
  dilate     blend towards a 3×3 maximum (thickens them)
  invert     flip the features' sign, by strength (1 = fully inverted)
  mute       switch the features off, by strength (1 = the layer adds nothing new)
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch

    from .networks import Generator

OPS = ("scale", "rotate", "translate", "erode", "dilate", "invert", "mute")
MAX_STRENGTH = 4.0


@dataclass(frozen=True)
class Bend:
    layer: int
    op: str
    strength: float

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Bend:
        op, layer, strength = data.get("op"), data.get("layer"), data.get("strength")
        if op not in OPS:
            raise ValueError(f"unknown bend {op!r}; choose from {', '.join(OPS)}")
        if not isinstance(layer, int) or layer < 0:
            raise ValueError(f"a bend's layer must be a block number from 0, not {layer!r}")
        if not isinstance(strength, (int, float)) or not math.isfinite(strength):
            raise ValueError(f"a bend's strength must be a number, not {strength!r}")
        return cls(layer, op, max(-MAX_STRENGTH, min(MAX_STRENGTH, float(strength))))


def _affine(x: torch.Tensor, theta: torch.Tensor) -> torch.Tensor:
    import torch.nn.functional as F

    grid = F.affine_grid(theta.expand(x.shape[0], 2, 3).to(x), list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def apply_bend(x: torch.Tensor, bend: Bend) -> torch.Tensor:
    """One bend on features [B, C, H, W]; strength 0 returns x itself."""
    import torch
    import torch.nn.functional as F

    s = bend.strength
    if s == 0:
        return x
    if bend.op == "scale":
        zoom = max(1 + s, 0.05)  # the sampling grid shrinks by the zoom
        return _affine(x, torch.tensor([[1 / zoom, 0.0, 0.0], [0.0, 1 / zoom, 0.0]]))
    if bend.op == "rotate":
        a = s * math.pi
        c, n = math.cos(a), math.sin(a)
        return _affine(x, torch.tensor([[c, -n, 0.0], [n, c, 0.0]]))
    if bend.op == "translate":
        return _affine(x, torch.tensor([[1.0, 0.0, -s], [0.0, 1.0, 0.0]]))
    if bend.op in ("erode", "dilate"):
        pooled = F.max_pool2d(x if bend.op == "dilate" else -x, 3, stride=1, padding=1)
        pooled = pooled if bend.op == "dilate" else -pooled
        return torch.lerp(x, pooled, min(abs(s), 1.0))
    if bend.op == "invert":
        return x * (1 - 2 * min(abs(s), 1.0))
    if bend.op == "mute":
        return x * (1 - min(abs(s), 1.0))
    raise ValueError(f"unknown bend {bend.op!r}")


@contextmanager
def bent(G: Generator, bends: Sequence[Bend]) -> Iterator[None]:
    """Render with `bends` applied inside the `with` block; bends on layers the model does not
    have are ignored (a smaller model)."""
    blocks = len(G.synthesis.blocks)
    by_layer: dict[int, list[Bend]] = {}
    for bend in bends:
        if bend.layer < blocks and bend.strength != 0:
            by_layer.setdefault(bend.layer, []).append(bend)

    def chain(stack: list[Bend]):
        def run(x):
            for b in stack:
                x = apply_bend(x, b)
            return x

        return run

    previous = G.synthesis.bends
    G.synthesis.bends = {layer: chain(stack) for layer, stack in by_layer.items()}
    try:
        yield
    finally:
        G.synthesis.bends = previous
