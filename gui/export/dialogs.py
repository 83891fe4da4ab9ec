"""Export dialogs: one image, a batch of images, a contact sheet.

Each dialog is a form over a plain request (gui.export.jobs); pressing Export starts the job on
the runner's thread pool and the same button becomes Cancel. Progress shows in the dialog, the
window stays usable, and failures go to the one ErrorReporter. Dialogs keep no truth of their
own beyond the choices on screen: the latents they export are snapshotted when they open.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QStandardPaths, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine.directions import NamedDirection
from engine.latent import Latent
from engine.naming import FIELD_HELP

from ..core.errors import ErrorReporter
from ..core.jobs import Job, JobRunner
from ..core.latents import describe_latent, edits_with
from ..core.models import ModelRef
from ..widgets.progress import job_progress_bar
from ..widgets.style import repolish
from .jobs import (
    DEFAULT_TEMPLATE,
    LANCZOS,
    BatchExport,
    ImageExport,
    Item,
    SheetExport,
    Written,
    batch_export_job,
    check_template,
    contact_sheet_job,
    export_image_job,
    file_name,
)

IMAGE_FORMATS = {  # label → suffix
    "PNG (lossless)": ".png",
    "WebP (lossless)": ".webp",
    "JPEG": ".jpg",
}
_SUFFIXES = (".png", ".webp", ".jpg", ".jpeg")
MAX_BATCH = 10_000
PATH_MAX_WIDTH = 720  # px: paths longer than this scroll inside their field


@dataclass
class Session:
    """Export choices remembered until Ganvas closes: the file name template and how images
    are enlarged (None: the learned upscaler; "lanczos"; or an upscaler file's path). The
    template and the folder start as Edit → Preferences… says (gui.export.actions)."""

    template: str = DEFAULT_TEMPLATE
    folder: Path | None = None  # the preferred export folder; None: the Pictures folder
    upscaler: str | None = None
    upscaler_files: list[str] = field(default_factory=list)


session = Session()


def show_error(label: QLabel, error: bool) -> None:
    """Show `label` as an error (its colour: QLabel#caption[error] in the stylesheet) or not."""
    if bool(label.property("error")) != error:
        label.setProperty("error", error)
        repolish(label)


def default_folder() -> Path:
    """Where exports go until the artist picks another folder: the preferred one, else the
    Pictures folder."""
    if session.folder is not None:
        return session.folder
    pictures = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation)
    return Path(pictures or Path.home())


def batch_folder() -> Path:
    """A batch's folder: the preferred export folder itself, else Pictures/Ganvas."""
    return session.folder if session.folder is not None else default_folder() / "Ganvas"


def with_suffix(path: str, suffix: str) -> str:
    if not path.strip():
        return path
    p = Path(path)
    return str(p.with_suffix(suffix)) if p.suffix else str(p) + suffix


def sentence(exc: Exception) -> str:
    """A plain complaint (ValueError text) as a sentence: its first letter capitalised."""
    text = str(exc)
    return text[0].upper() + text[1:]


def format_suffix(path: str) -> str:
    """The image format a file name asks for, as IMAGE_FORMATS' suffix (.jpeg → .jpg)."""
    return Path(path.strip()).suffix.lower().replace(".jpeg", ".jpg")


def format_box() -> QComboBox:
    box = QComboBox()
    for label, suffix in IMAGE_FORMATS.items():
        box.addItem(label, suffix)
    return box


def scale_box(resolution: int) -> QComboBox:
    box = QComboBox()
    box.setObjectName("scaleBox")
    for factor in (1, 2, 4):
        px = resolution * factor
        box.addItem(f"{px}×{px} px" + (" (native)" if factor == 1 else f" ({factor}×)"), factor)
    box.setToolTip(
        "Native size is exactly what the model makes; 2× and 4× enlarge it (choose how below). "
        "The embedded record always re-creates the native image and names the enlargement."
    )
    return box


_CHOOSE_FILE = "choose"


class EnlargeBox(QComboBox):
    """How the 2× and 4× sizes are made: the bundled learned upscaler, Lanczos, or an upscaler
    file the artist has. The choice (and the files chosen) last for the session."""

    def __init__(self, scale: QComboBox, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("enlargeBox")
        self.setToolTip("How the larger sizes are made from the model's image")
        tip = Qt.ItemDataRole.ToolTipRole
        self.addItem("Learned (Ganvas ×4)", None)
        self.setItemData(
            0, "Ganvas's own small network: adds fine detail a smooth enlargement cannot", tip
        )
        self.addItem("Lanczos (smooth)", LANCZOS)
        self.setItemData(1, "A classic smooth enlargement: soft edges, nothing invented", tip)
        self.addItem("Upscaler file…", _CHOOSE_FILE)
        self.setItemData(
            2, "Use an upscaler you have: a .safetensors or .pth file such as Real-ESRGAN", tip
        )
        for path in session.upscaler_files:
            self._add_file(path)
        self._select(session.upscaler)
        self.activated.connect(self._on_activated)
        self.scale = scale
        scale.currentIndexChanged.connect(self._follow_scale)
        self._follow_scale()

    def choice(self) -> str | None:
        """None (learned), "lanczos", or an upscaler file's path: what the job requests carry."""
        return self.currentData()

    def use_file(self, path: str) -> None:
        """Enlarge with this upscaler file (it is loaded, and checked, when the export runs)."""
        if path not in session.upscaler_files:
            session.upscaler_files.append(path)
        if self.findData(path) < 0:
            self._add_file(path)
        self._select(path)
        session.upscaler = path

    def _add_file(self, path: str) -> None:
        index = self.findData(_CHOOSE_FILE)
        self.insertItem(index, Path(path).name, path)
        self.setItemData(index, path, Qt.ItemDataRole.ToolTipRole)

    def _select(self, choice: str | None) -> None:
        self.setCurrentIndex(max(0, self.findData(choice)))

    def _on_activated(self, index: int) -> None:
        if self.itemData(index) != _CHOOSE_FILE:
            session.upscaler = self.itemData(index)
            return
        path, _ = QFileDialog.getOpenFileName(
            self, "Choose an upscaler", "", "Upscalers (*.safetensors *.pth);;All files (*)"
        )
        if path:
            self.use_file(path)
        else:
            self._select(session.upscaler)

    def _follow_scale(self, *_: object) -> None:
        self.setEnabled(int(self.scale.currentData()) > 1)


class PathField(QWidget):
    """A path with a Choose… button: a file to save (with a filter), one to open, or a folder."""

    changed = Signal(str)

    def __init__(
        self, caption: str, *, folder: bool = False, name_filter: str = "", save: bool = True
    ):
        super().__init__()
        self.caption, self.folder, self.name_filter = caption, folder, name_filter
        self.save = save
        self.edit = QLineEdit()
        self.edit.setObjectName("pathEdit")
        self.edit.setMinimumWidth(320)
        self.edit.textChanged.connect(self._fit_text)
        self.edit.textChanged.connect(self.changed)
        self.button = QPushButton("Choose…")
        self.button.setToolTip("Pick the " + ("folder" if folder else "file") + " in a browser")
        self.button.clicked.connect(self.choose)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        row.addWidget(self.edit, 1)
        row.addWidget(self.button)

    def text(self) -> str:
        return self.edit.text().strip()

    def _fit_text(self, text: str) -> None:
        """Wide enough for the whole path where the screen allows (a cut-off path hides which
        folder the file goes to); the full path is in the tooltip either way."""
        width = self.edit.fontMetrics().horizontalAdvance(text) + 24
        self.edit.setMinimumWidth(min(max(320, width), PATH_MAX_WIDTH))
        self.edit.setToolTip(text)

    def set_text(self, text: str) -> None:
        self.edit.setText(text)

    def choose(self) -> None:
        start = self.text() or str(default_folder())
        if self.folder:
            path = QFileDialog.getExistingDirectory(self, self.caption, start)
        elif self.save:
            path, _ = QFileDialog.getSaveFileName(self, self.caption, start, self.name_filter)
        else:
            path, _ = QFileDialog.getOpenFileName(self, self.caption, start, self.name_filter)
        if path:
            self.edit.setText(path)


class ExportDialog(QDialog):
    """The frame every export dialog shares: a form, a progress line, Close + Export/Cancel."""

    exported = Signal(object)  # Written, when a job finishes

    def __init__(
        self,
        title: str,
        intro: str,
        runner: JobRunner,
        reporter: ErrorReporter,
        parent: QWidget | None = None,
        *,
        action: str = "Export",
        details: str = "",
    ):
        """`intro` in plain words; `details` (the technical terms) as its tooltip."""
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setObjectName("exportDialog")
        self.runner, self.reporter, self.action = runner, reporter, action
        self.job: Job | None = None
        self.last_result: Written | None = None

        self.intro = QLabel(intro)
        self.intro.setObjectName("caption")
        self.intro.setWordWrap(True)
        self.intro.setToolTip(details)
        self.form = QFormLayout()
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.form.setHorizontalSpacing(12)
        self.form.setVerticalSpacing(10)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)

        self.progress = job_progress_bar("exportProgress")
        self.status = QLabel("")
        self.status.setObjectName("caption")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.buttons = QDialogButtonBox()
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.go_button = self.buttons.addButton(action, QDialogButtonBox.ButtonRole.ActionRole)
        self.go_button.setObjectName("goButton")
        self.go_button.setDefault(True)
        self.go_button.clicked.connect(self._go_or_cancel)
        self.close_button.clicked.connect(self.close)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.setSpacing(14)
        layout.addWidget(self.intro)
        layout.addLayout(self.form)
        layout.addStretch(1)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)

    def fit_width(self, width: int) -> None:
        """At least `width` wide and as tall as the form needs (never squeezed below it)."""
        hint = self.sizeHint()
        self.resize(max(width, hint.width()), hint.height())

    # --- subclasses ---------------------------------------------------------------------------

    def build_job(self) -> tuple[str, Callable[..., Iterator[Any]], tuple]:
        """→ (job name, generator function, args); raise ValueError for a plain complaint."""
        raise NotImplementedError

    # --- running ------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.job is not None and self.job.running

    def start(self) -> Job | None:
        """Start the export (what the button does); None when the form is not complete."""
        if self.running:
            return self.job
        try:
            name, func, args = self.build_job()
        except ValueError as exc:
            self.show_status(sentence(exc), error=True)
            return None
        job = self.runner.start(name, func, *args)
        self.job = job
        job.progress.connect(self._on_progress)
        job.done.connect(self._on_done)
        job.failed.connect(self._on_failed)
        job.cancelled.connect(lambda: self.show_status("Cancelled; nothing partial was left."))
        job.finished.connect(self._on_finished)
        self.progress.setRange(0, 0)
        self.progress.show()
        self.show_status("Starting…")
        self.go_button.setText("Cancel")
        self.go_button.setToolTip("Stop after the image being written now")
        self.set_form_enabled(False)
        return job

    def cancel(self) -> None:
        if self.running:
            self.job.cancel()
            self.show_status("Cancelling…")

    def _go_or_cancel(self) -> None:
        if self.running:
            self.cancel()
        else:
            self.start()

    def set_form_enabled(self, enabled: bool) -> None:
        for i in range(self.form.rowCount()):
            for role in (QFormLayout.ItemRole.LabelRole, QFormLayout.ItemRole.FieldRole):
                item = self.form.itemAt(i, role)
                if item is not None and item.widget() is not None:
                    item.widget().setEnabled(enabled)

    def show_status(self, text: str, *, error: bool = False) -> None:
        show_error(self.status, error)
        self.status.setText(text)

    def _on_progress(self, event: dict) -> None:
        total, done = int(event.get("total", 0)), int(event.get("done", 0))
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
        if event.get("text"):
            self.show_status(str(event["text"]))

    def _on_done(self, result: object) -> None:
        if isinstance(result, Written):
            self.last_result = result
            self.show_status(result.summary)
            self.exported.emit(result)

    def _on_failed(self, message: str, details: str) -> None:
        self.show_status("Failed: " + message, error=True)
        self.reporter.report(
            f"{self.windowTitle().rstrip('…')} failed", message, details, parent=self
        )

    def _on_finished(self) -> None:
        self.progress.hide()
        self.go_button.setText(self.action)
        self.go_button.setToolTip("")
        self.set_form_enabled(True)

    def closeEvent(self, event) -> None:
        self.cancel()  # closing the dialog stops its job (nothing partial is kept)
        super().closeEvent(event)


