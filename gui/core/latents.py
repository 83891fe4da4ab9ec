"""Plain helpers about latents the browser, the library and the export dialogs share."""

from __future__ import annotations

from collections.abc import Mapping

from engine.breeding import latent_id
from engine.directions import NamedDirection
from engine.latent import Edit, Latent


def _short_name(latent: Latent | None) -> str | None:
    """ "seed 12" for a plain seed; None when the parent is unknown or itself made."""
    return f"seed {latent.seed}" if latent is not None and latent.ws is None else None


def _origin(latent: Latent, known: Mapping[int, Latent]) -> str:
    """Where the image came from, named by its parents where they are known."""
    if latent.ws is None:
        return f"Seed {latent.seed}"
    parents = latent.parents
    if not parents:
        return "Found image"  # an explicit w: projected or restored from a file
    if len(parents) == 1:
        name = _short_name(known.get(parents[0]))
        return f"Child of {name}" if name else "Child"
    # the seed pad's blend keeps its first corner's seed and names the four corner seeds
    if len(parents) == 4 and latent_id(Latent(seed=latent.seed, psi=latent.psi)) in parents:
        return f"Seed pad mix near seed {latent.seed}"
    names = [_short_name(known.get(p)) for p in parents]
    if all(names):
        return "Crossbreed of " + " × ".join(n for n in names if n)
    return f"Crossbreed of {len(parents)} images"


def describe_latent(latent: Latent, known: Mapping[int, Latent] | None = None) -> str:
    """A short caption: where the image came from and what was done to it.

    `known` (lineage id → latent, the library's) names the parents: "Crossbreed of seed 3 ×
    seed 7"."""
    parts = [_origin(latent, known or {})]
    parts.append(f"variety {latent.psi:.2f}")
    if latent.mix is not None:
        parts.append(f"styles from seed {latent.mix.seed} ({len(latent.mix.layers)} layers)")
    moved = [e for e in latent.edits if e.amount]
    if len(moved) == 1:
        parts.append(f"{moved[0].name or 'direction'} edited")
    elif moved:
        parts.append(f"{len(moved)} directions edited")
    return "  ·  ".join(parts)


def edits_with(
    latent: Latent, direction: NamedDirection, value: float, start: int, end: int
) -> list[Edit]:
    """The latent's edits with `direction` set to `value` σ on start..end (0 removes it).

    Other edits keep their order, so the result only differs where it should."""
    amount = round(value, 3) * direction.std
    edit = Edit(list(direction.vector), amount, start, end, direction.name)
    out, placed = [], False
    for e in latent.edits:
        if e.name == direction.name:
            placed = True
            if value:
                out.append(edit)
        else:
            out.append(e)
    if value and not placed:
        out.append(edit)
    return out
