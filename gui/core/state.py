"""Observable view-state: the single source of truth that widgets bind to.

A `Property` on a QObject emits `<name>_changed` only when the value really changes (as
krita-ai-diffusion's `Property` does), and `bind` connects one to a widget both ways, so
widgets show the state and edit it but never hold the truth themselves.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from engine.latent import Latent  # plain data: importing it does not import torch

GRID_SIZE = 16
MAX_SEED = 2**31 - 1
DEFAULT_PSI = 0.7
PSI_MIN, PSI_MAX = -1.0, 2.0


class ModelStatus(str, Enum):
    NONE = "none"  # nothing loaded and nothing being loaded
    LOADING = "loading"
    READY = "ready"


@dataclass(frozen=True)
class ModelInfo:
    """What the GUI knows about the loaded model (plain data, no torch)."""

    name: str
    path: str
    resolution: int
    channels: int
    z_dim: int
    w_dim: int
    num_ws: int
    sha256: str

    @property
    def display_name(self) -> str:
        """The model's own name, with its file name when that says something else."""
        stem = Path(self.path).stem
        return self.name if self.name == stem else f"{self.name} ({Path(self.path).name})"

    @property
    def summary(self) -> str:
        return f"{self.display_name} · {self.resolution}×{self.resolution} px"


class Property:
    """A value stored on a QObject; setting it emits `<name>_changed(value)` only on change.

    `coerce(obj, value)` may normalise or validate the value before the comparison.
    """

    def __init__(self, default: Any, coerce: Callable[[Any, Any], Any] | None = None):
        self.default = default
        self.coerce = coerce
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: QObject | None, objtype: type | None = None) -> Any:
        if obj is None:
            return self
        return obj.__dict__.get(self.name, self.default)

    def __set__(self, obj: QObject, value: Any) -> None:
        if self.coerce is not None:
            value = self.coerce(obj, value)
        if value == self.__get__(obj):
            return
        obj.__dict__[self.name] = value
        getattr(obj, f"{self.name}_changed").emit(value)


def bind(
    model: QObject,
    name: str,
    widget: QObject,
    setter: str = "setValue",
    signal: str = "valueChanged",
) -> None:
    """Show `model.<name>` in `widget` and write the widget's edits back to the model."""
    getattr(widget, setter)(getattr(model, name))
    getattr(model, f"{name}_changed").connect(getattr(widget, setter))
    getattr(widget, signal).connect(lambda value: setattr(model, name, value))


def _clean_seeds(_obj: BrowseState, seeds: Sequence[int]) -> tuple[int, ...]:
    seeds = tuple(int(s) for s in seeds)
    if len(seeds) != GRID_SIZE:
        raise ValueError(f"expected {GRID_SIZE} seeds, got {len(seeds)}")
    if any(not 0 <= s <= MAX_SEED for s in seeds):
        raise ValueError(f"seeds must lie in 0..{MAX_SEED}")
    return seeds


def _clean_index(_obj: BrowseState, index: int) -> int:
    return min(max(int(index), 0), GRID_SIZE - 1)


def _clean_psi(_obj: BrowseState, psi: float) -> float:
    return round(min(max(float(psi), PSI_MIN), PSI_MAX), 3)


def _clean_latent(_obj: BrowseState, latent: Latent) -> Latent:
    if not isinstance(latent, Latent):
        raise TypeError(f"the current image must be a Latent, not {type(latent).__name__}")
    return latent


def _clean_point(_obj: BrowseState, point: Sequence[float]) -> tuple[float, float]:
    x, y = point
    return (float(x), float(y))


class BrowseState(QObject):
    """What the Browse view shows: 16 seeds, the selected cell, truncation ψ, the model,
    and the current image — a `Latent` that the preview, the panels and the history share."""

    seeds_changed = Signal(object)  # tuple[int, ...]
    selected_changed = Signal(int)
    selected_seed_changed = Signal(int)  # derived: seeds[selected]
    psi_changed = Signal(float)
    model_changed = Signal(object)  # ModelInfo | None
    status_changed = Signal(object)  # ModelStatus
    message_changed = Signal(str)  # shown where the images would be (loading, no model)
    render_ms_changed = Signal(object)  # float | None
    current_changed = Signal(object)  # Latent: the image in the preview, being edited
    pad_changed = Signal(object)  # (x, y): where the seed pad is, in lattice units
    grid_edits_changed = Signal(object)  # tuple[Edit, ...]: applied to every grid image

    seeds = Property(tuple(range(GRID_SIZE)), _clean_seeds)
    selected = Property(0, _clean_index)
    psi = Property(DEFAULT_PSI, _clean_psi)
    model = Property(None)
    status = Property(ModelStatus.NONE)
    message = Property("")
    render_ms = Property(None)
    current = Property(Latent(seed=0, psi=DEFAULT_PSI), _clean_latent)
    pad = Property((0.0, 0.0), _clean_point)
    # edits every grid cell carries ("More like this" pushes samples along the liked direction)
    grid_edits = Property((), lambda _obj, edits: tuple(edits))

    def __init__(self, parent: QObject | None = None, rng: random.Random | None = None):
        super().__init__(parent)
        self._rng = rng or random.Random()
        self._last_selected_seed = self.selected_seed
        self.seeds_changed.connect(self._update_selected_seed)
        self.selected_changed.connect(self._update_selected_seed)

    @property
    def selected_seed(self) -> int:
        return self.seeds[self.selected]

    @selected_seed.setter
    def selected_seed(self, seed: int) -> None:
        self.set_seed(self.selected, seed)

    def set_seed(self, index: int, seed: int) -> None:
        seeds = list(self.seeds)
        seeds[index] = seed
        self.seeds = seeds

    def cell_latent(self, index: int) -> Latent:
        """The image grid cell `index` shows: its seed at ψ, plus the grid's edits."""
        return Latent(seed=self.seeds[index], psi=self.psi, edits=list(self.grid_edits))

    def grid_latents(self) -> tuple[Latent, ...]:
        return tuple(self.cell_latent(i) for i in range(len(self.seeds)))

    def new_seeds(self) -> None:
        """Replace all 16 seeds with fresh random ones (distinct)."""
        self.seeds = self._rng.sample(range(MAX_SEED + 1), GRID_SIZE)

    def _update_selected_seed(self, *_: object) -> None:
        seed = self.selected_seed
        if seed != self._last_selected_seed:
            self._last_selected_seed = seed
            self.selected_seed_changed.emit(seed)
