"""The Train panel: fine-tune (or train from scratch) on a folder of images, from the app.

Three tabs: Setup (folder, dataset report, crop choice, model, preset, device, advanced),
Progress (numbers, preview grid, loss/aug-p/SWD plots, messages) and Snapshots (open a snapshot
in the browser, memorisation check). A footer with the progress bar and Start / Pause / Stop is
always visible, and a banner offers to resume an unfinished run.

All work happens off the UI thread: the run's state machine is a `TrainController` (it runs
`engine.training.train` as a job of gui.core.jobs); folder scans, device listing, the speed
measurement and the memorisation check run on superqt's thread pool. The panel only builds a
`TrainConfig` and shows what comes back.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QImage, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from superqt import QCollapsible
from superqt.utils import create_worker

from engine import events, runs
from engine.config import DataConfig, TrainConfig
from engine.paths import default_model_path, resources_dir
from engine.presets import PRESETS

from ..core.errors import ErrorReporter, plain_message
from ..core.jobs import JobRunner
from .controller import RunState, TrainController
from .jobs import (
    CROP_MODES,
    GuiThreadCollector,
    MemorisationResult,
    PreviewImage,
    ScanResult,
    devices_job,
    estimate_job,
    memorisation_job,
    model_info_job,
    scan_job,
)
from .state import (
    BATCHES,
    CUSTOM,
    RESOLUTIONS,
    SMALL_FOLDER,
    START_DEFAULT,
    START_FILE,
    START_SCRATCH,
    Phase,
    TrainState,
    build_config,
    default_threads,
)
from .widgets import ImageView, LinePlot, SkippedFilesModel, ThumbnailStrip

log = logging.getLogger("ganvas")

MODEL_FILTER = "Ganvas models (*.safetensors);;All files (*)"
CROP_LABELS = {"center": "Centre-crop", "pad": "Pad", "stretch": "Stretch"}
CROP_TIPS = {
    "center": "Cut the largest centred square out of each image (loses the edges of oblong images)",
    "pad": "Fit the whole image inside the square and fill the bars with the background colour",
    "stretch": "Squash each image into the square (keeps everything, distorts shapes)",
}
LOSS_LABELS = {"ns": "Non-saturating + R1", "hinge": "Hinge + R1", "wgan-gp": "WGAN-GP"}
AUGMENTS = (("color", "Colour"), ("translation", "Shift"), ("cutout", "Cutout"))
NEAR_COPY = 0.02  # RMS distance (0..1 pixels at ≤ 32 px) below which an image looks copied
ESTIMATE_DELAY_MS = 700

PANEL_QSS = """
QWidget#trainPanel QLabel[role="heading"] {
    color: #aab2bc; font-weight: 600; margin-top: 10px;
}
QWidget#trainPanel QLabel[role="muted"] { color: #8b939d; }
QWidget#trainPanel QLabel[role="value"] { color: #e6e8eb; font-size: 15px; font-weight: 600; }
QWidget#trainPanel QLabel[role="warning"] {
    color: #f0cf8a; background: #2a2619; border: 1px solid #4a4026;
    border-radius: 6px; padding: 6px 9px;
}
QWidget#trainPanel QLabel[role="error"] {
    color: #f3b3ad; background: #2c1d1d; border: 1px solid #553232;
    border-radius: 6px; padding: 6px 9px;
}
QWidget#trainPanel QFrame#resumeBanner {
    background: #1d2735; border: 1px solid #2f4660; border-radius: 6px;
}
QWidget#trainPanel QFrame#statBox {
    background: #15171b; border: 1px solid #23272e; border-radius: 6px;
}
QWidget#trainPanel QPushButton#startButton {
    background: #2d5b98; border-color: #5b9cf5; color: #ffffff;
}
QWidget#trainPanel QPushButton#startButton:hover { background: #3568ad; }
QWidget#trainPanel QPushButton#startButton:disabled {
    color: #6b727c; background: #1f2227; border-color: #2a2e35;
}
QWidget#trainPanel QTabBar { qproperty-drawBase: 0; }
QWidget#trainPanel QPushButton#smallButton { min-width: 0px; padding: 4px 10px; }
QWidget#trainPanel QPushButton:checked {
    background: #2d4462; border-color: #5b9cf5; color: #ffffff;
}
QWidget#trainPanel QPushButton:disabled {
    color: #5f6670; background: #1f2227; border-color: #2a2e35;
}
QWidget#trainPanel QProgressBar {
    background: #15171b; border: 1px solid #262a31; border-radius: 4px;
    max-height: 8px; min-height: 8px;
}
QWidget#trainPanel QProgressBar::chunk { background: #4a7fc9; border-radius: 3px; }
QWidget#trainPanel QTabWidget::pane { border: none; border-top: 1px solid #262a31; }
QWidget#trainPanel QTabBar::tab {
    background: transparent; color: #8b939d; padding: 6px 14px;
    border: none; border-bottom: 2px solid transparent;
}
QWidget#trainPanel QTabBar::tab:selected { color: #e6e8eb; border-bottom-color: #5b9cf5; }
QWidget#trainPanel QTableView, QWidget#trainPanel QListWidget {
    background: #15171b; border: 1px solid #262a31; border-radius: 5px;
    gridline-color: #23272e;
}
QWidget#trainPanel QHeaderView::section {
    background: #1f2227; color: #9aa3ad; border: none; padding: 3px 6px;
}
QWidget#trainPanel QScrollArea { border: none; background: transparent; }
QWidget#trainPanel QDoubleSpinBox { padding-right: 22px; }
QWidget#trainPanel QDoubleSpinBox::up-button, QWidget#trainPanel QDoubleSpinBox::down-button {
    subcontrol-origin: border; width: 20px; background: #23272e;
    border-left: 1px solid #323842;
}
QWidget#trainPanel QDoubleSpinBox::up-button {
    subcontrol-position: top right; border-top-right-radius: 5px;
}
QWidget#trainPanel QDoubleSpinBox::down-button {
    subcontrol-position: bottom right; border-bottom-right-radius: 5px;
    border-top: 1px solid #323842;
}
QWidget#trainPanel QDoubleSpinBox::up-button:hover,
QWidget#trainPanel QDoubleSpinBox::down-button:hover { background: #2e343d; }
QWidget#trainPanel QDoubleSpinBox::up-arrow {
    image: url(@styles/arrow-up.svg); width: 10px; height: 6px;
}
QWidget#trainPanel QDoubleSpinBox::down-arrow {
    image: url(@styles/arrow-down.svg); width: 10px; height: 6px;
}
QWidget#trainPanel QWidget#setupPage, QWidget#trainPanel QWidget#resultsPage {
    background: transparent;
}
"""


# --- small helpers -----------------------------------------------------------------------------


def format_duration(seconds: float | None) -> str:
    if seconds is None or seconds != seconds or seconds < 0:
        return "–"
    s = int(round(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s" if s < 600 else f"{round(s / 60)} min"
    return f"{s // 3600} h {(s % 3600) // 60:02d} min"


def format_ago(timestamp: float) -> str:
    return format_duration(max(time.time() - timestamp, 0)) + " ago"


def _label(text: str = "", role: str | None = None, wrap: bool = False) -> QLabel:
    label = QLabel(text)
    if role:
        label.setProperty("role", role)
    label.setWordWrap(wrap)
    return label


def _heading(text: str) -> QLabel:
    return _label(text, "heading")


def _alive(obj: QObject) -> bool:
    return shiboken6.isValid(obj)


def _set_combo_data(combo: QComboBox, value: Any) -> None:
    i = combo.findData(value)
    if i >= 0 and i != combo.currentIndex():
        combo.setCurrentIndex(i)


def bind_combo(state: QObject, name: str, combo: QComboBox) -> None:
    """Like gui.core.state.bind, for a combo box whose items carry the values as data."""
    _set_combo_data(combo, getattr(state, name))
    getattr(state, f"{name}_changed").connect(lambda v: _set_combo_data(combo, v))

    def write(index: int) -> None:
        value = combo.itemData(index)
        if value is not None:
            setattr(state, name, value)

    combo.currentIndexChanged.connect(write)


class _ScanProgress(QObject):
    """Carries scan_folder's progress callback from the pool thread to the UI thread."""

    progressed = Signal(int, int, int)  # stamp, done, total


