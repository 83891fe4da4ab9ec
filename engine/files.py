"""Atomic writes: a crash or a full disk never leaves a half-written file under the real name."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def _new_file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


# What an ordinary new file gets (mkstemp's 0600 would hide exports from other users). Read once
# at import: os.umask() is process-wide, so calling it from worker threads would race.
NEW_FILE_MODE = _new_file_mode()


def write_atomic(path: Path | str, write: Callable[[Path], None]) -> None:
    """Call write(tmp_path) for a temp file beside `path`, then rename it into place (keeping
    the mode of the file it replaces, or giving a new one the usual mode)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        try:
            mode = path.stat().st_mode & 0o7777
        except FileNotFoundError:
            mode = NEW_FILE_MODE
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text_atomic(path: Path | str, text: str) -> None:
    write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
