"""Plain, JSON-serialisable request objects that cross from the GUI/CLI into the engine."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from typing import Any, Literal

CropMode = Literal["center", "pad", "stretch"]

# The architectures Ganvas accepts, (lowest, highest) per field: a model file outside them is
# refused (modelfile.py), so the CLI refuses to train one (cli.py).
MODEL_LIMITS: dict[str, tuple[int, int]] = {
    "z_dim": (1, 2048),
    "w_dim": (1, 2048),
    "mapping_layers": (1, 16),
    "channel_base": (16, 1 << 16),
    "channel_max": (8, 1024),
    "d_channel_min": (8, 1024),
    "mbstd_group": (1, 64),
}
TRUNCATION_RANGE = (-1.0, 2.0)  # ψ: beyond these the images are noise
LossKind = Literal["ns", "hinge", "wgan-gp"]


def default_threads() -> int:
    """CPU threads for torch: every core this process may use but one, left to the window (or
    whatever else runs); torch's one-per-core default oversubscribes a busy machine."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        cores = os.cpu_count() or 2
    return max(1, cores - 1)


def _from_dict(cls, data: dict[str, Any]):
    """Build a dataclass from a dict, ignoring unknown keys and converting nested dataclasses."""
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.name not in data:
            continue
        value = data[f.name]
        sub = f.default_factory if f.default_factory is not dataclasses.MISSING else None
        if dataclasses.is_dataclass(sub) and isinstance(value, dict):
            value = _from_dict(sub, value)
        elif isinstance(value, list) and isinstance(f.default, tuple):
            value = tuple(value)
        kwargs[f.name] = value
    return cls(**kwargs)


@dataclass
class DataConfig:
    """How a folder of images becomes a training tensor."""

    resolution: int = 64  # power of two, 16..1024
    crop: CropMode = "center"
    background: tuple[int, int, int] = (255, 255, 255)  # alpha is composited onto this
    rgba: bool = False  # keep alpha as a 4th channel instead of compositing
    min_size: int = 16  # shortest side in pixels; smaller images are skipped
    max_pixels: int = 178_956_970  # larger images are treated as decompression bombs
    max_cache_mb: int = 4096  # the uint8 cache may not grow beyond this

    @property
    def channels(self) -> int:
        return 4 if self.rgba else 3

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DataConfig:
        return _from_dict(cls, data)


@dataclass
class ModelConfig:
    """Architecture of a generator/discriminator pair; stored in every model file."""

    resolution: int = 64
    img_channels: int = 3
    z_dim: int = 128
    w_dim: int = 128
    mapping_layers: int = 4
    # channels at resolution r: min(channel_base // r, channel_max). 1024 is sized for CPUs: it
    # trains 2.4x the images per second of 2048 (BENCHMARKS.md, efficiency) and is the default
    # model's width, so from-scratch and fine-tuned runs share one architecture
    channel_base: int = 1024
    channel_max: int = 128
    d_channel_min: int = 8  # the discriminator's narrowest (highest-resolution) layers
    mbstd_group: int = 4

    def channels_at(self, res: int) -> int:
        return max(min(self.channel_base // res, self.channel_max), 8)

    def d_channels_at(self, res: int) -> int:
        return max(self.channels_at(res), self.d_channel_min)

    @property
    def num_ws(self) -> int:
        # one w per conv layer plus one for the last toRGB (StyleGAN2 counting)
        return 2 * (self.resolution.bit_length() - 1) - 2

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelConfig:
        return _from_dict(cls, data)


# FreezeD (Mo et al. 2020) for a new fine-tune unless the artist says otherwise: on the
# own-folders benchmark 2 frozen blocks trained ~20 % more images per minute at no loss of
# quality (BENCHMARKS.md, own folders, 2026-12-04)
FINE_TUNE_FREEZE_D = 2


@dataclass
class TrainConfig:
    """Everything a training run needs; written to run.json and into every checkpoint."""

    data_dir: str = ""
    run_dir: str = ""
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    base_model: str | None = None  # .safetensors to fine-tune from
    # number of discriminator blocks (from the input side) kept frozen; new fine-tunes from the
    # CLI and the train panel start at FINE_TUNE_FREEZE_D
    freeze_d: int = 0
    # fine-tuning only: weight of the loss that keeps the base model's variety (losses.py); without
    # it a fine-tune on 120 emoji faces drew one expression for every seed within 8 kimg
    # (BENCHMARKS.md, "fine-tuning variety"); 1000 kept too much of the base's shapes
    keep_variety: float = 100.0
    # growing a base model to twice its resolution: images over which the new top layers fade in
    fade_kimg: float = 10.0
    # self-supervised discriminator (networks.ReconstructionDecoder): weight of its L1 loss
    # for redrawing the real image from D's 8x8 features; 0 = off
    recon: float = 0.0
    # LeCam regularisation weight (losses.lecam_penalty); 0 = off
    lecam: float = 0.0
    # adaptive pseudo augmentation (Jiang et al. 2021): while D is overconfident on reals
    # (ADA's heuristic above this target), show it that share of fakes labelled real; None = off
    apa_target: float | None = None
    # weight of a second, small discriminator that judges the images shrunk to COARSE_D_PX: the
    # layout and colours, the level where fine-tunes on artists' folders stayed furthest from
    # them (BENCHMARKS.md, own folders); 0 = off
    coarse_d: float = 0.0
    kimg: float = 100.0  # training length in thousands of real images shown to D
    batch: int = 16
    loss: LossKind = "ns"
    lr_g: float = 0.0025
    lr_d: float = 0.0025
    # factor on the mapping network's learning rate, on top of its fixed 0.01 (StyleGAN's lr_mul,
    # made for runs of thousands of kimg): in a short fine-tune the mapping barely moves, so every
    # seed keeps the base's layout
    mapping_lr: float = 1.0
    r1_gamma: float | None = None  # None: heuristic from resolution and batch
    r1_interval: int = 16
    gp_lambda: float = 10.0
    style_mixing: float = 0.9
    mirror: bool = True
    augment: str = "color,translation,cutout"  # DiffAugment policies, "" disables
    ada_target: float | None = 0.6  # None: fixed augment probability `aug_p`
    aug_p: float = 0.0
    ada_kimg: float = 20.0  # images needed to move p from 0 to 1
    ema_kimg: float = 2.5  # EMA half-life in thousands of images
    ema_rampup: float | None = 0.05
    device: str = "auto"
    precision: Literal["auto", "fp32", "bf16", "fp16"] = "auto"  # engine.devices.autocast_dtype
    channels_last: bool | None = None  # None: on CUDA only (engine.devices.use_channels_last)
    seed: int = 0
    threads: int = 0  # CPU threads for torch; 0 leaves torch's default
    log_every: int = 20  # steps between progress lines in stats.jsonl
    preview_every: int = 200  # steps between preview grids
    snapshot_every: int = 2000  # steps between snapshot .safetensors files
    checkpoint_every: int = 200  # steps between checkpoints/latest.pt
    metric_every: int = 1000  # steps between SWD evaluations; 0 disables
    preview_seeds: int = 16
    max_rollbacks: int = 3

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        return _from_dict(cls, data)
