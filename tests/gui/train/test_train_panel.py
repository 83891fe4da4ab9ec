"""The Train panel: folder report, a real tiny run with pause/resume/stop, resuming in a fresh
panel, out-of-memory batch halving, visible NaN messages, closing the window while training."""

from __future__ import annotations

import random
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from helpers import drop_on, jargon_in
from PIL import Image
from PySide6.QtWidgets import QMessageBox

from engine import events, runs
from engine.config import ModelConfig
from gui.core.errors import ErrorReporter
from gui.core.state import BrowseState
from gui.train.jobs import PreviewImage
from gui.train.panel import TrainPanel
from gui.train.state import Phase
from gui.window.main_window import MainWindow

WAIT_MS = 60_000


@pytest.fixture(autouse=True)
def one_thread_and_private_data(monkeypatch, tmp_path, one_torch_thread):
    monkeypatch.setenv("GANVAS_DATA_DIR", str(tmp_path / "data"))


def tiny_overrides(**extra) -> dict:
    """A 16 px network with few channels; progress every 5 steps, previews every 10."""
    return {
        "model": ModelConfig(
            z_dim=32, w_dim=32, mapping_layers=2, channel_base=256, channel_max=32
        ),
        "threads": 1,
        "log_every": 5,
        "preview_every": 10,
        "checkpoint_every": 10,
        "snapshot_every": 20,
        "metric_every": 0,
        "preview_seeds": 4,
    } | extra


@pytest.fixture
def make_panel(qtbot, tmp_path):
    panels: list[TrainPanel] = []

    def make(**kwargs) -> TrainPanel:
        kwargs.setdefault("reporter", ErrorReporter(interactive=False))
        kwargs.setdefault("default_model", tmp_path / "no-bundled-model.safetensors")
        kwargs.setdefault("measure_speed", False)
        panel = TrainPanel(**kwargs)
        panel.config_overrides = tiny_overrides()
        panel.state.resolution = 16
        panel.state.batch = 4
        panel.state.kimg = 0.2  # 50 steps
        qtbot.addWidget(panel)
        panel.resize(480, 900)
        panel.show()
        panels.append(panel)
        return panel

    yield make
    for panel in panels:
        panel.shutdown()


def scan(qtbot, panel: TrainPanel, folder: Path):
    with qtbot.waitSignal(panel.scan_finished, timeout=WAIT_MS) as blocker:
        panel.set_folder(folder)
    return blocker.args[0]


def wait_event(qtbot, panel: TrainPanel, kind: type, pred=lambda ev: True):
    seen: list = []

    def check(ev) -> bool:
        if isinstance(ev, kind) and pred(ev):
            seen.append(ev)
            return True
        return False

    with qtbot.waitSignal(panel.event_received, timeout=WAIT_MS, check_params_cb=check):
        pass
    return seen[-1]


