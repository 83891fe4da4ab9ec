"""The latent browser: current Latent + undo, directions, mixing, breeding, seed pad,
favourites across restarts, interpolation, cached PCA directions, renderer channels."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QInputDialog, QLabel

from engine.bending import Bend
from engine.breeding import crossbreed_choice, latent_id, lattice_seeds, layer_groups
from engine.latent import Latent, StyleMix, latent_ws, seed_ws
from engine.modelfile import load_model
from engine.render import render_latents, render_ws
from gui.core.errors import ErrorReporter
from gui.core.images import qimage_to_bytes
from gui.core.renderer import Renderer, RenderRequest
from gui.core.state import BrowseState
from gui.window.main_window import MainWindow

WAIT_MS = 20_000

pytestmark = pytest.mark.usefixtures("private_data")


@pytest.fixture(scope="module")
def G(tiny_model_file):
    return load_model(tiny_model_file).G


@pytest.fixture
def make_window(qtbot):
    windows: list[MainWindow] = []

    def make(model: Path) -> MainWindow:
        window = MainWindow(
            state=BrowseState(rng=random.Random(0)), reporter=ErrorReporter(interactive=False)
        )
        window.browser.rng = random.Random(1)
        qtbot.addWidget(window)
        window.show()
        windows.append(window)
        window.open_model(model)
        qtbot.waitUntil(lambda: window.browse.result is not None, timeout=WAIT_MS)
        wait_preview(qtbot, window)
        return window

    yield make
    for window in windows:
        window.close()


@pytest.fixture
def window(make_window, tiny_model_file) -> MainWindow:
    return make_window(tiny_model_file)


def wait_preview(qtbot, window: MainWindow) -> np.ndarray:
    """Wait until the preview shows exactly the current image; → its pixels."""
    browse = window.browse
    qtbot.waitUntil(lambda: browse.current_image() is not None, timeout=WAIT_MS)
    if not browse.shows_current():  # a grid image stands in; the preview render follows
        qtbot.waitUntil(browse.shows_current, timeout=WAIT_MS)
    image = browse.preview.image
    assert qimage_to_bytes(image) == qimage_to_bytes(browse.current_image())
    return np.frombuffer(qimage_to_bytes(image), np.uint8).reshape(image.height(), image.width(), 3)


def wait_directions(qtbot, window: MainWindow) -> None:
    qtbot.waitUntil(lambda: window.browser.directions.cached is not None, timeout=WAIT_MS)


def rendered(G, ws: torch.Tensor) -> np.ndarray:
    return render_ws(G, ws[None])[0]


def assert_pixels_close(a: np.ndarray, b: np.ndarray) -> None:
    # batched and single renders may differ in the last bit of a float, never more
    assert np.abs(a.astype(int) - b.astype(int)).max() <= 1


def test_the_current_image_is_a_latent_shown_in_the_preview(window, qtbot, G):
    s = window.state
    assert s.current == Latent(seed=s.selected_seed, psi=s.psi)
    pixels = wait_preview(qtbot, window)
    assert_pixels_close(pixels, rendered(G, latent_ws(G, s.current)))
    qtbot.mouseClick(window.browse.grid.cells[6], Qt.MouseButton.LeftButton)
    assert s.current == Latent(seed=s.seeds[6], psi=s.psi)
    assert s.pad == (float(s.seeds[6] % 100), float(s.seeds[6] // 100))  # pad follows
    assert "Seed" in window.browse.preview.caption


def test_direction_slider_changes_pixels_and_undo_restores_them_exactly(window, qtbot, G):
    wait_directions(qtbot, window)
    s, browser = window.state, window.browser
    original = s.current
    before = wait_preview(qtbot, window).copy()
    row = browser.directions.row("PC1")
    row.slider.setValue(2.0)
    edit = s.current.edits[0]
    assert edit.name == "PC1" and edit.amount == pytest.approx(2.0 * row.direction.std)
    vec = torch.tensor(row.direction.vector)
    expected = latent_ws(G, original) + 2.0 * row.direction.std * vec
    assert torch.allclose(latent_ws(G, s.current), expected, atol=1e-5)
    after = wait_preview(qtbot, window).copy()
    assert not np.array_equal(before, after)
    assert_pixels_close(after, rendered(G, expected))

    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert s.current == original
    assert row.slider.value() == 0.0  # the slider shows the state
    assert np.array_equal(wait_preview(qtbot, window), before)  # exactly the same pixels
    qtbot.keyClick(
        window,
        Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert s.current.edits[0].amount == pytest.approx(edit.amount)
    assert np.array_equal(wait_preview(qtbot, window), after)
    assert browser.undo_action.text().startswith("Undo PC1")


def test_layer_range_limits_the_edit_and_a_drag_is_one_undo_step(window, qtbot, G):
    wait_directions(qtbot, window)
    s, stack = window.state, window.browser.history.stack
    row = window.browser.directions.row("PC2")
    row.start.setValue(1)
    row.end.setValue(2)
    steps = stack.count()
    row.slider.setSliderDown(True)  # a drag: many values, one step
    for value in (0.5, 1.0, 1.5, -1.0):
        row.slider.setValue(value)
    row.slider.setSliderDown(False)
    assert stack.count() == steps + 1
    edit = s.current.edits[0]
    assert (edit.start, edit.end, edit.amount) == (1, 2, pytest.approx(-row.direction.std))
    base = latent_ws(G, s.current.replace(edits=[]))
    diff = (latent_ws(G, s.current) - base).abs().sum(1)
    assert diff[1] > 0 and diff[2] > 0 and diff[0] == 0 and diff[3:].sum() == 0
    window.browser.reset_edits_action.trigger()
    assert s.current.edits == [] and row.slider.value() == 0.0


def test_truncation_spans_minus_one_to_two_and_is_undoable(window, qtbot, G):
    s = window.state
    window.browse.psi_slider.setValue(-1.0)
    assert s.psi == -1.0 and s.current.psi == -1.0
    w = latent_ws(G, s.current)[0]
    w_plain = seed_ws(G, s.current.seed, 1.0)[0]
    assert torch.allclose(w, G.w_avg - (w_plain - G.w_avg), atol=1e-5)  # mirrored about w_avg
    wait_preview(qtbot, window)
    window.browser.history.undo()
    assert s.psi == pytest.approx(0.7) and s.current.psi == pytest.approx(0.7)


def test_style_mixing_takes_the_chosen_layers_from_the_second_seed(window, qtbot, G):
    s, panel = window.state, window.browser.breeding
    base = s.current
    panel.source_box.setValue(4242)
    panel.preset_buttons["coarse"].click()
    coarse = layer_groups(G.num_ws)["coarse"]
    assert s.current == base.replace(mix=StyleMix(4242, coarse))
    expected = seed_ws(G, base.seed, base.psi).clone()
    expected[coarse] = seed_ws(G, 4242, base.psi)[coarse]
    assert torch.allclose(latent_ws(G, s.current), expected, atol=1e-6)
    assert_pixels_close(wait_preview(qtbot, window), rendered(G, expected))
    panel.layer_buttons[G.num_ws - 1].click()  # any layer set: add the last one
    assert s.current.mix.layers == [*coarse, G.num_ws - 1]
    panel.clear_mix_button.click()
    assert s.current.mix is None
    # the grid's context menu picks the source image too
    window.browser.breeding.use_source(s.seeds[3])
    assert s.current.mix == StyleMix(s.seeds[3], coarse)


def test_children_are_mutations_of_the_current_image(window, qtbot, G):
    s, browser = window.state, window.browser
    parent = s.current
    browser.breeding.strength.setValue(0.4)
    with qtbot.waitSignal(browser.offspring_rendered, timeout=WAIT_MS):
        browser.breeding.children_button.click()
    rng = random.Random(1)  # the browser's rng in these tests
    seeds = [rng.randrange(2**31) for _ in range(8)]
    children = browser.breeding.offspring
    assert len(children) == 8 and len({latent_id(c) for c in children}) == 8
    base = latent_ws(G, parent)
    for seed, child in zip(seeds, children, strict=True):
        expected = base + 0.4 * (seed_ws(G, seed, parent.psi) - base)
        assert torch.allclose(latent_ws(G, child), expected, atol=1e-5)
        assert child.parents == [latent_id(parent)]
    qtbot.mouseClick(browser.breeding.offspring_grid.cells[2], Qt.MouseButton.LeftButton)
    assert s.current == children[2]
    assert_pixels_close(wait_preview(qtbot, window), rendered(G, latent_ws(G, children[2])))
    # lineage: the child, then its parent
    browser._request_thumbnails()
    tree = browser.library_panel.lineage
    top = tree.topLevelItem(0)
    assert top.childCount() == 1 and top.child(0).data(0, Qt.ItemDataRole.UserRole) == latent_id(
        parent
    )
    window.browser.history.undo()
    assert s.current == parent


def test_crossbreeding_favourites_follows_the_definition(window, qtbot, G):
    s, browser = window.state, window.browser
    a = s.current
    qtbot.keyClick(window, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    qtbot.mouseClick(window.browse.grid.cells[9], Qt.MouseButton.LeftButton)
    b = s.current
    browser.favourite_action.trigger()
    favs = browser.library_panel.favourites
    assert favs.count() == 2
    favs.selectAll()
    browser.breeding.blend.setValue(0.25)
    with qtbot.waitSignal(browser.offspring_rendered, timeout=WAIT_MS):
        browser.crossbreed_action.trigger()
    rng = random.Random(1)
    seeds = [rng.randrange(2**31) for _ in range(8)]
    pws = torch.stack([latent_ws(G, a), latent_ws(G, b)])
    for seed, child in zip(seeds, browser.breeding.offspring, strict=True):
        choice = crossbreed_choice(G.num_ws, 2, seed)
        picked = torch.stack([pws[c, i] for i, c in enumerate(choice)])
        expected = picked + 0.25 * (pws.mean(0) - picked)
        assert torch.allclose(latent_ws(G, child), expected, atol=1e-5)
        assert child.parents == [latent_id(a), latent_id(b)]


def test_seed_pad_blends_the_four_nearest_seeds(window, qtbot, G):
    s, pad = window.state, window.browse.pad
    steps = window.browser.history.stack.count()
    # press and drag: the pad reports lattice positions, the browser blends
    centre = QPointF(pad.width() / 2, pad.height() / 2)
    start = pad.to_lattice(centre)

    def mouse(kind, point, buttons):
        event = QMouseEvent(
            kind,
            point,
            pad.mapToGlobal(point),
            Qt.MouseButton.LeftButton,
            buttons,
            Qt.KeyboardModifier.NoModifier,
        )
        {
            QMouseEvent.Type.MouseButtonPress: pad.mousePressEvent,
            QMouseEvent.Type.MouseMove: pad.mouseMoveEvent,
            QMouseEvent.Type.MouseButtonRelease: pad.mouseReleaseEvent,
        }[kind](event)

    target = centre + QPointF(0.25 * pad.cell, 0.5 * pad.cell)
    mouse(QMouseEvent.Type.MouseButtonPress, centre, Qt.MouseButton.LeftButton)
    mouse(
        QMouseEvent.Type.MouseMove, centre + QPointF(0.1 * pad.cell, 0), Qt.MouseButton.LeftButton
    )
    mouse(QMouseEvent.Type.MouseMove, target, Qt.MouseButton.LeftButton)
    mouse(QMouseEvent.Type.MouseButtonRelease, target, Qt.MouseButton.NoButton)
    x, y = start[0] + 0.25, start[1] + 0.5
    assert s.pad == pytest.approx((x, y))
    qtbot.waitUntil(lambda: s.current.ws is not None, timeout=WAIT_MS)
    expected = sum(w * seed_ws(G, seed, s.psi) for seed, w in lattice_seeds(x, y))
    assert torch.allclose(latent_ws(G, s.current), expected, atol=1e-5)
    assert len(s.current.parents) == 4
    assert_pixels_close(wait_preview(qtbot, window), rendered(G, expected))
    assert window.browser.history.stack.count() <= steps + 2  # one drag, not one per move
    pad.snap()
    qtbot.waitUntil(lambda: s.current.ws is None, timeout=WAIT_MS)
    assert s.current.seed == lattice_seeds(round(x), round(y))[0][0]


def test_favourites_and_ratings_survive_a_restart(
    make_window, qtbot, tiny_model_file, private_data
):
    window = make_window(tiny_model_file)
    browser = window.browser
    qtbot.mouseClick(window.browse.grid.cells[4], Qt.MouseButton.LeftButton)
    favourite = window.state.current
    browser.favourite_action.trigger()
    assert not browser.favourite_action.isEnabled()  # already a favourite
    favs = browser.library_panel.favourites
    favs.setCurrentRow(0)
    favs.item(0).setSelected(True)
    qtbot.keyClick(favs, Qt.Key.Key_4)
    assert browser.library.favourites[0].rating == 4
    sha = window.state.model.sha256
    saved = json.loads((private_data / "models" / sha / "library.json").read_text())
    assert saved["favourites"][0]["rating"] == 4
    window.close()

    again = make_window(tiny_model_file)
    library = again.browser.library
    assert [(f.latent, f.rating) for f in library.favourites] == [(favourite, 4)]
    assert again.browser.library_panel.favourites.count() == 1
    qtbot.waitUntil(
        lambda: not again.browser.library_panel.favourites.item(0).icon().isNull(),
        timeout=WAIT_MS,
    )
    again.browser.library_panel.favourites.open_requested.emit(library.favourites[0].id)
    assert again.state.current == favourite


def test_pca_directions_are_orthonormal_and_cached(make_window, qtbot, tiny_model_file, tmp_path):
    model = tmp_path / "models" / "copy.safetensors"
    model.parent.mkdir()
    shutil.copy(tiny_model_file, model)
    first = make_window(model)
    wait_directions(qtbot, first)
    panel = first.browser.directions
    assert panel.cached is False
    assert (model.parent / "copy.safetensors.directions.json").is_file()
    v = torch.tensor([d.vector for d in panel.principal])
    assert v.shape == (8, first.state.model.w_dim)
    assert torch.allclose(v @ v.T, torch.eye(8), atol=1e-5)
    assert "8 main directions" in panel.status.text()
    assert "Principal components of w" in panel.status.toolTip()
    second = make_window(model)
    wait_directions(qtbot, second)
    assert second.browser.directions.cached is True
    assert [d.vector for d in second.browser.directions.principal] == v.tolist()


def test_saved_directions_reload_and_edit_their_layer_range(make_window, qtbot, tiny_model_file, G):
    window = make_window(tiny_model_file)
    wait_directions(qtbot, window)
    pc3 = window.browser.directions.row("PC3").direction
    window.browser.save_direction(pc3, 1, 3, "Smile")
    assert window.browser.directions.row("Smile").saved
    window.close()
    again = make_window(tiny_model_file)
    wait_directions(qtbot, again)
    row = again.browser.directions.row("Smile")
    assert row.layer_range() == (1, 3)
    row.slider.setValue(1.5)
    edit = again.state.current.edits[0]
    assert (edit.name, edit.start, edit.end) == ("Smile", 1, 3)
    assert edit.vector == pytest.approx(pc3.vector)
    assert edit.amount == pytest.approx(1.5 * pc3.std)
    row.button.menu().actions()[1].trigger()  # Delete
    with pytest.raises(StopIteration):
        again.browser.directions.row("Smile")


def test_interpolation_strip_and_player(window, qtbot, G):
    s, browser = window.state, window.browser
    a = s.current
    browser.add_key_action.trigger()
    assert window.browser.interpolation_dock.isVisible()
    qtbot.mouseClick(window.browse.grid.cells[1], Qt.MouseButton.LeftButton)
    b = s.current
    with qtbot.waitSignal(browser.strip_rendered, timeout=WAIT_MS):
        qtbot.keyClick(window, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    panel = browser.interpolation
    frames = panel.frames
    assert len(frames) == panel.strip_frames() == 12
    assert torch.allclose(latent_ws(G, frames[0]), latent_ws(G, a), atol=1e-5)
    assert torch.allclose(latent_ws(G, frames[6]), latent_ws(G, b), atol=1e-5)
    assert frames[3].parents == [latent_id(a), latent_id(b)]
    qtbot.mouseClick(panel.strip.cells[3], Qt.MouseButton.LeftButton)
    assert s.current == frames[3]
    shown = []
    panel.frame_shown.connect(shown.append)
    browser.play_action.trigger()
    assert panel.playing
    qtbot.waitUntil(lambda: len(shown) >= 5, timeout=WAIT_MS)
    assert len({qimage_to_bytes(i) for i in shown}) > 1  # it animates
    browser.play_action.trigger()
    assert not panel.playing
    wait_preview(qtbot, window)  # the preview is back on the current image


def test_perf_readout_shortcuts_and_tooltips(window, qtbot):
    b = window.browser
    qtbot.waitUntil(lambda: "ms" in b.perf_label.text(), timeout=WAIT_MS)
    shortcuts = {
        b.undo_action: "Ctrl+Z",
        b.redo_action: "Ctrl+Shift+Z",
        b.favourite_action: "Ctrl+D",
        b.children_action: "Ctrl+B",
        b.crossbreed_action: "Ctrl+Shift+B",
        b.add_key_action: "Ctrl+I",
        b.play_action: "Space",
        b.reset_edits_action: "Ctrl+0",
    }
    for action, keys in shortcuts.items():
        assert action.shortcut().toString() == keys
        assert action.toolTip()
    menus = [a.text() for a in window.menuBar().actions()]
    assert "&Edit" in menus and "&View" in menus
    from PySide6.QtWidgets import QAbstractButton, QAbstractSlider, QSpinBox

    panels = [b.directions, b.breeding, b.library_panel, b.interpolation, window.browse]
    for panel in panels:
        widgets = [
            w
            for kind in (QAbstractButton, QAbstractSlider, QSpinBox)
            for w in panel.findChildren(kind)
        ]
        for widget in widgets:
            owner = widget
            while owner is not None and not owner.toolTip():
                owner = owner.parentWidget()  # a labelled slider's parts share its tip
            assert owner is not None, f"{widget.objectName() or widget} has no tooltip"


def test_renderer_channels_wait_for_each_other_never_replace_each_other(qtbot, tiny_model_file):
    renderer = Renderer()
    try:
        with qtbot.waitSignal(renderer.model_loaded, timeout=WAIT_MS):
            renderer.load_model(tiny_model_file)
        got = []
        renderer.result_ready.connect(got.append)
        for psi in (0.1, 0.2, 0.3):  # the first may start, the rest replace each other
            renderer.request(RenderRequest.for_seeds([1, 2], psi, "grid"))
        renderer.request(RenderRequest((Latent(seed=5),), "thumbs"))
        qtbot.waitUntil(lambda: renderer.idle, timeout=WAIT_MS)
        channels = [r.channel for r in got]
        assert channels.count("thumbs") == 1 and "grid" in channels
        assert got[-1].channel == "thumbs"  # thumbnails wait for the grid
        grid = [r for r in got if r.channel == "grid"]
        assert grid[-1].latents == (Latent(seed=1, psi=0.3), Latent(seed=2, psi=0.3))
    finally:
        renderer.close()


def test_opening_another_model_replaces_the_preview_without_a_click(
    make_window, qtbot, tiny_model_file, tmp_path, G
):
    from engine.modelfile import save_model

    other = load_model(tiny_model_file).G
    with torch.no_grad():
        for p in other.parameters():
            p.add_(0.3 * torch.randn_like(p))
    other_file = tmp_path / "other.safetensors"
    save_model(other_file, other)
    window = make_window(tiny_model_file)
    before = wait_preview(qtbot, window)
    old_sha = window.state.model.sha256

    window.open_model(other_file)
    qtbot.waitUntil(lambda: window.state.model.sha256 != old_sha, timeout=WAIT_MS)
    after = wait_preview(qtbot, window)  # the same latent, the new model's pixels
    assert_pixels_close(after, rendered(other, latent_ws(other, window.state.current)))
    assert not np.array_equal(after, before)


def test_the_seed_box_follows_a_seed_chosen_on_the_pad(window, qtbot):
    s, pad = window.state, window.browse.pad
    seed_box = window.browse.seed_box
    before = s.current.seed
    x, y = s.pad
    pad.set_position((x + 1.0, y))
    pad.snap()  # onto the neighbouring seed, as a drag released there or a double-click does
    qtbot.waitUntil(lambda: s.current.ws is None and s.current.seed != before, timeout=WAIT_MS)
    assert "Seed" in window.browse.preview.caption
    assert seed_box.value() == s.current.seed
    assert str(s.current.seed) in window.browse.preview.caption
    assert s.selected_seed != s.current.seed  # the grid cell keeps its seed


def test_directions_speak_plainly_and_stop_where_pictures_break(window, qtbot):
    wait_directions(qtbot, window)
    panel = window.browser.directions
    heads = [w.text() for w in panel.findChildren(QLabel) if w.objectName() == "columnHead"]
    assert "Strength" in heads and not any("σ" in h for h in heads)
    row = panel.row("PC1")
    assert "main ways this model's pictures differ" in row.name.toolTip()
    assert "GANSpace" in row.name.toolTip()  # the technical term stays in the tooltip
    assert "±3" in row.slider.toolTip() and "break up" in row.slider.toolTip()
    row.slider.setValue(10.0)  # clamped to the range the PCA samples cover
    assert row.value == pytest.approx(3.0)
    edit = window.state.current.edits[0]
    assert edit.amount == pytest.approx(3.0 * row.direction.std)
    huge = window.state.current.replace(edits=[edit.__class__(edit.vector, 50.0, 0, None, "PC1")])
    row.show_edit(huge.edits[0], panel.num_ws)
    assert row.value == pytest.approx(3.0)


def test_directions_rename_export_and_load_round_trip(window, qtbot, tmp_path, monkeypatch):
    wait_directions(qtbot, window)
    b = window.browser
    b.save_direction(b.directions.row("PC2").direction, 0, 2, "Hair")
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Curls", True))
    b.directions.row("Hair").button.menu().actions()[0].trigger()  # Rename…
    assert [d.name for d in b.library.directions] == ["Curls"]
    path = tmp_path / "mine.named-directions.json"
    b.export_directions(str(path))
    assert json.loads(path.read_text())["directions"][0]["name"] == "Curls"
    assert b.load_directions(str(path)) == 1  # same name: kept as "Curls 2"
    assert [d.name for d in b.library.directions] == ["Curls", "Curls 2"]
    assert b.directions.row("Curls 2").layer_range() == (0, 2)
    assert b.library.directions[1].vector == b.library.directions[0].vector


def test_a_direction_from_two_pictures_goes_from_one_to_the_other(window, qtbot, G):
    wait_directions(qtbot, window)
    b = window.browser
    a, c = Latent(seed=3, psi=0.7), Latent(seed=11, psi=0.7)
    job = b.add_direction_between(a, c, "Three to eleven")
    qtbot.waitUntil(
        lambda: any(d.name == "Three to eleven" for d in b.library.directions), timeout=WAIT_MS
    )
    assert job is not None
    d = b.directions.row("Three to eleven").direction
    wa, wc = latent_ws(G, a).mean(0), latent_ws(G, c).mean(0)
    assert d.std == pytest.approx(float((wc - wa).norm()), rel=1e-4)
    assert torch.allclose(torch.tensor(d.vector), (wc - wa) / (wc - wa).norm(), atol=1e-5)


def test_captions_name_the_parents_of_a_crossbreed(window):
    from gui.core.latents import describe_latent

    p, q = Latent(seed=4, psi=0.7), Latent(seed=9, psi=0.7)
    child = Latent(seed=0, psi=0.7, ws=[[0.0]], parents=[latent_id(p), latent_id(q)])
    known = {latent_id(p): p, latent_id(q): q}
    assert describe_latent(child, known).startswith("Crossbreed of seed 4 × seed 9")
    assert describe_latent(child).startswith("Crossbreed of 2 images")
    assert "Blend" not in describe_latent(child) and "ψ" not in describe_latent(child)
    assert "variety 0.70" in describe_latent(p)


def test_browse_labels_are_plain_and_explain_themselves(window):
    labels = {w.text(): w for w in window.browse.findChildren(QLabel)}
    assert "Variety" in labels and "Truncation ψ" not in labels
    assert labels["Variety"].toolTip().startswith("Truncation ψ:")
    assert "same picture" in window.browse.pad.toolTip()
    assert "same picture" in window.browse.seed_box.toolTip()


# --- the Bend panel (network bending) ---------------------------------------------------


def test_an_effect_bends_the_preview_and_undo_removes_it(window, qtbot, G):
    s, panel = window.state, window.browser.bending
    assert panel.layer_combo.count() == 3  # the tiny model: 4, 8 and 16 px layers
    assert "overall shape" in panel.layer_combo.itemText(0)
    before = wait_preview(qtbot, window).copy()
    panel.add_effect()
    assert s.current.bends == [Bend(0, "rotate", 0.25)]
    after = wait_preview(qtbot, window).copy()
    assert not np.array_equal(before, after)
    assert np.array_equal(after[..., :3], render_latents(G, [s.current])[0][..., :3])

    panel.strength.setSliderDown(True)  # a drag: many values, one undo step
    for value in (40, 60, 80):
        panel.strength.setValue(value)
    panel.strength.setSliderDown(False)
    assert s.current.bends == [Bend(0, "rotate", 0.8)]
    assert panel.list.item(0).text() == "Turn +0.80 at 4 px"
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert s.current.bends == [Bend(0, "rotate", 0.25)]
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert s.current.bends == [] and panel.list.count() == 0
    assert np.array_equal(wait_preview(qtbot, window), before)


def test_changing_the_effect_and_removing_it(window, qtbot):
    s, panel = window.state, window.browser.bending
    panel.add_effect()
    panel.effect_combo.setCurrentIndex(panel.effect_combo.findData("mute"))
    panel.effect_combo.activated.emit(panel.effect_combo.currentIndex())
    assert s.current.bends[0].op == "mute"
    panel.remove_effect()
    assert s.current.bends == [] and not panel.remove_button.isEnabled()


def strip_pixels(button) -> np.ndarray:
    image = button.icon().pixmap(button.iconSize()).toImage()
    data = qimage_to_bytes(image)
    return np.frombuffer(data, np.uint8).reshape(image.height(), image.width(), 3)


def test_direction_strips_show_each_main_direction_on_the_current_image(window, qtbot, G):
    from gui.browse.directions import STRIP_STRENGTH

    wait_directions(qtbot, window)
    s, panel = window.state, window.browser.directions
    rows = panel.strip_rows()
    assert [r.direction.name for r in rows] == [f"PC{i + 1}" for i in range(len(rows))]
    assert len(rows) == len(panel.principal) >= 2
    qtbot.waitUntil(lambda: all(r.strip.filled for r in rows), timeout=WAIT_MS)

    def check(latent: Latent) -> None:
        for row in rows[:2]:
            vec = torch.tensor(row.direction.vector)
            base = latent_ws(G, latent)
            for button, value in zip(row.strip.buttons, (-STRIP_STRENGTH, 0.0, STRIP_STRENGTH)):
                want = rendered(G, base + value * row.direction.std * vec)
                assert_pixels_close(strip_pixels(button), want)

    check(s.current)
    requests: list[str] = []
    real = window.renderer.request
    window.renderer.request = lambda req: (requests.append(req.channel), real(req))[1]
    for cell in (2, 4, 6):  # quick changes: one strip request after the pause, for the last
        window.browser.show_seed(s.seeds[cell])
    with qtbot.waitSignal(window.browser.direction_strips_rendered, timeout=WAIT_MS):
        pass
    assert requests.count("directions") == 1
    assert s.current.seed == s.seeds[6]
    check(s.current)

    rows[1].strip.buttons[2].click()  # a click sets the slider to the strip's strength
    assert rows[1].slider.value() == pytest.approx(STRIP_STRENGTH)
    assert s.current.edits[0].name == "PC2"
    window.browser.history.undo()
    assert s.current.edits == []
