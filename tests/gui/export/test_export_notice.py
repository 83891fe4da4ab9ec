"""After an export the status bar offers "Show in folder" and "Open" (never opened in tests)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtWidgets import QMainWindow, QToolBar

from gui.core.errors import ErrorReporter
from gui.core.state import BrowseState
from gui.core.studio import Studio
from gui.export import notice
from gui.export.actions import ExportActions
from gui.export.jobs import Written
from gui.window.host import WindowHost


@pytest.fixture
def exports(qtbot):
    window = QMainWindow()
    qtbot.addWidget(window)
    studio = Studio(BrowseState(rng=random.Random(0)), reporter=ErrorReporter(interactive=False))
    actions = ExportActions(studio, WindowHost(window, QToolBar()))
    window.show()
    yield actions
    studio.shutdown()


@pytest.fixture
def opened(monkeypatch) -> list[QUrl]:
    urls: list[QUrl] = []
    monkeypatch.setattr(notice.QDesktopServices, "openUrl", lambda url: urls.append(url) or True)
    return urls


def test_an_exported_image_offers_its_folder_and_the_file(exports, opened, qtbot, tmp_path):
    image = tmp_path / "out" / "faces-000042.png"
    image.parent.mkdir()
    image.write_bytes(b"png")
    shown = exports.notice
    assert not shown.isVisible()
    exports._on_exported(Written([image], "Exported faces-000042.png (1 KB)"))
    assert shown.isVisible() and "faces-000042.png" in shown.label.text()
    qtbot.mouseClick(shown.folder_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(shown.open_button, Qt.MouseButton.LeftButton)
    assert [Path(u.toLocalFile()) for u in opened] == [image.parent, image]
    assert exports.studio.recent.entries()[0] == ("image", image)  # File → Open recent


def test_a_batch_offers_its_folder_only(exports, opened, qtbot, tmp_path):
    files = [tmp_path / f"{i}.png" for i in range(3)]
    for f in files:
        f.write_bytes(b"png")
    exports._on_exported(Written(files, f"Exported 3 images to {tmp_path}"))
    assert exports.notice.open_button.isHidden()
    qtbot.mouseClick(exports.notice.folder_button, Qt.MouseButton.LeftButton)
    assert [Path(u.toLocalFile()) for u in opened] == [tmp_path]


def test_a_folder_export_shows_that_folder(exports, opened, tmp_path):
    frames = tmp_path / "frames"
    frames.mkdir()
    exports._on_exported(Written([frames], "Exported 24 frames"))
    assert exports.notice.show_folder()
    assert Path(opened[0].toLocalFile()) == frames
