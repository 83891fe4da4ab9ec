"""Which failures are the user's to fix, and the one plain sentence that says so.

The CLI prints that sentence as `error: …` (exit 2) and the GUI shows it in its error dialog;
anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class UserError(Exception):
    """Mixed into error types whose message is already a plain sentence for the user."""


def user_message(exc: BaseException) -> str | None:
    """The plain sentence for a user-caused failure, or None when `exc` looks like a bug."""
    from .files import DISK_ERRNOS, WriteError, os_reason

    if isinstance(exc, (UserError, ValueError, WriteError)):
        text = str(exc).strip()
        return text.splitlines()[0] if text else type(exc).__name__
    if isinstance(exc, OSError) and exc.errno is not None:
        if exc.errno in DISK_ERRNOS and exc.filename:  # e.g. making a folder on a full disk
            return str(WriteError(exc.filename, exc))
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{os_reason(exc)}"
    return None