# --- one image ------------------------------------------------------------------------------


class ImageExportDialog(ExportDialog):
    """File → Export image…: the current image as PNG, WebP or JPEG, with its record."""

    def __init__(
        self,
        model: ModelRef,
        resolution: int,
        latent: Latent,
        runner: JobRunner,
        reporter: ErrorReporter,
        parent: QWidget | None = None,
        *,
        folder: Path | None = None,
    ):
        super().__init__(
            "Export image",
            "The file remembers how it was made (model, seed, variety, edits): drop or paste "
            "it back onto Ganvas, or run main.py restore, to get exactly this image again.",
            runner,
            reporter,
            parent,
            details="The record holds the model's fingerprint and the latent (seed, truncation "
            "ψ, direction edits, style mixing), as JSON inside the file.",
        )
        self.model, self.latent, self.resolution = model, latent, resolution
        self.what = QLabel(f"{describe_latent(latent)}  ·  {model.name}")
        self.what.setObjectName("exportWhat")
        self.what.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.format_box = format_box()
        self.format_box.setObjectName("formatBox")
        self.format_box.setToolTip(
            "PNG and WebP are lossless: the file has exactly the rendered pixels. "
            "JPEG is smaller but approximate."
        )
        self.scale = scale_box(resolution)
        self.enlarge = EnlargeBox(self.scale)
        self.quality = QSpinBox()
        self.quality.setRange(50, 100)
        self.quality.setValue(95)
        self.quality.setSuffix(" %")
        self.quality.setToolTip("JPEG quality: higher is closer to the original and larger")
        self._auto_stem = self._name_stem(latent)
        self.path = PathField(
            "Export image", name_filter="Images (*.png *.webp *.jpg *.jpeg);;All files (*)"
        )
        suffix = format_suffix(session.template) or ".png"
        self.path.set_text(str((folder or default_folder()) / f"{self._auto_stem}{suffix}"))
        self._sync_format(self.path.text())
        self.form.addRow("Image", self.what)
        self.form.addRow("Format", self.format_box)
        self.form.addRow("Size", self.scale)
        self.form.addRow("Enlarge with", self.enlarge)
        self.form.addRow("JPEG quality", self.quality)
        self.form.addRow("Save as", self.path)
        self.format_box.currentIndexChanged.connect(self._on_format)
        self.path.changed.connect(self._sync_format)
        self._on_format()
        self.fit_width(560)

    def set_latent(self, latent: Latent) -> None:
        """Follow the current image while nothing is being written (the file name too, unless
        the user typed one)."""
        if self.running or latent == self.latent:
            return
        self.latent = latent
        self.what.setText(f"{describe_latent(latent)}  ·  {self.model.name}")
        path = Path(self.path.text())
        if path.stem == self._auto_stem:
            self._auto_stem = self._name_stem(latent)
            self.path.set_text(str(path.with_name(self._auto_stem + path.suffix)))

    def _name_stem(self, latent: Latent) -> str:
        """The file name batch export would give this image (the session's template)."""
        name = file_name(session.template, self.model, Item(latent), 0)
        return Path(name).stem

    def _on_format(self, *_: object) -> None:
        suffix = self.format_box.currentData()
        self.quality.setEnabled(suffix == ".jpg")
        self.path.set_text(with_suffix(self.path.text(), suffix))

    def _sync_format(self, text: str) -> None:
        index = self.format_box.findData(format_suffix(text))
        if index >= 0 and index != self.format_box.currentIndex():
            self.format_box.setCurrentIndex(index)

    def build_job(self):
        path = self.path.text()
        if not path:
            raise ValueError("choose where to save the image")
        if Path(path).suffix.lower() not in _SUFFIXES:
            raise ValueError("the file name must end in .png, .webp or .jpg")
        request = ImageExport(
            self.model,
            self.latent,
            str(Path(path).expanduser()),
            int(self.scale.currentData()),
            int(self.quality.value()),
            self.enlarge.choice(),
        )
        return "Export image", export_image_job, (request,)


