"""What an image *is*: a seed (or explicit per-layer w) plus truncation, style mixing and edits.

`Latent` is the one description shared by the browser, undo history, favourites, exported
image metadata and the command line; `latent_ws` turns it into the generator's input.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .bending import Bend

if TYPE_CHECKING:  # torch is imported when a latent is turned into ws, so the GUI can hold
    import torch  # latents before torch has loaded

    from .networks import Generator


@dataclass
class Edit:
    """Move `amount` along a direction in w, on layers start..end (inclusive; None = last)."""

    vector: list[float]
    amount: float
    start: int = 0
    end: int | None = None
    name: str = ""


@dataclass
class StyleMix:
    """Take the listed layers' w from another seed (coarse / middle / fine, or any set)."""

    seed: int
    layers: list[int]


@dataclass
class Latent:
    seed: int = 0
    psi: float = 0.7
    ws: list[list[float]] | None = None  # explicit per-layer w (bred, projected); replaces seed
    mix: StyleMix | None = None
    edits: list[Edit] = field(default_factory=list)
    parents: list[int] = field(default_factory=list)  # lineage: ids of the images it came from
    bends: list[Bend] = field(default_factory=list)  # network bending (engine/bending.py)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Latent:
        if not isinstance(data, dict):
            raise ValueError("a latent must be a JSON object")
        mix = data.get("mix")
        return cls(
            seed=int(data.get("seed", 0)),
            psi=float(data.get("psi", 1.0)),
            ws=data.get("ws"),
            mix=StyleMix(int(mix["seed"]), [int(i) for i in mix["layers"]]) if mix else None,
            edits=[Edit(**e) for e in data.get("edits", [])],
            parents=[int(p) for p in data.get("parents", [])],
            bends=[Bend.from_dict(b) for b in data.get("bends", [])],
        )

    def replace(self, **changes) -> Latent:
        return dataclasses.replace(self, **changes)


def seed_ws(G: Generator, seed: int, psi: float) -> torch.Tensor:
    from .render import z_from_seed

    z = z_from_seed(seed, G.cfg.z_dim)[None].to(G.w_avg.device)
    return G.map(z, psi)[0]


def latent_ws(G: Generator, latent: Latent) -> torch.Tensor:
    """→ ws [num_ws, w_dim] on the generator's device."""
    import torch

    with torch.no_grad():
        return _latent_ws(G, latent)


def _latent_ws(G: Generator, latent: Latent) -> torch.Tensor:
    import torch

    device = G.w_avg.device
    if latent.ws is not None:
        ws = torch.tensor(latent.ws, dtype=torch.float32, device=device)
        if ws.shape != (G.num_ws, G.cfg.w_dim):
            raise ValueError(
                f"this latent has shape {tuple(ws.shape)} but the model expects "
                f"{(G.num_ws, G.cfg.w_dim)}; it was made with a different model"
            )
    else:
        ws = seed_ws(G, latent.seed, latent.psi)
    if latent.mix is not None:
        other = seed_ws(G, latent.mix.seed, latent.psi)
        layers = [i for i in latent.mix.layers if 0 <= i < G.num_ws]
        ws = ws.clone()
        ws[layers] = other[layers]
    for edit in latent.edits:
        vec = torch.tensor(edit.vector, dtype=torch.float32, device=device)
        end = G.num_ws - 1 if edit.end is None else edit.end
        ws = ws.clone()
        ws[edit.start : end + 1] += edit.amount * vec
    return ws