def test_start_progress_preview_pause_resume_stop_then_resume_in_a_fresh_panel(
    qtbot, make_panel, blob_folder
):
    panel = make_panel()
    result = scan(qtbot, panel, blob_folder)
    assert panel.state.phase is Phase.READY
    assert result.report.accepted == 24 and len(result.thumbnails) == 24
    assert "24 images ready" in panel.setup.report_label.text()
    assert panel.setup.warning_label.isVisibleTo(panel)  # 24 < 100: memorisation risk
    assert "memorise" in panel.setup.warning_label.text()
    assert not panel.setup.skipped_table.isVisibleTo(panel)
    assert all(len(panel.setup.crop_strips[m].images) == 4 for m in ("center", "pad", "stretch"))
    out = Path(panel.state.output_dir)
    assert out.parent == runs.runs_dir() and out.name.startswith("images-")

    assert panel.start()
    first = wait_event(qtbot, panel, events.Progress)
    assert first.step == 5 and first.total_kimg == pytest.approx(0.2)
    assert panel.progress_bar.value() > 0 and panel.progress.step_box.value.text() != "–"
    preview = wait_event(qtbot, panel, PreviewImage, lambda ev: ev.step > 0)
    assert not preview.qimage.isNull() and panel.progress.preview.image is not None
    assert panel.progress.loss_plot.point_count() >= 2

    panel.pause()
    qtbot.waitUntil(lambda: panel.state.phase is Phase.PAUSED, timeout=WAIT_MS)
    paused_step = panel.controller.last_progress.step
    seen = []
    panel.event_received.connect(seen.append)
    qtbot.wait(600)
    assert seen == []  # nothing happens while paused
    assert panel.pause_button.text() == "Resume"
    panel.resume()
    ev = wait_event(qtbot, panel, events.Progress)
    assert ev.step > paused_step

    with qtbot.waitSignal(panel.run_finished, timeout=WAIT_MS) as finished:
        panel.stop()
    assert finished.args == ["stopped"]
    assert panel.state.phase is Phase.READY
    info = runs.read_run(out)
    assert info is not None and not info.finished and info.step >= ev.step
    assert "checkpoint saved" in panel.status_label.text()

    # a fresh panel (as after a restart) offers the run and continues the same curves
    fresh = make_panel()
    with qtbot.waitSignal(fresh.runs_refreshed, timeout=WAIT_MS) as found:
        pass
    assert [r.path for r in found.args[0]] == [out]
    assert fresh.banner.isVisibleTo(fresh) and out.name in fresh.banner.banner_label.text()
    fresh.resume_run(found.args[0][0])
    history = fresh.progress.loss_plot.point_count()
    assert history >= 2 * (info.step // 5)  # G and D from stats.jsonl
    assert fresh.progress.preview.image is not None  # the last preview PNG, until a new one comes
    ev = wait_event(qtbot, fresh, events.Progress)
    assert ev.step == (info.step // 5 + 1) * 5  # continues where the checkpoint left off
    with qtbot.waitSignal(fresh.run_finished, timeout=WAIT_MS) as finished:
        pass
    assert finished.args == ["done"]
    assert runs.read_run(out).finished
    assert fresh.progress_bar.value() == 1000
    xs = fresh.progress.loss_plot.series["G"].xs
    assert xs == sorted(xs)  # one continuous curve, no jump back

    snaps = fresh.snapshot_paths()
    assert snaps and all(Path(p).is_file() for p in snaps)
    with qtbot.waitSignal(fresh.open_model_requested) as opened:
        fresh.snapshots.snapshot_list.itemWidget(
            fresh.snapshots.snapshot_list.item(0)
        ).button.click()
    assert opened.args == [snaps[0]]

    with qtbot.waitSignal(fresh.memorisation_finished, timeout=WAIT_MS) as memo:
        fresh.check_memorisation()
    result = memo.args[0]
    assert len(result.generated) == 4 and all(len(row) == 3 for row in result.neighbours)
    assert all(0 <= n.distance < 1 for row in result.neighbours for n in row)
    assert not fresh.snapshots.memo_verdict.isHidden() and fresh.snapshots.memo_verdict.text()
    assert jargon_in(fresh.snapshots) == []  # the filled page speaks plainly too


def test_a_folder_without_usable_images_shows_why_and_refuses_to_start(qtbot, make_panel, tmp_path):
    folder = tmp_path / "junk"
    folder.mkdir()
    (folder / "notes.txt").write_text("not a picture")
    (folder / "empty.png").write_bytes(b"")
    Image.new("RGB", (8, 8)).save(folder / "tiny.png")
    panel = make_panel()
    result = scan(qtbot, panel, folder)
    assert result.dataset is None and "no usable images" in result.error
    assert panel.state.phase is Phase.UNUSABLE
    assert "no usable images" in panel.setup.report_label.text()
    assert panel.setup.skipped_model.rowCount() == 3
    assert panel.setup.skipped_table.isVisibleTo(panel)
    reasons = {row[0]: row[1] for row in panel.setup.skipped_model.rows}
    assert reasons["empty.png"].startswith("empty file") and "too small" in reasons["tiny.png"]
    assert not panel.start_button.isEnabled()
    assert panel.start() is False and panel.controller.job is None
    assert "no usable images" in panel.status_label.text()


def test_mixed_shapes_warn_and_preview_each_crop_mode(qtbot, make_panel, tmp_path):
    folder = tmp_path / "wide"
    rng = np.random.default_rng(0)
    folder.mkdir()
    for i in range(6):
        pixels = rng.integers(0, 255, (20, 60, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(folder / f"wide{i}.png")
    panel = make_panel()
    result = scan(qtbot, panel, folder)
    assert result.report.aspect_warning
    assert "mixed shapes" in panel.setup.warning_label.text()
    previews = {m: panel.setup.crop_strips[m].images for m in ("center", "pad", "stretch")}
    assert all(len(images) == 4 for images in previews.values())
    assert all(img.width() == 64 for images in previews.values() for img in images)
    panel.setup.crop_buttons["pad"].click()
    assert panel.state.crop == "pad" and panel.setup.crop_strips["pad"].highlight


def fake_training(calls: list, fail_batches=(8,), forever=False, saved: list | None = None):
    """Stands in for engine.training.train: OOM at the given batches, a NaN message, events."""

    def train(cfg, dataset=None):
        calls.append(cfg.batch)
        try:
            yield {"kind": "status", "text": "building networks"}
            step = 0
            while True:
                step += 1
                yield {
                    "kind": "progress",
                    "step": step,
                    "kimg": step * cfg.batch / 1000,
                    "total_kimg": 1.0,
                    "img_per_s": 100.0,
                    "eta_s": 5.0,
                    "loss_G": 1.0,
                    "loss_D": 1.0,
                    "aug_p": 0.0,
                }
                if cfg.batch in fail_batches:
                    raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2 GiB")
                if step == 2:
                    yield {"kind": "message", "level": "warning", "text": "Training hit NaN/inf"}
                if not forever and step == 4:
                    yield {"kind": "done", "step": step, "kimg": 0.0, "snapshot": "None"}
                    return
                time.sleep(0.01)
        except GeneratorExit:
            if saved is not None:
                saved.append(cfg.batch)  # where the real train() writes its checkpoint
            raise

    return train


def test_out_of_memory_halves_the_batch_and_messages_are_visible(qtbot, make_panel, blob_folder):
    calls: list[int] = []
    panel = make_panel(train_fn=fake_training(calls, fail_batches=(16, 8)))
    panel.state.batch = 16
    scan(qtbot, panel, blob_folder)
    with qtbot.waitSignal(panel.run_finished, timeout=WAIT_MS) as finished:
        assert panel.start()
    assert finished.args == ["done"]
    assert calls == [16, 8, 4]
    text = " ".join(panel.controller.messages)
    assert "batch of 16" in text and "batch of 8" in text and "batch of 4" in text
    assert "NaN" in text
    notice = panel.progress.notice_label
    assert notice.isVisibleTo(panel) and "NaN" in notice.text()


def test_out_of_memory_at_batch_one_fails_in_plain_words(qtbot, make_panel, blob_folder):
    reporter = ErrorReporter(interactive=False)
    panel = make_panel(reporter=reporter, train_fn=fake_training([], fail_batches=(2, 1)))
    panel.state.batch = 2
    scan(qtbot, panel, blob_folder)
    with qtbot.waitSignal(panel.run_finished, timeout=WAIT_MS) as finished:
        panel.start()
    assert finished.args == ["failed"]
    assert reporter.history and "batch of 1" in reporter.history[-1][1]
    assert panel.state.phase is Phase.READY  # the folder is still usable


@pytest.fixture
def window(qtbot, monkeypatch, tmp_path):
    w = MainWindow(
        state=BrowseState(rng=random.Random(0)), reporter=ErrorReporter(interactive=False)
    )
    w.train_panel.measure_speed = False
    w.train_panel.config_overrides = tiny_overrides()
    qtbot.addWidget(w)
    w.show()
    yield w
    w.train_panel.shutdown()
    w.close()


def test_dropping_a_folder_opens_the_train_panel_on_it(qtbot, window, blob_folder):
    assert not window.train.dock.isVisible()
    assert "Train on a folder…" in [a.text() for a in window.train.actions]
    with qtbot.waitSignal(window.train_panel.scan_finished, timeout=WAIT_MS):
        drop_on(window, blob_folder)
    assert window.train.dock.isVisible()
    assert window.train_panel.state.folder == str(blob_folder)
    assert window.train_panel.state.phase is Phase.READY


def test_closing_while_training_asks_then_saves_before_closing(
    qtbot, window, blob_folder, monkeypatch
):
    saved: list[int] = []
    panel = window.train_panel
    panel.train_fn = fake_training([], fail_batches=(), forever=True, saved=saved)
    with qtbot.waitSignal(panel.scan_finished, timeout=WAIT_MS):
        drop_on(window, blob_folder)
    panel.start()
    wait_event(qtbot, panel, events.Progress, lambda ev: ev.step >= 2)

    asked: list[str] = []

    def answer(result):
        def question(parent, title, text, *args, **kwargs):
            asked.append(text)
            return result

        return question

    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Cancel))
    window.close()
    assert window.isVisible() and panel.state.phase is Phase.TRAINING and not saved
    assert asked and asked[0].startswith("Training is running — stop and save?")

    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Yes))
    window.close()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=WAIT_MS)
    assert len(saved) == 1  # the generator was closed (checkpoint) before the window went
    assert panel.controller.job is None