def _stem(name: str) -> str:
    from engine.naming import field_text

    return field_text(name)


# --- where a batch comes from ---------------------------------------------------------------


@dataclass
class Sources:
    """What the batch dialogs can export, snapshotted when they open."""

    psi: float
    current: Latent
    grid: list[Latent] = field(default_factory=list)
    favourites: list[Item] = field(default_factory=list)
    liked: list[Item] = field(default_factory=list)
    directions: list[NamedDirection] = field(default_factory=list)


SOURCE_SEEDS, SOURCE_GRID, SOURCE_FAVOURITES, SOURCE_LIKED, SOURCE_AROUND = (
    "seeds",
    "grid",
    "favourites",
    "liked",
    "around",
)


def grid_around(
    current: Latent, a: NamedDirection, b: NamedDirection | None, size: int, reach: float
) -> list[Item]:
    """Variations of the current image: columns move it along `a`, rows along `b` (a single
    row without `b`), from −reach to +reach σ beyond where it already is; the centre is the
    current image itself."""
    steps = [(-reach + 2 * reach * i / (size - 1)) if size > 1 else 0.0 for i in range(size)]
    items = []
    for r, vb in enumerate(steps if b is not None else [0.0]):
        for c, va in enumerate(steps):
            latent = current
            for direction, offset in ((a, va), (b, vb)):
                if direction is None:
                    continue
                now = next((e.amount for e in current.edits if e.name == direction.name), 0.0)
                value = now / direction.std + offset if direction.std else offset
                start, end = direction.start, direction.end
                latent = latent.replace(edits=edits_with(latent, direction, value, start, end))
            items.append(Item(latent, f"r{r + 1}c{c + 1}"))
    return items


