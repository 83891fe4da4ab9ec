"""The background-job mechanism: generator functions on a thread pool, with progress, pause,
cancel and every failure as (plain message, traceback) for the reporter. Export, projection,
likes, the directions loader and training (its run and its one-shot jobs) use it; only the
renderer keeps its own dedicated thread.

A `Job` lives on the UI thread; its runnable drives the generator on a pool thread and checks
the pause and cancel flags between yields, closing the generator there (so its cleanup runs on
the worker, not whenever the garbage collector gets to it). All of a job's signals arrive on
the UI thread. A long job (a training run) can have a thread of its own at a lower OS priority
instead of holding one of the pool's two threads; `call` runs a plain function as a job.

(superqt's GeneratorWorker swallows a RuntimeError raised by the job — torch's usual error —
without ever emitting `finished`, which would leave a dialog waiting forever; hence this small
runner of our own.)
"""

from __future__ import annotations

import logging
import os
import threading
import traceback
from collections.abc import Callable, Iterator
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThread, QThreadPool, Signal, Slot

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


def alive(obj: QObject) -> bool:
    """False once a QObject's C++ side is gone (a job's callback may outlive its widget)."""
    return shiboken6.isValid(obj)


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
                if not job._running.is_set() and not job._cancel.is_set():
                    job._paused.emit(True)
                    job._running.wait()  # cancel() wakes it, to close the generator above
                    if not job._cancel.is_set():
                        job._paused.emit(False)
        except BaseException as exc:  # noqa: BLE001 - every failure reaches the reporter
            details = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
            job._failed.emit(job.describe(exc), details)
        finally:
            job._ended.emit()
            job._over.set()


class _JobThread(QThread):
    """A thread of its own for one long job; `nice` lowers its OS priority (Linux niceness,
    where Qt's thread priorities have no effect) so the window keeps its share of the CPU."""

    def __init__(self, runnable: _Runnable, nice: int, parent: QObject | None = None):
        super().__init__(parent)
        self.runnable, self.nice = runnable, nice

    def run(self) -> None:
        if self.nice and hasattr(os, "setpriority"):
            try:
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), self.nice)
            except OSError:
                log.info("could not lower the priority of %s", self.runnable.job.name)
        self.runnable.run()


class Job(QObject):
    """One background job. `finished` always comes last, after done/failed/cancelled."""

    progress = Signal(object)  # each yielded value
    paused = Signal(bool)  # True once actually paused (at a yield), False on resume
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
    _paused = Signal(bool)

    def __init__(
        self,
        name: str,
        parent: QObject | None = None,
        describe: Callable[[BaseException], str] = job_message,
    ):
        super().__init__(parent)
        self.name = name
        self.describe = describe  # the failure's plain message
        self.running = False
        self.outcome: str | None = None  # "done", "failed" or "cancelled"
        self._cancel = threading.Event()
        self._running = threading.Event()  # cleared: pause at the next yield
        self._running.set()
        self._over = threading.Event()  # set on the worker once the job has ended
        self._paused.connect(self._on_paused)
        self._progress.connect(self._on_progress)
        self._done.connect(self._on_done)
        self._failed.connect(self._on_failed)
        self._cancelled.connect(self._on_cancelled)
        self._ended.connect(self._on_ended)

    def cancel(self) -> None:
        """Stop at the job's next step (waking a paused one); `cancelled` follows."""
        self._cancel.set()
        self._running.set()

    def pause(self) -> None:
        """Wait after the next yield until `resume` (or `cancel`)."""
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def cancel_requested(self) -> bool:
        return self._cancel.is_set()

    def wait(self, timeout_ms: int = 30_000) -> bool:
        """Block until the job has ended on its thread (its signals may still be queued)."""
        return self._over.wait(timeout_ms / 1000)

    @Slot(object)
    def _on_progress(self, event: object) -> None:
        self.progress.emit(event)

    @Slot(bool)
    def _on_paused(self, paused: bool) -> None:
        self.paused.emit(paused)

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
        self.threads: list[_JobThread] = []

    def start(
        self,
        name: str,
        func: Callable[..., Iterator[Any]],
        *args: Any,
        own_thread: bool = False,
        nice: int = 0,
        describe: Callable[[BaseException], str] = job_message,
    ) -> Job:
        """Run the generator `func(*args)`; `own_thread` gives it a thread of its own (at
        niceness `nice` and Qt's low priority when nice > 0) instead of one of the pool's."""
        job = Job(name, self, describe)
        job.running = True
        self.jobs.append(job)
        job.finished.connect(lambda: self._forget(job))
        runnable = _Runnable(job, func(*args))
        if not own_thread:
            self.pool.start(runnable)
            return job
        runnable.setAutoDelete(False)
        thread = _JobThread(runnable, nice, self)
        self.threads.append(thread)
        thread.finished.connect(lambda: self._forget_thread(thread))
        thread.start(QThread.Priority.LowPriority if nice > 0 else QThread.Priority.InheritPriority)
        return job

    def call(
        self,
        name: str,
        func: Callable[..., Any],
        *args: Any,
        describe: Callable[[BaseException], str] = job_message,
        **kwargs: Any,
    ) -> Job:
        """Run a plain function as a job: `done` carries its return value."""
        return self.start(name, _called, func, args, kwargs, describe=describe)

    def _forget_thread(self, thread: _JobThread) -> None:
        if thread in self.threads:
            self.threads.remove(thread)
        thread.deleteLater()

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
        stopped = self.pool.waitForDone(timeout_ms)
        for thread in list(self.threads):
            stopped = thread.wait(timeout_ms) and stopped
        if not stopped:
            log.warning("background jobs did not stop within %d ms", timeout_ms)


def _called(func: Callable[..., Any], args: tuple, kwargs: dict) -> Iterator[Any]:
    return func(*args, **kwargs)
    yield  # a generator that yields nothing: its return value is the job's result