def test_unfinished_runs_in_the_runs_folder_reveal_the_dock_at_start(qtbot, tmp_path):
    run = runs.runs_dir() / "cats-20250101-1200"
    (run / "checkpoints").mkdir(parents=True)
    cfg = {"kimg": 1.0, "data_dir": str(tmp_path), "run_dir": str(run)}
    torch.save({"step": 10, "nimg": 40, "config": cfg}, run / runs.CHECKPOINT)
    w = MainWindow(
        state=BrowseState(rng=random.Random(0)), reporter=ErrorReporter(interactive=False)
    )
    w.train_panel.measure_speed = False
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.train.dock.isVisible(), timeout=WAIT_MS)
    panel = w.train_panel
    assert panel.banner.isVisibleTo(panel)
    assert "cats-20250101-1200" in panel.banner.banner_label.text()
    assert "40 of 1,000 images seen" in panel.banner.banner_label.text()
    panel.banner.dismiss_button.click()
    assert not panel.banner.isVisibleTo(panel)
    w.close()


def test_fine_tune_settings_apply_only_when_starting_from_a_model(make_panel, tiny_model_file):
    from engine.config import FINE_TUNE_FREEZE_D
    from gui.train.state import START_DEFAULT, START_SCRATCH, build_config

    panel = make_panel(default_model=tiny_model_file)
    panel.state.start_from = START_DEFAULT
    assert panel.setup.variety_spin.isEnabled() and panel.setup.freeze_spin.isEnabled()
    panel.setup.variety_spin.setValue(500)
    cfg = build_config(panel.state, tiny_model_file)
    assert cfg.base_model == str(tiny_model_file) and cfg.keep_variety == 500
    assert cfg.freeze_d == FINE_TUNE_FREEZE_D  # the CLI's default for a fine-tune too

    panel.state.start_from = START_SCRATCH
    assert not panel.setup.variety_spin.isEnabled()
    cfg = build_config(panel.state, tiny_model_file)
    assert cfg.base_model is None and cfg.keep_variety == 0