class SourcePicker(QWidget):
    """Which images a batch uses: a seed range, the grid, favourites, liked images, or a grid
    of variations around the current image along two directions."""

    changed = Signal()

    def __init__(self, sources: Sources, parent: QWidget | None = None):
        super().__init__(parent)
        self.sources = sources
        self.kind = QComboBox()
        self.kind.setObjectName("sourceBox")
        self.kind.addItem("A range of seeds", SOURCE_SEEDS)
        self.kind.addItem(f"The grid ({len(sources.grid)} images)", SOURCE_GRID)
        self.kind.addItem(f"Favourites ({len(sources.favourites)})", SOURCE_FAVOURITES)
        self.kind.addItem(f"Liked images ({len(sources.liked)})", SOURCE_LIKED)
        self.kind.addItem("Variations around the current image", SOURCE_AROUND)
        self.kind.setToolTip("Which images to export")

        self.seeds = QLineEdit("0-15")
        self.seeds.setObjectName("seedsEdit")
        self.seeds.setPlaceholderText("e.g. 0-99 or 3, 17, 42")
        self.seeds.setToolTip(
            f"Seeds to export, at the current truncation ψ {sources.psi:.2f}: ranges like 0-99 "
            "and lists like 3, 17, 42"
        )
        self.dir_a, self.dir_b = QComboBox(), QComboBox()
        for box in (self.dir_a, self.dir_b):
            box.addItem("(none)", None)
            for d in sources.directions:
                box.addItem(d.name, d)
        if sources.directions:
            self.dir_a.setCurrentIndex(1)
        if len(sources.directions) > 1:
            self.dir_b.setCurrentIndex(2)
        self.size = QSpinBox()
        self.size.setRange(2, 9)
        self.size.setValue(3)
        self.size.setSuffix(" per side")
        self.reach = QDoubleSpinBox()
        self.reach.setRange(0.1, 6.0)
        self.reach.setSingleStep(0.5)
        self.reach.setValue(2.0)
        self.reach.setPrefix("reach ±")
        self.reach.setToolTip(
            "How far the outer images move along each direction: 1 is a typical change "
            "(one standard deviation, σ)"
        )

        around = QWidget()
        form = QFormLayout(around)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Across", self.dir_a)
        form.addRow("Down", self.dir_b)
        row = QHBoxLayout()
        row.addWidget(self.size)
        row.addWidget(self.reach)
        form.addRow("Grid", row)
        if not sources.directions:
            form.addRow(QLabel("No directions yet: they appear once the model's are found."))
        self.note = QLabel()
        self.note.setObjectName("caption")
        self.around = around
        self.pages = (self.seeds, self.note, around)  # one shows, by kind

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.kind)
        for page in self.pages:
            layout.addWidget(page)
        self.kind.currentIndexChanged.connect(self._on_kind)
        for signal in (
            self.seeds.textChanged,
            self.dir_a.currentIndexChanged,
            self.dir_b.currentIndexChanged,
            self.size.valueChanged,
            self.reach.valueChanged,
        ):
            signal.connect(self.changed)
        self._on_kind()

    def set_kind(self, kind: str) -> None:
        self.kind.setCurrentIndex(self.kind.findData(kind))

    def _on_kind(self, *_: object) -> None:
        kind = self.kind.currentData()
        page = {SOURCE_SEEDS: 0, SOURCE_AROUND: 2}.get(kind, 1)
        for i, widget in enumerate(self.pages):
            widget.setVisible(i == page)
        if page == 1:
            n = {
                SOURCE_GRID: len(self.sources.grid),
                SOURCE_FAVOURITES: len(self.sources.favourites),
                SOURCE_LIKED: len(self.sources.liked),
            }[kind]
            self.note.setText(f"{n} image{'s' if n != 1 else ''}" if n else "None yet")
        self.changed.emit()

    def items(self) -> list[Item]:
        """The chosen images; a plain ValueError when there are none."""
        from engine.render import parse_seeds

        s, kind = self.sources, self.kind.currentData()
        if kind == SOURCE_SEEDS:
            seeds = parse_seeds(self.seeds.text())
            if len(seeds) > MAX_BATCH:
                raise ValueError(
                    f"{len(seeds):,} seeds is too many at once (at most {MAX_BATCH:,})"
                )
            return [Item(Latent(seed=x, psi=s.psi), f"seed {x}") for x in seeds]
        if kind == SOURCE_GRID:
            items = [Item(lat, f"seed {lat.seed}") for lat in s.grid]
        elif kind == SOURCE_FAVOURITES:
            items = list(s.favourites)
            if not items:
                raise ValueError("there are no favourites yet (Images → Add to favourites)")
        elif kind == SOURCE_LIKED:
            items = list(s.liked)
            if not items:
                raise ValueError("no images are liked yet: rate some with + (thumbs up)")
        else:
            a, b = self.dir_a.currentData(), self.dir_b.currentData()
            if a is None and b is None:
                raise ValueError("choose at least one direction to vary the image along")
            items = grid_around(
                s.current, a or b, b if a else None, self.size.value(), float(self.reach.value())
            )
        return items


