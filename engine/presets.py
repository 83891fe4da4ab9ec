"""Training presets (Quick / Balanced / Best), a logging schedule, and a measured speed estimate.

Presets only choose values of `TrainConfig` fields; everything they set stays editable. The speed
estimate is measured, not guessed: `measure_seconds_per_kimg` builds the real networks for the
config on the chosen device and times a few real optimisation steps on random pixels.
"""

from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass, field
from typing import Any

from .config import TrainConfig


@dataclass(frozen=True)
class Preset:
    key: str
    label: str
    description: str
    values: dict[str, Any] = field(default_factory=dict)  # TrainConfig field → value


PRESETS: dict[str, Preset] = {
    p.key: p
    for p in (
        Preset(
            "quick",
            "Quick",
            "A first look in minutes: a short run that sees your images fewer times.",
            {"kimg": 20.0, "batch": 8, "loss": "hinge", "augment": "color,translation"},
        ),
        Preset(
            "balanced",
            "Balanced",
            "Good results on a few hundred images: a longer run with full copy protection, "
            "so the model learns your style instead of memorising single images.",
            {"kimg": 100.0, "batch": 16, "loss": "ns", "augment": "color,translation,cutout"},
        ),
        Preset(
            "best",
            "Best",
            "A long run with more images per step for the cleanest result; worth it on a GPU.",
            {"kimg": 500.0, "batch": 32, "loss": "ns", "augment": "color,translation,cutout"},
        ),
    )
}
DEFAULT_PRESET = "balanced"


def apply_preset(cfg: TrainConfig, key: str) -> TrainConfig:
    """Set the preset's fields on `cfg` (in place) and return it."""
    for name, value in PRESETS[key].values.items():
        setattr(cfg, name, value)
    return cfg


def matching_preset(values: dict[str, Any]) -> str | None:
    """The preset whose fields all equal `values` (extra keys ignored), or None ("Custom")."""
    for key, preset in PRESETS.items():
        if all(values.get(k) == v for k, v in preset.values.items()):
            return key
    return None


def total_steps(cfg: TrainConfig) -> int:
    return max(1, math.ceil(cfg.kimg * 1000 / cfg.batch))


def schedule(cfg: TrainConfig, seconds_per_step: float | None = None) -> dict[str, int]:
    """How often to log, preview, checkpoint, snapshot and measure SWD, for an interactive run.

    Progress about once a second (pause and stop take effect at these yields), a preview about
    every 15 s, a checkpoint about every minute, ten snapshots and ten SWD points per run.
    Without a measured step time, 0.1 s per step is assumed.
    """
    step_s = seconds_per_step if seconds_per_step and seconds_per_step > 0 else 0.1
    steps = total_steps(cfg)

    def every(seconds: float, lo: int, hi: int) -> int:
        return int(min(max(round(seconds / step_s), lo), hi))

    log_every = every(1.0, 1, 50)
    return {
        "log_every": log_every,
        "preview_every": every(15.0, log_every, 2000),
        "checkpoint_every": every(60.0, log_every, 2000),
        "snapshot_every": max(log_every, steps // 10),
        "metric_every": max(log_every, steps // 10),
    }


def _synthetic_dataset(cfg: TrainConfig, n: int):
    import torch

    from .dataset import Dataset, DatasetReport

    r, c = cfg.data.resolution, cfg.data.channels
    gen = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (n, c, r, r), dtype=torch.uint8, generator=gen)
    report = DatasetReport("", [], n, 0, {}, {}, False, images.numel(), "synthetic")
    return Dataset(images, report)


def measure_seconds_per_kimg(cfg: TrainConfig, steps: int = 3, warmup: int = 1) -> float:
    """Seconds per thousand images for `cfg` on its device, from a few timed real steps.

    Builds the networks exactly as training would (fine-tuning loads the base model), runs
    `warmup` untimed steps and `steps` timed ones on random pixels, and writes nothing.
    The lazy-R1 step is amortised the way training amortises it.
    """
    import torch

    from .devices import pick_device
    from .training import Trainer

    cfg = copy.deepcopy(cfg)
    cfg.run_dir, cfg.kimg = "", 1e9
    if cfg.threads > 0:
        torch.set_num_threads(cfg.threads)
    device = pick_device(cfg.device)
    trainer = Trainer(cfg, _synthetic_dataset(cfg, max(cfg.batch, 8)), device)
    trainer.step = 1  # keep the first timed steps off the lazy-R1 schedule

    def sync() -> None:
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    for _ in range(warmup):
        trainer.train_step()
    sync()
    start = time.perf_counter()
    for _ in range(steps):
        trainer.train_step()
    sync()
    per_step = (time.perf_counter() - start) / steps
    if cfg.loss != "wgan-gp" and cfg.r1_interval > 0:
        trainer.step = 0  # one R1 step, amortised over the interval
        sync()
        start = time.perf_counter()
        trainer.train_step()
        sync()
        r1_step = time.perf_counter() - start
        per_step += max(r1_step - per_step, 0.0) / cfg.r1_interval
    return per_step / cfg.batch * 1000.0
