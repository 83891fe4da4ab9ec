"""Projection: find the latent of a photo or drawing (engine.projection), so it can be edited
with the browser's tools.

The image is cropped like training data (engine.dataset.load_image at the model's resolution),
then optimised on a worker thread; the panel shows the target, the live reconstruction, a
progress bar with Cancel, and PSNR/SSIM at the end. The result — an explicit-w `Latent` —
becomes the current image.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine.latent import Latent

from ..core.errors import ErrorReporter
from ..core.images import array_to_qimage
from ..core.jobs import Job, JobRunner
from ..core.models import ModelRef, job_model
from ..widgets.progress import job_progress_bar

THUMB_PX = 168
IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.webp *.bmp *.gif *.tif *.tiff);;All files (*)"
CROPS = {
    "center": "Centre square (like training)",
    "pad": "Whole image, padded",
    "stretch": "Whole image, stretched",
}


@dataclass(frozen=True)
class ProjectionRequest:
    model: ModelRef
    image: str
    resolution: int
    channels: int
    steps: int = 300
    crop: str = "center"


def projection_job(req: ProjectionRequest) -> Iterator[dict[str, Any]]:
    """Yields {"target"}, then {"done", "total", "loss"[, "image"]}; → the final dict with the
    explicit-w latent, its image, PSNR and SSIM."""
    from engine.config import DataConfig
    from engine.dataset import ImageSkipped, load_image
    from engine.projection import ProjectionConfig, project

    yield {"done": 0, "total": req.steps, "text": "Reading the image…"}
    cfg = DataConfig(resolution=req.resolution, crop=req.crop, rgba=req.channels == 4)
    try:
        target = load_image(Path(req.image), cfg).copy()  # writable, for torch
    except ImageSkipped as exc:
        raise ValueError(f"{Path(req.image).name} cannot be used: {exc}") from None
    yield {"target": array_to_qimage(target), "done": 0, "total": req.steps, "text": "Loading…"}
    model = job_model(req.model)
    preview_every = max(1, req.steps // 60)
    settings = ProjectionConfig(steps=req.steps, preview_every=preview_every)
    for event in project(model.G, target, settings, model.D):
        if event["kind"] == "done":
            latent = Latent(seed=0, psi=1.0, ws=event["ws"].tolist())
            return {
                "latent": latent,
                "image": array_to_qimage(event["image"]),
                "psnr": float(event["psnr"]),
                "ssim": float(event["ssim"]),
            }
        out = {
            "done": event["step"],
            "total": event["steps"],
            "text": f"Step {event['step']} of {event['steps']} · loss {event['loss']:.3f}",
        }
        if "image" in event:
            out["image"] = array_to_qimage(event["image"])
        yield out
    raise RuntimeError("the projection ended without a result")


METRICS_TIP = (
    "How closely the found image matches the target (PSNR in dB and SSIM from 0 to 1: "
    "higher is closer)"
)


def quality_words(psnr: float, ssim: float) -> str:
    if psnr >= 28 and ssim >= 0.85:
        return "a close match"
    if psnr >= 22 and ssim >= 0.6:
        return "a fair match"
    return "a rough match: the model may not know images like this"


class ImageBox(QLabel):
    """A fixed square that shows an image scaled smoothly, or a quiet placeholder text."""

    def __init__(self, placeholder: str):
        super().__init__(placeholder)
        self.placeholder = placeholder
        self.image: QImage | None = None
        self.setFixedSize(THUMB_PX, THUMB_PX)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self.setProperty("role", "imageBox")  # its look: resources/styles/ganvas.qss

    def set_image(self, image: QImage | None) -> None:
        self.image = image
        if image is None or image.isNull():
            self.setPixmap(QPixmap())
            self.setText(self.placeholder)
            return
        pixmap = QPixmap.fromImage(image).scaled(
            THUMB_PX,
            THUMB_PX,
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
        self.setPixmap(pixmap)


class ProjectionPanel(QWidget):
    """Drop or choose an image; the model finds the latent that reproduces it."""

    result_ready = Signal(object)  # Latent (explicit ws) of a finished projection
    finished = Signal()

    def __init__(self, runner: JobRunner, reporter: ErrorReporter, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("projectionPanel")
        self.runner, self.reporter = runner, reporter
        self.model: ModelRef | None = None
        self.resolution, self.channels = 64, 3
        self.image_path: Path | None = None
        self.job: Job | None = None
        self.result: dict | None = None

        self.intro = QLabel(
            "Find the image in the model: Ganvas searches for the model's picture closest to "
            "it, then you can edit it like any other. Drop or paste an image on the window, or "
            "choose one."
        )
        self.intro.setObjectName("caption")
        self.intro.setWordWrap(True)
        self.target = ImageBox("No image yet")
        self.target.setObjectName("projectionTarget")
        self.target.setToolTip("The image as the model sees it: cropped like its training data")
        self.output = ImageBox("Not searched yet")
        self.output.setObjectName("projectionResult")
        self.output.setToolTip("The model's closest image so far")
        target_caption, output_caption = QLabel("Target"), QLabel("Found")
        for label in (target_caption, output_caption):
            label.setObjectName("caption")
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.file_label = QLabel("No image chosen")
        self.file_label.setObjectName("caption")
        self.file_label.setWordWrap(True)
        self.choose_button = QPushButton("Choose image…")
        self.choose_button.setToolTip("Pick an image file to project")
        self.choose_button.clicked.connect(self.choose_image)
        self.steps = QSpinBox()
        self.steps.setObjectName("stepsBox")
        self.steps.setRange(2, 5000)
        self.steps.setSingleStep(50)
        self.steps.setValue(300)
        self.steps.setToolTip("More steps find a closer match but take longer")
        self.crop = QComboBox()
        for key, text in CROPS.items():
            self.crop.addItem(text, key)
        self.crop.setToolTip("How the image is made square at the model's resolution")
        self.go_button = QPushButton("Project")
        self.go_button.setObjectName("projectButton")
        self.go_button.setToolTip(
            "Find this image in the model (projection: it searches for its latent), in the "
            "background"
        )
        self.go_button.clicked.connect(self._go_or_cancel)
        self.progress = job_progress_bar("projectionProgress")
        self.status = QLabel("")
        self.status.setObjectName("caption")
        self.status.setWordWrap(True)
        self.metrics = QLabel("")
        self.metrics.setObjectName("projectionMetrics")
        self.metrics.setWordWrap(True)
        self.metrics.setToolTip(METRICS_TIP)

        images = QHBoxLayout()
        images.setSpacing(12)
        for box, caption in ((self.target, target_caption), (self.output, output_caption)):
            col = QVBoxLayout()
            col.setSpacing(4)
            col.addWidget(box)
            col.addWidget(caption)
            images.addLayout(col)
        images.addStretch(1)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.setHorizontalSpacing(12)
        form.setVerticalSpacing(8)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        self.steps.setMinimumWidth(110)
        form.addRow("Steps", self.steps)
        form.addRow("Crop", self.crop)
        buttons = QHBoxLayout()
        buttons.addWidget(self.choose_button)
        buttons.addStretch(1)
        buttons.addWidget(self.go_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.setSpacing(10)
        layout.addWidget(self.intro)
        layout.addLayout(images)
        layout.addWidget(self.file_label)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.metrics)
        layout.addStretch(1)
        self._update_buttons()

    # --- model and image ----------------------------------------------------------------------

    def set_model(self, model: ModelRef | None, resolution: int = 64, channels: int = 3) -> None:
        if model != self.model:
            self.cancel()
        self.model, self.resolution, self.channels = model, resolution, channels
        self._update_buttons()

    def set_image(self, path: Path | str) -> None:
        self.image_path = Path(path)
        self.file_label.setText(self.image_path.name)
        self.file_label.setToolTip(str(self.image_path))
        self.target.set_image(None)
        self.output.set_image(None)
        self.metrics.setText("")
        self.status.setText("")
        self._update_buttons()

    def choose_image(self) -> None:
        start = str(self.image_path.parent) if self.image_path else ""
        path, _ = QFileDialog.getOpenFileName(self, "Project image", start, IMAGE_FILTER)
        if path:
            self.project(path)

    # --- running ------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.job is not None and self.job.running

    def project(self, path: Path | str | None = None) -> Job | None:
        """Start projecting `path` (or the chosen image); the result becomes current."""
        if path is not None:
            self.cancel()
            self.set_image(path)
        if self.running:
            return self.job
        if self.model is None:
            self.status.setText("Open a model first: projection finds the image in a model.")
            return None
        if self.image_path is None:
            self.status.setText("Choose an image to project.")
            return None
        request = ProjectionRequest(
            self.model,
            str(self.image_path),
            self.resolution,
            self.channels,
            int(self.steps.value()),
            str(self.crop.currentData()),
        )
        self.result = None
        self.metrics.setText("")
        job = self.runner.start("Projection", projection_job, request)
        job.progress.connect(self._on_progress)
        job.done.connect(self._on_done)
        job.failed.connect(self._on_failed)
        job.cancelled.connect(lambda: self.status.setText("Cancelled: the current image is kept."))
        job.finished.connect(self._on_finished)
        self.job = job
        self.progress.setRange(0, 0)
        self.progress.show()
        self.status.setText("Starting…")
        self._update_buttons()
        return job

    def cancel(self) -> None:
        if self.running:
            self.job.cancel()
            self.status.setText("Cancelling…")

    def _go_or_cancel(self) -> None:
        if self.running:
            self.cancel()
        else:
            self.project()

    def _on_progress(self, event: dict) -> None:
        if "target" in event:
            self.target.set_image(event["target"])
        if "image" in event:
            self.output.set_image(event["image"])
        total = int(event.get("total", 0))
        if total and event.get("done", 0):
            self.progress.setRange(0, total)
            self.progress.setValue(int(event["done"]))
        if event.get("text"):
            self.status.setText(str(event["text"]))

    def _on_done(self, result: dict) -> None:
        self.result = result
        self.output.set_image(result["image"])
        psnr, ssim = result["psnr"], result["ssim"]
        words = quality_words(psnr, ssim)
        self.metrics.setText(f"How close: {words}")
        self.metrics.setToolTip(f"PSNR {psnr:.1f} dB · SSIM {ssim:.3f}. {METRICS_TIP}")
        self.status.setText("Done: the found image is now the current image; edit it freely.")
        self.result_ready.emit(result["latent"])

    def _on_failed(self, message: str, details: str) -> None:
        self.status.setText("Failed: " + message)
        name = self.image_path.name if self.image_path else "the image"
        self.reporter.report(f"Could not project {name}", message, details, parent=self)

    def _on_finished(self) -> None:
        self.progress.hide()
        self._update_buttons()
        self.finished.emit()

    def _update_buttons(self) -> None:
        running = self.running
        self.go_button.setText("Cancel" if running else "Project")
        self.go_button.setEnabled(running or (self.model is not None and bool(self.image_path)))
        for w in (self.choose_button, self.steps, self.crop):
            w.setEnabled(not running)
