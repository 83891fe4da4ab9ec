"""Training checkpoints (`checkpoints/latest.pt`): full state, atomic, never unpickled unsafely."""

from __future__ import annotations

import pickle
import zipfile
from pathlib import Path

import torch

from .files import write_stream_atomic


class CheckpointError(ValueError):
    pass


def save_checkpoint(path: Path | str, state: dict) -> None:
    # through a Python file: torch.save given a path hides a full disk behind "unexpected pos"
    write_stream_atomic(path, lambda f: torch.save(state, f))


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


def read_checkpoint(
    path: Path, map_location: str | torch.device = "cpu", *, mmap: bool = False
) -> dict:
    """torch.load that never unpickles code and fails with one plain CheckpointError."""
    check_archive_sizes(path)
    try:
        state = torch.load(path, map_location=map_location, weights_only=True, mmap=mmap)
    except pickle.UnpicklingError:
        # torch's own message is six lines suggesting weights_only=False: never do that here
        raise CheckpointError(
            f"{path.name} is not a Ganvas checkpoint: it contains Python objects that are not "
            "loaded, for safety"
        ) from None
    except Exception as exc:  # torch raises many types for malformed archives
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CheckpointError(f"{path.name} could not be loaded: {first}") from None
    if not isinstance(state, dict):
        raise CheckpointError(f"{path.name} is not a Ganvas checkpoint")
    return state


def load_checkpoint(path: Path | str, map_location: str | torch.device = "cpu") -> dict:
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint not found: {path}")
    state = read_checkpoint(path, map_location)
    missing = {"G", "D", "G_ema", "opt_G", "opt_D", "step", "config"} - set(state)
    if missing:
        raise CheckpointError(f"{path.name} is not a Ganvas checkpoint (missing {sorted(missing)})")
    return state
