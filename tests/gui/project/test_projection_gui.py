"""Projection and preference feedback in the GUI: an image without a record is projected in the
background and becomes the (explicit-w, editable) current image; thumbs up/down persist per
model, the learned direction appears after 3 + 3 ratings, and More like this pushes the grid."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from helpers import drop_on
from PIL import Image
from PySide6.QtCore import QPoint, Qt

from engine.latent import Latent
from gui.likes.likes import PUSH_NAME
from gui.window.main_window import MainWindow

WAIT_MS = 30_000

pytestmark = pytest.mark.usefixtures("private_data", "one_torch_thread")


@pytest.fixture
def window(make_model_window) -> MainWindow:
    return make_model_window()


def photo(path: Path, size=(40, 30)) -> Path:
    """A non-square picture without a Ganvas record: a red disc on blue."""
    yy, xx = np.mgrid[: size[1], : size[0]]
    img = np.zeros((size[1], size[0], 3), np.uint8)
    img[...] = (40, 60, 200)
    img[(yy - size[1] // 2) ** 2 + (xx - size[0] // 2) ** 2 < 80] = (220, 40, 30)
    Image.fromarray(img).save(path)
    return path


def test_dropping_a_plain_image_projects_it_and_makes_it_current(window, qtbot, tmp_path):
    panel = window.projection.panel
    panel.steps.setValue(6)
    window.state.psi = 0.6
    before = window.state.current
    grid = window.state.grid_latents()
    assert drop_on(window, photo(tmp_path / "photo.png")).isAccepted()
    assert window.projection.dock.isVisible()
    assert panel.running
    qtbot.waitUntil(lambda: not panel.running, timeout=WAIT_MS)
    assert window.reporter.history == []
    s, info = window.state, window.state.model
    assert s.current != before and s.current.ws is not None
    assert np.shape(s.current.ws) == (info.num_ws, info.w_dim)
    assert panel.target.image.width() == info.resolution  # cropped like training data
    assert panel.output.image is not None
    assert "close" in panel.metrics.text()  # plain words; the numbers in the tooltip
    assert "PSNR" in panel.metrics.toolTip() and "SSIM" in panel.metrics.toolTip()
    assert panel.result["psnr"] > 0
    assert s.psi == 0.6 and s.grid_latents() == grid  # ψ and the grid stay where they were
    assert window.browse.psi_slider.value() == pytest.approx(0.6)

    # editable with the browser's tools: a direction moves it, undo brings it back
    projected = s.current
    qtbot.waitUntil(lambda: window.browser.directions.cached is not None, timeout=WAIT_MS)
    window.browser.directions.row("PC1").slider.setValue(1.0)
    assert s.current.ws == projected.ws and s.current.edits
    window.browser.history.undo()
    assert s.current == projected
    window.browser.history.undo()
    assert s.current == before


def test_projection_can_be_cancelled_and_keeps_the_current_image(window, qtbot, tmp_path):
    panel = window.projection.panel
    panel.steps.setValue(5000)
    before = window.state.current
    window.projection.project(photo(tmp_path / "slow.png"))
    qtbot.waitUntil(lambda: panel.progress.maximum() == 5000, timeout=WAIT_MS)
    assert panel.go_button.text() == "Cancel"
    panel.go_button.click()
    qtbot.waitUntil(lambda: not panel.running, timeout=WAIT_MS)
    assert panel.job.outcome == "cancelled"
    assert window.state.current == before
    assert "Cancelled" in panel.status.text()
    assert panel.go_button.text() == "Project"


def test_an_unreadable_image_is_reported_plainly(window, qtbot, tmp_path):
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n not really")
    window.projection.panel.steps.setValue(4)
    assert drop_on(window, bad).isAccepted()
    qtbot.waitUntil(lambda: not window.projection.panel.running, timeout=WAIT_MS)
    title, message = window.reporter.history[-1]
    assert "broken.png" in title and "cannot be used: not an image" in message


def rate_seeds(window: MainWindow, seeds, value: int) -> None:
    for seed in seeds:
        window.browser.show_seed(seed)
        action = window.preferences.like_action if value > 0 else window.preferences.dislike_action
        action.trigger()


def test_thumbs_persist_and_the_direction_appears_after_three_of_each(
    make_model_window, qtbot, tmp_path
):
    window = make_model_window()
    prefs = window.preferences
    window.browser.show_seed(99)  # the keys + and − rate the current image; again: undone
    for key, label in ((Qt.Key.Key_Minus, -1), (Qt.Key.Key_Minus, 0), (Qt.Key.Key_Plus, 1)):
        qtbot.keyClick(window, key)
        assert prefs.store.label(window.state.current) == label
    assert prefs.panel.like_button.isChecked()
    qtbot.keyClick(window, Qt.Key.Key_Plus)
    assert prefs.store.counts == (0, 0)
    rate_seeds(window, [1, 2, 3], +1)
    rate_seeds(window, [4, 5], -1)
    assert prefs.store.counts == (3, 2)
    assert "1 more down" in prefs.panel.fit_label.text()
    assert prefs.fit is None and not prefs.more_action.isEnabled()

    # the grid's context menu rates the cell's own image
    menus = []
    window.browser.grid_menu_opened.connect(lambda menu, index: menus.append((menu, index)))
    window.browser._grid_menu(7, QPoint(0, 0))
    menu, index = menus[-1]
    down = next(a for a in menu.actions() if a.text().startswith("Thumbs down"))
    down.trigger()
    menu.close()
    cell = window.state.cell_latent(7)
    assert prefs.store.label(cell) == -1

    qtbot.waitUntil(lambda: prefs.fit is not None, timeout=WAIT_MS)
    fit = prefs.fit
    assert (fit.likes, fit.dislikes) == (3, 3)
    assert len(fit.direction) == window.state.model.w_dim
    assert abs(np.linalg.norm(fit.direction) - 1) < 1e-4
    text = prefs.panel.fit_label.text()
    assert "3 likes and 3 dislikes" in text and "(50 % is chance)" in text
    assert "Cross-validated accuracy" in prefs.panel.fit_label.toolTip()
    assert prefs.more_action.isEnabled()

    saved = Path(prefs.store.path)
    data = json.loads(saved.read_text())
    assert data["model"]["sha256"] == window.state.model.sha256
    assert sorted(e["label"] for e in data["labels"]) == [-1, -1, -1, 1, 1, 1]
    assert str(tmp_path / "data") in str(saved)  # under $GANVAS_DATA_DIR

    # the same rating again takes it back; + on the current image
    window.browser.show_seed(1)
    assert prefs.panel.like_button.isChecked()
    prefs.like_action.trigger()
    assert prefs.store.counts == (2, 3)
    prefs.like_action.trigger()
    window.close()
    again = make_model_window()  # a restart: the ratings are still there
    assert again.preferences.store.counts == (3, 3)
    qtbot.waitUntil(lambda: again.preferences.fit is not None, timeout=WAIT_MS)


def test_more_like_this_pushes_the_grid_and_surprise_me_does_not(window, qtbot):
    prefs, s = window.preferences, window.state
    rate_seeds(window, [11, 12, 13, 14], +1)
    rate_seeds(window, [21, 22, 23], -1)
    qtbot.waitUntil(lambda: prefs.fit is not None, timeout=WAIT_MS)
    old_seeds = s.seeds

    prefs.panel.strength.setValue(2.0)
    prefs.panel.more_button.click()
    assert s.seeds != old_seeds
    (edit,) = s.grid_edits
    assert edit.name == PUSH_NAME
    assert edit.amount == pytest.approx(2.0 * prefs.fit.std)
    qtbot.waitUntil(
        lambda: list(window.browse.result.latents) == list(s.grid_latents()), timeout=WAIT_MS
    )
    assert window.browse.result.latents[0].edits == [edit]
    window.browse.grid.cells[5].clicked.emit(5)  # a click makes the pushed image current
    assert s.current == s.cell_latent(5) and s.current.edits == [edit]

    # pushed samples score higher along the direction than the plain ones
    from engine.latent import latent_ws
    from engine.modelfile import load_model

    G = load_model(s.model.path).G
    d = torch.tensor(prefs.fit.direction)
    pushed = [float(latent_ws(G, lat).mean(0) @ d) for lat in s.grid_latents()]
    plain = [float(latent_ws(G, Latent(seed=x, psi=s.psi)).mean(0) @ d) for x in s.seeds]
    assert np.mean(pushed) > np.mean(plain)

    prefs.panel.strength.setValue(1.0)  # the strength follows live
    assert s.grid_edits[0].amount == pytest.approx(prefs.fit.std)

    prefs.panel.surprise_button.click()
    assert s.grid_edits == ()
    qtbot.waitUntil(
        lambda: not window.browse.result.latents[0].edits,
        timeout=WAIT_MS,
    )


def test_opening_another_model_drops_the_push_before_the_grid_renders(window, qtbot, tmp_path):
    from engine.config import ModelConfig
    from engine.modelfile import save_model
    from engine.networks import Generator

    prefs, s = window.preferences, window.state
    rate_seeds(window, [11, 12, 13], +1)
    rate_seeds(window, [21, 22, 23], -1)
    qtbot.waitUntil(lambda: prefs.fit is not None, timeout=WAIT_MS)
    prefs.more_like_this()
    assert s.grid_edits
    cfg = ModelConfig(resolution=16, z_dim=8, w_dim=8, mapping_layers=1, channel_base=64)
    other = tmp_path / "other.safetensors"
    save_model(other, Generator(cfg), info={"name": "other"})
    window.open_model(other)
    assert s.grid_edits == ()  # at once: the grid never renders an 8-wide w with a 32-wide push
    qtbot.waitUntil(lambda: s.model is not None and s.model.name == "other", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.renderer.idle, timeout=WAIT_MS)
    assert window.reporter.history == []
    assert prefs.fit is None and prefs.store.counts == (0, 0)  # ratings are per model


def test_export_liked_images_for_fine_tuning(window, qtbot, tmp_path):
    rate_seeds(window, [31, 32], +1)
    window.preferences.panel.export_button.click()
    dialog = window.exports.dialogs["batch"]
    assert dialog.windowTitle() == "Export liked images"
    dialog.folder.set_text(str(tmp_path / "liked"))
    job = dialog.start()
    qtbot.waitUntil(lambda: not job.running, timeout=WAIT_MS)
    names = sorted(p.name for p in (tmp_path / "liked").iterdir())
    model = window.state.model.name
    assert names == [f"{model}-liked-0000.png", f"{model}-liked-0001.png"]


def test_the_preview_context_menu_rates_the_current_image(window, qtbot):
    from PySide6.QtWidgets import QApplication

    window.browser.show_seed(42)
    window.browser.preview_menu(QPoint(10, 10))
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is not None, timeout=WAIT_MS)
    menu = QApplication.activePopupWidget()
    texts = [a.text() for a in menu.actions()]
    assert "Export image…" in texts and "Thumbs up" in texts
    next(a for a in menu.actions() if a.text() == "Thumbs up").trigger()
    menu.close()
    assert window.preferences.store.label(Latent(seed=42, psi=window.state.psi)) == 1


def test_paste_brings_back_a_copied_image_exactly_and_projects_a_plain_one(window, qtbot, tmp_path):
    from PySide6.QtGui import QGuiApplication, QImage, QKeySequence

    from gui.core.images import qimage_to_bytes

    paste = window.projection.paste_action
    assert paste.shortcut() == QKeySequence(QKeySequence.StandardKey.Paste)
    assert paste in window.host.menu("edit").actions()
    clipboard = QGuiApplication.clipboard()
    try:
        window.browser.show_seed(window.state.seeds[3])
        qtbot.waitUntil(lambda: window.browse.shows_current(), timeout=WAIT_MS)
        copied = window.state.current
        shown = qimage_to_bytes(window.browse.current_image())
        assert window.browser.desktop.copy_current()
        window.browser.show_seed(window.state.seeds[7])
        assert window.state.current != copied
        paste.trigger()  # the record comes back: the same latent, so the same pixels
        assert window.state.current == copied
        assert window.browser.history.stack.undoText() == "Opened the pasted image"
        qtbot.waitUntil(lambda: window.browse.shows_current(), timeout=WAIT_MS)
        assert qimage_to_bytes(window.browse.current_image()) == shown

        clipboard.setText("just words")  # no image: the status bar says so
        assert window.projection.paste() is None
        assert "Nothing to paste" in window.statusBar().currentMessage()
        assert window.state.current == copied

        plain = QImage(str(photo(tmp_path / "photo.png")))
        clipboard.setImage(plain)  # an image from another app: projected, as a drop would
        panel = window.projection.panel
        panel.steps.setValue(2)
        assert window.projection.paste() is None
        assert window.projection.dock.isVisible() and panel.image_path is not None
        assert QImage(str(panel.image_path)).size() == plain.size()
        assert "no Ganvas record" in window.statusBar().currentMessage()
        qtbot.waitUntil(lambda: not panel.running, timeout=WAIT_MS)
        assert window.state.current.ws is not None  # the found image is current
    finally:
        clipboard.clear()  # Qt may crash at exit owning a clipboard
