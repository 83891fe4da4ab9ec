"""The first window: grid, preview, truncation, seed editing, model loading and errors."""

from __future__ import annotations

import pickle
import random
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import drop_on
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QMessageBox

from gui.app import run_app
from gui.core.errors import ErrorReporter
from gui.core.images import array_to_qimage, qimage_to_bytes
from gui.core.renderer import RenderRequest, RenderResult
from gui.core.state import GRID_SIZE, MAX_SEED, BrowseState, ModelStatus
from gui.window.main_window import LOADING_TEXT, MainWindow

ROOT = Path(__file__).resolve().parents[3]
WAIT_MS = 20_000


def is_current(window: MainWindow) -> bool:
    """The grid on screen shows exactly what the state asks for."""
    result = window.browse.result
    return result is not None and result.request == RenderRequest.for_seeds(
        window.state.seeds, window.state.psi
    )


def wait_rendered(qtbot, window: MainWindow) -> RenderResult:
    qtbot.waitUntil(lambda: is_current(window), timeout=WAIT_MS)
    return window.browse.result


@pytest.fixture
def reporter() -> ErrorReporter:
    return ErrorReporter(interactive=False)


@pytest.fixture
def make_window(qtbot, reporter):
    windows: list[MainWindow] = []

    def make() -> MainWindow:
        window = MainWindow(state=BrowseState(rng=random.Random(0)), reporter=reporter)
        qtbot.addWidget(window)
        window.show()
        windows.append(window)  # kept alive until teardown closes it
        return window

    yield make
    for window in windows:
        window.close()  # stops the render thread


@pytest.fixture
def window(make_window, qtbot, tiny_model_file) -> MainWindow:
    window = make_window()
    window.open_model(tiny_model_file)
    wait_rendered(qtbot, window)
    return window


def test_window_shows_loading_first_then_the_model(make_window, qtbot, tiny_model_file):
    window = make_window()
    window.open_model(tiny_model_file)
    # the load runs on the render thread, so the window is already up and says so
    assert window.state.status is ModelStatus.LOADING
    assert window.browse.preview.message == LOADING_TEXT
    assert window.model_label.text().startswith("Loading")
    assert not window.grab().isNull()
    wait_rendered(qtbot, window)
    assert window.state.status is ModelStatus.READY
    assert window.browse.preview.message == ""
    assert window.state.model.resolution == 16
    assert window.model_label.text().startswith("Model: ")
    assert "ms" in window.render_label.text()
    assert window.windowTitle().endswith("Ganvas")


def test_grid_renders_16_distinct_non_blank_images(window):
    result = window.browse.result
    assert result.arrays.shape == (GRID_SIZE, 16, 16, 3)
    assert result.arrays.dtype == np.uint8
    assert len({a.tobytes() for a in result.arrays}) == GRID_SIZE  # all distinct
    for array, cell in zip(result.arrays, window.browse.grid.cells, strict=True):
        assert array.std() > 1.0  # not blank
        assert cell.image.size().toTuple() == (16, 16)
        assert qimage_to_bytes(cell.image) == array.tobytes()  # what is painted is the render
        assert cell.seed == window.state.seeds[cell.index]


def test_clicking_a_cell_selects_it(window, qtbot):
    grid, preview = window.browse.grid, window.browse.preview
    qtbot.mouseClick(grid.cells[5], Qt.MouseButton.LeftButton)
    assert window.state.selected == 5
    assert grid.cells[5].selected and not grid.cells[0].selected
    assert window.browse.seed_box.value() == window.state.seeds[5]
    assert qimage_to_bytes(preview.image) == window.browse.result.arrays[5].tobytes()
    assert preview.caption.startswith(f"Seed {window.state.seeds[5]}")
    qtbot.keyClick(grid, Qt.Key.Key_Down)  # arrow keys move the selection too
    assert window.state.selected == 9


