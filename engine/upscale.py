"""Learned upscaling for exports: Ganvas's own small 4× network, or an ESRGAN-family file.

Ganvas's upscaler is a compact residual CNN that works at the small size and ends in a pixel
shuffle, added to a bilinear enlargement (so it only learns the detail Lanczos cannot guess):
cheap enough on a CPU for a 4×4 grid of 64 px images to 256 px in well under a second.
×2 runs the ×4 network and box-filters the result by 2, which is sharper than a direct ×2
Lanczos and needs no second model.

Files artists already have (the ESRGAN family that AUTOMATIC1111 and ComfyUI use: Real-ESRGAN,
4x-UltraSharp, SwinIR, …) load through spandrel, from `.safetensors`, or from `.pth` only with
`torch.load(weights_only=True)` after the same zip-size check that checkpoints get. Nothing is
ever unpickled beyond tensors; a file that is no known upscaler gets one plain sentence.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from . import __version__
from .checkpoint import CheckpointError, check_archive_sizes
from .files import write_atomic
from .paths import resources_dir

DEFAULT_UPSCALER = "upscaler-x4.safetensors"
MAX_CHANNELS, MAX_BLOCKS = 256, 64


class UpscalerError(ValueError):
    """An upscaler file that cannot be used, explained in plain words."""


class DetailNet(nn.Module):
    """4× super-resolution: residual conv blocks at the input size, pixel shuffle, plus a bilinear
    enlargement of the input (a global skip: the network adds only the missing detail)."""

    def __init__(self, channels: int = 32, blocks: int = 4, scale: int = 4):
        super().__init__()
        self.channels, self.blocks, self.scale = channels, blocks, scale
        self.head = nn.Conv2d(3, channels, 3, padding=1)
        self.body = nn.ModuleList(
            nn.Sequential(
                nn.Conv2d(channels, channels, 3, padding=1),
                nn.LeakyReLU(0.2),
                nn.Conv2d(channels, channels, 3, padding=1),
            )
            for _ in range(blocks)
        )
        self.tail = nn.Conv2d(channels, 3 * scale * scale, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[B, 3, H, W] in [0, 1] → [B, 3, sH, sW] (not clamped, for training)."""
        base = F.interpolate(x, scale_factor=self.scale, mode="bilinear", align_corners=False)
        f = self.head(x)
        y = f
        for block in self.body:
            y = y + block(y)
        return base + F.pixel_shuffle(self.tail(y + f), self.scale)


