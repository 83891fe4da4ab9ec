"""New images from old ones, all in w: seed-lattice blends, mutations, crossbreeds, mixes.

Each operation is a small recipe dataclass (plain data, JSON-friendly) whose `resolve(G)`
returns the resulting `Latent`s with explicit per-layer ws and the ids of the images it came
from in `parents`. The browser sends recipes to its render thread, which resolves and renders
them in one step, so the UI thread never touches torch.

Definitions (ws are [num_ws, w_dim], truncated with the image's ψ):

- seed lattice (StyleGAN3 visualizer's latent widget): the point (x, y) blends the w of the
  four surrounding integer seeds `i + j * step` with bilinear weights;
- mutation (Artbreeder's "children"): `parent_ws + strength * (seed_ws(seed, ψ) − parent_ws)`,
  a step of `strength` towards a random image drawn from the mapping network;
- crossbreed: every layer takes the w of one parent (chosen at random), then moves by `blend`
  towards the parents' mean on that layer (0 = pure per-layer choice, 1 = plain average);
- retruncation: `w_avg + (ψ_new / ψ_old) * (ws − w_avg)` — exact for all of the above, since
  they are linear in truncated ws.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .latent import Latent, latent_ws, seed_ws

if TYPE_CHECKING:  # recipes are plain data; torch is needed only to resolve them
    import torch

    from .networks import Generator

MAX_SEED = 2**31 - 1
LATTICE_STEP = 100  # seeds per row of the seed lattice (as the StyleGAN3 visualizer)


def latent_id(latent: Latent) -> int:
    """A stable id for a latent (its content hashed): what `Latent.parents` refers to."""
    text = json.dumps(latent.to_dict(), sort_keys=True, separators=(",", ":"))
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:6], "big")  # 48 bits: JSON-safe


def layer_blocks(num_ws: int) -> list[int]:
    """The synthesis block (0 = 4×4, 1 = 8×8, …) each of the num_ws layers mostly drives."""
    blocks = num_ws // 2
    return [min((i + 1) // 2, blocks - 1) for i in range(num_ws)]


def layer_groups(num_ws: int) -> dict[str, list[int]]:
    """Coarse (pose, shape), middle (features) and fine (colour, texture) layer indices.

    StyleGAN's split by resolution — coarse 4–8 px, middle 16–32 px, fine 64 px and up — with
    small models keeping at least one block in each group.
    """
    per_layer = layer_blocks(num_ws)
    n = max(per_layer) + 1
    coarse = min(2, max(1, n - 2))
    middle = max(0, min(2, n - coarse - 1))
    groups: dict[str, list[int]] = {"coarse": [], "middle": [], "fine": []}
    for i, block in enumerate(per_layer):
        name = "coarse" if block < coarse else "middle" if block < coarse + middle else "fine"
        groups[name].append(i)
    return groups


def lattice_seeds(x: float, y: float, step: int = LATTICE_STEP) -> list[tuple[int, float]]:
    """The (seed, weight) pairs of the lattice corners around (x, y); weights sum to 1."""
    out = []
    fx, fy = math.floor(x), math.floor(y)
    for ox, oy in ((0, 0), (1, 0), (0, 1), (1, 1)):
        sx, sy = fx + ox, fy + oy
        weight = (1 - abs(x - sx)) * (1 - abs(y - sy))
        if weight > 1e-9:
            out.append((lattice_seed(sx, sy, step), weight))
    return out


def lattice_seed(i: int, j: int, step: int = LATTICE_STEP) -> int:
    """The seed at integer lattice point (i, j), wrapped into 0..2³¹−1."""
    return (int(i) + int(j) * step) % (MAX_SEED + 1)


def lattice_point(seed: int, step: int = LATTICE_STEP) -> tuple[float, float]:
    """Where a seed sits on the lattice (the inverse of `lattice_seed`)."""
    j, i = divmod(int(seed), step)
    return float(i), float(j)


def _explicit(ws: torch.Tensor, psi: float, parents: list[int], seed: int = 0) -> Latent:
    return Latent(seed=seed, psi=float(psi), ws=ws.float().cpu().tolist(), parents=parents)


@dataclass
class SeedBlend:
    """A point on the seed lattice: bilinear blend of the four nearest seeds' w."""

    x: float
    y: float
    psi: float
    step: int = LATTICE_STEP

    def resolve(self, G: Generator) -> list[Latent]:
        corners = lattice_seeds(self.x, self.y, self.step)
        ws = sum(weight * seed_ws(G, seed, self.psi) for seed, weight in corners)
        if len(corners) == 1:  # exactly on a lattice point: the plain seed
            return [Latent(seed=corners[0][0], psi=float(self.psi))]
        parents = [latent_id(Latent(seed=s, psi=float(self.psi))) for s, _ in corners]
        return [_explicit(ws, self.psi, parents, seed=corners[0][0])]


