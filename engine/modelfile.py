"""Shareable model files: `.safetensors` with a JSON `ganvas` record in the header.

Loading never executes code: the header is parsed and validated, the architecture rebuilt from
its (bounded) config, and every tensor name and shape must match before weights are copied.
"""

from __future__ import annotations

import hashlib
import json
import struct
from dataclasses import dataclass, field
from pathlib import Path

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save as save_bytes

from . import __version__
from .config import MODEL_LIMITS, ModelConfig
from .files import write_bytes_atomic
from .networks import Discriminator, Generator

FORMAT = 1
MAX_HEADER = 16 << 20


class ModelFileError(ValueError):
    """A model file that cannot be used, explained in plain words."""


@dataclass
class LoadedModel:
    G: Generator
    config: ModelConfig
    metadata: dict
    sha256: str
    path: Path
    D: Discriminator | None = None
    extra: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.metadata.get("name") or self.path.stem


def save_model(
    path: Path | str, G: Generator, D: Discriminator | None = None, *, info: dict | None = None
) -> None:
    """Write G (and optionally D) with architecture and training summary in the header."""
    tensors = {f"G.{k}": v.detach().contiguous().cpu() for k, v in G.state_dict().items()}
    if D is not None:
        tensors |= {f"D.{k}": v.detach().contiguous().cpu() for k, v in D.state_dict().items()}
    record = {"format": FORMAT, "app_version": __version__, "model": G.cfg.to_dict()}
    record |= info or {}
    meta = {"ganvas": json.dumps(record)}
    # serialised in memory (models are small), then written by Python so a full disk is reported
    # as such and never leaves part of a model behind
    write_bytes_atomic(path, save_bytes(tensors, metadata=meta))


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _validated_config(raw: dict) -> ModelConfig:
    if not isinstance(raw, dict):
        raise ModelFileError("its architecture record is not an object")
    cfg = ModelConfig.from_dict(raw)
    for name, (lo, hi) in MODEL_LIMITS.items():
        value = getattr(cfg, name)
        if not isinstance(value, int) or not lo <= value <= hi:
            raise ModelFileError(f"its architecture has an invalid {name}: {value!r}")
    res = cfg.resolution
    if not isinstance(res, int) or res < 8 or res > 1024 or res & (res - 1):
        raise ModelFileError(f"its resolution {res!r} is not a power of two from 8 to 1024")
    if cfg.img_channels not in (3, 4):
        raise ModelFileError(f"it has {cfg.img_channels!r} image channels (3 or 4 expected)")
    return cfg


def _fade(record: dict) -> float:
    """A snapshot taken while a model grew renders with its top layers faded in this far."""
    fade = record.get("fade", 1.0)
    if not isinstance(fade, (int, float)) or not 0 <= fade <= 1:
        raise ModelFileError(f"its fade-in value {fade!r} is not between 0 and 1")
    return float(fade)


def read_header(path: Path) -> dict:
    """Parse the safetensors header ourselves first so malformed files fail in plain words."""
    size = path.stat().st_size
    with open(path, "rb") as f:
        raw_len = f.read(8)
        if len(raw_len) < 8:
            raise ModelFileError("the file is too short to be a model")
        (n,) = struct.unpack("<Q", raw_len)
        if n > MAX_HEADER or n + 8 > size:
            raise ModelFileError("it is not a safetensors file (bad header length)")
        try:
            header = json.loads(f.read(n))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise ModelFileError("it is not a safetensors file (unreadable header)") from None
    if not isinstance(header, dict):
        raise ModelFileError("it is not a safetensors file (header is not an object)")
    return header


CHEAP_TO_BUILD = 20_000_000  # parameters: up to ~80 MB, built for real in milliseconds


def _rough_parameters(cfg: ModelConfig) -> int:
    """About how many weights the declared architecture has (generator and discriminator, within
    a factor of two): only to decide whether building it to check shapes is cheap."""
    total = cfg.mapping_layers * cfg.w_dim * max(cfg.w_dim, cfg.z_dim)
    res, prev = 4, 0
    while res <= cfg.resolution:
        ch, d_ch = cfg.channels_at(res), cfg.d_channels_at(res)
        total += 9 * ch * (prev + ch) + cfg.w_dim * (prev + 2 * ch) + 18 * d_ch * d_ch
        prev, res = ch, res * 2
    return total