def test_truncation_slider_changes_the_pixels(window, qtbot):
    before = window.browse.result.arrays.copy()
    window.browse.psi_slider.setValue(1.2)  # as a user drag would
    assert window.state.psi == pytest.approx(1.2)
    after = wait_rendered(qtbot, window).arrays
    assert not np.array_equal(before, after)
    window.browse.psi_slider.setValue(0.0)  # ψ = 0: every seed collapses onto w_avg
    collapsed = wait_rendered(qtbot, window).arrays
    assert all(np.array_equal(collapsed[0], a) for a in collapsed)


def test_editing_the_seed_replaces_the_selected_image(window, qtbot):
    qtbot.mouseClick(window.browse.grid.cells[2], Qt.MouseButton.LeftButton)
    before = window.browse.result.arrays.copy()
    edit = window.browse.seed_box.lineEdit()
    edit.selectAll()
    qtbot.keyClicks(edit, "777")
    assert window.state.seeds[2] != 777  # nothing happens until Enter
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert window.state.seeds[2] == 777
    assert window.browse.grid.cells[2].seed == 777
    result = wait_rendered(qtbot, window)
    assert result.computed <= 1  # only the edited cell was synthesised (or the preview did)
    assert not np.array_equal(result.arrays[2], before[2])
    others = [i for i in range(GRID_SIZE) if i != 2]
    assert np.array_equal(result.arrays[others], before[others])
    assert qimage_to_bytes(window.browse.preview.image) == result.arrays[2].tobytes()


def test_new_seeds_shortcut_rerenders_everything(window, qtbot):
    old = window.state.seeds
    qtbot.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert window.state.seeds != old
    assert len(set(window.state.seeds)) == GRID_SIZE
    assert all(0 <= s <= MAX_SEED for s in window.state.seeds)
    # all new; the selected one may have been rendered first for the preview
    assert wait_rendered(qtbot, window).computed >= GRID_SIZE - 1


def _text_file(path: Path) -> None:
    path.write_text("this is not a model\n" * 10)


def _pickle_file(path: Path) -> None:
    # loading this pickle would create a file: it must never be unpickled
    sentinel = path.with_name("pickle-ran")

    class Bomb:
        def __reduce__(self):
            return (Path.touch, (sentinel,))

    path.write_bytes(pickle.dumps(Bomb()))


@pytest.mark.parametrize("make_bad", [_text_file, _pickle_file], ids=["text", "pickle"])
def test_bad_model_file_is_reported_and_the_old_model_kept(
    window, qtbot, tmp_path, monkeypatch, make_bad
):
    shown = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(box.text()) or 0)
    window.reporter.interactive = True
    good = window.state.model
    bad = tmp_path / "broken.safetensors"
    make_bad(bad)
    window.open_model(bad)
    qtbot.waitUntil(lambda: bool(window.reporter.history), timeout=WAIT_MS)
    title, message = window.reporter.history[-1]
    assert title == "Could not open model"
    assert "broken.safetensors cannot be opened as a Ganvas model" in message
    assert f"Still using {good.name}" in message
    assert shown == [message]  # one plain-words dialog
    assert not (tmp_path / "pickle-ran").exists()
    assert window.state.model == good
    assert window.state.status is ModelStatus.READY
    window.state.new_seeds()  # still rendering with the old model
    assert wait_rendered(qtbot, window).arrays.shape[1] == good.resolution


def test_dropping_a_model_file_opens_it(window, qtbot, tmp_path, tiny_model_file):
    other = tmp_path / "other.safetensors"
    shutil.copy(tiny_model_file, other)
    assert drop_on(window, other).isAccepted()
    qtbot.waitUntil(lambda: window.state.model.path == str(other), timeout=WAIT_MS)
    assert window.state.status is ModelStatus.READY
    assert "other.safetensors" in window.windowTitle()


def test_missing_default_model_says_what_to_do(make_window):
    window = make_window()
    window.show_missing_default(Path("/nowhere/default.safetensors"))
    message = window.browse.preview.message
    assert "No bundled model found at /nowhere/default.safetensors" in message
    assert "File → Open model…" in message
    assert not window.new_seeds_action.isEnabled()
    assert not window.browse.seed_box.isEnabled()


