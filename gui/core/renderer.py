"""Model loading and rendering on a background thread; the UI thread never waits on torch.

A request is a list of `Latent`s (or breeding recipes that the worker resolves into latents,
engine.breeding) on a named channel: "grid", "preview", "children", "strip", … Per channel the
latest request wins: it replaces any on that channel that has not started yet, so dragging a
slider renders as fast as the worker can and never queues up a backlog, while the other
channels keep their place. Every request carries a stamp and every result the model
generation it was made with; results older than what that channel shows, or made with a
model that has since been replaced, are dropped (as StyleGAN3's visualizer AsyncRenderer does
with its stamp).

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

from engine.latent import Latent  # plain data, no torch

from .errors import plain_message
from .images import array_to_qimage
from .state import ModelInfo

if TYPE_CHECKING:
    from collections.abc import Callable, Hashable, Sequence

    import numpy as np

    from engine.breeding import Recipe

log = logging.getLogger("ganvas")

CACHE_IMAGES = 512  # rendered images kept per model, least recently used dropped
# the image being edited first, then the grid; others (thumbnails) wait for both
CHANNEL_PRIORITY = {"preview": 0, "grid": 1}


@dataclass(frozen=True)
class RenderRequest:
    """Everything the worker needs: latents and/or recipes (plain, JSON-serialisable data)
    and the channel whose latest request wins."""

    items: tuple[Latent | Recipe, ...]
    channel: str = "grid"

    @classmethod
    def for_seeds(cls, seeds: Sequence[int], psi: float, channel: str = "grid") -> RenderRequest:
        return cls(tuple(Latent(seed=int(s), psi=float(psi)) for s in seeds), channel)


@dataclass(frozen=True)
class RenderResult:
    stamp: int  # the request it answers
    generation: int  # which loaded model made it
    request: RenderRequest
    latents: tuple[Latent, ...]  # what was rendered (recipes resolved), one per image
    arrays: np.ndarray  # [N, H, W, C] uint8
    images: tuple[QImage, ...]  # the same pixels, ready to paint
    elapsed_ms: float  # resolve + synthesis + conversion, on the worker
    computed: int  # how many images were synthesised (the rest came from the cache)

    @property
    def channel(self) -> str:
        return self.request.channel


def latent_key(latent: Latent) -> Hashable:
    """What decides a latent's pixels, hashable: the cache key (parents do not matter)."""
    ws = None if latent.ws is None else tuple(tuple(row) for row in latent.ws)
    mix = None if latent.mix is None else (latent.mix.seed, tuple(latent.mix.layers))
    edits = tuple((tuple(e.vector), e.amount, e.start, e.end) for e in latent.edits)
    seed = latent.seed if ws is None else None
    psi = latent.psi if ws is None or mix is not None else None
    return (seed, psi, ws, mix, edits, tuple(latent.bends))


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
        self.device = device  # "auto", "cpu", "cuda", "mps": for the next model loaded
        self.threads = 0  # torch's CPU threads on this thread for the next render; 0: as is
        self._threads_set = 0
        self._model: Any = None  # engine.modelfile.LoadedModel
        self._generation = 0
        self._cache: OrderedDict[Hashable, np.ndarray] = OrderedDict()

    @Slot(str)
    def load(self, path: str) -> None:
        start = time.perf_counter()
        try:
            from engine.modelfile import load_model  # torch is first imported here

            loaded = load_model(path, device=self._pick_device())
            info = describe_model(loaded)
        except Exception as exc:  # any failure keeps the previous model
            details = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
            self.load_failed.emit(path, plain_message(exc), details)
            return
        self._model, self._generation = loaded, self._generation + 1
        self._cache.clear()
        log.info("loaded %s in %.0f ms", path, (time.perf_counter() - start) * 1000)
        self.loaded.emit(self._generation, info)

    def _pick_device(self):
        from engine.devices import pick_device

        try:
            return pick_device(self.device)
        except ValueError as exc:  # a preference from another computer: render anyway
            log.warning("rendering on the CPU: %s", exc)
            return pick_device("cpu")

    def _use_threads(self) -> None:
        if self.threads and self.threads != self._threads_set:
            import torch

            torch.set_num_threads(self.threads)  # per thread: the render thread's own
            self._threads_set = self.threads

    @Slot()
    def render_pending(self) -> None:
        job = self._take_pending()
        if job is None or self._model is None:
            return  # already answered by an earlier wake-up, or nothing to render with yet
        stamp, request = job
        start = time.perf_counter()
        try:
            latents, arrays, computed = self._render(request)
            images = tuple(array_to_qimage(a) for a in arrays)
        except Exception as exc:
            details = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
            self.render_failed.emit(plain_message(exc), details)
            return
        elapsed = (time.perf_counter() - start) * 1000
        self.rendered.emit(
            RenderResult(
                stamp, self._generation, request, latents, arrays, images, elapsed, computed
            )
        )

    def _render(self, request: RenderRequest) -> tuple[tuple[Latent, ...], np.ndarray, int]:
        import numpy as np
        import torch

        from engine.breeding import resolve
        from engine.render import render_latents

        G = self._model.G
        self._use_threads()
        with torch.no_grad():
            latents = tuple(lat for item in request.items for lat in resolve(G, item))
            keys = [latent_key(lat) for lat in latents]
            missing = {k: lat for k, lat in zip(keys, latents) if k not in self._cache}
            if missing:
                images = render_latents(G, list(missing.values()))
                for key, image in zip(missing, images, strict=True):
                    self._cache[key] = image
        for key in keys:
            self._cache.move_to_end(key)
        res, ch = G.cfg.resolution, G.cfg.img_channels
        out = np.stack([self._cache[k] for k in keys]) if keys else np.zeros((0, res, res, ch))
        while len(self._cache) > CACHE_IMAGES:
            self._cache.popitem(last=False)
        return latents, out.astype(np.uint8, copy=False), len(missing)


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
        # channel → (stamp, request) not yet started; oldest first
        self._pending: OrderedDict[str, tuple[int, RenderRequest]] = OrderedDict()
        self.latest_stamp = 0  # the newest request made (on any channel)
        self.latest: dict[str, int] = {}  # per channel: the newest request made
        self.shown: dict[str, int] = {}  # per channel: the newest result passed on
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
    def device(self) -> str:
        return self._worker.device

    def set_compute(self, device: str, threads: int = 0) -> bool:
        """Render on `device` (auto, cpu, cuda, mps) from the next model loaded, with `threads`
        CPU threads (0: torch's default) from the next render; → whether the device changed
        (reload the model to move it there)."""
        changed = device != self._worker.device
        self._worker.device, self._worker.threads = device, int(threads)
        return changed

    @property
    def is_loading(self) -> bool:
        return self._loads_in_flight > 0

    def load_model(self, path: Path | str) -> None:
        """Load in the background; `model_loaded` or `model_failed` follows."""
        self._loads_in_flight += 1
        self._load_requested.emit(str(path))

    @property
    def shown_stamp(self) -> int:
        """The newest result passed on, on any channel."""
        return max(self.shown.values(), default=0)

    def request(self, request: RenderRequest) -> int:
        """Ask for a render; replaces any request on its channel not yet started.

        Returns its stamp."""
        self.latest_stamp += 1
        self.latest[request.channel] = self.latest_stamp
        with self._lock:
            self._pending.pop(request.channel, None)
            self._pending[request.channel] = (self.latest_stamp, request)
        self._wake.emit()
        return self.latest_stamp

    @property
    def idle(self) -> bool:
        """Every channel shows its newest request (nothing pending or in progress)."""
        return all(self.shown.get(c, 0) >= stamp for c, stamp in self.latest.items())

    def is_latest(self, result: RenderResult) -> bool:
        """No newer request has been made on the result's channel."""
        return result.stamp == self.latest.get(result.channel)

    def close(self, timeout_ms: int = 30_000) -> None:
        """Stop the render thread (after the job in progress, if any, finishes)."""
        with self._lock:
            self._pending.clear()
        _stop_thread(self._thread, timeout_ms)

    def _take_pending(self) -> tuple[int, RenderRequest] | None:
        """The next job: the preview, then the grid, then the rest (thumbnails), oldest first."""
        with self._lock:
            if not self._pending:
                return None
            channel = min(
                self._pending, key=lambda c: (CHANNEL_PRIORITY.get(c, 2), self._pending[c][0])
            )
            return self._pending.pop(channel)

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
        shown = self.shown.get(result.channel, 0)
        if result.generation != self.generation or result.stamp <= shown:
            self.dropped += 1
            return
        self.shown[result.channel] = result.stamp
        self.result_ready.emit(result)
