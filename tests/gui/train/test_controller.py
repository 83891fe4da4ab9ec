"""The training controller headless (no window, no panel): a tiny real run started, paused,
resumed and stopped through the one job mechanism, with its state transitions and checkpoint;
a run that fails reaches `finished` with plain words."""

from __future__ import annotations

import pytest
from helpers import tiny_train_config

from engine import events, runs
from gui.core.jobs import JobRunner
from gui.train.controller import RunState, TrainController

WAIT_MS = 30_000


@pytest.fixture
def controller(qtbot, one_torch_thread):
    runner = JobRunner()
    c = TrainController(runner)
    states: list[RunState] = []
    c.state_changed.connect(states.append)
    c.states = states  # what it went through, for the asserts
    yield c
    c.shutdown()
    runner.shutdown()


def test_start_pause_resume_stop_saves_a_checkpoint(qtbot, controller, blob_folder, tmp_path):
    c = controller
    cfg = tiny_train_config(blob_folder, tmp_path / "run", kimg=0.2)  # 50 steps of 4 images
    assert c.state is RunState.IDLE and c.start(cfg)
    assert c.state is RunState.PREPARING and c.busy
    assert not c.start(cfg)  # one run at a time
    qtbot.waitUntil(lambda: c.state is RunState.RUNNING, timeout=WAIT_MS)
    assert c.last_progress is not None and c.last_progress.step == 5

    c.pause()
    assert c.state is RunState.PAUSING
    qtbot.waitUntil(lambda: c.state is RunState.PAUSED, timeout=WAIT_MS)
    paused_at = c.last_progress.step
    seen: list = []
    c.event.connect(seen.append)
    qtbot.wait(300)
    assert seen == []  # nothing happens while paused
    c.resume()
    qtbot.waitUntil(lambda: c.state is RunState.RUNNING, timeout=WAIT_MS)  # once it goes on
    with qtbot.waitSignal(
        c.event, timeout=WAIT_MS, check_params_cb=lambda ev: isinstance(ev, events.Progress)
    ):
        pass
    assert c.last_progress.step > paused_at

    with qtbot.waitSignal(c.finished, timeout=WAIT_MS) as finished:
        c.stop()
        assert c.state is RunState.STOPPING
    assert finished.args == ["stopped", "", ""]
    assert c.state is RunState.FINISHED and not c.busy and c.job is None
    assert c.outcome == "stopped"
    assert (tmp_path / "run" / runs.CHECKPOINT).is_file()
    info = runs.read_run(tmp_path / "run")
    assert info is not None and not info.finished and info.step >= c.last_progress.step
    assert c.states == [
        RunState.PREPARING,
        RunState.RUNNING,
        RunState.PAUSING,
        RunState.PAUSED,
        RunState.RUNNING,
        RunState.STOPPING,
        RunState.FINISHED,
    ]


def test_a_failing_run_ends_failed_in_plain_words(qtbot, controller, tmp_path):
    def broken(cfg, dataset=None):
        yield {"kind": "status", "text": "building networks"}
        raise RuntimeError("the device vanished")  # torch's usual error type

    controller.train_fn = broken
    cfg = tiny_train_config(tmp_path, tmp_path / "run")
    with qtbot.waitSignal(controller.finished, timeout=WAIT_MS) as finished:
        controller.start(cfg)
    kind, message, details = finished.args
    assert kind == "failed" and "the device vanished" in message and "Traceback" in details
    assert controller.state is RunState.FAILED and controller.job is None