def test_every_control_has_a_tooltip(window):
    actions = [window.open_action, window.quit_action, window.new_seeds_action]
    widgets = [window.browse.seed_box, window.browse.psi_slider, window.browse.grid]
    widgets += [window.browse.preview, window.model_label, window.render_label]
    widgets += window.browse.grid.cells
    assert all(a.toolTip() for a in actions)
    assert all(w.toolTip() for w in widgets)
    assert window.open_action.shortcut().toString() == "Ctrl+O"
    assert window.new_seeds_action.shortcut().toString() == "Ctrl+R"


def test_latest_request_wins_and_stale_results_are_dropped(window, qtbot):
    shown = []
    window.renderer.result_ready.connect(lambda r: r.channel == "grid" and shown.append(r))
    for psi in np.linspace(0.1, 1.0, 10):
        window.state.psi = float(psi)
    result = wait_rendered(qtbot, window)
    assert result.stamp == window.renderer.latest["grid"]
    assert 1 <= len(shown) <= 10  # requests not yet started were replaced
    assert [r.stamp for r in shown] == sorted(r.stamp for r in shown)
    dropped = window.renderer.dropped
    window.renderer._on_rendered(shown[0])  # an old result arriving late is ignored
    assert window.renderer.dropped == dropped + 1
    assert window.browse.result is result


def test_state_emits_only_on_change(qtbot):
    state = BrowseState()
    with qtbot.assertNotEmitted(state.psi_changed):
        state.psi = 0.7  # the default
    with qtbot.waitSignal(state.psi_changed) as blocker:
        state.psi = 5.0  # clamped into range
    assert blocker.args == [state.psi] and state.psi == 2.0
    with qtbot.assertNotEmitted(state.selected_seed_changed):
        state.set_seed(5, 99)  # not the selected cell
    with qtbot.waitSignal(state.selected_seed_changed) as blocker:
        state.selected = 5
    assert blocker.args == [99]
    with pytest.raises(ValueError):
        state.seeds = [1, 2, 3]
    with pytest.raises(ValueError):
        state.set_seed(0, MAX_SEED + 1)


def test_array_to_qimage_copies_and_handles_strides():
    rgb = np.arange(4 * 6 * 3, dtype=np.uint8).reshape(4, 6, 3)
    flipped = rgb[:, ::-1]  # not contiguous
    image = array_to_qimage(flipped)
    del flipped
    assert image.format() == QImage.Format.Format_RGB888
    assert qimage_to_bytes(image) == np.ascontiguousarray(rgb[:, ::-1]).tobytes()
    rgba = array_to_qimage(np.zeros((2, 3, 4), np.uint8))
    assert rgba.format() == QImage.Format.Format_RGBA8888


def test_run_app_screenshot(tmp_path, tiny_model_file):
    out = tmp_path / "shot.png"
    assert run_app(["--screenshot", str(out), "--model", str(tiny_model_file)]) == 0
    image = QImage(str(out))
    assert image.width() == 1440 and image.height() == 900


def test_run_app_screenshot_fails_plainly(tmp_path, capsys, monkeypatch):
    out = tmp_path / "shot.png"
    bad = tmp_path / "bad.safetensors"
    _text_file(bad)
    assert run_app(["--screenshot", str(out), "--model", str(bad)]) == 1
    assert "cannot be opened as a Ganvas model" in capsys.readouterr().err
    monkeypatch.setattr("engine.paths.startup_model_path", lambda: tmp_path / "none.safetensors")
    assert run_app(["--screenshot", str(out)]) == 1
    assert "No bundled model found" in capsys.readouterr().err
    assert not out.exists()


def test_main_screenshot_subprocess_and_lazy_torch(tmp_path, tiny_model_file):
    code = "import sys, gui.app, gui.window.main_window; print('torch' in sys.modules)"
    lazy = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert lazy.stdout.strip() == "False", lazy.stderr
    out = tmp_path / "shot.png"
    cmd = [sys.executable, "main.py", "--screenshot", str(out), "--model", str(tiny_model_file)]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "window shown" in done.stderr and "Loading model" in done.stderr
    assert not QImage(str(out)).isNull()


