"""The log file: under $GANVAS_LOG_DIR in tests, rotating, and every logger writes to it."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

import pytest

from engine import logfile


@pytest.fixture
def log_folder(tmp_path: Path, monkeypatch):
    monkeypatch.setenv(logfile.LOG_DIR_ENV, str(tmp_path / "logs"))
    yield tmp_path / "logs"
    logfile.stop_log_file()


def test_the_log_file_goes_in_the_overridden_folder_and_rotates(log_folder: Path) -> None:
    path = logfile.start_log_file()
    assert path == log_folder / "ganvas.log"
    assert logfile.log_dir() == log_folder
    assert logfile.active_log_file() == path
    assert logfile.start_log_file() == path  # a second start keeps the one handler
    handlers = [h for h in logging.getLogger().handlers if isinstance(h, logging.FileHandler)]
    ours = [h for h in handlers if Path(h.baseFilename) == path]
    assert len(ours) == 1
    assert isinstance(ours[0], logging.handlers.RotatingFileHandler)
    assert ours[0].maxBytes == logfile.MAX_BYTES and ours[0].backupCount == 3

    logging.getLogger("ganvas").info("hello from a test")
    logging.getLogger("PIL.somewhere").warning("a library's warning")
    ours[0].flush()
    text = path.read_text(encoding="utf-8")
    assert "INFO ganvas: hello from a test" in text
    assert "a library's warning" in text

    logfile.stop_log_file()
    assert logfile.active_log_file() is None


def test_an_unwritable_log_folder_does_not_stop_the_app(tmp_path: Path, monkeypatch) -> None:
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(logfile.LOG_DIR_ENV, str(blocker / "logs"))
    assert logfile.start_log_file() is None
    assert logfile.active_log_file() is None