class BatchExportDialog(ExportDialog):
    """Export many images at once, each with its record, named by a template."""

    def __init__(
        self,
        model: ModelRef,
        resolution: int,
        sources: Sources,
        runner: JobRunner,
        reporter: ErrorReporter,
        parent: QWidget | None = None,
        *,
        folder: Path | None = None,
        kind: str = SOURCE_SEEDS,
        template: str | None = None,
    ):
        super().__init__(
            "Batch export",
            "Every image is saved with its record. Existing files are never replaced: a "
            "name that is taken gets a number, like name (2).png.",
            runner,
            reporter,
            parent,
        )
        self.model = model
        self.source = SourcePicker(sources)
        self._shared_template = template is None  # the session's: Export image uses it too
        self.template = QLineEdit(session.template if template is None else template)
        self.template.setObjectName("templateEdit")
        self.template.setToolTip(
            "File name for each image; Export image names single images the same way. "
            "Fields: " + FIELD_HELP
        )
        self.format_box = format_box()
        self.scale = scale_box(resolution)
        self.enlarge = EnlargeBox(self.scale)
        self.folder = PathField("Export to folder", folder=True)
        self.folder.set_text(str(folder or batch_folder()))
        self.example = QLabel()
        self.example.setObjectName("caption")
        self.form.addRow("Images", self.source)
        self.form.addRow("File names", self.template)
        self.form.addRow("", self.example)
        self.form.addRow("Format", self.format_box)
        self.form.addRow("Size", self.scale)
        self.form.addRow("Enlarge with", self.enlarge)
        self.form.addRow("Folder", self.folder)
        self.source.set_kind(kind)
        self.format_box.currentIndexChanged.connect(self._on_format)
        self.template.textChanged.connect(self._show_example)
        self.source.changed.connect(self._show_example)
        self._sync_format()
        self._show_example()
        self.fit_width(600)

    def _on_format(self, *_: object) -> None:
        text = self.template.text().strip()
        suffix = self.format_box.currentData()
        stem = text.rsplit(".", 1)[0] if Path(text).suffix.lower() in _SUFFIXES else text
        self.template.setText(stem + suffix)

    def _sync_format(self) -> None:
        index = self.format_box.findData(format_suffix(self.template.text()))
        if index >= 0:
            self.format_box.blockSignals(True)
            self.format_box.setCurrentIndex(index)
            self.format_box.blockSignals(False)

    def _show_example(self, *_: object) -> None:
        try:
            template = check_template(self.template.text())
            items = self.source.items()
            names = [file_name(template, self.model, it, i) for i, it in enumerate(items[:2])]
            more = f" … ({len(items):,} images)" if len(items) > 2 else ""
            self.example.setText("e.g. " + ", ".join(names) + more)
            show_error(self.example, False)
            self._sync_format()
        except ValueError as exc:
            self.example.setText(sentence(exc))
            show_error(self.example, True)

    def build_job(self):
        template = check_template(self.template.text())
        if self._shared_template:
            session.template = template
        items = self.source.items()
        folder = self.folder.text()
        if not folder:
            raise ValueError("choose a folder to export to")
        request = BatchExport(
            self.model,
            tuple(items),
            str(Path(folder).expanduser()),
            template,
            int(self.scale.currentData()),
            upscaler=self.enlarge.choice(),
        )
        return "Batch export", batch_export_job, (request,)


