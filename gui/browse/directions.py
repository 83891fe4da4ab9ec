"""Directions: sliders that move the current image along principal directions of w (GANSpace),
each on a layer range, plus directions the user named and saved.

The principal directions are computed (or read from their cache) in the background by
`DirectionsLoader`, a job (gui.core.jobs) around engine.directions.iter_directions.
A slider's unit (its "strength") is one standard deviation of w along its direction, and it
stops at ±MAX_STRENGTH: the PCA samples hardly reach further, so the picture breaks up there.
Saved directions can be renamed and deleted, added from two pictures or from the likes, and
exported to / loaded from a JSON file; the browser does the work behind those requests.

Under each main direction a strip of three small pictures shows what it does to the current
picture: pushed STRIP_STRENGTH one way, not at all, and the other way. The browser renders them
on the render thread's "directions" channel after a pause in the changes (the latest request
wins), and clicking one sets the slider there.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject, QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMenu,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid
from superqt import QLabeledDoubleSlider

from engine.directions import (
    DEFAULT_COMPONENTS,
    DEFAULT_SAMPLES,
    MAX_STRENGTH,
    NamedDirection,
    clamp_strength,
)
from engine.latent import Edit, Latent

from ..core.jobs import Job, JobRunner
from ..core.latents import edits_with

log = logging.getLogger("ganvas")

AMOUNT_RANGE = MAX_STRENGTH  # slider range, in standard deviations either way
STRIP_STRENGTH = 2.0  # the strip's pictures: this far either way, and 0
STRIP_VALUES = (-STRIP_STRENGTH, 0.0, STRIP_STRENGTH)
STRIP_PX = 40  # each picture of the strip, square
RANGE_WHY = (
    f"It stops at ±{MAX_STRENGTH:g}: the model has hardly ever made pictures further out, "
    "so they would break up."
)


def _directions_job(path: str, sha256: str, k: int, samples: int):
    from engine.directions import iter_directions  # torch is imported here, on the worker

    return (yield from iter_directions(path, k, samples, sha256=sha256))


class DirectionsLoader(QObject):
    """Computes or reads a model's principal directions on a background thread."""

    progress = Signal(int, int)  # samples drawn, samples wanted
    loaded = Signal(str, object, bool)  # model sha256, engine.directions.Directions, cached
    failed = Signal(str, str)  # plain message, traceback

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        k: int = DEFAULT_COMPONENTS,
        samples: int = DEFAULT_SAMPLES,
    ):
        super().__init__(parent)
        self.k, self.samples = k, samples
        self.runner = JobRunner(self, threads=1)  # one model's directions at a time
        self._job: Job | None = None
        self.sha256: str | None = None  # the model whose directions are wanted

    def start(self, path: Path | str, sha256: str) -> None:
        if self._job is not None:
            self._job.cancel()  # the previous model's: stops at its next step
        self.sha256 = sha256
        job = self.runner.start(
            "Find directions", _directions_job, str(path), sha256, self.k, self.samples
        )
        job.progress.connect(lambda event, sha=sha256: self._on_event(sha, event))
        job.failed.connect(lambda msg, det, sha=sha256: self._on_error(sha, msg, det))
        self._job = job

    def shutdown(self, timeout_ms: int = 10_000) -> None:
        self.sha256 = None  # no model is wanted any more: results still queued are dropped
        self._job = None
        self.runner.shutdown(timeout_ms)

    def _on_event(self, sha256: str, event: dict) -> None:
        # The worker's queued results can outlive this object (the lambdas hold only the
        # Python wrapper): drop them once it is gone, or once its model is no longer open.
        if not isValid(self) or sha256 != self.sha256:
            return
        if "directions" in event:
            self.loaded.emit(sha256, event["directions"], bool(event.get("cached")))
        else:
            self.progress.emit(int(event["step"]), int(event["total"]))

    def _on_error(self, sha256: str, message: str, details: str) -> None:
        if isValid(self) and sha256 == self.sha256:
            self.failed.emit(message, details)


