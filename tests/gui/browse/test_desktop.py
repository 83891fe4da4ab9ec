"""Krita/GIMP conventions for the Browse panel: copy, drag out, zoom, full screen, keys."""

from __future__ import annotations

import random

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence, QMouseEvent
from PySide6.QtWidgets import QApplication, QMainWindow, QPushButton, QToolBar

from engine.export import read_record, record_latent
from engine.latent import Latent
from gui.browse import desktop
from gui.browse.desktop import DesktopHabits, qimage_to_array
from gui.browse.panel import BrowsePanel
from gui.core.errors import ErrorReporter
from gui.core.images import PNG_MIME, array_to_qimage, read_png_record
from gui.core.renderer import RenderRequest, RenderResult
from gui.core.state import BrowseState, ModelInfo
from gui.core.studio import Studio
from gui.window.host import WindowHost

RES = 16
INFO = ModelInfo("Faces", "/models/faces.safetensors", RES, 3, 8, 8, 4, "ab" * 32)


def result_for(latents: tuple[Latent, ...], channel: str = "grid") -> RenderResult:
    rng = np.random.default_rng(0)
    arrays = rng.integers(0, 256, (len(latents), RES, RES, 3), dtype=np.uint8)
    images = tuple(array_to_qimage(a) for a in arrays)
    return RenderResult(0, 0, RenderRequest(latents, channel), latents, arrays, images, 1.0, 0)


@pytest.fixture
def bench(qtbot):
    """A window with a Browse panel showing a fake grid, and the desktop habits on it."""
    window = QMainWindow()
    qtbot.addWidget(window)
    host = WindowHost(window, QToolBar())
    studio = Studio(BrowseState(rng=random.Random(0)), reporter=ErrorReporter(interactive=False))
    browse = BrowsePanel(studio.state)
    window.setCentralWidget(browse)
    habits = DesktopHabits(studio, host, browse)
    studio.state.model = INFO
    studio.state.current = studio.state.cell_latent(0)
    browse.show_result(result_for(studio.state.grid_latents()))
    browse.show_preview_result(result_for((studio.state.current,), "preview"))
    window.resize(1280, 720)
    window.show()
    yield habits
    habits.shutdown()
    studio.shutdown()


def test_copy_puts_pixels_and_the_export_record_on_the_clipboard(bench):
    assert bench.copy_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Copy)
    bench.copy_action.trigger()
    mime = QGuiApplication.clipboard().mimeData()
    image = bench.browse.current_image()
    assert mime.hasImage()
    assert np.array_equal(qimage_to_array(mime.imageData()), qimage_to_array(image))
    record = read_png_record(bytes(mime.data(PNG_MIME)))
    assert record["model"]["sha256"] == INFO.sha256
    assert record_latent(record) == bench.state.current
    QGuiApplication.clipboard().clear()  # Qt may crash at exit owning a clipboard


class FakeDrag:
    made: list[FakeDrag] = []

    def __init__(self, source):
        self.source, self.mime = source, None
        FakeDrag.made.append(self)

    def setMimeData(self, mime):
        self.mime = mime

    def setPixmap(self, pixmap):
        self.pixmap = pixmap

    def exec(self, action):
        return action


def mouse(widget, kind: QEvent.Type, x: int, buttons) -> None:
    button = Qt.MouseButton.LeftButton if kind != QEvent.Type.MouseMove else Qt.MouseButton.NoButton
    pos = QPointF(x, 10)
    event = QMouseEvent(kind, pos, widget.mapToGlobal(pos), button, buttons, Qt.KeyboardModifier(0))
    QApplication.sendEvent(widget, event)


