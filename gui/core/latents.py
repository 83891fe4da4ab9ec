"""Plain helpers about latents the browser, the library and the export dialogs share."""

from __future__ import annotations

from engine.directions import NamedDirection
from engine.latent import Edit, Latent


def describe_latent(latent: Latent) -> str:
    """A short caption: where the image came from and what was done to it."""
    if latent.ws is None:
        parts = [f"Seed {latent.seed}"]
    elif len(latent.parents) >= 2:
        parts = [f"Blend of {len(latent.parents)}"]
    elif latent.parents:
        parts = ["Child"]
    else:
        parts = ["Explicit w"]
    parts.append(f"ψ {latent.psi:.2f}")
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