class DirectionStrip(QWidget):
    """Three small pictures: the current picture moved along one direction by each of
    STRIP_VALUES; a click asks for that strength."""

    chosen = Signal(float)  # strength

    def __init__(self, name: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("directionStrip")
        self.buttons: list[QToolButton] = []
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(4)
        for value in STRIP_VALUES:
            button = QToolButton()
            button.setObjectName("stripButton")
            button.setIconSize(QSize(STRIP_PX, STRIP_PX))
            button.setFixedSize(STRIP_PX + 6, STRIP_PX + 6)
            button.setAutoRaise(True)
            what = "as it is along it" if value == 0 else f"pushed to {value:+g}"
            button.setToolTip(
                f"The current picture with {name} {what}: click to set the slider to {value:+g}"
            )
            button.clicked.connect(lambda _=False, v=value: self.chosen.emit(v))
            row.addWidget(button)
            self.buttons.append(button)
        caption = QLabel(f"{-STRIP_STRENGTH:g}   ·   0   ·   {STRIP_STRENGTH:+g}")
        caption.setObjectName("panelHint")
        caption.setToolTip("What the strip shows: this direction pushed back, none, forward")
        row.addWidget(caption)
        row.addStretch(1)
        self.images: list[QImage | None] = [None] * len(STRIP_VALUES)

    def set_images(self, images: list[QImage]) -> None:
        self.images = list(images)
        for button, image in zip(self.buttons, images, strict=True):
            button.setIcon(QIcon(QPixmap.fromImage(image)))

    @property
    def filled(self) -> bool:
        return all(image is not None for image in self.images)


class DirectionRow(QObject):
    """One direction's widgets (a row of the panel's grid): name, amount, layer range."""

    changed = Signal(object, float, int, int, bool)  # row, value σ, start, end, dragging
    gesture_finished = Signal()
    save_requested = Signal(object)  # row
    remove_requested = Signal(object)  # row
    rename_requested = Signal(object)  # row

    def __init__(
        self, direction: NamedDirection, num_ws: int, *, saved: bool, explained: float | None = None
    ):
        super().__init__()
        self.direction, self.saved = direction, saved
        self.name = QLabel(direction.name)
        self.name.setObjectName("directionName")
        if saved:
            self.name.setToolTip(f"Your direction {direction.name}")
        else:
            share = f", {explained:.1%} of how they differ" if explained is not None else ""
            self.name.setToolTip(
                f"{direction.name}: one of the main ways this model's pictures differ{share} "
                "(principal component of w, GANSpace). Save it under a name that says what it "
                "does."
            )

        self.slider = QLabeledDoubleSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName(f"direction_{direction.name}")
        self.slider.setRange(-AMOUNT_RANGE, AMOUNT_RANGE)
        self.slider.setDecimals(2)
        self.slider.setSingleStep(0.05)
        self.slider.setPageStep(0.5)
        self.slider.setValue(0.0)
        self.slider.setMinimumWidth(120)
        self.slider.setToolTip(
            f"Strength of {direction.name}: 0 leaves the picture as it is, 1 is a typical "
            f"change (one standard deviation, σ, of w). {RANGE_WHY} Drag, or use the arrow keys."
        )
        end = num_ws - 1 if direction.end is None else min(direction.end, num_ws - 1)
        self.start = self._layer_box(
            min(direction.start, num_ws - 1),
            num_ws,
            "First layer it moves (0 = coarsest: pose and shape)",
        )
        self.end = self._layer_box(
            end, num_ws, "Last layer it moves (higher = finer: colour, texture)"
        )

        self.button = QToolButton()
        self.button.setObjectName("rowButton")
        if saved:
            self.button.setText("Edit")
            self.button.setToolTip(f"Rename or delete {direction.name}")
            self.button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
            menu = QMenu(self.button)
            menu.addAction("Rename…", lambda: self.rename_requested.emit(self))
            menu.addAction("Delete", lambda: self.remove_requested.emit(self))
            self.button.setMenu(menu)
        else:
            self.button.setText("Save…")
            self.button.setToolTip(
                f"Save {direction.name} with this layer range under a name of your own"
            )
            self.button.clicked.connect(lambda: self.save_requested.emit(self))

        self.strip = None if saved else DirectionStrip(direction.name)
        if self.strip is not None:
            self.strip.chosen.connect(self._choose)

        self.slider.valueChanged.connect(self._emit)
        self.slider.sliderReleased.connect(self.gesture_finished)
        self.start.valueChanged.connect(self._on_range)
        self.end.valueChanged.connect(self._on_range)

    @staticmethod
    def _layer_box(value: int, num_ws: int, tip: str) -> QSpinBox:
        box = QSpinBox()
        box.setObjectName("layerBox")
        box.setRange(0, num_ws - 1)
        box.setValue(value)
        box.setAlignment(Qt.AlignmentFlag.AlignCenter)
        box.setFixedWidth(46)
        box.setToolTip(tip)
        return box

    def widgets(self) -> list[QWidget]:
        return [self.name, self.slider, self.start, self.end, self.button]

    def _choose(self, value: float) -> None:
        self.slider.setValue(value)  # emits the change, as a drag would
        self.gesture_finished.emit()

    @property
    def value(self) -> float:
        return float(self.slider.value())

    def layer_range(self) -> tuple[int, int]:
        return self.start.value(), self.end.value()

    def _on_range(self, *_: object) -> None:
        if self.start.value() > self.end.value():  # keep start ≤ end
            sender = self.start if self.sender() is self.start else self.end
            other = self.end if sender is self.start else self.start
            other.blockSignals(True)
            other.setValue(sender.value())
            other.blockSignals(False)
        if self.value:
            self.gesture_finished.emit()
            self._emit()

    def _emit(self, *_: object) -> None:
        start, end = self.layer_range()
        self.changed.emit(self, self.value, start, end, self.slider.isSliderDown())

    def show_edit(self, edit: Edit | None, num_ws: int) -> None:
        """Reflect the current image's edit for this direction (without emitting)."""
        value = 0.0 if edit is None else clamp_strength(edit.amount / (self.direction.std or 1.0))
        for w in (self.slider, self.start, self.end):
            w.blockSignals(True)
        if abs(self.slider.value() - value) > 1e-6:
            self.slider.setValue(value)
        if edit is not None:
            self.start.setValue(edit.start)
            self.end.setValue(num_ws - 1 if edit.end is None else edit.end)
        for w in (self.slider, self.start, self.end):
            w.blockSignals(False)


class DirectionsPanel(QWidget):
    """The Directions dock's contents."""

    edit_changed = Signal(object, float, int, int, bool)  # NamedDirection, σ, start, end, drag
    gesture_finished = Signal()
    save_requested = Signal(object, int, int)  # NamedDirection, start, end
    remove_requested = Signal(str)  # name
    rename_requested = Signal(str)  # name
    reset_requested = Signal()
    add_between_requested = Signal()  # from two pictures
    add_likes_requested = Signal()  # from what the likes learned
    load_requested = Signal()
    export_requested = Signal()
    strips_wanted = Signal()  # the rows were made anew: their strips need pictures

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("directionsPanel")
        self.num_ws = 1
        self.rows: list[DirectionRow] = []
        self.principal: list[NamedDirection] = []
        self.explained: list[float] = []
        self.saved: list[NamedDirection] = []
        self.cached: bool | None = None  # how the principal directions were obtained

        self.status = QLabel("Open a model to explore its directions.")
        self.status.setObjectName("panelHint")
        self.status.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress.setFixedHeight(4)
        self.progress.hide()

        self.rows_widget = QWidget()
        self.rows_widget.setObjectName("directionRows")
        rows_layout = QVBoxLayout(self.rows_widget)
        rows_layout.setContentsMargins(0, 0, 4, 0)
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(6)
        self.grid.setVerticalSpacing(8)
        self.grid.setColumnStretch(1, 1)
        rows_layout.addLayout(self.grid)
        rows_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setObjectName("directionsScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(self.rows_widget)
        scroll.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

        self.reset_button = QPushButton("Reset all")
        self.reset_button.setToolTip("Set every direction back to 0 (Ctrl+0)")
        self.reset_button.clicked.connect(self.reset_requested)
        self.add_button = QPushButton("Your directions")
        self.add_button.setObjectName("addDirectionButton")
        self.add_button.setToolTip("Add a direction of your own, or load and export them")
        menu = QMenu(self.add_button)
        self.add_between_action = menu.addAction("Add from two pictures…")
        self.add_between_action.setToolTip(
            "From the current picture to a selected favourite (or between two selected "
            "favourites): strength 1 goes the whole way"
        )
        self.add_between_action.triggered.connect(self.add_between_requested)
        self.add_likes_action = menu.addAction("Add from your likes")
        self.add_likes_action.setToolTip("The direction Ganvas learned from your likes")
        self.add_likes_action.triggered.connect(self.add_likes_requested)
        menu.addSeparator()
        self.load_action = menu.addAction("Load…", self.load_requested)
        self.export_action = menu.addAction("Export…", self.export_requested)
        menu.setToolTipsVisible(True)
        self.add_button.setMenu(menu)
        footer = QHBoxLayout()
        unit = QLabel("Strength 1 = a typical change")
        unit.setObjectName("panelHint")
        unit.setToolTip("One standard deviation (σ) of w along the direction. " + RANGE_WHY)
        footer.addWidget(unit, 1)
        footer.addWidget(self.add_button)
        footer.addWidget(self.reset_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(8)
        layout.addWidget(self.status)
        layout.addWidget(self.progress)
        layout.addWidget(scroll, 1)
        layout.addLayout(footer)
        self._rebuild()

    # --- content ----------------------------------------------------------------------------

    def clear(self, message: str) -> None:
        self.principal, self.explained, self.saved, self.cached = [], [], [], None
        self.status.setText(message)
        self.status.setToolTip("")
        self.progress.hide()
        self._rebuild()

    def show_progress(self, step: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(step)
        self.progress.show()
        self.status.setText(f"Finding the main directions… {step:,} of {total:,} samples")

    def set_principal(self, directions, num_ws: int, cached: bool) -> None:
        """engine.directions.Directions → one slider per component (PC1, PC2, …)."""
        self.num_ws, self.cached = num_ws, cached
        self.principal = [
            NamedDirection(f"PC{i + 1}", vec, std)
            for i, (vec, std) in enumerate(zip(directions.vectors, directions.stds, strict=True))
        ]
        self.explained = list(directions.explained)
        total = sum(self.explained)
        self.progress.hide()
        self.status.setText(
            f"{len(self.principal)} main directions: the ways this model's pictures differ "
            f"most ({total:.0%} of all the difference)"
        )
        self.status.setToolTip(
            f"Principal components of w (GANSpace) from {directions.samples:,} samples, "
            f"explaining {total:.0%} of its variance" + (" · read from the cache" if cached else "")
        )
        self._rebuild()

    def set_saved(self, saved: list[NamedDirection], num_ws: int | None = None) -> None:
        self.saved = list(saved)
        if num_ws is not None:
            self.num_ws = num_ws
        self._rebuild()

    def _rebuild(self) -> None:
        for row in self.rows:
            for w in [*row.widgets(), *([row.strip] if row.strip is not None else [])]:
                self.grid.removeWidget(w)
                w.deleteLater()
            row.deleteLater()
        while self.grid.count():
            item = self.grid.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.rows = []
        line = 0
        if self.principal or self.saved:
            for col, text in enumerate(["", "Strength", "From", "To"]):
                head = QLabel(text)
                head.setObjectName("columnHead")
                align = Qt.AlignmentFlag.AlignCenter if col >= 2 else Qt.AlignmentFlag.AlignLeft
                self.grid.addWidget(head, line, col, alignment=align)
            line += 1
        for i, d in enumerate(self.principal):
            line = self._add_row(
                DirectionRow(d, self.num_ws, saved=False, explained=self.explained[i]), line
            )
        if self.saved:
            head = QLabel("Your directions")
            head.setObjectName("sectionHead")
            self.grid.addWidget(head, line, 0, 1, 5)
            line += 1
            for d in self.saved:
                line = self._add_row(DirectionRow(d, self.num_ws, saved=True), line)
        self.reset_button.setEnabled(bool(self.rows))
        if self.principal:
            self.strips_wanted.emit()

    def _add_row(self, row: DirectionRow, line: int) -> int:
        for col, w in enumerate(row.widgets()):
            self.grid.addWidget(w, line, col)
        if row.strip is not None:  # under the slider and the layer range
            line += 1
            self.grid.addWidget(row.strip, line, 1, 1, 4)
            for box in (row.start, row.end):  # the strip moves those layers only
                box.valueChanged.connect(lambda *_: self.strips_wanted.emit())
        row.changed.connect(self._on_row_changed)
        row.gesture_finished.connect(self.gesture_finished)
        row.save_requested.connect(
            lambda r: self.save_requested.emit(r.direction, *r.layer_range())
        )
        row.remove_requested.connect(lambda r: self.remove_requested.emit(r.direction.name))
        row.rename_requested.connect(lambda r: self.rename_requested.emit(r.direction.name))
        self.rows.append(row)
        return line + 1

    def _on_row_changed(
        self, row: DirectionRow, value: float, start: int, end: int, dragging: bool
    ) -> None:
        self.edit_changed.emit(row.direction, value, start, end, dragging)

    def strip_rows(self) -> list[DirectionRow]:
        """The rows with a strip: the main directions (PC1, PC2, …), in order."""
        return [r for r in self.rows if r.strip is not None]

    def strip_latents(self, latent: Latent) -> list[Latent]:
        """What the strips show for `latent`: per main direction, on its row's layer range,
        each of STRIP_VALUES (three per row, rows in order)."""
        out = []
        for row in self.strip_rows():
            start, end = row.layer_range()
            for value in STRIP_VALUES:
                edits = edits_with(latent, row.direction, value, start, end)
                out.append(latent.replace(edits=edits))
        return out

    def show_strips(self, latents: tuple[Latent, ...], images: list[QImage]) -> bool:
        """Put rendered strip pictures in place; False (nothing shown) when they were made
        for other rows than the panel has now."""
        rows = self.strip_rows()
        n = len(STRIP_VALUES)
        if len(images) != n * len(rows):
            return False
        for i, row in enumerate(rows):
            row.strip.set_images(images[i * n : (i + 1) * n])
        return True

    def row(self, name: str) -> DirectionRow:
        return next(r for r in self.rows if r.direction.name == name)

    def show_latent(self, latent: Latent) -> None:
        """Make every slider show the current image's edit along its direction."""
        edits = {e.name: e for e in latent.edits}
        for row in self.rows:
            row.show_edit(edits.get(row.direction.name), self.num_ws)