def test_long_sessions_survive_many_qt_calls(qtbot):
    # PySide6 6.12.0 drops a reference to None on every void call and aborts Python 3.11 with
    # "none_dealloc" after a few thousand calls; pyproject pins <6.12. This guards the pin.
    from PySide6.QtWidgets import QLabel

    label = QLabel()
    qtbot.addWidget(label)
    for _ in range(200_000):
        label.setText("x")


def test_the_bundled_default_model_fills_the_grid(make_window, qtbot):
    """What `python main.py` opens: the shipped model, through the same validated loader as
    any user file, renders 16 distinct, non-blank 64 px images."""
    from engine.paths import default_model_path

    path = default_model_path()
    assert path.is_file(), f"the bundled model is missing: {path}"
    assert path.stat().st_size <= 25 * 2**20
    window = make_window()
    window.open_model(path)
    result = wait_rendered(qtbot, window)
    assert window.state.model.name.startswith("Ganvas default")
    assert result.arrays.shape == (GRID_SIZE, 64, 64, 3)
    assert len({a.tobytes() for a in result.arrays}) == GRID_SIZE
    # pictures, not flat fills: no image is uniform, and typically they have real contrast and
    # edges (over 200 seeds at ψ 0.7 the medians are std 59 and mean |vertical step| 9.2)
    arrays = result.arrays.astype(np.float32)
    spread = arrays.reshape(GRID_SIZE, -1).std(1)
    edges = np.abs(np.diff(arrays, axis=1)).mean((1, 2, 3))
    assert spread.min() > 2.0 and edges.min() > 0.1
    assert np.median(spread) > 30.0 and np.median(edges) > 4.0


def test_window_size_and_dock_layout_survive_a_restart(make_window, qtbot, tmp_path, monkeypatch):
    from gui.window.window_memory import restore_window

    monkeypatch.setenv("GANVAS_CONFIG_DIR", str(tmp_path / "config"))
    first = make_window()
    assert not restore_window(first)  # nothing saved yet: the default layout stays
    first.remember_layout = True
    first.resize(1000, 640)  # (Qt keeps it within the minimum size and the screen)
    first.browser.directions_dock.hide()
    first.browser.interpolation_dock.show()
    qtbot.waitUntil(lambda: first.size().toTuple() != (1440, 900))
    saved = first.size().toTuple()
    first.close()
    assert (tmp_path / "config" / "window.ini").is_file()

    second = make_window()
    assert second.size().toTuple() == (1440, 900)  # a new window starts at the default
    assert restore_window(second)
    # Qt may nudge a window larger than the screen (800×800 offscreen) back onto it
    qtbot.waitUntil(lambda: second.size().toTuple() != (1440, 900))
    assert all(abs(a - b) <= 0.05 * b for a, b in zip(second.size().toTuple(), saved))
    assert not second.browser.directions_dock.isVisible()
    assert second.browser.interpolation_dock.isVisible()


def test_dock_tabs_keep_their_whole_names_when_the_projection_dock_opens(window, qtbot):
    from PySide6.QtWidgets import QTabBar

    window.projection.show_projection()
    bars = [b for b in window.findChildren(QTabBar) if b.parent() is window and b.count() > 1]
    assert bars
    for bar in bars:
        assert bar.elideMode() == Qt.TextElideMode.ElideNone and bar.usesScrollButtons()
        names = [bar.tabText(i) for i in range(bar.count())]
        assert not any(name.endswith("…") for name in names)


def test_the_app_opens_on_the_bundled_128_px_model(make_window, qtbot):
    """The app starts on default-128 (the 64 px default stays the fine-tuning base)."""
    from engine.paths import default_model_path, startup_model_path

    path = startup_model_path()
    assert path.name == "default-128.safetensors" and path != default_model_path()
    assert path.stat().st_size <= 25 * 2**20
    window = make_window()
    window.open_model(path)
    result = wait_rendered(qtbot, window)
    assert window.state.model.name == "Ganvas default (emoji faces, 128 px)"
    assert result.arrays.shape == (GRID_SIZE, 128, 128, 3)
    assert len({a.tobytes() for a in result.arrays}) == GRID_SIZE