@dataclass
class Upscaler:
    """A loaded upscaler: what it is called, its native scale, and the network."""

    name: str
    scale: int
    net: nn.Module
    kind: str  # "ganvas" or the spandrel architecture's name
    path: Path | None = None

    def describe(self) -> dict:
        """What the generation record stores: enough to find and re-apply the same upscaler."""
        return {"name": self.name, "kind": self.kind, "scale": self.scale}

    @torch.no_grad()
    def upscale(self, pixels: np.ndarray, factor: int) -> np.ndarray:
        """H×W×C uint8 (or N×H×W×C) → factor× larger, uint8. Alpha (if any) is enlarged with
        Lanczos; factor below the native scale box-filters the native result down."""
        if factor == 1:
            return pixels
        if self.scale % factor:
            raise UpscalerError(f"{self.name} enlarges ×{self.scale}; it cannot make ×{factor}")
        single = pixels.ndim == 3
        batch = pixels[None] if single else pixels
        rgb = torch.from_numpy(np.array(batch[..., :3])).permute(0, 3, 1, 2)  # a writable copy
        x = rgb.float() / 255
        with torch.inference_mode():
            y = self.net(x).clamp(0, 1)
            if factor != self.scale:
                y = F.avg_pool2d(y, self.scale // factor)
        out = (y * 255 + 0.5).to(torch.uint8).permute(0, 2, 3, 1).numpy()
        if batch.shape[-1] == 4:
            alpha = np.stack([_lanczos_image(a[..., 3], factor) for a in batch])[..., None]
            out = np.concatenate([out, alpha], axis=-1)
        return out[0] if single else out


LANCZOS = {"name": "Lanczos", "kind": "lanczos"}


@functools.lru_cache(maxsize=1)
def bundled_upscaler() -> Upscaler | None:
    """The upscaler shipped in resources/, loaded once; None where it is missing."""
    try:
        return load_upscaler(default_upscaler_path())
    except UpscalerError:
        return None


def enlarge(
    pixels: np.ndarray, factor: int, upscaler: Upscaler | str | None = None
) -> tuple[np.ndarray, dict | None]:
    """Pixels `factor`× larger and what enlarged them (for the generation record): the given
    upscaler, the bundled learned one when None, or Lanczos when "lanczos" (or nothing learned is
    available). Factor 1 returns the pixels untouched and no description."""
    if factor == 1:
        return pixels, None
    if upscaler is None:
        upscaler = bundled_upscaler() or "lanczos"
    if upscaler == "lanczos":
        batch = pixels[None] if pixels.ndim == 3 else pixels
        big = np.stack([_lanczos_image(x, factor) for x in batch])
        return (big[0] if pixels.ndim == 3 else big), dict(LANCZOS, factor=factor)
    assert isinstance(upscaler, Upscaler)
    return upscaler.upscale(pixels, factor), upscaler.describe() | {"factor": factor}


def _lanczos_image(pixels: np.ndarray, factor: int) -> np.ndarray:
    img = Image.fromarray(pixels)
    size = (img.width * factor, img.height * factor)
    return np.asarray(img.resize(size, Image.Resampling.LANCZOS))


def save_upscaler(path: Path | str, net: DetailNet, info: dict | None = None) -> None:
    from safetensors.torch import save_file

    record = {
        "format": 1,
        "app_version": __version__,
        "arch": {"channels": net.channels, "blocks": net.blocks, "scale": net.scale},
    } | (info or {})
    tensors = {k: v.detach().contiguous().cpu() for k, v in net.state_dict().items()}
    meta = {"ganvas_upscaler": json.dumps(record)}
    write_atomic(path, lambda tmp: save_file(tensors, str(tmp), metadata=meta))


def default_upscaler_path() -> Path:
    return resources_dir() / "models" / DEFAULT_UPSCALER


def load_upscaler(path: Path | str | None = None) -> Upscaler:
    """Ganvas's own upscaler (the bundled one when `path` is None) or an ESRGAN-family file."""
    path = Path(path) if path is not None else default_upscaler_path()
    where = f"{path.name} cannot be used as an upscaler"
    if not path.is_file():
        raise UpscalerError(f"upscaler file not found: {path}")
    try:
        state, meta = _read_weights(path)
        record = json.loads(meta.get("ganvas_upscaler", "null")) if meta else None
        if isinstance(record, dict):
            return _ganvas_upscaler(path, state, record)
        return _spandrel_upscaler(path, state)
    except UpscalerError as exc:
        raise UpscalerError(f"{where}: {exc}") from None
    except (OSError, ValueError, RuntimeError, KeyError, TypeError) as exc:
        raise UpscalerError(f"{where}: the file is damaged or not an upscaler ({exc})") from None


def _read_weights(path: Path) -> tuple[dict[str, torch.Tensor], dict | None]:
    """Tensors and header metadata, without running code: safetensors, or a .pth/.ckpt archive
    through the zip-size check and weights_only=True."""
    if path.suffix.lower() == ".safetensors":
        from safetensors import SafetensorError, safe_open

        try:
            with safe_open(str(path), framework="pt", device="cpu") as f:
                return {k: f.get_tensor(k) for k in f.keys()}, f.metadata()  # noqa: SIM118
        except SafetensorError as exc:
            raise UpscalerError(f"it is not a readable safetensors file ({exc})") from None
    if path.suffix.lower() not in (".pth", ".pt", ".ckpt", ".bin"):
        raise UpscalerError("use a .safetensors or .pth upscaler file")
    try:
        check_archive_sizes(path)
    except CheckpointError as exc:
        raise UpscalerError(str(exc)) from None
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types; a pickle with code lands here too
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UpscalerError(f"it holds more than plain weights, refused ({first})") from None
    for key in ("params_ema", "params", "state_dict", "model"):  # common wrappers
        if isinstance(state, dict) and isinstance(state.get(key), dict):
            state = state[key]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise UpscalerError("it does not hold a plain set of weights")
    return state, None


def _ganvas_upscaler(path: Path, state: dict, record: dict) -> Upscaler:
    arch = record.get("arch") or {}
    channels, blocks, scale = arch.get("channels"), arch.get("blocks"), arch.get("scale")
    ok = (
        isinstance(channels, int)
        and 1 <= channels <= MAX_CHANNELS
        and isinstance(blocks, int)
        and 0 <= blocks <= MAX_BLOCKS
        and scale in (2, 4)
    )
    if not ok:
        raise UpscalerError(f"its architecture record is invalid: {arch!r}")
    net = DetailNet(channels, blocks, scale)
    expected = net.state_dict()
    if set(state) != set(expected):
        raise UpscalerError("its weights do not match its declared architecture")
    for key, ref in expected.items():
        if state[key].shape != ref.shape or not torch.isfinite(state[key]).all():
            raise UpscalerError(f"its tensor {key} has the wrong shape or non-finite values")
    net.load_state_dict(state)
    net.eval().requires_grad_(False)
    name = record.get("name") or path.stem
    return Upscaler(name=str(name), scale=scale, net=net, kind="ganvas", path=path)


def _spandrel_upscaler(path: Path, state: dict) -> Upscaler:
    try:
        import spandrel
    except ImportError:
        raise UpscalerError("loading ESRGAN-family files needs the spandrel package") from None
    try:
        descriptor = spandrel.ModelLoader().load_from_state_dict(state)
    except spandrel.UnsupportedModelError:
        raise UpscalerError("it is not an upscaler architecture Ganvas knows") from None
    if not isinstance(descriptor, spandrel.ImageModelDescriptor) or descriptor.scale not in (
        2,
        4,
    ):
        raise UpscalerError("it is not a ×2 or ×4 image upscaler")
    if descriptor.input_channels != 3 or descriptor.output_channels != 3:
        raise UpscalerError("it does not take and make RGB images")
    descriptor.model.eval().requires_grad_(False)
    kind = descriptor.architecture.name
    net = _SpandrelNet(descriptor)
    return Upscaler(name=path.stem, scale=descriptor.scale, net=net, kind=kind, path=path)


class _SpandrelNet(nn.Module):
    def __init__(self, descriptor):
        super().__init__()
        self.descriptor = descriptor
        self.model = descriptor.model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.descriptor(x)
