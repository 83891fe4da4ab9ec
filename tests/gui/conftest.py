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