@dataclass
class Mutation:
    """Children of `parent`: one per seed, `strength` of the way to that seed's image."""

    parent: Latent
    strength: float
    seeds: list[int]

    def resolve(self, G: Generator) -> list[Latent]:
        base = latent_ws(G, self.parent)
        pid = [latent_id(self.parent)]
        return [
            _explicit(
                base.lerp(seed_ws(G, s, self.parent.psi), self.strength), self.parent.psi, pid
            )
            for s in self.seeds
        ]


def crossbreed_choice(num_ws: int, parents: int, seed: int) -> list[int]:
    """Which parent each layer comes from; every parent gives at least one layer if it can."""
    rng = random.Random(seed)
    for _ in range(32):
        choice = [rng.randrange(parents) for _ in range(num_ws)]
        if len(set(choice)) == min(parents, num_ws):
            return choice
    return [i % parents for i in range(num_ws)]


@dataclass
class Crossbreed:
    """Children of two or more parents: per-layer choice, then `blend` towards their mean."""

    parents: list[Latent]
    seeds: list[int]
    blend: float = 0.0

    def resolve(self, G: Generator) -> list[Latent]:
        import torch

        if len(self.parents) < 2:
            raise ValueError("crossbreeding needs at least two parents")
        all_ws = torch.stack([latent_ws(G, p) for p in self.parents])  # [P, L, C]
        mean = all_ws.mean(0)
        psi = sum(p.psi for p in self.parents) / len(self.parents)
        ids = [latent_id(p) for p in self.parents]
        layers = torch.arange(G.num_ws)
        out = []
        for s in self.seeds:
            choice = torch.tensor(crossbreed_choice(G.num_ws, len(self.parents), s))
            picked = all_ws[choice, layers]  # [L, C]
            out.append(_explicit(picked.lerp(mean, self.blend), psi, ids))
        return out


@dataclass
class Retruncate:
    """The same image at another ψ (explicit ws are scaled about w_avg)."""

    latent: Latent
    psi: float

    def resolve(self, G: Generator) -> list[Latent]:
        lat = self.latent
        if lat.ws is None or abs(lat.psi) < 1e-3:
            return [lat.replace(psi=float(self.psi))]  # seeds re-truncate by themselves
        import torch

        ws = torch.tensor(lat.ws, dtype=torch.float32, device=G.w_avg.device)
        ws = G.w_avg + (ws - G.w_avg) * (self.psi / lat.psi)
        return [lat.replace(ws=ws.cpu().tolist(), psi=float(self.psi))]


@dataclass
class Interpolation:
    """`frames` images looping through the keys: slerp in z for plain seeds, else lerp in w."""

    keys: list[Latent]
    frames: int
    mode: str = "z"

    def resolve(self, G: Generator) -> list[Latent]:
        from .animation import loop_ws

        ws = loop_ws(G, self.keys, self.frames, self.mode)
        parents = [latent_id(k) for k in self.keys]
        psi = sum(k.psi for k in self.keys) / len(self.keys)
        return [_explicit(w, psi, parents) for w in ws]


Recipe = SeedBlend | Mutation | Crossbreed | Retruncate | Interpolation


def resolve(G: Generator, item: Latent | Recipe) -> list[Latent]:
    """A latent stands for itself; a recipe becomes the latents it describes."""
    if isinstance(item, Latent):
        return [item]
    return item.resolve(G)
