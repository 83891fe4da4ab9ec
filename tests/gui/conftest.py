"""Fixtures shared by the GUI tests."""

from __future__ import annotations

import random

import pytest


@pytest.fixture
def empty_window(qtbot):
    """The main window as it opens, with no model loaded (menus, actions, docks)."""
    from gui.core.errors import ErrorReporter
    from gui.core.state import BrowseState
    from gui.window.main_window import MainWindow

    w = MainWindow(
        state=BrowseState(rng=random.Random(0)), reporter=ErrorReporter(interactive=False)
    )
    qtbot.addWidget(w)
    w.show()
    yield w
    w.close()


@pytest.fixture
def keep_look(qapp):
    """The app's style, palette and stylesheet as they were, after the test."""
    from PySide6.QtWidgets import QApplication

    from gui.widgets import style

    palette, sheet, name = QApplication.palette(), qapp.styleSheet(), qapp.style().name()
    yield
    style._followers.pop(id(qapp), None)
    qapp.setStyleSheet(sheet)
    qapp.setPalette(palette)
    qapp.setStyle(name)
