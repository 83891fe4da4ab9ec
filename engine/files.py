"""Atomic writes: a crash or a full disk never leaves a half-written file under the real name.

Every file Ganvas writes goes through `write_atomic` (or its text/bytes helpers): a temp file
in the destination folder, flushed and fsynced, then renamed over the real name. On any failure
the temp file is removed, and a disk problem (full, read-only, no permission) becomes a
`WriteError` whose message says so in plain words.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path


def _new_file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


# What an ordinary new file gets (mkstemp's 0600 would hide exports from other users). Read once
# at import: os.umask() is process-wide, so calling it from worker threads would race.
NEW_FILE_MODE = _new_file_mode()

# errno → the plain reason shown to the user (anything else falls back to strerror)
_REASONS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EFBIG: "the file is too large for this disk",
    errno.EROFS: "the disk is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENOENT: "no such file or folder",
    errno.ENOTDIR: "a file is in the way of a folder in that path",
    errno.EISDIR: "it is a folder",
    errno.EEXIST: "a file is in the way of a folder in that path",
    errno.ENAMETOOLONG: "the name is too long",
    errno.EIO: "the disk reported an input/output error",
}
# failures of the disk itself, whatever was being done when they struck
DISK_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EIO}
# libraries written in Rust or C++ report the OS error only in their message (safetensors)
_OS_ERROR_IN_TEXT = re.compile(r"os error (\d+)")


class WriteError(OSError):
    """Writing `path` failed for a reason outside Ganvas (full or read-only disk, permissions);
    str() is one plain sentence. An OSError, so existing `except OSError` handlers still apply."""

    def __init__(self, path: Path | str, cause: OSError, *, hint: str = ""):
        super().__init__(cause.errno, cause.strerror or str(cause), str(path))
        self.path, self.hint = Path(path), hint

    def __str__(self) -> str:
        hint = f"; {self.hint}" if self.hint else ""
        return f"could not write {self.path}: {os_reason(self)}{hint}"


def os_reason(exc: OSError) -> str:
    """A plain reason for an OSError ('the disk is full'), without the path."""
    return _REASONS.get(exc.errno or 0) or (exc.strerror or str(exc)).lower()


def _os_error_behind(exc: BaseException) -> OSError | None:
    """The OSError that caused `exc`, also when a library wrapped it (torch.save raises a
    RuntimeError whose context is the ENOSPC; safetensors only names it in its message)."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError):
            return exc
        m = _OS_ERROR_IN_TEXT.search(str(exc))
        if m:
            code = int(m[1])
            return OSError(code, os.strerror(code))
        # `raise … from None` means the earlier error is not the reason (e.g. ffmpeg not found)
        exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    return None


@contextlib.contextmanager
def writing(path: Path | str) -> Iterator[None]:
    """Turn disk failures while writing `path` into a WriteError; other errors pass unchanged."""
    try:
        yield
    except WriteError:
        raise
    except Exception as exc:
        cause = _os_error_behind(exc)
        if cause is None:
            raise
        raise WriteError(path, cause) from exc


def _fsync(path: Path) -> None:
    with open(path, "rb+") as f:
        os.fsync(f.fileno())


def write_atomic(path: Path | str, write: Callable[[Path], None]) -> None:
    """Call write(tmp_path) for a temp file beside `path`, then rename it into place (keeping
    the mode of the file it replaces, or giving a new one the usual mode)."""
    path = Path(path)
    with writing(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_dir():
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
        try:
            write(Path(tmp))
            _fsync(Path(tmp))  # a full disk can surface only here (delayed allocation, NFS)
            try:
                mode = path.stat().st_mode & 0o7777
            except FileNotFoundError:
                mode = NEW_FILE_MODE
            os.chmod(tmp, mode)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def write_bytes_atomic(path: Path | str, data: bytes) -> None:
    write_atomic(path, lambda tmp: tmp.write_bytes(data))


def write_text_atomic(path: Path | str, text: str) -> None:
    write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_stream_atomic(path: Path | str, write: Callable[[object], None]) -> None:
    """write(file object) into a temp file: for writers like torch.save that hide the OS error
    when given a path but keep it as the context when they write through a Python file."""

    def to_file(tmp: Path) -> None:
        with open(tmp, "wb") as f:
            write(f)

    write_atomic(path, to_file)


def append_line(path: Path | str, line: str) -> None:
    """Append one line to a log (stats.jsonl). Not atomic by design — a log grows — but a
    failure is a WriteError like any other and a cut-off last line is skipped by its readers."""
    with writing(path), open(path, "a", encoding="utf-8") as f:
        f.write(line.rstrip("\n") + "\n")
