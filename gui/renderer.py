"""Model loading and rendering on a background thread; the UI thread never waits on torch.

The latest request wins: a request replaces any that has not started yet, so dragging the
truncation slider renders as fast as the worker can and never queues up a backlog. Every
request carries a stamp and every result the model generation it was made with; results
older than what is on screen, or made with a model that has since been replaced, are dropped
(as StyleGAN3's visualizer AsyncRenderer does with its stamp).

torch and the engine are imported lazily inside the worker, so importing this module (and
so showing the window) stays fast.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
import traceback
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QObject, QThread, Signal, Slot
from PySide6.QtGui import QImage

from .errors import plain_message
from .images import array_to_qimage
from .state import ModelInfo

if TYPE_CHECKING:
    from collections.abc import Callable

    import numpy as np

log = logging.getLogger("ganvas")

CACHE_IMAGES = 512  # rendered (seed, psi) images kept per model, least recently used dropped


@dataclass(frozen=True)
class RenderRequest:
    """Everything the worker needs to render the grid: plain, JSON-serialisable data."""

    seeds: tuple[int, ...]
    psi: float


@dataclass(frozen=True)
class RenderResult:
    stamp: int  # the request it answers
    generation: int  # which loaded model made it
    request: RenderRequest
    arrays: np.ndarray  # [N, H, W, C] uint8, one per seed
    images: tuple[QImage, ...]  # the same pixels, ready to paint
    elapsed_ms: float  # synthesis + conversion, on the worker
    computed: int  # how many images were synthesised (the rest came from the cache)


def describe_model(loaded: Any) -> ModelInfo:
    """engine.modelfile.LoadedModel → ModelInfo (plain data the GUI can keep)."""
    cfg = loaded.config
    return ModelInfo(
        name=loaded.name,
        path=str(loaded.path),
        resolution=cfg.resolution,
        channels=cfg.img_channels,
        z_dim=cfg.z_dim,
        w_dim=cfg.w_dim,
        num_ws=cfg.num_ws,
        sha256=loaded.sha256,
    )


class _EngineWorker(QObject):
    """Lives on the render thread; owns the loaded model and a small image cache."""

    loaded = Signal(int, object)  # generation, ModelInfo
    load_failed = Signal(str, str, str)  # path, plain message, traceback
    rendered = Signal(object)  # RenderResult
    render_failed = Signal(str, str)  # plain message, traceback

    def __init__(self, take_pending: Callable[[], tuple[int, RenderRequest] | None], device: str):
        super().__init__()
        self._take_pending = take_pending
        self._device = device
        self._model: Any = None  # engine.modelfile.LoadedModel
        self._generation = 0
        self._cache: OrderedDict[tuple[int, float], np.ndarray] = OrderedDict()

    @Slot(str)
    def load(self, path: str) -> None:
        start = time.perf_counter()
        try:
            from engine.modelfile import load_model  # torch is first imported here

            loaded = load_model(path, device=self._device)
            info = describe_model(loaded)
        except Exception as exc:  # any failure keeps the previous model
            details = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
            self.load_failed.emit(path, plain_message(exc), details)
            return
        self._model, self._generation = loaded, self._generation + 1
        self._cache.clear()
        log.info("loaded %s in %.0f ms", path, (time.perf_counter() - start) * 1000)
        self.loaded.emit(self._generation, info)

    @Slot()
    def render_pending(self) -> None:
        job = self._take_pending()
        if job is None or self._model is None:
            return  # already answered by an earlier wake-up, or nothing to render with yet
        stamp, request = job
        start = time.perf_counter()
        try:
            arrays, computed = self._render(request)
            images = tuple(array_to_qimage(a) for a in arrays)
        except Exception as exc:
            details = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
            self.render_failed.emit(plain_message(exc), details)
            return
        elapsed = (time.perf_counter() - start) * 1000
        self.rendered.emit(
            RenderResult(stamp, self._generation, request, arrays, images, elapsed, computed)
        )

    def _render(self, request: RenderRequest) -> tuple[np.ndarray, int]:
        import numpy as np

        from engine.render import render_seeds

        psi = request.psi
        missing = [s for s in dict.fromkeys(request.seeds) if (s, psi) not in self._cache]
        if missing:
            for seed, image in zip(missing, render_seeds(self._model.G, missing, psi), strict=True):
                self._cache[(seed, psi)] = image
        for seed in request.seeds:
            self._cache.move_to_end((seed, psi))
        out = np.stack([self._cache[(s, psi)] for s in request.seeds])
        while len(self._cache) > CACHE_IMAGES:
            self._cache.popitem(last=False)
        return out, len(missing)


_live_threads: set[QThread] = set()


def _stop_thread(thread: QThread, timeout_ms: int = 30_000) -> None:
    _live_threads.discard(thread)
    if not shiboken6.isValid(thread):
        return  # already deleted, so no longer running
    if thread.isRunning():
        thread.quit()
        if not thread.wait(timeout_ms):
            log.warning("render thread did not stop within %d ms", timeout_ms)


@atexit.register
def _stop_all_threads() -> None:
    """Qt aborts the process if a QThread is destroyed while running, so never leave one."""
    for thread in list(_live_threads):
        _stop_thread(thread)


class Renderer(QObject):
    """The UI thread's handle on the render thread. All signals arrive on the UI thread."""

    model_loaded = Signal(object)  # ModelInfo
    model_failed = Signal(str, str, str)  # path, plain message, traceback
    result_ready = Signal(object)  # RenderResult, only fresh ones
    render_failed = Signal(str, str)  # plain message, traceback

    _load_requested = Signal(str)
    _wake = Signal()

    def __init__(self, parent: QObject | None = None, *, device: str = "cpu"):
        super().__init__(parent)
        self._lock = threading.Lock()
        self._pending: tuple[int, RenderRequest] | None = None
        self.latest_stamp = 0  # the newest request made
        self.shown_stamp = 0  # the newest result passed on
        self.dropped = 0  # stale results not passed on
        self.generation = 0  # the model generation results must match
        self._loads_in_flight = 0

        self._thread = QThread()
        self._thread.setObjectName("ganvas-render")
        self._worker = _EngineWorker(self._take_pending, device)
        self._worker.moveToThread(self._thread)
        self._load_requested.connect(self._worker.load)
        self._wake.connect(self._worker.render_pending)
        self._worker.loaded.connect(self._on_loaded)
        self._worker.load_failed.connect(self._on_load_failed)
        self._worker.rendered.connect(self._on_rendered)
        self._worker.render_failed.connect(self.render_failed)
        self._thread.finished.connect(self._worker.deleteLater)
        # if the owner is deleted without close(), still stop the thread: Qt aborts the
        # process when a running QThread is destroyed
        thread = self._thread
        self.destroyed.connect(lambda *_: _stop_thread(thread))
        _live_threads.add(thread)
        self._thread.start()

    @property
    def is_loading(self) -> bool:
        return self._loads_in_flight > 0

    def load_model(self, path: Path | str) -> None:
        """Load in the background; `model_loaded` or `model_failed` follows."""
        self._loads_in_flight += 1
        self._load_requested.emit(str(path))

    def request(self, request: RenderRequest) -> int:
        """Ask for a render; replaces any request not yet started. Returns its stamp."""
        self.latest_stamp += 1
        with self._lock:
            self._pending = (self.latest_stamp, request)
        self._wake.emit()
        return self.latest_stamp

    def close(self, timeout_ms: int = 30_000) -> None:
        """Stop the render thread (after the job in progress, if any, finishes)."""
        with self._lock:
            self._pending = None
        _stop_thread(self._thread, timeout_ms)

    def _take_pending(self) -> tuple[int, RenderRequest] | None:
        with self._lock:
            job, self._pending = self._pending, None
        return job

    @Slot(int, object)
    def _on_loaded(self, generation: int, info: ModelInfo) -> None:
        self._loads_in_flight -= 1
        self.generation = generation
        self.model_loaded.emit(info)

    @Slot(str, str, str)
    def _on_load_failed(self, path: str, message: str, details: str) -> None:
        self._loads_in_flight -= 1
        self.model_failed.emit(path, message, details)

    @Slot(object)
    def _on_rendered(self, result: RenderResult) -> None:
        if result.generation != self.generation or result.stamp <= self.shown_stamp:
            self.dropped += 1
            return
        self.shown_stamp = result.stamp
        self.result_ready.emit(result)