def _check_header_tensors(header: dict, prefix: str, net: type, cfg: ModelConfig, what: str):
    """The header's tensor names and shapes must be exactly those of `net` built from `cfg`,
    checked on the meta device before anything is allocated: an 824-byte file declaring the
    largest allowed architecture used to cost 0.75 GB and 7 s before it was refused."""
    if _rough_parameters(cfg) <= CHEAP_TO_BUILD:
        module = net(cfg)  # a few ms; the meta device's first use costs ~0.8 s (app start)
    else:
        with torch.device("meta"):
            module = net(cfg)
    expected = {k: tuple(v.shape) for k, v in module.state_dict().items()}
    present = {
        n[len(prefix) :]: entry
        for n, entry in header.items()
        if n.startswith(prefix) and n != "__metadata__"
    }
    missing, unexpected = set(expected) - set(present), set(present) - set(expected)
    if missing or unexpected:
        detail = f"missing {sorted(missing)[:3]}" if missing else f"extra {sorted(unexpected)[:3]}"
        raise ModelFileError(
            f"its {what} weights do not match the declared architecture ({detail})"
        )
    for key, shape in expected.items():
        entry = present[key]
        got = entry.get("shape") if isinstance(entry, dict) else None
        if not isinstance(got, list) or tuple(got) != shape:
            raise ModelFileError(f"its {what} tensor {key} has shape {got}, expected {shape}")


def _load_weights(module: torch.nn.Module, prefix: str, handle, what: str):
    """Copy the (already shape-checked) weights into `module`, refusing NaN/inf."""
    loaded = {}
    for key, ref in module.state_dict().items():
        t = handle.get_tensor(prefix + key)
        if t.shape != ref.shape:  # the header said otherwise: a damaged file
            raise ModelFileError(f"its {what} tensor {key} does not match its header")
        if not torch.isfinite(t).all():
            raise ModelFileError(f"its {what} tensor {key} contains NaN or infinite values")
        loaded[key] = t.to(ref.dtype)
    module.load_state_dict(loaded)


def load_model(
    path: Path | str, *, device: str | torch.device = "cpu", with_discriminator: bool = False
) -> LoadedModel:
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"model file not found: {path}")
    where = f"{path.name} cannot be opened as a Ganvas model"
    try:
        header = read_header(path)
        record = json.loads((header.get("__metadata__") or {}).get("ganvas", "null"))
        if not isinstance(record, dict) or "model" not in record:
            raise ModelFileError("it has no Ganvas metadata (was it made by another program?)")
        if record.get("format", 0) > FORMAT:
            raise ModelFileError("it was written by a newer Ganvas; please update the app")
        cfg = _validated_config(record["model"])
        _check_header_tensors(header, "G.", Generator, cfg, "generator")
        load_d = with_discriminator and any(n.startswith("D.") for n in header)
        if load_d:
            _check_header_tensors(header, "D.", Discriminator, cfg, "discriminator")
        with safe_open(str(path), framework="pt", device="cpu") as handle:
            G = Generator(cfg)
            _load_weights(G, "G.", handle, "generator")
            G.synthesis.fade = _fade(record)
            D = None
            if load_d:
                D = Discriminator(cfg)
                _load_weights(D, "D.", handle, "discriminator")
    except ModelFileError as exc:
        raise ModelFileError(f"{where}: {exc}") from None
    except (OSError, ValueError, RuntimeError, SafetensorError) as exc:
        # safetensors/JSON errors on malformed files; keep the message plain
        raise ModelFileError(f"{where}: the file is damaged or not a model ({exc})") from None
    G.eval().requires_grad_(False).to(device)
    if D is not None:
        D.to(device)
    return LoadedModel(G=G, config=cfg, metadata=record, sha256=sha256_of(path), path=path, D=D)


def has_discriminator(path: Path | str) -> bool:
    return any(k.startswith("D.") for k in read_header(Path(path)))
