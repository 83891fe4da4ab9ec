"""Training checkpoints (`checkpoints/latest.pt`): full state, atomic, never unpickled unsafely."""

from __future__ import annotations

import zipfile
from pathlib import Path

import torch

from .files import write_atomic


class CheckpointError(ValueError):
    pass


def save_checkpoint(path: Path | str, state: dict) -> None:
    write_atomic(path, lambda tmp: torch.save(state, tmp))


def check_archive_sizes(path: Path, slack: int = 1 << 20) -> None:
    """Refuse zip bombs before torch.load: weights_only=True still inflates every member first.

    torch.save stores members uncompressed, so a genuine checkpoint declares about its own size.
    """
    try:
        with zipfile.ZipFile(path) as zf:
            declared = sum(info.file_size for info in zf.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise CheckpointError(f"{path.name} is not a readable checkpoint ({exc})") from None
    if declared > path.stat().st_size * 1.1 + slack:
        raise CheckpointError(
            f"{path.name} declares {declared / 2**20:.0f} MiB of content in a "
            f"{path.stat().st_size / 2**20:.1f} MiB file; refusing to unpack it"
        )


def load_checkpoint(path: Path | str, map_location: str | torch.device = "cpu") -> dict:
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint not found: {path}")
    check_archive_sizes(path)
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as exc:  # torch raises many types for malformed archives
        raise CheckpointError(f"{path.name} could not be loaded: {exc}") from None
    missing = {"G", "D", "G_ema", "opt_G", "opt_D", "step", "config"} - set(state)
    if missing:
        raise CheckpointError(f"{path.name} is not a Ganvas checkpoint (missing {sorted(missing)})")
    return state