def test_fine_tuning_offers_the_models_size_or_twice_it(qtbot, make_panel, tiny_model_file):
    from gui.train.state import START_DEFAULT, START_SCRATCH, build_config

    panel = make_panel(default_model=tiny_model_file)  # a 16 px model
    panel.state.start_from = START_DEFAULT
    combo = panel.setup.resolution_combo
    qtbot.waitUntil(lambda: panel.setup.base_resolution == 16, timeout=10_000)
    items = {combo.itemData(i): combo.model().item(i) for i in range(combo.count())}
    offered = sorted(r for r, item in items.items() if item.isEnabled())
    assert offered == [16, 32] and "grow" in items[32].text() and combo.isEnabled()
    panel.state.resolution = 32
    cfg = build_config(panel.state, tiny_model_file)
    assert cfg.base_model == str(tiny_model_file) and cfg.data.resolution == 32

    panel.state.start_from = START_SCRATCH
    assert all(item.isEnabled() for item in items.values())
    assert items[32].text() == "32 × 32 px"


def test_presets_state_their_measured_time_here(make_panel):
    from engine.presets import PRESETS

    panel = make_panel()
    panel.state.seconds_per_kimg = 30.0  # as the measured speed estimate sets it
    from gui.train.common import format_duration

    for key, button in panel.setup.preset_buttons.items():
        seconds = 30.0 * PRESETS[key].values["kimg"]
        assert button.text() == f"{PRESETS[key].label} · {format_duration(seconds)}"
        assert "(measured)" in button.toolTip()
    assert panel.setup.preset_buttons["quick"].text() == "Quick · 10 min"


def test_the_closest_bundled_model_is_chosen_said_why_and_can_be_overridden(
    qtbot, make_panel, two_bases, tmp_path, monkeypatch
):
    import engine.bases
    from engine.modelfile import load_model
    from engine.render import render_seeds
    from gui.train.state import START_BUNDLED, START_DEFAULT, build_config

    models, trained = two_bases  # a trained tiny model and an untrained one, "noise"
    untrained = models / "untrained.safetensors"
    shipped = engine.bases.bundled_bases
    monkeypatch.setattr(engine.bases, "bundled_bases", lambda folder=None: shipped(models))
    folder = tmp_path / "like-the-trained-model"  # a folder of what the trained model draws
    folder.mkdir()
    for i, image in enumerate(render_seeds(load_model(trained).G, range(500, 532))):
        Image.fromarray(image).save(folder / f"{i:02d}.png")

    panel = make_panel(default_model=untrained)
    combo = panel.setup.start_combo
    qtbot.waitUntil(lambda: combo.count() == 5, timeout=WAIT_MS)  # auto, 2 bundled, file, scratch
    assert combo.itemText(2) == "Bundled: noise"
    panel.state.start_from = START_DEFAULT
    scan(qtbot, panel, folder)
    qtbot.waitUntil(lambda: panel.state.auto_base == str(trained), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: "closest to your images" in panel.setup.base_label.text())
    assert "trained.safetensors" in panel.setup.base_label.text()
    assert build_config(panel.state, untrained).base_model == str(trained)

    panel.state.start_from = START_BUNDLED + str(untrained)  # the artist overrides it
    assert build_config(panel.state, untrained).base_model == str(untrained)
    assert "Chosen for your images" not in panel.setup.base_label.text()
    assert panel.setup.variety_spin.isEnabled()  # still a fine-tune
