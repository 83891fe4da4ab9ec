"""File → Save model as… (a shareable .safetensors with its metadata) and Export ONNX…."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from ..core.errors import ErrorReporter
from ..core.jobs import JobRunner
from ..core.models import MODEL_FILTER, ModelRef
from .dialogs import ExportDialog, PathField, _stem, default_folder
from .jobs import BlendExport, ModelExport, blend_job, blend_preview, onnx_job, save_model_job


class SaveModelDialog(ExportDialog):
    """Write the open model to a new .safetensors file with a name and a note in its header."""

    def __init__(
        self,
        model: ModelRef,
        runner: JobRunner,
        reporter: ErrorReporter,
        parent: QWidget | None = None,
        *,
        folder: Path | None = None,
    ):
        super().__init__(
            "Save model as",
            "A single .safetensors file: the weights plus the architecture, training summary "
            "and the name below in its header. Loading it never runs code.",
            runner,
            reporter,
            parent,
            action="Save",
        )
        self.model = model
        self.name = QLineEdit(model.name)
        self.name.setObjectName("modelNameEdit")
        self.name.setToolTip("The name Ganvas shows for this model (and puts in export records)")
        self.note = QLineEdit()
        self.note.setPlaceholderText("Optional: what it was trained on, licence, …")
        self.with_d = QCheckBox("Include the judging half (to train it further or find images)")
        self.with_d.setChecked(True)
        self.with_d.setToolTip(
            "The discriminator: the part of the model that judged its pictures while it learned. "
            "Needed to fine-tune it or to project images into it; about doubles the file size. "
            "Without it the model can still make images."
        )
        self.path = PathField("Save model as", name_filter=MODEL_FILTER)
        start = folder or Path(model.path).parent or default_folder()
        self.path.set_text(str(start / f"{_stem(model.name)}-copy.safetensors"))
        self.form.addRow("Name", self.name)
        self.form.addRow("Note", self.note)
        self.form.addRow("", self.with_d)
        self.form.addRow("Save as", self.path)
        self.fit_width(560)

    def build_job(self):
        path = self.path.text()
        if not path:
            raise ValueError("choose where to save the model")
        target = Path(path).expanduser()
        if target.suffix.lower() != ".safetensors":
            target = target.with_name(target.name + ".safetensors")
        if target.resolve() == Path(self.model.path).resolve():
            raise ValueError("choose a new file: this is the model that is open")
        request = ModelExport(
            self.model, str(target), self.name.text(), self.note.text(), self.with_d.isChecked()
        )
        return "Save model", save_model_job, (request,)


class OnnxDialog(ExportDialog):
    """Export the generator for other runtimes (onnxruntime, browsers, game engines)."""

    def __init__(
        self,
        model: ModelRef,
        z_dim: int,
        runner: JobRunner,
        reporter: ErrorReporter,
        parent: QWidget | None = None,
        *,
        folder: Path | None = None,
    ):
        super().__init__(
            "Export ONNX",
            "The model's picture maker as a file other programs and game engines can run "
            "(ONNX). Hover here for its inputs and output.",
            runner,
            reporter,
            parent,
            details=f"The generator as an ONNX graph. Inputs: z [batch, {z_dim}] (standard "
            "normal) and psi [1] (truncation); output: image [batch, channels, height, width] "
            "in −1…1.",
        )
        self.model = model
        self.path = PathField("Export ONNX", name_filter="ONNX models (*.onnx);;All files (*)")
        start = folder or Path(model.path).parent or default_folder()
        self.path.set_text(str(start / f"{_stem(model.name)}.onnx"))
        note = QLabel("Needs the optional onnx package (pip install 'ganvas[onnx]').")
        note.setObjectName("caption")
        self.form.addRow("Save as", self.path)
        self.form.addRow("", note)
        self.fit_width(560)

    def build_job(self):
        path = self.path.text()
        if not path:
            raise ValueError("choose where to save the ONNX file")
        target = Path(path).expanduser()
        if target.suffix.lower() != ".onnx":
            target = target.with_name(target.name + ".onnx")
        return "Export ONNX", onnx_job, (ModelExport(self.model, str(target)),)


class BlendDialog(ExportDialog):
    """File → Blend models…: a new model with the open model's coarse layers (shapes, layout) and
    another model's fine layers (texture, colour) — e.g. a model and its fine-tune."""

    def __init__(
        self,
        model: ModelRef,
        resolution: int,
        runner: JobRunner,
        reporter: ErrorReporter,
        parent: QWidget | None = None,
    ):
        super().__init__(
            "Blend models",
            "A new model that draws the shapes of the open model with the textures and colours "
            "of another one of the same family (a model and its fine-tune work best).",
            runner,
            reporter,
            parent,
            action="Blend and save",
        )
        self.model = model
        self.other = PathField("Textures from", name_filter=MODEL_FILTER, save=False)
        self.other.setToolTip("The model whose fine layers (texture, colour, detail) are used")
        self.swap = QComboBox()
        for res in [2**i for i in range(3, resolution.bit_length())]:
            self.swap.addItem(f"{res} px and finer", res)
        self.swap.setCurrentIndex(min(1, self.swap.count() - 1))
        self.swap.setToolTip(
            "Layers at this size and finer come from the other model; coarser ones (the "
            "overall shape) stay the open model's"
        )
        self.smooth = QDoubleSpinBox()
        self.smooth.setRange(0.0, 3.0)
        self.smooth.setSingleStep(0.25)
        self.smooth.setMinimumWidth(110)  # room for the number and its arrows
        self.smooth.setToolTip("0: a clean cut between the two; higher: a gradual crossover")
        self.path = PathField("Save blend as", name_filter=MODEL_FILTER)
        # the exports folder: the open model may be a bundled one in a read-only install
        self.path.set_text(str(default_folder() / f"{_stem(model.name)}-blend.safetensors"))
        self.form.addRow("Shapes from", QLabel(model.name))
        self.form.addRow("Textures from", self.other)
        self.form.addRow("Switch at", self.swap)
        self.form.addRow("Smooth crossover", self.smooth)
        self.form.addRow("Save as", self.path)
        # live preview: a few fixed seeds of the blend, redrawn as the settings change
        self.previews = [QLabel() for _ in range(4)]
        row = QHBoxLayout()
        for label in self.previews:
            label.setFixedSize(96, 96)
            label.setScaledContents(True)
            label.setToolTip("The blend on seeds 0–3 (variety 0.7)")
            row.addWidget(label)
        row.addStretch(1)
        self.preview_note = QLabel("Choose the other model to see the blend")
        self.preview_note.setObjectName("muted")
        self.form.addRow("Preview", row)
        self.form.addRow("", self.preview_note)
        self._preview_job = None
        self._preview_again = False
        self.other.changed.connect(self.update_preview)
        self.swap.currentIndexChanged.connect(self.update_preview)
        self.smooth.valueChanged.connect(self.update_preview)
        self.fit_width(560)

    def update_preview(self, *_) -> None:
        """Redraw the preview; one render at a time, the newest settings win."""
        other = self.other.text()
        if not other:
            return
        if self._preview_job is not None:
            self._preview_again = True
            return
        args = (self.model.path, other, int(self.swap.currentData()), self.smooth.value())
        job = self.runner.call("Blend preview", blend_preview, *args)
        self._preview_job = job
        job.done.connect(self._show_preview)
        job.failed.connect(lambda message, _tb: self.preview_note.setText(message))
        job.finished.connect(self._preview_finished)

    def _show_preview(self, images) -> None:
        from ..core.images import array_to_qimage

        for label, image in zip(self.previews, images, strict=False):
            label.setPixmap(QPixmap.fromImage(array_to_qimage(image)))
        self.preview_note.setText("")

    def _preview_finished(self) -> None:
        self._preview_job = None
        if self._preview_again:
            self._preview_again = False
            self.update_preview()

    def build_job(self):
        if not self.other.text():
            raise ValueError("choose the model to take textures from")
        target = Path(self.path.text() or "").expanduser()
        if not self.path.text():
            raise ValueError("choose where to save the blend")
        if target.suffix.lower() != ".safetensors":
            target = target.with_name(target.name + ".safetensors")
        request = BlendExport(
            self.model,
            self.other.text(),
            str(target),
            int(self.swap.currentData()),
            float(self.smooth.value()),
        )
        return "Blend models", blend_job, (request,)
