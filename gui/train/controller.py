"""A training run's state machine, without widgets: the Train panel's pages bind to it.

`TrainController` starts `engine.training.train` through the one job mechanism
(gui.core.jobs, on a thread of its own at a lower OS priority), pauses, resumes and stops it
between yields, takes in the typed engine events and keeps what the panel shows: the run's
state, its folder, the last progress, the messages so far and a status line.

States: idle → preparing (started, no progress yet) → running ⇄ pausing → paused → stopping
→ finished (done or stopped, checkpoint saved) or failed; `start` is allowed again from idle,
finished and failed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from engine import events, runs

from ..core.jobs import Job, JobRunner
from ..core.state import Property
from .jobs import TRAIN_NICE, GuiThreadCollector, training_job, training_message

if TYPE_CHECKING:
    from engine.config import TrainConfig
    from engine.dataset import Dataset

log = logging.getLogger("ganvas")


class RunState(str, Enum):
    IDLE = "idle"
    PREPARING = "preparing"  # the job is started, no progress yet
    RUNNING = "running"
    PAUSING = "pausing"  # pause asked for; the run pauses at its next yield
    PAUSED = "paused"
    STOPPING = "stopping"  # closing the generator: saving a checkpoint
    FINISHED = "finished"  # done, or stopped with its checkpoint saved
    FAILED = "failed"

    @property
    def busy(self) -> bool:
        """A training job exists."""
        return self in _BUSY


_BUSY = (RunState.PREPARING, RunState.RUNNING, RunState.PAUSING, RunState.PAUSED, RunState.STOPPING)


class TrainController(QObject):
    """One training run at a time. `finished(kind, message, details)` ends each run, kind
    "done", "stopped" or "failed" (the message in plain words, the traceback as details)."""

    state_changed = Signal(object)
    run_dir_changed = Signal(object)
    event = Signal(object)  # each engine event (a preview as PreviewImage), once taken in
    status = Signal(str)  # a line for the user: starting, % done, paused, the outcome …
    finished = Signal(str, str, str)

    nice = TRAIN_NICE  # the training thread's niceness (benchmarks/train_ui_stall.py sets it)
    state = Property(RunState.IDLE)
    run_dir = Property(None)  # Path of the run being trained, resumed or last shown

    def __init__(
        self,
        jobs: JobRunner,
        train_fn: Callable[..., Iterator[dict]] | None = None,
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self.jobs = jobs
        self.train_fn = train_fn  # tests inject fakes; None: engine.training.train
        self.job: Job | None = None
        self.total_kimg = 0.0
        self.last_progress: events.Progress | None = None
        self.messages: list[str] = []
        self.outcome: str | None = None  # the last run's "done", "stopped" or "failed"
        self._gc_held = False

    @property
    def busy(self) -> bool:
        return self.state.busy

    # --- starting, pausing, stopping -------------------------------------------------------

    def reset(self) -> None:
        """Forget the last run's numbers and messages (a new run, or a resumed one's history)."""
        self.last_progress = None
        self.messages = []

    def start(
        self, cfg: TrainConfig, dataset: Dataset | None = None, resumed: bool = False
    ) -> bool:
        """Train `cfg` (into cfg.run_dir); `dataset` is the folder already decoded, if any.
        False when a run is already going."""
        if self.busy:
            return False
        self.run_dir = Path(cfg.run_dir)
        self.total_kimg = cfg.kimg
        self.outcome = None
        job = self.jobs.start(
            f"training {self.run_dir.name}",
            training_job,
            cfg,
            dataset,
            self.train_fn,
            own_thread=True,
            nice=self.nice,
            describe=training_message,
        )
        job.progress.connect(self._on_event)
        job.paused.connect(self._on_paused)
        job.done.connect(lambda _: self._end("done", "", ""))
        job.cancelled.connect(lambda: self._end("stopped", "", ""))
        job.failed.connect(lambda message, details: self._end("failed", message, details))
        self.job = job
        self._hold_gc()
        self.state = RunState.PREPARING
        verb = "Resuming" if resumed else "Starting"
        self.status.emit(f"{verb} {self.run_dir.name}…")
        log.info("training %s (%s)", cfg.run_dir, "resume" if resumed else "new")
        return True

    def toggle_pause(self) -> None:
        if self.job is None:
            return
        if self.state in (RunState.PAUSED, RunState.PAUSING):
            self.job.resume()
            if self.state is RunState.PAUSING:
                self.state = RunState.RUNNING
        elif self.state in (RunState.RUNNING, RunState.PREPARING):
            self.job.pause()
            self.state = RunState.PAUSING
            self.status.emit("Pausing after the current step…")

    def pause(self) -> None:
        if self.state in (RunState.RUNNING, RunState.PREPARING):
            self.toggle_pause()

    def resume(self) -> None:
        if self.state in (RunState.PAUSED, RunState.PAUSING):
            self.toggle_pause()

    def stop(self) -> None:
        """Stop after the current step; the checkpoint is saved before `finished`."""
        if self.job is None or self.state is RunState.STOPPING:
            return
        self.job.cancel()
        self.state = RunState.STOPPING
        self.status.emit("Stopping: saving a checkpoint…")

    def wait(self, timeout_ms: int = 60_000) -> bool:
        """Block until the run's job has ended (its signals arrive later, on the event loop)."""
        return self.job.wait(timeout_ms) if self.job is not None else True

    def shutdown(self, timeout_ms: int = 60_000) -> None:
        """Stop any run and wait for its checkpoint (tests and last-resort cleanup)."""
        if self.job is None:
            return
        self.job.cancel()
        self.job.wait(timeout_ms)
        self._release_gc()

    # --- what the run reports --------------------------------------------------------------

    def load_history(self, info: runs.RunInfo) -> list[events.TrainingEvent]:
        """The records an unfinished run wrote before (for its curves), its rollbacks as
        messages; the run becomes the one shown."""
        stats = runs.read_stats(info.path, up_to_step=info.step)
        records = [r for r in map(events.stats_record, stats) if r is not None]
        for record in records:
            if isinstance(record, events.Rollback):
                self.messages.append(
                    f"Earlier: rolled back to step {record.step} after NaN/inf values "
                    f"(learning rate ×{record.lr_scale})"
                )
        self.total_kimg = info.total_kimg
        self.run_dir = info.path
        return records

    def _on_event(self, ev: object) -> None:
        if isinstance(ev, events.Progress):
            self._on_progress(ev)
        elif isinstance(ev, events.Message):
            self._on_message(ev.level, ev.text)
        elif isinstance(ev, events.Status):
            self.status.emit(ev.text)
        self.event.emit(ev)

    def _on_progress(self, ev: events.Progress) -> None:
        if self.state is RunState.PREPARING:
            self.state = RunState.RUNNING
        self.last_progress = ev
        self.total_kimg = (ev.total_kimg if ev.total_kimg is not None else self.total_kimg) or 1
        if self.state is RunState.RUNNING:
            name = self.run_dir.name if self.run_dir else ""
            self.status.emit(f"Training {name} · {100 * ev.kimg / self.total_kimg:.1f} % done")

    def _on_message(self, level: str, text: str) -> None:
        if level == "warning":
            log.warning("%s", text)
        else:
            log.info("%s", text)
        self.messages.append(text)
        self.status.emit(text)

    def _on_paused(self, paused: bool) -> None:
        if self.job is None or self.job.cancel_requested:
            return
        if paused:
            self.state = RunState.PAUSED
            last = self.last_progress
            at = f" at step {last.step:,}" if last is not None else ""
            self.status.emit(f"Paused{at}. Resume continues; Stop saves and ends the run.")
        else:
            self.state = RunState.RUNNING
            self.status.emit("Training…")

    def _end(self, kind: str, message: str, details: str) -> None:
        self.job = None
        self._release_gc()
        last = self.last_progress
        where = f" after {round(last.kimg * 1000):,} images seen" if last is not None else ""
        if kind == "done":
            text = f"Finished{where}. The snapshots are in the Snapshots tab."
        elif kind == "stopped":
            text = f"Stopped{where}; checkpoint saved. Resume it from the banner above."
        else:
            text = f"Training stopped with an error{where}: {message}"
        self.outcome = kind
        self.state = RunState.FAILED if kind == "failed" else RunState.FINISHED
        self.status.emit(text)
        self.finished.emit(kind, message, details)

    # --- garbage collection on the GUI thread while training runs ----------------------------

    def _hold_gc(self) -> None:
        collector = GuiThreadCollector.instance()
        if collector is not None and not self._gc_held:
            collector.hold()
            self._gc_held = True

    def _release_gc(self) -> None:
        collector = GuiThreadCollector.instance()
        if collector is not None and self._gc_held:
            collector.release()
        self._gc_held = False
