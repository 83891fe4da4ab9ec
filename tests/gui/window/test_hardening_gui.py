"""Issue #16 in the GUI: the error dialog shows the CLI's sentence, bad settings files are
survived."""

from __future__ import annotations

import errno

import pytest

from engine.errors import user_message
from engine.files import WriteError


@pytest.mark.parametrize(
    "exc",
    [
        WriteError("/media/usb/loop.mp4", OSError(errno.ENOSPC, "No space left on device")),
        OSError(errno.EROFS, "Read-only file system", "/media/cd/run"),
    ],
)
def test_error_dialogs_use_the_cli_sentence(exc):
    from gui.core.errors import plain_message
    from gui.core.jobs import job_message

    sentence = user_message(exc)
    assert sentence and sentence.startswith("could not write /media/")
    assert plain_message(exc) == sentence
    if isinstance(exc, WriteError):
        assert job_message(exc) == sentence[0].upper() + sentence[1:]  # export dialogs


def test_a_damaged_window_ini_is_ignored(qapp, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMainWindow

    from gui.window.window_memory import restore_window

    monkeypatch.setenv("GANVAS_CONFIG_DIR", str(tmp_path))
    window = QMainWindow()
    (tmp_path / "window.ini").write_text("[General]\ngeometry=hello\nstate=42\n")
    assert not restore_window(window)
    (tmp_path / "window.ini").write_bytes(b"\x00\xff not an ini [[[")
    assert not restore_window(window)
