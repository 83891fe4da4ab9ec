"""Background work for the Train panel, run by gui.core.jobs: the training run and a few
one-shot jobs.

`training_job` drives `engine.training.train` as a generator job on a thread of its own, at a
slightly lower OS priority than the window; pause and stop take effect between yields, and
stopping closes the generator on that thread, which saves a checkpoint before the job ends.

The one-shot jobs (`scan_job`, `devices_job`, `estimate_job`, `model_info_job`,
`memorisation_job`) are plain functions run with `JobRunner.call` on the thread pool. Each
imports torch and the engine lazily and converts pixels to QImage before returning, so the UI
thread only paints.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QObject, QTimer
from PySide6.QtGui import QImage

from engine import events  # plain dataclasses, no torch

from ..core.errors import plain_message
from ..core.images import array_to_qimage
from ..core.jobs import alive

if TYPE_CHECKING:
    from engine.config import TrainConfig
    from engine.dataset import Dataset, DatasetReport

log = logging.getLogger("ganvas")

CROP_MODES = ("center", "pad", "stretch")
THUMBNAILS = 48  # dataset images returned for the thumbnail strip
CROP_SAMPLES = 4  # images shown in each crop-mode preview
CROP_PREVIEW_PX = 64


_PLAIN_ERRORS = {"TrainingError", "DatasetError", "CheckpointError", "ModelFileError"}


def training_message(exc: BaseException) -> str:
    """The engine's own errors already speak plainly; others get their type name as a hint."""
    if type(exc).__name__ in _PLAIN_ERRORS and str(exc).strip():
        return str(exc).strip()
    return plain_message(exc)


def _oom_types() -> tuple[type[BaseException], ...]:
    import torch

    found = {getattr(torch, "OutOfMemoryError", None), torch.cuda.OutOfMemoryError}
    return tuple(t for t in found if t is not None)


class GuiThreadCollector(QObject):
    """While held, Python's cyclic garbage collector runs only on the GUI thread.

    Automatic collection runs in whichever thread happens to allocate; during training that is
    the training thread. If the garbage then holds Qt widgets (a closed window kept alive by a
    reference cycle, say), they are destroyed off the GUI thread and Qt crashes. So while
    background work runs, automatic collection is off and a timer on the GUI thread collects
    each generation when CPython would have (as pyqtgraph's GarbageCollector does).

    A full collection scans every tracked object (~190k with torch loaded: 0.2 s on a laptop
    core, which would freeze the window), so each hold first freezes what exists (gc.freeze):
    full collections then scan only what training created since. Frozen objects that later
    become cyclic garbage are not reclaimed; they existed before training, so this is small.
    """

    _instance: GuiThreadCollector | None = None
    INTERVAL_MS = 100

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._holds = 0
        self._was_enabled = True
        self._timer = QTimer(self)
        self._timer.setInterval(self.INTERVAL_MS)
        self._timer.timeout.connect(self.check)

    @classmethod
    def instance(cls) -> GuiThreadCollector | None:
        app = QCoreApplication.instance()
        if app is None:
            return None
        if cls._instance is None or not alive(cls._instance):
            cls._instance = cls(app)
        return cls._instance

    @property
    def held(self) -> bool:
        return self._holds > 0

    def hold(self) -> None:
        if self._holds == 0:
            self._was_enabled = gc.isenabled()
            gc.disable()
            gc.collect(1)  # cheap: the young garbage goes here, on the GUI thread
            gc.freeze()
            self._timer.start()
        self._holds += 1

    def release(self) -> None:
        if self._holds == 0:
            return
        self._holds -= 1
        if self._holds == 0:
            self._timer.stop()
            if self._was_enabled:
                gc.enable()

    def check(self) -> None:
        t0, t1, t2 = gc.get_threshold()
        c0, c1, c2 = gc.get_count()
        if c0 > t0:
            gen = 2 if c2 > t2 and c1 > t1 else 1 if c1 > t1 else 0
            gc.collect(gen)


