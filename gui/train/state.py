"""What the Train panel is set to and doing: observable state, and the TrainConfig it makes.

Widgets bind to `TrainState` (gui.core.state.Property/bind); `build_config` turns the state into the
one request object that crosses into the engine. Choosing a preset sets its fields; editing one
of those fields by hand shows the preset as "custom".
"""

from __future__ import annotations

import os
from enum import Enum
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from engine.config import DataConfig, TrainConfig
from engine.presets import DEFAULT_PRESET, PRESETS, apply_preset, matching_preset, schedule

from ..core.state import Property

RESOLUTIONS = (16, 32, 64, 128, 256, 512)
BATCHES = (2, 4, 8, 16, 32, 64)
CUSTOM = "custom"
# START_DEFAULT: the bundled model whose pictures are closest to the folder (engine.bases);
# START_BUNDLED + path: one bundled model the artist picked instead
START_DEFAULT, START_FILE, START_SCRATCH = "default", "file", "scratch"
START_BUNDLED = "bundled:"
SMALL_FOLDER = 100  # fewer accepted images than this: warn about memorisation


class Phase(str, Enum):
    IDLE = "idle"  # no folder yet
    SCANNING = "scanning"
    READY = "ready"  # a usable folder is scanned
    UNUSABLE = "unusable"  # the folder has no usable images
    STARTING = "starting"  # worker started, no progress yet
    TRAINING = "training"
    PAUSING = "pausing"
    PAUSED = "paused"
    STOPPING = "stopping"

    @property
    def busy(self) -> bool:
        """A training worker exists."""
        return self in (Phase.STARTING, Phase.TRAINING, Phase.PAUSING, Phase.PAUSED, Phase.STOPPING)


def _preset_fields() -> tuple[str, ...]:
    return tuple(dict.fromkeys(k for p in PRESETS.values() for k in p.values))


def _clean_resolution(_obj: Any, value: int) -> int:
    value = int(value)
    if value not in RESOLUTIONS:
        raise ValueError(f"resolution must be one of {RESOLUTIONS}")
    return value


def _positive_float(_obj: Any, value: float) -> float:
    return max(float(value), 0.001)


class TrainState(QObject):
    folder_changed = Signal(str)
    crop_changed = Signal(str)
    resolution_changed = Signal(int)
    start_from_changed = Signal(str)
    base_file_changed = Signal(str)
    auto_base_changed = Signal(str)
    preset_changed = Signal(str)
    kimg_changed = Signal(float)
    batch_changed = Signal(int)
    loss_changed = Signal(str)
    augment_changed = Signal(str)
    ada_target_changed = Signal(float)
    lr_changed = Signal(float)
    mirror_changed = Signal(bool)
    freeze_d_changed = Signal(int)
    keep_variety_changed = Signal(float)
    ema_kimg_changed = Signal(float)
    seed_changed = Signal(int)
    device_changed = Signal(str)
    output_dir_changed = Signal(str)
    phase_changed = Signal(object)
    seconds_per_kimg_changed = Signal(object)  # float | None

    folder = Property("")
    crop = Property("center")
    resolution = Property(64, _clean_resolution)
    start_from = Property(START_SCRATCH)
    base_file = Property("")
    auto_base = Property("")  # the bundled model chosen for this folder; "" until measured
    preset = Property(DEFAULT_PRESET)
    kimg = Property(PRESETS[DEFAULT_PRESET].values["kimg"], _positive_float)
    batch = Property(PRESETS[DEFAULT_PRESET].values["batch"])
    loss = Property(PRESETS[DEFAULT_PRESET].values["loss"])
    augment = Property(PRESETS[DEFAULT_PRESET].values["augment"])
    ada_target = Property(0.6)
    lr = Property(0.0025, _positive_float)
    mirror = Property(True)
    freeze_d = Property(0)
    keep_variety = Property(TrainConfig.keep_variety)
    ema_kimg = Property(2.5, _positive_float)
    seed = Property(0)
    device = Property("auto")
    output_dir = Property("")
    phase = Property(Phase.IDLE)
    seconds_per_kimg = Property(None)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._applying = False
        self.preset_changed.connect(self._apply_preset)
        for name in _preset_fields():
            getattr(self, f"{name}_changed").connect(self._match_preset)

    def _apply_preset(self, key: str) -> None:
        if key == CUSTOM:
            return
        self._applying = True
        try:
            for name, value in PRESETS[key].values.items():
                setattr(self, name, value)
        finally:
            self._applying = False

    def _match_preset(self, *_: object) -> None:
        if self._applying:
            return
        values = {name: getattr(self, name) for name in _preset_fields()}
        self.preset = matching_preset(values) or CUSTOM

    def preset_values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _preset_fields()}


def default_threads() -> int:
    """Leave one core to the window (and whatever else runs) while training on the CPU."""
    return max(1, (os.cpu_count() or 2) - 1)


def base_model(state: TrainState, default_model: Path | None = None) -> str | None:
    """The model file a run starts from, or None (from scratch)."""
    if state.start_from == START_DEFAULT:
        return state.auto_base or (str(default_model) if default_model else None)
    if state.start_from.startswith(START_BUNDLED):
        return state.start_from.removeprefix(START_BUNDLED)
    if state.start_from == START_FILE:
        return state.base_file or None
    return None


def build_config(
    state: TrainState,
    default_model: Path | None = None,
    overrides: dict | None = None,
    threads: int = 0,
) -> TrainConfig:
    """The TrainConfig for what the panel shows (run_dir is state.output_dir); `threads` 0:
    default_threads()."""
    base = base_model(state, default_model)
    cfg = TrainConfig(
        data_dir=state.folder,
        run_dir=state.output_dir,
        data=DataConfig(resolution=state.resolution, crop=state.crop),
        base_model=base,
        freeze_d=state.freeze_d if base else 0,
        keep_variety=state.keep_variety if base else 0.0,
        lr_g=state.lr,
        lr_d=state.lr,
        mirror=state.mirror,
        ada_target=state.ada_target if state.augment else None,
        ema_kimg=state.ema_kimg,
        seed=state.seed,
        device=state.device,
        threads=threads or default_threads(),
    )
    if state.preset != CUSTOM:
        apply_preset(cfg, state.preset)
    for name, value in state.preset_values().items():
        setattr(cfg, name, value)
    step_s = None
    if state.seconds_per_kimg:
        step_s = state.seconds_per_kimg * cfg.batch / 1000
    for name, value in schedule(cfg, step_s).items():
        setattr(cfg, name, value)
    for name, value in (overrides or {}).items():
        setattr(cfg, name, value)
    return cfg