class ContactSheetDialog(ExportDialog):
    """Many images on one sheet: rows × columns with padding, optionally captioned (a sprite
    sheet when uncaptioned and unpadded)."""

    def __init__(
        self,
        model: ModelRef,
        resolution: int,
        sources: Sources,
        runner: JobRunner,
        reporter: ErrorReporter,
        parent: QWidget | None = None,
        *,
        folder: Path | None = None,
    ):
        super().__init__(
            "Contact sheet",
            "One image holding many: for comparing, sharing or as a sprite sheet "
            "(no padding, no captions).",
            runner,
            reporter,
            parent,
            action="Save sheet",
        )
        self.model, self.resolution = model, resolution
        self.source = SourcePicker(sources)
        self.source.set_kind(SOURCE_GRID)
        self.cols, self.rows = QSpinBox(), QSpinBox()
        self.cols.setRange(1, 64)
        self.cols.setValue(4)
        self.rows.setRange(1, 256)
        self.rows.setValue(4)
        self.rows.setToolTip("Images beyond rows × columns are left out")
        self.pad = QSpinBox()
        self.pad.setRange(0, 64)
        self.pad.setValue(4)
        self.pad.setSuffix(" px")
        self.labels = QCheckBox("Caption each image (seed or name)")
        self.scale = scale_box(resolution)
        self.enlarge = EnlargeBox(self.scale)
        self.path = PathField("Save contact sheet", name_filter="Images (*.png *.webp *.jpg)")
        self.path.set_text(str((folder or default_folder()) / f"{_stem(model.name)}-sheet.png"))
        self.size_note = QLabel()
        self.size_note.setObjectName("caption")
        grid = QHBoxLayout()
        grid.addWidget(self.rows)
        grid.addWidget(QLabel("rows  ×"))
        grid.addWidget(self.cols)
        grid.addWidget(QLabel("columns"))
        grid.addStretch(1)
        self.form.addRow("Images", self.source)
        self.form.addRow("Layout", grid)
        self.form.addRow("Padding", self.pad)
        self.form.addRow("", self.labels)
        self.form.addRow("Cell size", self.scale)
        self.form.addRow("Enlarge with", self.enlarge)
        self.form.addRow("", self.size_note)
        self.form.addRow("Save as", self.path)
        self.source.changed.connect(self._fit_rows)
        for signal in (
            self.cols.valueChanged,
            self.rows.valueChanged,
            self.pad.valueChanged,
            self.labels.toggled,
            self.scale.currentIndexChanged,
        ):
            signal.connect(self._show_size)
        self.cols.valueChanged.connect(self._fit_rows)
        self._fit_rows()
        self.fit_width(600)

    def _count(self) -> int:
        try:
            return len(self.source.items())
        except ValueError:
            return 0

    def _fit_rows(self, *_: object) -> None:
        n = self._count()
        if n:
            self.rows.setValue(max(1, math.ceil(n / self.cols.value())))
        self._show_size()

    def _show_size(self, *_: object) -> None:
        n = min(self._count(), self.rows.value() * self.cols.value())
        if not n:
            self.size_note.setText("")
            return
        cols = min(self.cols.value(), n)
        rows = math.ceil(n / cols)
        from engine.export import caption_height

        # the cells are enlarged first, then captioned at full size (contact_sheet_job)
        f = int(self.scale.currentData())
        cell, pad = self.resolution * f, self.pad.value() * f
        labels = [it.label for it in self.source.items()[:n]] if self.labels.isChecked() else None
        w = cols * (cell + pad) - pad
        h = rows * (cell + caption_height(labels, cell) + pad) - pad
        self.size_note.setText(f"{n} images · sheet {w}×{h} px")

    def build_job(self):
        items = self.source.items()[: self.rows.value() * self.cols.value()]
        path = self.path.text()
        if not path:
            raise ValueError("choose where to save the sheet")
        request = SheetExport(
            self.model,
            tuple(items),
            str(Path(path).expanduser()),
            min(self.cols.value(), len(items)),
            self.pad.value(),
            self.labels.isChecked(),
            int(self.scale.currentData()),
            self.enlarge.choice(),
        )
        return "Contact sheet", contact_sheet_job, (request,)
