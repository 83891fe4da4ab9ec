"""The background-job mechanism: generator functions on a thread pool, with progress, cancel
and every failure as (plain message, traceback) for the reporter. Export, projection, likes
and the directions loader use it; only the renderer keeps its own dedicated thread.

A `Job` lives on the UI thread; its runnable drives the generator on a pool thread and checks
the cancel flag between yields, closing the generator there (so its cleanup runs on the worker,
not whenever the garbage collector gets to it). All of a job's signals arrive on the UI thread.

(superqt's GeneratorWorker swallows a RuntimeError raised by the job — torch's usual error —
without ever emitting `finished`, which would leave a dialog waiting forever; hence this small
runner of our own.)
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable, Iterator
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from engine.files import WriteError

from .errors import plain_message

log = logging.getLogger("ganvas")


def job_message(exc: BaseException) -> str:
    """Plain words for a job's failure (file errors name the file and the reason)."""
    text = str(exc).strip()
    if isinstance(exc, WriteError) or (isinstance(exc, ValueError) and text):
        # ExportError, ModelFileError, ImageSkipped, a full or read-only disk: the CLI's sentence
        return text[0].upper() + text[1:]
    if isinstance(exc, OSError) and exc.strerror:
        where = f" ({exc.filename})" if exc.filename else ""
        return f"{exc.strerror}{where}"
    return plain_message(exc)


class _Runnable(QRunnable):
    def __init__(self, job: Job, gen: Iterator[Any]):
        super().__init__()
        self.setAutoDelete(True)
        self.job, self.gen = job, gen

    def run(self) -> None:
        job, gen = self.job, self.gen
        try:
            while True:
                if job._cancel.is_set():
                    gen.close()  # runs the job's cleanup here, on the worker
                    job._cancelled.emit()
                    return
                try:
                    event = next(gen)
                except StopIteration as stop:
                    job._done.emit(stop.value)
                    return
                job._progress.emit(event)
        except BaseException as exc:  # noqa: BLE001 - every failure reaches the reporter
            details = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
            job._failed.emit(job_message(exc), details)
        finally:
            job._ended.emit()


class Job(QObject):
    """One background job. `finished` always comes last, after done/failed/cancelled."""

    progress = Signal(object)  # each yielded dict
    done = Signal(object)  # the generator's return value
    failed = Signal(str, str)  # plain message, traceback
    cancelled = Signal()
    finished = Signal()

    # emitted on the worker; connected to this object's slots, so delivered on the UI thread
    _progress = Signal(object)
    _done = Signal(object)
    _failed = Signal(str, str)
    _cancelled = Signal()
    _ended = Signal()

    def __init__(self, name: str, parent: QObject | None = None):
        super().__init__(parent)
        self.name = name
        self.running = False
        self.outcome: str | None = None  # "done", "failed" or "cancelled"
        self._cancel = threading.Event()
        self._progress.connect(self._on_progress)
        self._done.connect(self._on_done)
        self._failed.connect(self._on_failed)
        self._cancelled.connect(self._on_cancelled)
        self._ended.connect(self._on_ended)

    def cancel(self) -> None:
        """Stop at the job's next step; `cancelled` follows."""
        self._cancel.set()

    @property
    def cancel_requested(self) -> bool:
        return self._cancel.is_set()

    @Slot(object)
    def _on_progress(self, event: object) -> None:
        self.progress.emit(event)

    @Slot(object)
    def _on_done(self, result: object) -> None:
        self.outcome = "done"
        self.done.emit(result)

    @Slot(str, str)
    def _on_failed(self, message: str, details: str) -> None:
        self.outcome = "failed"
        log.error("%s failed: %s\n%s", self.name, message, details.rstrip())
        self.failed.emit(message, details)

    @Slot()
    def _on_cancelled(self) -> None:
        self.outcome = "cancelled"
        self.cancelled.emit()

    @Slot()
    def _on_ended(self) -> None:
        self.running = False
        self.finished.emit()


class JobRunner(QObject):
    """Starts jobs on its own pool (two at a time) and stops them all on shutdown."""

    def __init__(self, parent: QObject | None = None, threads: int = 2):
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(threads)
        self.jobs: list[Job] = []

    def start(self, name: str, func: Callable[..., Iterator[Any]], *args: Any) -> Job:
        job = Job(name, self)
        job.running = True
        self.jobs.append(job)
        job.finished.connect(lambda: self._forget(job))
        self.pool.start(_Runnable(job, func(*args)))
        return job

    def _forget(self, job: Job) -> None:
        if job in self.jobs:
            self.jobs.remove(job)
        job.deleteLater()

    @property
    def busy(self) -> bool:
        return any(j.running for j in self.jobs)

    def shutdown(self, timeout_ms: int = 30_000) -> None:
        for job in list(self.jobs):
            job.cancel()
        if not self.pool.waitForDone(timeout_ms):
            log.warning("background jobs did not stop within %d ms", timeout_ms)
