"""The log file: one rotating file per user, so an error can be looked into after the fact.

Its folder is platformdirs' user log folder for Ganvas, or $GANVAS_LOG_DIR (tests set it).
"""

from __future__ import annotations

import logging
import os
from logging.handlers import RotatingFileHandler
from pathlib import Path

LOG_DIR_ENV = "GANVAS_LOG_DIR"
LOG_NAME = "ganvas.log"
MAX_BYTES = 2 * 1024 * 1024  # ganvas.log plus three old ones: 8 MB at most
BACKUPS = 3
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _GanvasFileHandler(RotatingFileHandler):
    """Our own handler class, so a second start in the same process finds the first one."""


def log_dir() -> Path:
    """The folder the log file goes in (it may not exist yet)."""
    override = os.environ.get(LOG_DIR_ENV)
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_log_dir("Ganvas", appauthor=False))


def start_log_file(level: int = logging.INFO) -> Path | None:
    """Send every log record (ours and the libraries' warnings) to the log file as well.

    → the file, or None when it cannot be written (a read-only home folder must not stop the
    app). A second call keeps the handler it finds, unless the folder has changed."""
    root = logging.getLogger()
    path = log_dir() / LOG_NAME
    for handler in root.handlers:
        if isinstance(handler, _GanvasFileHandler):
            if Path(handler.baseFilename) == path.resolve():
                return path
            root.removeHandler(handler)
            handler.close()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = _GanvasFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
        )
    except OSError as exc:
        logging.getLogger("ganvas").warning("no log file (%s): %s", path, exc)
        return None
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter(FORMAT))
    root.addHandler(handler)
    ganvas = logging.getLogger("ganvas")
    if ganvas.getEffectiveLevel() > level:  # our INFO lines reach the file whatever the root says
        ganvas.setLevel(level)
    return path


def active_log_file() -> Path | None:
    """The log file being written, or None before start_log_file (or when it failed)."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler, _GanvasFileHandler):
            return Path(handler.baseFilename)
    return None


def stop_log_file() -> None:
    """Close the log file (tests; the app keeps it open until it exits)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, _GanvasFileHandler):
            root.removeHandler(handler)
            handler.close()
