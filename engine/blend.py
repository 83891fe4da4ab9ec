"""Blending two models layer by layer (Justin Pinkney's layer swapping): the low-resolution layers
of A (shapes, pose, layout) with the high-resolution layers of B (texture, colour, detail), e.g.
a base model and its fine-tune.

Each synthesis block (and its toRGB) at resolution r takes B's weights with share t(r): 0 below
`swap_at`, 1 from it up; `smooth` > 0 makes the crossover a logistic ramp that many octaves wide.
The mapping network and w_avg follow the 4×4 block's share, so swapping at (or below) 4 px gives
B exactly and swapping above the top gives A exactly. A grown model can be blended with its base:
layers that exist in both are blended, the extra top layers come from the model that has them.
"""

from __future__ import annotations

import math

import torch

from .modelfile import LoadedModel
from .networks import Generator

FAMILY = ("z_dim", "w_dim", "mapping_layers", "channel_base", "channel_max", "img_channels")


def check_compatible(a: LoadedModel, b: LoadedModel) -> None:
    """Refuse, in one line, two models that are not of one family."""
    for name in FAMILY:
        va, vb = getattr(a.config, name), getattr(b.config, name)
        if va != vb:
            raise ValueError(
                f"{a.name} and {b.name} are built differently ({name} {va} vs {vb}); blending "
                "needs two models of one family, such as a model and its fine-tune"
            )


def share_of_b(resolution: int, swap_at: int, smooth: float) -> float:
    """B's share of the block at `resolution`."""
    if smooth <= 0:
        return 1.0 if resolution >= swap_at else 0.0
    centre = math.log2(swap_at) - 0.5  # between the last layer of A and the first of B
    return 1.0 / (1.0 + math.exp(-(math.log2(resolution) - centre) / smooth))


@torch.no_grad()
def blend_models(a: LoadedModel, b: LoadedModel, swap_at: int, smooth: float = 0.0) -> Generator:
    """A generator with A's low and B's high layers (see the module docstring)."""
    check_compatible(a, b)
    big = a if a.config.resolution >= b.config.resolution else b
    G = Generator(big.config)
    out = G.state_dict()
    sa, sb = a.G.state_dict(), b.G.state_dict()
    resolutions = G.synthesis.resolutions
    for key, value in out.items():
        if key.startswith("synthesis.blocks."):
            t = share_of_b(resolutions[int(key.split(".")[2])], swap_at, smooth)
        else:  # the mapping network and w_avg go with the coarsest layer
            t = share_of_b(4, swap_at, smooth)
        if key in sa and key in sb and sa[key].shape == sb[key].shape:
            value.copy_(sa[key] if t == 0 else sb[key] if t == 1 else sa[key].lerp(sb[key], t))
        else:  # a layer only the grown model has
            value.copy_((sa if key in sa else sb)[key])
    G.load_state_dict(out)
    G.synthesis.fade = big.G.synthesis.fade
    return G.eval().requires_grad_(False)


def blend_info(a: LoadedModel, b: LoadedModel, swap_at: int, smooth: float) -> dict:
    """The metadata a blended model file carries: both parents and the blend."""
    return {
        "name": f"Blend of {a.name} × {b.name}",
        "blend": {
            "a": {"name": a.name, "sha256": a.sha256},
            "b": {"name": b.name, "sha256": b.sha256},
            "swap_at": swap_at,
            "smooth": smooth,
        },
    }
