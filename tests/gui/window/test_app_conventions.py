"""Desktop conventions at app level: the icon, and error boxes that say where the log is."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from engine import logfile
from gui.app import app_icon, identify_app
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