@dataclass(frozen=True)
class PreviewImage:
    """An engine.events.Preview with its pixels already a QImage."""

    step: int
    qimage: QImage


# The training thread runs at a lower OS priority, so that on a busy machine the window keeps its
# share of the CPU (benchmarks/train_ui_stall.py): niceness +5 on Linux, where Qt's thread
# priorities have no effect; QThread.LowPriority elsewhere (gui.core.jobs).
TRAIN_NICE = 5


def training_job(
    cfg: TrainConfig,
    dataset: Dataset | None = None,
    train_fn: Callable[..., Iterator[dict]] | None = None,
) -> Iterator[object]:
    """One training run as a job: yields typed engine events (a preview as PreviewImage,
    converted here, off the UI thread) and returns "done". Closing it (a cancelled job) closes
    train() on the job's thread, which saves checkpoints/latest.pt. When the device runs out of
    memory it continues from the last checkpoint with half the batch."""
    from engine.training import TrainingError

    train = train_fn
    if train is None:
        from engine.training import train
    oom = _oom_types()
    while True:
        gen = train(cfg, dataset)
        try:
            for raw in gen:
                ev = events.parse(raw)
                if isinstance(ev, events.Preview):
                    ev = PreviewImage(ev.step, array_to_qimage(ev.image))
                yield ev
            return "done"
        except oom:
            pass  # handled below, outside the except block, so the trainer can be freed
        finally:
            gen.close()  # GeneratorExit inside train(): saves checkpoints/latest.pt
        gen = None
        _release_memory()
        batch = cfg.batch
        if batch <= 1:
            raise TrainingError(
                "the device ran out of memory even with a batch of 1; choose a smaller "
                "resolution, a smaller network or another device"
            )
        cfg = replace(cfg, batch=batch // 2)
        yield events.Message(
            f"The device ran out of memory with a batch of {batch}; continuing from the last "
            f"checkpoint with a batch of {batch // 2}.",
            "warning",
        )


def _release_memory() -> None:
    gc.collect()
    try:
        import torch

        if torch.cuda.is_available():
            torch.cuda.empty_cache()
    except Exception:  # noqa: BLE001 - freeing memory is best effort
        log.exception("could not release device memory")


# --- one-shot jobs (run on the thread pool) -----------------------------------------------------


@dataclass
class ScanResult:
    folder: str
    data: dict[str, Any]  # DataConfig.to_dict() the scan used
    dataset: Dataset | None = None
    report: DatasetReport | None = None
    error: str = ""  # plain words when no dataset could be made
    thumbnails: list[QImage] = field(default_factory=list)
    crop_previews: dict[str, list[QImage]] = field(default_factory=dict)
    crop_names: list[str] = field(default_factory=list)


def _to_qimages(images_nchw) -> list[QImage]:
    return [array_to_qimage(img.permute(1, 2, 0).contiguous().numpy()) for img in images_nchw]


def _crop_samples(report: DatasetReport, n: int) -> list[str]:
    """Accepted files for the crop preview: the most oblong ones when shapes are mixed."""
    accepted = [e for e in report.files if e.status == "accepted" and e.width and e.height]

    def oblong(e) -> float:
        return max(e.width, e.height) / max(min(e.width, e.height), 1)

    if report.aspect_warning:
        accepted = sorted(accepted, key=oblong, reverse=True)
    return [e.path for e in accepted[:n]]


def scan_job(
    folder: str, data: dict[str, Any], progress: Callable[[int, int], None] | None = None
) -> ScanResult:
    """Decode the folder as training will (engine.dataset.scan_folder) plus preview pictures."""
    from engine.config import DataConfig
    from engine.dataset import DatasetError, ImageSkipped, load_image, scan_folder

    cfg = DataConfig.from_dict(data)
    result = ScanResult(folder, cfg.to_dict())
    try:
        dataset = scan_folder(folder, cfg, progress)
    except DatasetError as exc:
        result.error, result.report = str(exc), exc.report
        return result
    result.dataset, result.report = dataset, dataset.report
    result.thumbnails = _to_qimages(dataset.images[:THUMBNAILS])
    names = _crop_samples(dataset.report, CROP_SAMPLES)
    result.crop_names = names
    for mode in CROP_MODES:
        preview_cfg = replace(cfg, resolution=CROP_PREVIEW_PX, crop=mode)
        images = []
        for name in names:
            try:
                images.append(array_to_qimage(load_image(Path(folder) / name, preview_cfg)))
            except ImageSkipped:
                continue
        result.crop_previews[mode] = images
    return result


def devices_job() -> list[dict]:
    from engine.devices import describe_devices

    return describe_devices()


def estimate_job(cfg: TrainConfig) -> float:
    """Seconds per kimg, measured (see engine.presets.measure_seconds_per_kimg)."""
    from engine.presets import measure_seconds_per_kimg

    return measure_seconds_per_kimg(cfg)


def base_choice_job(images, resolution: int) -> dict[str, Any]:
    """The bundled model to fine-tune for these images (uint8 [N, C, R, R]) at `resolution`:
    {"path", "name", "reason"} (engine.bases.choose_base: the closest pictures win)."""
    from engine.bases import choose_base

    choice = choose_base(images, resolution)
    return {"path": str(choice.path), "name": choice.name, "reason": choice.reason}


def bundled_bases_job() -> list[tuple[str, str]]:
    """(path, name) of every GAN model shipped with Ganvas, to fine-tune from."""
    from engine.bases import bundled_bases, model_name

    return [(str(p), model_name(p)) for p in bundled_bases()]


def model_info_job(path: str) -> dict[str, Any]:
    """Resolution and channels of a model file, from its header only."""
    import json

    from engine.modelfile import ModelFileError, read_header

    header = read_header(Path(path))
    try:
        record = json.loads((header.get("__metadata__") or {}).get("ganvas", "null"))
        model = record["model"]
        return {"resolution": int(model["resolution"]), "channels": int(model["img_channels"])}
    except (TypeError, KeyError, ValueError, json.JSONDecodeError):
        raise ModelFileError(f"{Path(path).name} has no Ganvas metadata") from None


@dataclass
class Neighbour:
    image: QImage
    distance: float  # RMS pixel difference in [0, 1] at ≤ 32 px
    name: str  # training file, relative to the folder


@dataclass
class MemorisationResult:
    snapshot: str
    generated: list[QImage]
    neighbours: list[list[Neighbour]]  # per generated image, nearest first
    dataset: Dataset | None = None  # the cache it scanned, for reuse


def memorisation_job(
    snapshot: str,
    data_dir: str,
    data: dict[str, Any],
    dataset: Dataset | None = None,
    count: int = 4,
    k: int = 3,
) -> MemorisationResult:
    """Render `count` fixed seeds from a snapshot and find each one's k nearest training images."""
    import torch

    from engine.config import DataConfig
    from engine.dataset import scan_folder
    from engine.metrics import nearest_training_images
    from engine.modelfile import load_model
    from engine.render import render_seeds

    if dataset is None:
        dataset = scan_folder(data_dir, DataConfig.from_dict(data))
    model = load_model(snapshot)
    generated = render_seeds(model.G, range(count))  # the preview grid's first seeds
    fakes = torch.from_numpy(generated).permute(0, 3, 1, 2)
    dists, idx = nearest_training_images(fakes, dataset.images, k=k)
    names = [e.path for e in dataset.report.files if e.status == "accepted"]
    rows = []
    for drow, irow in zip(dists.tolist(), idx.tolist()):
        rows.append(
            [
                Neighbour(
                    array_to_qimage(dataset.images[i].permute(1, 2, 0).contiguous().numpy()),
                    float(d),
                    names[i] if i < len(names) else f"image {i}",
                )
                for d, i in zip(drow, irow)
            ]
        )
    return MemorisationResult(snapshot, [array_to_qimage(g) for g in generated], rows, dataset)
