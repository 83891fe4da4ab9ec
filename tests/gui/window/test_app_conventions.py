"""Desktop conventions at app level: the icon, and error boxes that say where the log is."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from engine import __version__, logfile
from gui.app import app_icon, identify_app, run_app
from gui.core.errors import ErrorReporter, error_box


@pytest.fixture
def log_folder(tmp_path: Path, monkeypatch):
    monkeypatch.setenv(logfile.LOG_DIR_ENV, str(tmp_path / "logs"))
    logfile.start_log_file()
    yield tmp_path / "logs"
    logfile.stop_log_file()


def test_the_app_has_its_icon_and_name(qapp: QApplication) -> None:
    assert not app_icon().isNull()
    identify_app(qapp)
    assert not qapp.windowIcon().isNull()
    assert qapp.applicationName() == "Ganvas"
    assert qapp.desktopFileName() == "ganvas"


def test_errors_go_to_the_log_file_and_the_box_says_where_it_is(qtbot, log_folder: Path) -> None:
    reporter = ErrorReporter(interactive=False)
    reporter.report("Could not open model", "The file is not a model.", "Traceback: details")
    text = (log_folder / "ganvas.log").read_text(encoding="utf-8")
    assert "Could not open model: The file is not a model." in text
    assert "Traceback: details" in text

    box = error_box("Could not open model", "The file is not a model.", "Traceback: details")
    qtbot.addWidget(box)
    assert box.text() == "The file is not a model."
    assert "log file" in box.informativeText()
    assert str(log_folder) in box.informativeText()


def test_without_a_log_file_the_box_says_nothing_about_it(qtbot) -> None:
    logfile.stop_log_file()
    box = error_box("Oops", "Something went wrong.")
    qtbot.addWidget(box)
    assert box.informativeText() == ""


def test_the_app_writes_its_log_file_from_the_start(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv(logfile.LOG_DIR_ENV, str(tmp_path / "logs"))
    bad = tmp_path / "bad.safetensors"
    bad.write_text("not a model", encoding="utf-8")
    try:
        assert run_app(["--screenshot", str(tmp_path / "shot.png"), "--model", str(bad)]) == 1
        assert logfile.active_log_file() == tmp_path / "logs" / "ganvas.log"
    finally:
        logfile.stop_log_file()
    text = (tmp_path / "logs" / "ganvas.log").read_text(encoding="utf-8")
    assert f"Ganvas {__version__}; log file" in text
    assert "Could not open model" in text  # the error reporter's line, traceback and all
    capsys.readouterr()