def test_dragging_a_cell_selects_it_and_carries_a_png_with_its_record(bench, monkeypatch):
    monkeypatch.setattr(desktop, "QDrag", FakeDrag)
    FakeDrag.made.clear()
    cell = bench.browse.grid.cells[5]
    left = Qt.MouseButton.LeftButton
    mouse(cell, QEvent.Type.MouseButtonPress, 10, left)
    assert bench.state.selected == 5 and not FakeDrag.made  # a click still just selects
    mouse(cell, QEvent.Type.MouseMove, 10 + QApplication.startDragDistance() + 2, left)
    mouse(cell, QEvent.Type.MouseButtonRelease, 30, Qt.MouseButton.NoButton)
    (drag,) = FakeDrag.made
    (url,) = drag.mime.urls()
    path = url.toLocalFile()
    assert path.endswith(".png")
    assert record_latent(read_record(path)) == bench.state.cell_latent(5)
    assert drag.mime.hasImage() and drag.mime.hasFormat(PNG_MIME)


def test_dragging_the_preview_out_when_it_fits(bench, monkeypatch):
    monkeypatch.setattr(desktop, "QDrag", FakeDrag)
    FakeDrag.made.clear()
    preview = bench.browse.preview
    left = Qt.MouseButton.LeftButton
    mouse(preview, QEvent.Type.MouseButtonPress, 100, left)
    mouse(preview, QEvent.Type.MouseMove, 140, left)
    (drag,) = FakeDrag.made
    assert record_latent(read_record(drag.mime.urls()[0].toLocalFile())) == bench.state.current


def test_zoom_shows_crisp_pixels_and_pans_instead_of_dragging(bench, monkeypatch):
    preview = bench.browse.preview
    assert preview.zoom is None and bench.zoom_actions[None].isChecked()
    bench.zoom_actions[4].trigger()
    assert preview.zoom == 4 and bench.zoom_actions[4].isChecked()
    target = preview.image_rect()
    assert target.size().width() == RES * 4 / preview.devicePixelRatioF()
    shot = preview.grab().toImage()
    image = bench.browse.current_image()
    x, y = target.left(), target.top()
    # nearest neighbour: a 4×4 block of one colour per image pixel, no blending
    block = {shot.pixel(x + i, y + j) for i in range(4) for j in range(4)}
    assert block == {image.pixel(0, 0)}
    assert shot.pixel(x + 4, y) == image.pixel(1, 0)
    bench.zoom_actions[None].trigger()
    assert preview.zoom is None

    # typing a digit into the seed box types it; it does not zoom
    box = bench.browse.seed_box
    box.setFocus()
    box.lineEdit().selectAll()
    from PySide6.QtTest import QTest

    QTest.keyClicks(box, "2")
    assert preview.zoom is None and "2" in box.text()


def test_fullscreen_preview_follows_the_image_and_esc_leaves(bench, qtbot):
    bench.fullscreen_action.trigger()
    shown = bench.fullscreen
    assert shown is not None and shown.isVisible()
    assert shown.view.image is bench.browse.preview.image
    bench.zoom_actions[2].trigger()
    assert shown.view.zoom == 2
    qtbot.keyClick(shown, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: bench.fullscreen is None)


@pytest.fixture
def window(empty_window):
    return empty_window


def test_standard_keys_undo_redo_and_space_plays(window, qtbot):
    b = window.browser
    assert b.undo_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Undo)
    redo = b.redo_action.shortcuts()
    assert redo[0] == QKeySequence("Ctrl+Shift+Z") and QKeySequence("Ctrl+Y") in redo
    assert all(k in redo for k in QKeySequence.keyBindings(QKeySequence.StandardKey.Redo))
    assert b.play_action.shortcut() == QKeySequence("Space")
    assert "(Space)" in b.interpolation.play_button.toolTip()
    ctrl_p = QKeySequence("Ctrl+P")  # Print, in every artist's app
    assert not [a.text() for a in window.findChildren(QAction) if ctrl_p in a.shortcuts()]

    played = []
    b.play_action.setEnabled(True)  # as with two keyframes
    b.play_action.triggered.connect(lambda: played.append(1))
    button = QPushButton("Any button", window)
    button.show()
    button.setFocus()
    qtbot.keyClick(button, Qt.Key.Key_Space)
    assert not played  # a focused button keeps Space
    window.browse.grid.setFocus()
    qtbot.keyClick(window.browse.grid, Qt.Key.Key_Space)
    assert played
