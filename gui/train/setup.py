"""The Train panel's Setup page: folder report, crop choice, model, preset, device, advanced.

Its widgets show and edit the panel's `TrainState` (they hold no truth of their own); the panel
drives scans, the speed estimate and runs, and tells this page what to show.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from superqt import QCollapsible

from engine.config import FINE_TUNE_FREEZE_D
from engine.presets import PRESETS

from ..core.models import MODEL_FILTER
from ..core.state import bind
from ..widgets.style import repolish
from .common import bind_combo, heading, label, set_combo_data
from .jobs import CROP_MODES, ScanResult, bundled_bases_job, model_info_job
from .state import (
    BATCHES,
    CUSTOM,
    RESOLUTIONS,
    SMALL_FOLDER,
    START_BUNDLED,
    START_DEFAULT,
    START_FILE,
    START_SCRATCH,
    TrainState,
    base_model,
)
from .widgets import SkippedFilesModel, ThumbnailStrip

CROP_LABELS = {"center": "Centre-crop", "pad": "Pad", "stretch": "Stretch"}
CROP_TIPS = {
    "center": "Cut the largest centred square out of each image (loses the edges of oblong images)",
    "pad": "Fit the whole image inside the square and fill the bars with the background colour",
    "stretch": "Squash each image into the square (keeps everything, distorts shapes)",
}
# plain names; the loss each one is goes in LOSS_TIPS
LOSS_LABELS = {"ns": "Steady (recommended)", "hinge": "Quick", "wgan-gp": "Gentle, slower"}
LOSS_TIPS = {
    "ns": "Non-saturating loss with R1 penalty: the StyleGAN default",
    "hinge": "Hinge loss with R1 penalty: settles fast on short runs",
    "wgan-gp": "WGAN-GP: Wasserstein loss with gradient penalty; stable but slower to learn",
}
AUGMENTS = (("color", "Colour"), ("translation", "Shift"), ("cutout", "Cutout"))

RunJob = Callable[..., None]  # TrainPanel.run_job


class SetupPage(QWidget):
    """What the next run trains on and how; `folder_button` and `output_button` are the
    panel's to connect (choosing a folder starts a scan)."""

    def __init__(
        self, state: TrainState, default_model: Path, run_job: RunJob, parent: QWidget | None = None
    ):
        super().__init__(parent)
        self.setObjectName("setupPage")
        self.state = state
        self.default_model = default_model
        self.run_job = run_job
        self.auto_output = True  # the run folder follows the image folder until edited
        self.base_resolution: int | None = None
        self.base_reason = ""  # why the automatic choice is the model it is, in plain words
        self._build()
        self._connect_state()
        self.run_job(bundled_bases_job, (), {}, self._add_bundled_bases, lambda message: None)

    def _build(self) -> None:
        v = QVBoxLayout(self)
        v.setContentsMargins(2, 4, 6, 8)
        v.setSpacing(6)

        # images
        v.addWidget(heading("Images"))
        row = QHBoxLayout()
        self.folder_label = label("No folder chosen", "muted")
        self.folder_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.folder_button = QPushButton("Choose folder…")
        self.folder_button.setToolTip("Pick the folder of images to train on (or drop it here)")
        row.addWidget(self.folder_label, 1)
        row.addWidget(self.folder_button)
        v.addLayout(row)
        self.report_label = label(
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
        self.warning_label = label("", "warning", wrap=True)
        self.warning_label.hide()
        v.addWidget(self.warning_label)
        self.skipped_label = label("", "muted")
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
        crop_v.addWidget(heading("Fit to square"))
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
        v.addWidget(heading("Model"))
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.start_combo = QComboBox()
        self.start_combo.addItem("Bundled model closest to your images (fine-tune)", START_DEFAULT)
        self.start_combo.addItem("Model file… (fine-tune)", START_FILE)
        self.start_combo.addItem("From scratch", START_SCRATCH)
        self.start_combo.setToolTip(
            "Fine-tuning starts from a trained model and needs far fewer images and steps; "
            "from scratch learns everything from your folder. Ganvas picks the bundled model "
            "whose pictures are closest to yours; pick another one here to override it"
        )
        if not self.default_model.is_file():
            item = self.start_combo.model().item(0)
            item.setEnabled(False)
            item.setText("Bundled model (not installed)")
        form.addRow("Start from", self.start_combo)
        self.base_label = label("", "muted", wrap=True)
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
        self.preset_label = label("", "muted", wrap=True)
        form.addRow("", self.preset_label)

        self.device_combo = QComboBox()
        self.device_combo.addItem("Automatic (best available)", "auto")
        self.device_combo.setToolTip("Where training runs; a GPU is many times faster")
        form.addRow("Device", self.device_combo)
        self.estimate_label = label("", "muted", wrap=True)
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
        out_row.addWidget(self.output_edit, 1)
        out_row.addWidget(self.output_button)
        form.addRow("Save to", out_row)
        v.addLayout(form)
        # below the model's settings: what to start from, the preset and the device are the
        # choices that matter most, and they stay above the fold at 1440×900
        v.addWidget(self.crop_section)

        self.advanced = QCollapsible("Advanced")
        self.advanced.setContentsMargins(0, 0, 0, 0)
        self.advanced.addWidget(self._build_advanced())
        v.addWidget(self.advanced)
        v.addStretch(1)

    def _build_advanced(self) -> QWidget:
        box = QWidget()
        form = QFormLayout(box)
        form.setContentsMargins(4, 2, 0, 2)
        self.kimg_spin = QDoubleSpinBox()
        self.kimg_spin.setRange(0.01, 100_000)
        self.kimg_spin.setDecimals(2)
        self.kimg_spin.setSuffix(" thousand images")
        self.kimg_spin.setToolTip(
            "Training length: how many of your images (counting repeats) the model looks at "
            "before it stops (kimg)"
        )
        form.addRow("Length", self.kimg_spin)
        self.batch_combo = QComboBox()
        for b in BATCHES:
            self.batch_combo.addItem(str(b), b)
        self.batch_combo.setToolTip(
            "Batch size: images per training step; halved automatically if the GPU runs out "
            "of memory"
        )
        form.addRow("Images per step", self.batch_combo)
        self.loss_combo = QComboBox()
        for key, text in LOSS_LABELS.items():
            self.loss_combo.addItem(text, key)
            self.loss_combo.setItemData(
                self.loss_combo.count() - 1, LOSS_TIPS[key], Qt.ItemDataRole.ToolTipRole
            )
        self.loss_combo.setToolTip(
            "How the model is scored while it learns (the loss): " + "; ".join(LOSS_TIPS.values())
        )
        form.addRow("Learning rule", self.loss_combo)
        aug_row = QHBoxLayout()
        self.augment_checks: dict[str, QCheckBox] = {}
        for key, text in AUGMENTS:
            check = QCheckBox(text)
            check.toggled.connect(self._on_augment_checked)
            self.augment_checks[key] = check
            aug_row.addWidget(check)
        aug_row.addStretch(1)
        aug_label = QLabel("Vary copies by")
        aug_label.setToolTip(
            "Augmentation: the critic sees your images recoloured, shifted or with patches cut "
            "out, so it cannot just memorise a small folder"
        )
        form.addRow(aug_label, aug_row)
        self.ada_spin = QDoubleSpinBox()
        self.ada_spin.setRange(0.1, 0.95)
        self.ada_spin.setSingleStep(0.05)
        self.ada_spin.setToolTip(
            "How much copy protection to aim for (ADA target): higher varies the copies more "
            "as soon as the critic (discriminator) starts to memorise your images"
        )
        form.addRow("Copy protection", self.ada_spin)
        self.lr_spin = QDoubleSpinBox()
        self.lr_spin.setDecimals(4)
        self.lr_spin.setRange(0.0001, 0.05)
        self.lr_spin.setSingleStep(0.0005)
        self.lr_spin.setToolTip("Learning rate: how big a step each update takes")
        form.addRow("Step size", self.lr_spin)
        self.mirror_check = QCheckBox("Mirror images left–right")
        form.addRow("", self.mirror_check)
        self.freeze_spin = QSpinBox()
        self.freeze_spin.setRange(0, 8)
        self.freeze_spin.setToolTip(
            "Fine-tuning only: keep this many of the critic's layers (discriminator blocks "
            "nearest the image) as they were, which helps with very few images"
        )
        form.addRow("Frozen critic layers", self.freeze_spin)
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
        self.ema_spin.setSuffix(" thousand images")
        self.ema_spin.setToolTip(
            "The finished model is a running average of recent training, which is calmer than "
            "any one moment: how far back it reaches (EMA half-life, kimg)"
        )
        form.addRow("Smoothing", self.ema_spin)
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 2**31 - 1)
        self.seed_spin.setToolTip(
            "Random seed: the same number with the same settings repeats the same run"
        )
        form.addRow("Random start", self.seed_spin)
        return box

    def _connect_state(self) -> None:
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
        s.output_dir_changed.connect(self._show_output)
        s.start_from_changed.connect(self.on_start_from)
        s.auto_base_changed.connect(
            lambda _: s.start_from == START_DEFAULT and self.on_start_from(START_DEFAULT)
        )

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

    def _choose_preset(self, key: str) -> None:
        self.state.preset = key
        self._show_preset(self.state.preset)  # clicking the checked button must not uncheck it

    def _show_output(self, path: str) -> None:
        if self.output_edit.text() != path:
            self.output_edit.setText(path)

    def _on_output_edited(self, text: str) -> None:
        self.auto_output = False
        self.state.output_dir = text.strip()

    def show_folder(self, folder: str) -> None:
        self.folder_label.setText(folder or "No folder chosen")
        self.folder_label.setToolTip(folder)

    def show_error_report(self, message: str) -> None:
        self.report_label.setProperty("role", "error")
        self.report_label.setText(message)
        repolish(self.report_label)
        self.thumbs.hide()

    def show_report(self, result: ScanResult) -> None:
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
            self.show_error_report(result.error)
            self.warning_label.hide()
            self.crop_section.hide()
            return
        self.report_label.setProperty("role", "muted")
        repolish(self.report_label)
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

    def _offer_resolutions(self, base: int | None) -> None:
        """From scratch: every size. Fine-tuning: the model's own size, or twice it (the model
        grows: new layers are added and faded in, everything it learned is kept)."""
        model = self.resolution_combo.model()
        for i in range(self.resolution_combo.count()):
            r = self.resolution_combo.itemData(i)
            text = f"{r} × {r} px"
            if base is not None and r == base:
                text += " (the model's size)"
            elif base is not None and r == 2 * base:
                text += " (grow the model)"
            model.item(i).setText(text)
            model.item(i).setEnabled(base is None or r in (base, 2 * base))
        self.resolution_combo.setToolTip(
            "Size of the images the model makes"
            if base is None
            else "Keep the model's size, or grow it to twice that: new layers are added and "
            "faded in while it trains, and everything it learned is kept (slower per image)"
        )

    def on_start_from(self, value: str) -> None:
        self.base_resolution = None
        self._offer_resolutions(None)
        if value == START_FILE and not self.state.base_file:
            path, _ = QFileDialog.getOpenFileName(self, "Model to fine-tune", "", MODEL_FILTER)
            if not path:
                self.state.start_from = (
                    START_DEFAULT if self.default_model.is_file() else START_SCRATCH
                )
                return
            self.state.base_file = path
        path = base_model(self.state, self.default_model)
        self.freeze_spin.setEnabled(path is not None)
        self.variety_spin.setEnabled(path is not None)
        if path is None:
            self.base_label.hide()
            self.state.freeze_d = 0
            return
        if self.state.freeze_d == 0:
            self.state.freeze_d = FINE_TUNE_FREEZE_D
        self.base_label.setText(self._base_text(path))
        self.base_label.setToolTip(path)
        self.base_label.show()
        self.run_job(
            model_info_job,
            (path,),
            {},
            lambda info: self._on_model_info(path, info),
            lambda message: self._on_model_info_failed(path, message),
        )

    def base_path(self) -> str | None:
        return base_model(self.state, self.default_model)

    def _add_bundled_bases(self, bases: list[tuple[str, str]]) -> None:
        """One "Bundled: NAME" choice per bundled model, after the automatic one, when there is
        more than one to choose between."""
        if len(bases) < 2:
            return
        for i, (path, name) in enumerate(bases):
            self.start_combo.insertItem(1 + i, f"Bundled: {name}", START_BUNDLED + path)
            self.start_combo.setItemData(1 + i, path, Qt.ItemDataRole.ToolTipRole)

    def show_base_choice(self, reason: str) -> None:
        """Why the automatic choice for this folder (engine.bases.choose_base) is what it is;
        the panel sets state.auto_base next."""
        self.base_reason = reason
        path = self.base_path()
        if self.state.start_from == START_DEFAULT and path:
            self.base_label.setText(self._base_text(path))

    def _base_text(self, path: str, detail: str = "") -> str:
        text = Path(path).name + (f" · {detail}" if detail else "")
        if self.state.start_from == START_DEFAULT and self.base_reason:
            text += f"\nChosen for your images — {self.base_reason}"
        return text

    def _on_model_info(self, path: str, info: dict) -> None:
        if path != self.base_path():
            return
        res = info["resolution"]
        self.base_resolution = res
        if res in RESOLUTIONS and self.state.resolution not in (res, 2 * res):
            self.state.resolution = res
        self._offer_resolutions(res)
        kind = "RGBA" if info["channels"] == 4 else "RGB"
        self.base_label.setText(self._base_text(path, f"{res} px {kind}"))

    def _on_model_info_failed(self, path: str, message: str) -> None:
        if path == self.base_path():
            self.base_label.setText(f"Cannot use {Path(path).name}: {message}")

    def show_devices(self, devices: list[dict]) -> None:
        current = self.state.device
        if current == "cuda":  # the preference names the kind: its first GPU
            current = next((d["id"] for d in devices if d["id"].startswith("cuda")), current)
        self.device_combo.blockSignals(True)
        self.device_combo.clear()
        for i, d in enumerate(devices):
            text = d["label"] + ("  (recommended)" if i == 0 else "")
            self.device_combo.addItem(text, d["id"])
        self.device_combo.blockSignals(False)
        ids = [d["id"] for d in devices]
        self.state.device = current if current in ids else ids[0]
        set_combo_data(self.device_combo, self.state.device)