class StatBox(QFrame):
    """A caption over one large number."""

    def __init__(self, caption: str, tooltip: str = ""):
        super().__init__()
        self.setObjectName("statBox")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(0)
        self.caption = _label(caption, "muted")
        self.value = _label("–", "value")
        layout.addWidget(self.caption)
        layout.addWidget(self.value)
        self.setToolTip(tooltip)

    def set(self, text: str) -> None:
        self.value.setText(text)


class SnapshotRow(QWidget):
    def __init__(self, path: Path, on_open: Callable[[str], None]):
        super().__init__()
        self.path = path
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 6, 4)
        step = runs.step_of(path)
        when = time.strftime("%H:%M", time.localtime(path.stat().st_mtime))
        text = f"Step {step:,}" if step is not None else path.stem
        self.label = QLabel(f"{text}  ·  saved {when}")
        self.label.setToolTip(str(path))
        self.button = QPushButton("Open in browser")
        self.button.setToolTip("Load this snapshot as the current model in the Browse view")
        self.button.clicked.connect(lambda: on_open(str(path)))
        layout.addWidget(self.label, 1)
        layout.addWidget(self.button)


# --- the panel ---------------------------------------------------------------------------------


class TrainPanel(QWidget):
    """Set up, run, watch and resume training runs. Emits `open_model_requested(path)` when
    a snapshot should become the browser's model."""

    open_model_requested = Signal(str)
    event_received = Signal(object)  # every engine event, after the panel has shown it
    scan_finished = Signal(object)  # ScanResult
    runs_refreshed = Signal(list)  # unfinished RunInfo list
    run_finished = Signal(str)  # "done" | "stopped" | "failed"
    memorisation_finished = Signal(object)  # MemorisationResult

    def __init__(
        self,
        reporter: ErrorReporter | None = None,
        parent: QWidget | None = None,
        *,
        default_model: Path | None = None,
        measure_speed: bool = True,
        train_fn: Callable | None = None,
        jobs: JobRunner | None = None,
    ):
        super().__init__(parent)
        self.setObjectName("trainPanel")
        styles = (resources_dir() / "styles").resolve().as_posix()
        self.setStyleSheet(PANEL_QSS.replace("@styles/", styles + "/"))
        self.reporter = reporter or ErrorReporter(self)
        self.state = TrainState(self)
        self.default_model = default_model if default_model is not None else default_model_path()
        self.measure_speed = measure_speed
        self.config_overrides: dict[str, Any] = {}  # applied last (tests shrink the network)
        self.controller = TrainController(jobs or JobRunner(self), train_fn, self)

        self.scan: ScanResult | None = None
        self.unfinished: list[runs.RunInfo] = []
        self._scan_stamp = 0
        self._scan_key: tuple | None = None  # (folder, DataConfig) of the scan shown or running
        self._pending_start: TrainConfig | None = None
        self._after_stop: list[Callable[[], None]] = []
        self._auto_output = True
        self._dismissed: set[str] = set()
        self._devices_loaded = False
        self._estimate_key: tuple | None = None
        self._estimating = False
        self._base_resolution: int | None = None
        self._scan_progress = _ScanProgress(self)
        self._scan_progress.progressed.connect(self._on_scan_progress)

        self._estimate_timer = QTimer(self)
        self._estimate_timer.setSingleShot(True)
        self._estimate_timer.setInterval(ESTIMATE_DELAY_MS)
        self._estimate_timer.timeout.connect(self._measure_speed)
        self._scan_timer = QTimer(self)
        self._scan_timer.setSingleShot(True)
        self._scan_timer.setInterval(250)
        self._scan_timer.timeout.connect(self._scan_if_needed)

        self._build()
        self._connect_state()
        self._connect_controller()
        if self.default_model.is_file():
            self.state.start_from = START_DEFAULT
        self._on_start_from(self.state.start_from)
        self._update_controls()
        QTimer.singleShot(0, self.refresh_runs)

    # ============================================================ construction

    def _build(self) -> None:
        self.banner = self._build_banner()
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.setup_page = self._build_setup()
        self.progress_page = self._build_progress()
        self.results_page = self._build_results()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.setup_page)
        self.tabs.addTab(scroll, "Setup")
        self.tabs.addTab(self.progress_page, "Progress")
        results_scroll = QScrollArea()
        results_scroll.setWidgetResizable(True)
        results_scroll.setWidget(self.results_page)
        self.tabs.addTab(results_scroll, "Snapshots")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 10)
        layout.setSpacing(8)
        layout.addWidget(self.banner)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self._build_footer())

    def _build_banner(self) -> QFrame:
        banner = QFrame()
        banner.setObjectName("resumeBanner")
        layout = QGridLayout(banner)
        layout.setContentsMargins(10, 8, 10, 8)
        self.banner_label = _label("", wrap=True)
        self.banner_runs = QComboBox()
        self.banner_runs.setToolTip("Unfinished runs, most recent first")
        self.banner_runs.currentIndexChanged.connect(self._show_banner_run)
        self.resume_button = QPushButton("Resume")
        self.resume_button.setToolTip("Continue this run from its last checkpoint")
        self.resume_button.clicked.connect(self._resume_selected)
        self.dismiss_button = QPushButton("Not now")
        self.dismiss_button.setToolTip("Hide this offer until the next start of Ganvas")
        self.dismiss_button.clicked.connect(self._dismiss_banner)
        layout.addWidget(self.banner_label, 0, 0, 1, 3)
        layout.addWidget(self.banner_runs, 1, 0)
        layout.addWidget(self.dismiss_button, 1, 1)
        layout.addWidget(self.resume_button, 1, 2)
        layout.setColumnStretch(0, 1)
        banner.hide()
        return banner

    def _build_setup(self) -> QWidget:
        page = QWidget()
        page.setObjectName("setupPage")
        v = QVBoxLayout(page)
        v.setContentsMargins(2, 4, 6, 8)
        v.setSpacing(6)

        # images
        v.addWidget(_heading("Images"))
        row = QHBoxLayout()
        self.folder_label = _label("No folder chosen", "muted")
        self.folder_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.folder_button = QPushButton("Choose folder…")
        self.folder_button.setToolTip("Pick the folder of images to train on (or drop it here)")
        self.folder_button.clicked.connect(self.choose_folder)
        row.addWidget(self.folder_label, 1)
        row.addWidget(self.folder_button)
        v.addLayout(row)
        self.report_label = _label(
            "Choose a folder of images, or drop one on the window. Subfolders are included; "
            "files that cannot be used are listed with the reason.",
            "muted",
            wrap=True,
        )
        v.addWidget(self.report_label)
        self.thumbs = ThumbnailStrip(cell=40, rows=2)
        self.thumbs.setToolTip("The first images as training will see them")
        self.thumbs.hide()
        v.addWidget(self.thumbs)
        self.warning_label = _label("", "warning", wrap=True)
        self.warning_label.hide()
        v.addWidget(self.warning_label)
        self.skipped_label = _label("", "muted")
        self.skipped_label.hide()
        v.addWidget(self.skipped_label)
        self.skipped_model = SkippedFilesModel(self)
        self.skipped_table = QTableView()
        self.skipped_table.setModel(self.skipped_model)
        self.skipped_table.setSortingEnabled(True)
        self.skipped_table.verticalHeader().hide()
        self.skipped_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.skipped_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.skipped_table.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.Stretch
        )
        self.skipped_table.horizontalHeader().setSectionResizeMode(
            1, QHeaderView.ResizeMode.Stretch
        )
        self.skipped_table.verticalHeader().setDefaultSectionSize(22)
        self.skipped_table.hide()
        v.addWidget(self.skipped_table)

        # crop
        self.crop_section = QWidget()
        crop_v = QVBoxLayout(self.crop_section)
        crop_v.setContentsMargins(0, 0, 0, 0)
        crop_v.setSpacing(4)
        crop_v.addWidget(_heading("Fit to square"))
        v.addWidget(self.crop_section)
        self.crop_group = QButtonGroup(self)
        self.crop_buttons: dict[str, QRadioButton] = {}
        self.crop_strips: dict[str, ThumbnailStrip] = {}
        crop_grid = QGridLayout()
        crop_grid.setHorizontalSpacing(10)
        crop_grid.setVerticalSpacing(4)
        for i, mode in enumerate(CROP_MODES):
            button = QRadioButton(CROP_LABELS[mode])
            button.setToolTip(CROP_TIPS[mode])
            button.setMinimumWidth(104)
            self.crop_group.addButton(button, i)
            self.crop_buttons[mode] = button
            strip = ThumbnailStrip(cell=44, rows=1)
            strip.setToolTip(CROP_TIPS[mode])
            self.crop_strips[mode] = strip
            crop_grid.addWidget(button, i, 0)
            crop_grid.addWidget(strip, i, 1)
            button.toggled.connect(lambda on, m=mode: on and setattr(self.state, "crop", m))
        crop_grid.setColumnStretch(1, 1)
        crop_v.addLayout(crop_grid)
        self.crop_section.hide()  # shown with the previews once a folder has been read

        # model
        v.addWidget(_heading("Model"))
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.start_combo = QComboBox()
        self.start_combo.addItem("Bundled model (fine-tune)", START_DEFAULT)
        self.start_combo.addItem("Model file… (fine-tune)", START_FILE)
        self.start_combo.addItem("From scratch", START_SCRATCH)
        self.start_combo.setToolTip(
            "Fine-tuning starts from a trained model and needs far fewer images and steps; "
            "from scratch learns everything from your folder"
        )
        if not self.default_model.is_file():
            item = self.start_combo.model().item(0)
            item.setEnabled(False)
            item.setText("Bundled model (not installed)")
        form.addRow("Start from", self.start_combo)
        self.base_label = _label("", "muted", wrap=True)
        self.base_label.hide()
        form.addRow("", self.base_label)
        self.resolution_combo = QComboBox()
        for r in RESOLUTIONS:
            self.resolution_combo.addItem(f"{r} × {r} px", r)
        self.resolution_combo.setToolTip("Size of the images the model makes")
        form.addRow("Resolution", self.resolution_combo)

        preset_row = QHBoxLayout()
        preset_row.setSpacing(6)
        self.preset_group = QButtonGroup(self)
        self.preset_buttons: dict[str, QPushButton] = {}
        for key, preset in PRESETS.items():
            button = QPushButton(preset.label)
            button.setCheckable(True)
            button.setToolTip(preset.description)
            self.preset_group.addButton(button)
            self.preset_buttons[key] = button
            preset_row.addWidget(button)
            button.clicked.connect(lambda _=False, k=key: self._choose_preset(k))
        self.preset_group.setExclusive(False)  # "custom" unchecks all
        form.addRow("Preset", preset_row)
        self.preset_label = _label("", "muted", wrap=True)
        form.addRow("", self.preset_label)

        self.device_combo = QComboBox()
        self.device_combo.addItem("Automatic (best available)", "auto")
        self.device_combo.setToolTip("Where training runs; a GPU is many times faster")
        form.addRow("Device", self.device_combo)
        self.estimate_label = _label("", "muted", wrap=True)
        self.estimate_label.setToolTip(
            "Measured: a few real training steps with this setup on random pixels"
        )
        form.addRow("", self.estimate_label)

        out_row = QHBoxLayout()
        self.output_edit = QLineEdit()
        self.output_edit.setToolTip("The run folder: checkpoints, snapshots, previews, logs")
        self.output_edit.textEdited.connect(self._on_output_edited)
        self.output_button = QPushButton("Change…")
        self.output_button.setObjectName("smallButton")
        self.output_button.setToolTip("Choose the run folder")
        self.output_button.clicked.connect(self.choose_output)
        out_row.addWidget(self.output_edit, 1)
        out_row.addWidget(self.output_button)
        form.addRow("Save to", out_row)
        v.addLayout(form)

        self.advanced = QCollapsible("Advanced")
        self.advanced.setContentsMargins(0, 0, 0, 0)
        self.advanced.addWidget(self._build_advanced())
        v.addWidget(self.advanced)
        v.addStretch(1)
        return page

    def _build_advanced(self) -> QWidget:
        box = QWidget()
        form = QFormLayout(box)
        form.setContentsMargins(4, 2, 0, 2)
        self.kimg_spin = QDoubleSpinBox()
        self.kimg_spin.setRange(0.01, 100_000)
        self.kimg_spin.setDecimals(2)
        self.kimg_spin.setSuffix(" kimg")
        self.kimg_spin.setToolTip("Training length: thousands of real images shown")
        form.addRow("Length", self.kimg_spin)
        self.batch_combo = QComboBox()
        for b in BATCHES:
            self.batch_combo.addItem(str(b), b)
        self.batch_combo.setToolTip("Images per step; halved automatically if the GPU runs out")
        form.addRow("Batch", self.batch_combo)
        self.loss_combo = QComboBox()
        for key, text in LOSS_LABELS.items():
            self.loss_combo.addItem(text, key)
        form.addRow("Loss", self.loss_combo)
        aug_row = QHBoxLayout()
        self.augment_checks: dict[str, QCheckBox] = {}
        for key, text in AUGMENTS:
            check = QCheckBox(text)
            check.toggled.connect(self._on_augment_checked)
            self.augment_checks[key] = check
            aug_row.addWidget(check)
        aug_row.addStretch(1)
        form.addRow("Augment", aug_row)
        self.ada_spin = QDoubleSpinBox()
        self.ada_spin.setRange(0.1, 0.95)
        self.ada_spin.setSingleStep(0.05)
        self.ada_spin.setToolTip(
            "Adaptive augmentation target: higher means more augmentation when D overfits"
        )
        form.addRow("ADA target", self.ada_spin)
        self.lr_spin = QDoubleSpinBox()
        self.lr_spin.setDecimals(4)
        self.lr_spin.setRange(0.0001, 0.05)
        self.lr_spin.setSingleStep(0.0005)
        form.addRow("Learning rate", self.lr_spin)
        self.mirror_check = QCheckBox("Mirror images left–right")
        form.addRow("", self.mirror_check)
        self.freeze_spin = QSpinBox()
        self.freeze_spin.setRange(0, 8)
        self.freeze_spin.setToolTip(
            "Fine-tuning only: keep this many discriminator blocks (nearest the image) frozen"
        )
        form.addRow("Frozen D blocks", self.freeze_spin)
        self.variety_spin = QDoubleSpinBox()
        self.variety_spin.setRange(0, 10000)
        self.variety_spin.setDecimals(0)
        self.variety_spin.setSingleStep(100)
        self.variety_spin.setToolTip(
            "Fine-tuning only: how strongly the new model keeps the variety of the model it "
            "starts from (0 = off). Without it a fine-tune on a small folder tends to draw the "
            "same picture for every seed"
        )
        form.addRow("Keep variety", self.variety_spin)
        self.ema_spin = QDoubleSpinBox()
        self.ema_spin.setRange(0.01, 100)
        self.ema_spin.setSuffix(" kimg")
        self.ema_spin.setToolTip("Half-life of the averaged generator that makes the previews")
        form.addRow("EMA half-life", self.ema_spin)
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 2**31 - 1)
        form.addRow("Seed", self.seed_spin)
        return box

    def _build_progress(self) -> QWidget:
        page = QWidget()
        v = QVBoxLayout(page)
        v.setContentsMargins(2, 8, 2, 4)
        v.setSpacing(8)
        stats = QHBoxLayout()
        stats.setSpacing(6)
        self.step_box = StatBox("Step", "Optimisation steps done")
        self.kimg_box = StatBox("kimg", "Thousands of real images shown, of the total")
        self.rate_box = StatBox("img/s", "Training speed")
        self.eta_box = StatBox("Time left", "Estimated from the recent speed")
        for box in (self.step_box, self.kimg_box, self.rate_box, self.eta_box):
            stats.addWidget(box, 1)
        v.addLayout(stats)
        self.notice_label = _label("", "warning", wrap=True)
        self.notice_label.hide()
        v.addWidget(self.notice_label)
        self.preview = ImageView("The preview grid appears here once training starts.")
        self.preview.setToolTip("Fixed seeds from the averaged (EMA) generator")
        v.addWidget(self.preview, 1)
        self.loss_plot = LinePlot("Losses")
        self.loss_plot.add_series("G", "blue")
        self.loss_plot.add_series("D", "orange")
        v.addWidget(self.loss_plot)
        row = QHBoxLayout()
        row.setSpacing(6)
        self.aug_plot = LinePlot("Augment p", y_range=(0.0, 1.0))
        self.aug_plot.add_series("p", "green")
        self.swd_plot = LinePlot("SWD ×1000 (lower is closer)")
        self.swd_plot.add_series("SWD", "violet", markers=True)
        self.swd_plot.placeholder = "Measured every tenth of the run"
        row.addWidget(self.aug_plot)
        row.addWidget(self.swd_plot)
        v.addLayout(row)
        return page

    def _build_results(self) -> QWidget:
        page = QWidget()
        page.setObjectName("resultsPage")
        v = QVBoxLayout(page)
        v.setContentsMargins(2, 4, 6, 8)
        v.setSpacing(6)
        v.addWidget(_heading("Snapshots"))
        self.snapshots_hint = _label("Snapshots of the run appear here as it trains.", "muted")
        v.addWidget(self.snapshots_hint)
        self.snapshot_list = QListWidget()
        self.snapshot_list.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.snapshot_list.setMinimumHeight(120)
        self.snapshot_list.setMaximumHeight(220)
        v.addWidget(self.snapshot_list)

        v.addWidget(_heading("Memorisation check"))
        v.addWidget(
            _label(
                "Four generated images beside their nearest training images. A distance "
                "near 0 means the model reproduces that training image.",
                "muted",
                wrap=True,
            )
        )
        row = QHBoxLayout()
        self.memo_button = QPushButton("Check latest snapshot")
        self.memo_button.clicked.connect(self.check_memorisation)
        row.addWidget(self.memo_button)
        row.addStretch(1)
        v.addLayout(row)
        self.memo_verdict = _label("", wrap=True)
        self.memo_verdict.hide()
        v.addWidget(self.memo_verdict)
        self.memo_grid = QGridLayout()
        self.memo_grid.setHorizontalSpacing(8)
        self.memo_grid.setVerticalSpacing(2)
        v.addLayout(self.memo_grid)
        v.addStretch(1)
        return page

    def _build_footer(self) -> QWidget:
        footer = QWidget()
        v = QVBoxLayout(footer)
        v.setContentsMargins(0, 0, 0, 0)
        v.setSpacing(6)
        self.status_label = _label("", "muted", wrap=True)
        v.addWidget(self.status_label)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setTextVisible(False)
        v.addWidget(self.progress_bar)
        row = QHBoxLayout()
        self.pause_button = QPushButton("Pause")
        self.pause_button.setToolTip("Pause after the current step; Resume continues")
        self.pause_button.clicked.connect(self.toggle_pause)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop after the current step and save a checkpoint")
        self.stop_button.clicked.connect(self.stop)
        self.start_button = QPushButton("Start training")
        self.start_button.setObjectName("startButton")
        self.start_button.clicked.connect(self.start)
        row.addWidget(self.pause_button)
        row.addWidget(self.stop_button)
        row.addStretch(1)
        row.addWidget(self.start_button)
        v.addLayout(row)
        return footer

    def _connect_state(self) -> None:
        from ..core.state import bind

        s = self.state
        bind_combo(s, "resolution", self.resolution_combo)
        bind_combo(s, "start_from", self.start_combo)
        bind_combo(s, "device", self.device_combo)
        bind_combo(s, "batch", self.batch_combo)
        bind_combo(s, "loss", self.loss_combo)
        bind(s, "kimg", self.kimg_spin)
        bind(s, "ada_target", self.ada_spin)
        bind(s, "lr", self.lr_spin)
        bind(s, "ema_kimg", self.ema_spin)
        bind(s, "seed", self.seed_spin)
        bind(s, "freeze_d", self.freeze_spin)
        bind(s, "keep_variety", self.variety_spin)
        bind(s, "mirror", self.mirror_check, "setChecked", "toggled")
        self._show_crop(s.crop)
        self._show_augment(s.augment)
        self._show_preset(s.preset)
        s.crop_changed.connect(self._show_crop)
        s.augment_changed.connect(self._show_augment)
        s.preset_changed.connect(self._show_preset)
        s.folder_changed.connect(self._on_folder)
        s.output_dir_changed.connect(self._show_output)
        s.start_from_changed.connect(self._on_start_from)
        s.phase_changed.connect(self._update_controls)
        s.seconds_per_kimg_changed.connect(self._show_estimate)
        s.kimg_changed.connect(self._show_estimate)
        for name in ("resolution", "crop"):
            getattr(s, f"{name}_changed").connect(lambda *_: self._scan_timer.start())
        for name in ("resolution", "batch", "loss", "augment", "device", "start_from", "base_file"):
            getattr(s, f"{name}_changed").connect(self._request_estimate)

    def _connect_controller(self) -> None:
        c = self.controller
        c.state_changed.connect(self._on_run_state)
        c.status.connect(self._set_status)
        c.event.connect(self._on_event)
        c.finished.connect(self._on_outcome)

    @property
    def train_fn(self) -> Callable | None:
        return self.controller.train_fn

    @train_fn.setter
    def train_fn(self, fn: Callable | None) -> None:
        self.controller.train_fn = fn

    @property
    def run_dir(self) -> Path | None:
        return self.controller.run_dir

    # ============================================================ state → widgets

    def _show_crop(self, mode: str) -> None:
        self.crop_buttons[mode].setChecked(True)
        for m, strip in self.crop_strips.items():
            strip.set_highlight(m == mode)

    def _show_augment(self, augment: str) -> None:
        chosen = set(filter(None, augment.split(",")))
        for key, check in self.augment_checks.items():
            check.blockSignals(True)
            check.setChecked(key in chosen)
            check.blockSignals(False)
        self.ada_spin.setEnabled(bool(chosen))

    def _on_augment_checked(self) -> None:
        keys = [k for k, _ in AUGMENTS if self.augment_checks[k].isChecked()]
        self.state.augment = ",".join(keys)

    def _show_preset(self, key: str) -> None:
        for k, button in self.preset_buttons.items():
            button.setChecked(k == key)
        if key == CUSTOM:
            self.preset_label.setText("Custom settings (see Advanced).")
        else:
            self.preset_label.setText(PRESETS[key].description)
        self._show_estimate()

    def _choose_preset(self, key: str) -> None:
        self.state.preset = key
        self._show_preset(self.state.preset)  # clicking the checked button must not uncheck it

    def _show_output(self, path: str) -> None:
        if self.output_edit.text() != path:
            self.output_edit.setText(path)

    def _on_output_edited(self, text: str) -> None:
        self._auto_output = False
        self.state.output_dir = text.strip()

    def _set_status(self, text: str) -> None:
        self.status_label.setText(text)

    def _update_controls(self, *_: object) -> None:
        phase = self.state.phase
        busy = phase.busy
        self.setup_page.setEnabled(not busy)
        self.start_button.setEnabled(phase is Phase.READY)
        self.pause_button.setEnabled(phase in (Phase.TRAINING, Phase.PAUSED, Phase.STARTING))
        self.pause_button.setText("Resume" if phase in (Phase.PAUSED, Phase.PAUSING) else "Pause")
        self.stop_button.setEnabled(
            phase in (Phase.STARTING, Phase.TRAINING, Phase.PAUSING, Phase.PAUSED)
        )
        self.resume_button.setEnabled(not busy and phase is not Phase.SCANNING)
        self.memo_button.setEnabled(self._latest_snapshot() is not None)
        if busy:
            self.banner.hide()
        else:
            self._show_banner()
        tips = {
            Phase.IDLE: "Choose a folder of images first",
            Phase.SCANNING: "Wait until the folder has been read",
            Phase.UNUSABLE: "The folder has no usable images",
        }
        self.start_button.setToolTip(tips.get(phase, "Start a new training run"))
        if phase is Phase.IDLE:
            self._set_status("Choose a folder of images to train on, or drop one on the window.")

    # ============================================================ folder and scanning

    def choose_folder(self) -> None:
        start = self.state.folder or str(Path.home())
        folder = QFileDialog.getExistingDirectory(self, "Folder of training images", start)
        if folder:
            self.set_folder(folder)

    def set_folder(self, folder: Path | str) -> None:
        """Use `folder` for the next run (a drop on the window lands here)."""
        if self.state.phase.busy:
            self._set_status("Training is running; stop it before choosing another folder.")
            return
        self.tabs.setCurrentIndex(0)
        folder = str(Path(folder).absolute())
        if folder == self.state.folder:
            self._scan_if_needed(force=True)
        self.state.folder = folder

    def _on_folder(self, folder: str) -> None:
        self.folder_label.setText(folder or "No folder chosen")
        self.folder_label.setToolTip(folder)
        if folder and self._auto_output:
            self.state.output_dir = str(runs.new_run_dir(Path(folder).name))
        self._scan_if_needed()

    def _data_config(self) -> DataConfig:
        return DataConfig(resolution=self.state.resolution, crop=self.state.crop)

    def _scan_if_needed(self, force: bool = False) -> None:
        folder = self.state.folder
        if not folder or self.state.phase.busy:
            return
        key = (folder, self._data_config())
        if key == self._scan_key and not force:
            return
        self._scan_key = key
        self._scan_stamp += 1
        stamp = self._scan_stamp
        self.state.phase = Phase.SCANNING
        self._set_status(f"Reading images in {Path(folder).name}…")
        last = [0.0]

        def progress(done: int, total: int) -> None:
            now = time.monotonic()
            if now - last[0] > 0.1 or done == total:
                last[0] = now
                self._scan_progress.progressed.emit(stamp, done, total)

        self._run_job(
            scan_job,
            (folder, key[1].to_dict()),
            {"progress": progress},
            lambda result: self._on_scanned(stamp, result),
            lambda exc: self._on_scan_failed(stamp, exc),
        )

    def _on_scan_progress(self, stamp: int, done: int, total: int) -> None:
        if stamp == self._scan_stamp and self.state.phase is Phase.SCANNING:
            self._set_status(f"Reading images… {done:,} of {total:,} files")
            self.progress_bar.setValue(int(1000 * done / max(total, 1)))

    def _on_scan_failed(self, stamp: int, exc: BaseException) -> None:
        if stamp != self._scan_stamp:
            return
        self.state.phase = Phase.UNUSABLE
        self._pending_start = None
        self._show_error_report(plain_message(exc))

    def _on_scanned(self, stamp: int, result: ScanResult) -> None:
        if stamp != self._scan_stamp:
            return  # the folder or its settings changed while this scan ran
        self.scan = result
        self.progress_bar.setValue(0)
        self._show_report(result)
        self.state.phase = Phase.READY if result.dataset is not None else Phase.UNUSABLE
        self.scan_finished.emit(result)
        if self._pending_start is not None:
            cfg, self._pending_start = self._pending_start, None
            if result.dataset is not None:
                self._launch(cfg, resumed=True)
            else:
                self._set_status(f"Cannot resume: {result.error}")
        self._request_estimate()

    def _show_error_report(self, message: str) -> None:
        self.report_label.setProperty("role", "error")
        self.report_label.setText(message)
        self._repolish(self.report_label)
        self.thumbs.hide()
        self._set_status("This folder cannot be used for training. " + message)

    @staticmethod
    def _repolish(widget: QWidget) -> None:
        widget.style().unpolish(widget)
        widget.style().polish(widget)

    def _show_report(self, result: ScanResult) -> None:
        report = result.report
        skipped = (
            [(e.path, e.reason or "") for e in report.files if e.status == "skipped"]
            if report
            else []
        )
        self.skipped_model.set_rows(skipped)
        self.skipped_label.setText(
            f"{len(skipped):,} file{'s' if len(skipped) != 1 else ''} skipped:"
        )
        self.skipped_label.setVisible(bool(skipped))
        self.skipped_table.setVisible(bool(skipped))
        rows = min(len(skipped), 6)  # as tall as its rows, up to six; it scrolls beyond
        header = self.skipped_table.horizontalHeader().sizeHint().height()
        row_h = self.skipped_table.verticalHeader().defaultSectionSize()
        self.skipped_table.setFixedHeight(header + rows * row_h + 4)
        if result.dataset is None:
            self._show_error_report(result.error)
            self.warning_label.hide()
            self.crop_section.hide()
            return
        self.report_label.setProperty("role", "muted")
        self._repolish(self.report_label)
        n = report.accepted
        size = report.cache_bytes / 2**20
        text = f"{n:,} image{'s' if n != 1 else ''} ready"
        if skipped:
            text += f" · {len(skipped):,} skipped"
        text += f" · {size:.1f} MB in memory at {self.state.resolution} px"
        self.report_label.setText(text)
        self.thumbs.set_images(result.thumbnails, n)
        self.thumbs.show()
        warnings = []
        if n < SMALL_FOLDER:
            warnings.append(
                f"Only {n} image{'s' if n != 1 else ''}: the model will probably memorise them "
                f"rather than learn their style. {SMALL_FOLDER}+ images work much better; "
                "fine-tuning a model helps with few images."
            )
        if report.aspect_warning:
            warnings.append(
                "The images have mixed shapes (many are not square). Choose below how they "
                "are fitted to a square."
            )
        self.warning_label.setText("\n\n".join(warnings))
        self.warning_label.setVisible(bool(warnings))
        for mode, strip in self.crop_strips.items():
            strip.set_images(result.crop_previews.get(mode, []))
            strip.setToolTip(CROP_TIPS[mode] + "\n" + ", ".join(result.crop_names))
        self.crop_section.show()
        self._set_status(f"Ready: {n:,} images. Press Start training when the settings suit you.")

    # ============================================================ model choice, devices, speed

    def _on_start_from(self, value: str) -> None:
        self._base_resolution = None
        self.resolution_combo.setEnabled(True)
        self.resolution_combo.setToolTip("Size of the images the model makes")
        if value == START_FILE and not self.state.base_file:
            path, _ = QFileDialog.getOpenFileName(self, "Model to fine-tune", "", MODEL_FILTER)
            if not path:
                self.state.start_from = (
                    START_DEFAULT if self.default_model.is_file() else START_SCRATCH
                )
                return
            self.state.base_file = path
        base = {START_DEFAULT: str(self.default_model), START_FILE: self.state.base_file}
        path = base.get(value)
        self.freeze_spin.setEnabled(path is not None)
        self.variety_spin.setEnabled(path is not None)
        if path is None:
            self.base_label.hide()
            self.state.freeze_d = 0
            return
        if self.state.freeze_d == 0:
            self.state.freeze_d = 1
        self.base_label.setText(f"{Path(path).name}")
        self.base_label.setToolTip(path)
        self.base_label.show()
        self._run_job(
            model_info_job,
            (path,),
            {},
            lambda info: self._on_model_info(path, info),
            lambda exc: self._on_model_info_failed(path, exc),
        )

    def _base_path(self) -> str | None:
        if self.state.start_from == START_DEFAULT:
            return str(self.default_model)
        if self.state.start_from == START_FILE:
            return self.state.base_file or None
        return None

    def _on_model_info(self, path: str, info: dict) -> None:
        if path != self._base_path():
            return
        res = info["resolution"]
        self._base_resolution = res
        if res in RESOLUTIONS:
            self.state.resolution = res
        self.resolution_combo.setEnabled(False)
        self.resolution_combo.setToolTip("Fixed by the model you fine-tune")
        kind = "RGBA" if info["channels"] == 4 else "RGB"
        self.base_label.setText(f"{Path(path).name} · {res} px {kind}")

    def _on_model_info_failed(self, path: str, exc: BaseException) -> None:
        if path == self._base_path():
            self.base_label.setText(f"Cannot use {Path(path).name}: {plain_message(exc)}")

    def _load_devices(self) -> None:
        if self._devices_loaded:
            return
        self._devices_loaded = True
        self._run_job(devices_job, (), {}, self._on_devices, lambda exc: None)

    def _on_devices(self, devices: list[dict]) -> None:
        current = self.state.device
        self.device_combo.blockSignals(True)
        self.device_combo.clear()
        for i, d in enumerate(devices):
            label = d["label"] + ("  (recommended)" if i == 0 else "")
            self.device_combo.addItem(label, d["id"])
        self.device_combo.blockSignals(False)
        ids = [d["id"] for d in devices]
        self.state.device = current if current in ids else ids[0]
        _set_combo_data(self.device_combo, self.state.device)
        self._request_estimate()

    def _estimate_inputs(self) -> tuple:
        s = self.state
        return (s.device, s.resolution, s.batch, s.loss, s.augment, self._base_path())

    def _request_estimate(self, *_: object) -> None:
        if not self.measure_speed or not self.state.folder or self.state.phase.busy:
            return
        if not self.isVisible():
            return  # measured when the panel is shown
        if self._estimate_inputs() != self._estimate_key:
            self._estimate_timer.start()

    def _measure_speed(self) -> None:
        if self._estimating:
            self._estimate_timer.start()  # one measurement at a time; try again shortly
            return
        if self.state.phase.busy:
            return
        key = self._estimate_inputs()
        if key == self._estimate_key:
            return
        self._estimate_key = key
        self._estimating = True
        self.state.seconds_per_kimg = None
        cfg = build_config(self.state, self.default_model, self.config_overrides)
        self.estimate_label.setText(f"Measuring the speed on {self.device_combo.currentText()}…")

        def done(value: float | None, error: str = "") -> None:
            self._estimating = False
            if key != self._estimate_inputs():
                self._estimate_key = None
                self._request_estimate()
                return
            if error:
                self.estimate_label.setText(f"Speed not measured: {error}")
            self.state.seconds_per_kimg = value
            self._show_estimate()

        self._run_job(
            estimate_job,
            (cfg,),
            {},
            lambda v: done(v),
            lambda exc: done(None, plain_message(exc)),
        )

    def _show_estimate(self, *_: object) -> None:
        spk = self.state.seconds_per_kimg
        if spk is None:
            if not self._estimating and not self.estimate_label.text().startswith("Speed not"):
                self.estimate_label.setText("")
            return
        total = spk * self.state.kimg
        self.estimate_label.setText(
            f"About {format_duration(spk)} per kimg here (measured) · "
            f"{format_duration(total)} for {self.state.kimg:g} kimg"
        )

    # ============================================================ starting, pausing, stopping

    def choose_output(self) -> None:
        start = self.state.output_dir or str(runs.runs_dir())
        folder = QFileDialog.getExistingDirectory(self, "Run folder", start)
        if folder:
            self._auto_output = False
            self.state.output_dir = folder

    def start(self) -> bool:
        """Start a new run with the current settings; False (and a reason shown) if it cannot."""
        phase = self.state.phase
        if phase is not Phase.READY or self.scan is None or self.scan.dataset is None:
            reasons = {
                Phase.IDLE: "Choose a folder of images first.",
                Phase.SCANNING: "The folder is still being read.",
                Phase.UNUSABLE: "This folder has no usable images; see the list above.",
            }
            self._set_status(reasons.get(phase, "Training is already running."))
            return False
        out = self.state.output_dir
        name = Path(self.state.folder).name
        if not out:
            self._auto_output = True
            self.state.output_dir = str(runs.new_run_dir(name))
        elif (Path(out) / runs.CHECKPOINT).exists():
            # a new run never continues another one: pick a fresh folder beside it
            root = runs.runs_dir() if self._auto_output else Path(out).parent
            self.state.output_dir = str(runs.new_run_dir(name, root))
        cfg = build_config(self.state, self.default_model, self.config_overrides)
        self._reset_monitor()
        self._launch(cfg, resumed=False)
        return True

    def resume_run(self, info: runs.RunInfo) -> None:
        """Continue an unfinished run: same curves, same settings, this panel's device."""
        if self.state.phase.busy:
            return
        cfg = TrainConfig.from_dict(info.config)
        cfg.run_dir = str(info.path)
        cfg.threads = default_threads()
        if self._devices_loaded and self.state.device != "auto":
            cfg.device = self.state.device
        elif cfg.device not in ("auto", "cpu"):
            cfg.device = "auto"  # the device it ran on may not exist here
        cfg = self._apply_overrides(cfg)
        self._reset_monitor()
        self._load_history(info)
        self._pending_start = cfg
        self._show_config(cfg)  # may start the scan already (a new folder)
        self.banner.hide()
        self.tabs.setCurrentWidget(self.progress_page)
        key = (self.state.folder, self._data_config())
        if self.state.phase is Phase.SCANNING and self._scan_key == key:
            self._set_status(f"Reading images to resume {info.name}…")
        elif self.state.phase is Phase.READY and self._scan_key == key:
            self._pending_start = None
            self._launch(cfg, resumed=True)
        else:
            self._set_status(f"Reading images to resume {info.name}…")
            self._scan_if_needed(force=True)

    def _apply_overrides(self, cfg: TrainConfig) -> TrainConfig:
        for name, value in self.config_overrides.items():
            if name not in ("data", "model", "kimg", "batch"):
                setattr(cfg, name, value)
        return cfg

    def _show_config(self, cfg: TrainConfig) -> None:
        """Show a stored run's settings in the widgets (they are disabled while it runs)."""
        s = self.state
        self._auto_output = False
        s.output_dir = cfg.run_dir
        if cfg.data.resolution in RESOLUTIONS:
            s.resolution = cfg.data.resolution
        s.crop = cfg.data.crop
        for name in ("kimg", "batch", "loss", "augment", "mirror", "ema_kimg", "seed"):
            setattr(s, name, getattr(cfg, name))
        s.lr = cfg.lr_g
        if cfg.ada_target is not None:
            s.ada_target = cfg.ada_target
        s.folder = cfg.data_dir

    def _launch(self, cfg: TrainConfig, resumed: bool) -> None:
        self.tabs.setCurrentWidget(self.progress_page)
        self.controller.start(cfg, self._scanned_dataset(cfg), resumed)

    def _scanned_dataset(self, cfg: TrainConfig):
        """The dataset already decoded for cfg's folder and data settings, if there is one."""
        scan = self.scan
        if scan is None or scan.dataset is None:
            return None
        same = (scan.folder, DataConfig.from_dict(scan.data))
        return scan.dataset if same == (str(Path(cfg.data_dir).absolute()), cfg.data) else None

    def toggle_pause(self) -> None:
        self.controller.toggle_pause()

    def pause(self) -> None:
        self.controller.pause()

    def resume(self) -> None:
        self.controller.resume()

    def stop(self) -> None:
        self.controller.stop()

    def _on_run_state(self, run: RunState) -> None:
        """The panel's phase follows the run; after it, the folder decides."""
        phases = {
            RunState.PREPARING: Phase.STARTING,
            RunState.RUNNING: Phase.TRAINING,
            RunState.PAUSING: Phase.PAUSING,
            RunState.PAUSED: Phase.PAUSED,
            RunState.STOPPING: Phase.STOPPING,
        }
        ready = self.scan is not None and self.scan.dataset is not None
        self.state.phase = phases.get(run, Phase.READY if ready else Phase.IDLE)

    def _on_outcome(self, kind: str, message: str, details: str) -> None:
        if kind == "done":
            self.progress_bar.setValue(1000)
        self._refresh_snapshots()
        self.run_finished.emit(kind)
        if kind == "failed":
            self.reporter.report("Training stopped", message, details, parent=self)
        self.refresh_runs()
        callbacks, self._after_stop = self._after_stop, []
        for callback in callbacks:
            callback()

    # ============================================================ events from training

    def _reset_monitor(self) -> None:
        for plot in (self.loss_plot, self.aug_plot, self.swd_plot):
            plot.clear()
        self.preview.set_message("The preview grid appears here once training starts.")
        for box in (self.step_box, self.kimg_box, self.rate_box, self.eta_box):
            box.set("–")
        self.controller.reset()
        self.notice_label.hide()
        self.progress_bar.setValue(0)
        self.snapshot_list.clear()
        self._clear_memorisation()

    def _on_event(self, ev: object) -> None:
        if isinstance(ev, events.Progress):
            self._show_progress(ev)
        elif isinstance(ev, PreviewImage):
            self.preview.set_image(ev.qimage, f"Step {ev.step:,} · fixed seeds")
        elif isinstance(ev, events.Metric):
            if ev.swd_mean is not None:
                self.swd_plot.append("SWD", ev.kimg, ev.swd_mean)
        elif isinstance(ev, events.Snapshot):
            self._add_snapshot(Path(ev.path))
        elif isinstance(ev, events.Message):
            self._show_messages()
        self.event_received.emit(ev)

    def _show_progress(self, ev: events.Progress) -> None:
        total = self.controller.total_kimg
        self.step_box.set(f"{ev.step:,}")
        self.kimg_box.set(f"{ev.kimg:g} / {total:g}")
        self.rate_box.set(f"{ev.img_per_s:.0f}" if ev.img_per_s >= 10 else f"{ev.img_per_s:.1f}")
        self.eta_box.set(format_duration(ev.eta_s))
        self.progress_bar.setValue(int(1000 * min(ev.kimg / total, 1.0)))
        self._plot_progress(ev)

    def _plot_progress(self, record: events.Progress) -> None:
        x = record.kimg
        if record.loss_G is not None:
            self.loss_plot.append("G", x, record.loss_G)
        if record.loss_D is not None:
            self.loss_plot.append("D", x, record.loss_D)
        if record.aug_p is not None:
            self.aug_plot.append("p", x, record.aug_p)

    def _show_messages(self) -> None:
        messages = self.controller.messages
        self.notice_label.setText("\n".join(messages[-3:]))
        self.notice_label.setToolTip("\n".join(messages))
        self.notice_label.show()

    def _load_history(self, info: runs.RunInfo) -> None:
        """Fill the plots, preview and snapshots from what the run wrote before."""
        for record in self.controller.load_history(info):
            if isinstance(record, events.Progress):
                self._plot_progress(record)
            elif isinstance(record, events.Metric) and record.swd_mean is not None:
                self.swd_plot.append("SWD", record.kimg, record.swd_mean)
        if self.controller.messages:
            self.notice_label.setText("\n".join(self.controller.messages[-3:]))
            self.notice_label.show()
        preview = runs.latest_preview(info.path)
        if preview is not None:
            image = QImage(str(preview))
            step = runs.step_of(preview)
            self.preview.set_image(image, f"Step {step:,} · fixed seeds (before resuming)")
        self.step_box.set(f"{info.step:,}")
        self.kimg_box.set(f"{info.kimg:g} / {info.total_kimg:g}")
        self.progress_bar.setValue(int(1000 * min(info.kimg / max(info.total_kimg, 1e-9), 1)))
        self._refresh_snapshots()

    # ============================================================ snapshots, memorisation

    def _add_snapshot(self, path: Path) -> None:
        for i in range(self.snapshot_list.count()):
            if self.snapshot_list.item(i).data(Qt.ItemDataRole.UserRole) == str(path):
                return
        if not path.is_file():
            return
        row = SnapshotRow(path, self.open_model_requested.emit)
        item = QListWidgetItem()
        item.setData(Qt.ItemDataRole.UserRole, str(path))
        item.setSizeHint(row.sizeHint())
        self.snapshot_list.insertItem(0, item)  # newest first
        self.snapshot_list.setItemWidget(item, row)
        self.snapshots_hint.setText(f"Run: {path.parent.parent.name}")
        self.memo_button.setEnabled(True)

    def _refresh_snapshots(self) -> None:
        if self.run_dir is None:
            return
        for path in runs.snapshots(self.run_dir):
            self._add_snapshot(path)

    def snapshot_paths(self) -> list[str]:
        return [
            self.snapshot_list.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(self.snapshot_list.count())
        ]

    def _latest_snapshot(self) -> str | None:
        paths = self.snapshot_paths()
        return max(paths, key=lambda p: runs.step_of(p) or 0) if paths else None

    def open_snapshot(self, path: str) -> None:
        self.open_model_requested.emit(path)

    def check_memorisation(self) -> None:
        snapshot = self._latest_snapshot()
        if snapshot is None or self.run_dir is None:
            return
        cfg = self._run_config()
        if cfg is None:
            return
        dataset = self._scanned_dataset(cfg)
        self.memo_button.setEnabled(False)
        self.memo_verdict.setText("Comparing generated images with the training images…")
        self.memo_verdict.setProperty("role", "muted")
        self._repolish(self.memo_verdict)
        self.memo_verdict.show()
        self._run_job(
            memorisation_job,
            (snapshot, cfg.data_dir, cfg.data.to_dict(), dataset),
            {},
            self._on_memorisation,
            self._on_memorisation_failed,
        )

    def _run_config(self) -> TrainConfig | None:
        import json

        try:
            data = json.loads((self.run_dir / "run.json").read_text(encoding="utf-8"))
            return TrainConfig.from_dict(data["config"])
        except (OSError, ValueError, KeyError) as exc:
            self.memo_verdict.setText(f"Cannot read this run's settings: {exc}")
            self.memo_verdict.show()
            return None

    def _clear_memorisation(self) -> None:
        while self.memo_grid.count():
            item = self.memo_grid.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        self.memo_verdict.hide()

    def _on_memorisation_failed(self, exc: BaseException) -> None:
        self.memo_button.setEnabled(True)
        self.memo_verdict.setText(f"The check failed: {plain_message(exc)}")

    def _on_memorisation(self, result: MemorisationResult) -> None:
        self._clear_memorisation()
        self.memo_button.setEnabled(True)
        px = 72
        for col, text in enumerate(("Generated", "Nearest training images")):
            self.memo_grid.addWidget(
                _label(text, "muted"), 0, 0 if col == 0 else 1, 1, 1 if col == 0 else 3
            )
        closest = min((n[0].distance for n in result.neighbours), default=None)
        for row, (image, neighbours) in enumerate(zip(result.generated, result.neighbours)):
            self.memo_grid.addWidget(
                self._thumb(image, px, f"Generated (seed {row})"), 2 * row + 1, 0
            )
            for col, nb in enumerate(neighbours):
                self.memo_grid.addWidget(self._thumb(nb.image, px, nb.name), 2 * row + 1, col + 1)
                caption = _label(f"{nb.distance:.3f}", "muted")
                caption.setAlignment(Qt.AlignmentFlag.AlignHCenter)
                caption.setToolTip(f"{nb.name}: RMS pixel distance {nb.distance:.4f}")
                self.memo_grid.addWidget(caption, 2 * row + 2, col + 1)
        if closest is not None and closest < NEAR_COPY:
            self.memo_verdict.setProperty("role", "warning")
            self.memo_verdict.setText(
                f"At least one generated image is nearly identical to a training image "
                f"(distance {closest:.3f}): the model may be memorising. More images, more "
                "augmentation or a shorter run help."
            )
        elif closest is not None:
            self.memo_verdict.setProperty("role", "muted")
            self.memo_verdict.setText(
                f"No near-copies: the closest pair is {closest:.3f} apart (below {NEAR_COPY} "
                f"would suggest copying). Snapshot: {Path(result.snapshot).name}."
            )
        self._repolish(self.memo_verdict)
        self.memo_verdict.show()
        self.memorisation_finished.emit(result)

    @staticmethod
    def _thumb(image: QImage, px: int, tip: str) -> QLabel:
        from PySide6.QtGui import QPixmap

        label = QLabel()
        mode = (
            Qt.TransformationMode.FastTransformation
            if image.width() * 2 <= px
            else Qt.TransformationMode.SmoothTransformation
        )
        label.setPixmap(
            QPixmap.fromImage(image.scaled(px, px, Qt.AspectRatioMode.KeepAspectRatio, mode))
        )
        label.setToolTip(tip)
        label.setFixedSize(px, px)
        return label

    # ============================================================ unfinished runs

    def refresh_runs(self) -> None:
        """Look for unfinished runs in the background; the banner offers the newest."""
        if not _alive(self):
            return
        self._run_job(runs.unfinished_runs, (), {}, self._on_runs, lambda exc: None)

    def _on_runs(self, found: list[runs.RunInfo]) -> None:
        self.unfinished = found
        self._show_banner()
        self.runs_refreshed.emit(found)

    def _offered_runs(self) -> list[runs.RunInfo]:
        current = str(self.run_dir) if self.state.phase.busy and self.run_dir else None
        return [
            r
            for r in self.unfinished
            if str(r.path) not in self._dismissed and str(r.path) != current
        ]

    def _show_banner(self) -> None:
        offered = self._offered_runs()
        if not offered or self.state.phase.busy:
            self.banner.hide()
            return
        self.banner_runs.blockSignals(True)
        self.banner_runs.clear()
        for r in offered:
            self.banner_runs.addItem(f"{r.name} · {r.kimg:g} of {r.total_kimg:g} kimg", str(r.path))
        self.banner_runs.blockSignals(False)
        self.banner_runs.setVisible(len(offered) > 1)
        self._show_banner_run(0)
        self.banner.show()

    def _show_banner_run(self, index: int) -> None:
        offered = self._offered_runs()
        if not 0 <= index < len(offered):
            return
        r = offered[index]
        many = f" ({len(offered)} unfinished runs)" if len(offered) > 1 else ""
        self.banner_label.setText(
            f"Unfinished run <b>{r.name}</b>{many}: step {r.step:,}, {r.kimg:g} of "
            f"{r.total_kimg:g} kimg, saved {format_ago(r.modified)}."
        )

    def _selected_run(self) -> runs.RunInfo | None:
        offered = self._offered_runs()
        i = self.banner_runs.currentIndex() if len(offered) > 1 else 0
        return offered[i] if 0 <= i < len(offered) else None

    def _resume_selected(self) -> None:
        run = self._selected_run()
        if run is not None:
            self.resume_run(run)

    def _dismiss_banner(self) -> None:
        for r in self._offered_runs():
            self._dismissed.add(str(r.path))
        self.banner.hide()

    # ============================================================ closing

    def close_ok(self, then: Callable[[], None]) -> bool:
        """True when nothing is training. Otherwise ask "stop and save?"; on yes, stop and
        call `then` once the checkpoint is written. Returns False until then."""
        if not self.state.phase.busy:
            return True
        if self.state.phase is not Phase.STOPPING:
            answer = QMessageBox.question(
                self,
                "Ganvas",
                "Training is running — stop and save?\n\nThe run stops after the current step "
                "and saves a checkpoint; you can resume it next time.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Yes,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return False
            self.stop()
        self._after_stop.append(then)
        return False

    def shutdown(self, timeout_ms: int = 60_000) -> None:
        """Stop any run and wait for its checkpoint (tests and last-resort cleanup)."""
        self.controller.shutdown(timeout_ms)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._load_devices()
        self._request_estimate()

    # ============================================================ jobs

    def _run_job(
        self,
        fn: Callable,
        args: tuple,
        kwargs: dict,
        on_done: Callable[[Any], None],
        on_error: Callable[[BaseException], None],
    ) -> None:
        """Run fn(*args, **kwargs) on the thread pool; the callbacks run on the UI thread
        unless the panel has been deleted meanwhile."""

        collector = GuiThreadCollector.instance()
        if collector is not None:
            collector.hold()

        def done(value: Any) -> None:
            if collector is not None:
                collector.release()
            if _alive(self):
                on_done(value)

        def failed(exc: BaseException) -> None:
            if collector is not None:
                collector.release()
            log.info("background job %s failed: %s", fn.__name__, exc)
            if _alive(self):
                on_error(exc)

        create_worker(
            fn, *args, _start_thread=True, _connect={"returned": done, "errored": failed}, **kwargs
        )
