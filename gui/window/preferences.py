"""Edit → Preferences… (Ctrl+,): device, CPU threads, export folder and file names, theme.

The dialog edits a copy of gui.core.settings.Preferences; OK or Apply stores it (the settings
file is written atomically) and everything that listens takes it at once: the theme repaints
the whole app, exports and training read theirs for the next dialog or run, and the renderer
moves the open model to a newly chosen device.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine.naming import DEFAULT_TEMPLATE, FIELD_HELP, check_template

from ..core.settings import MAX_THREADS, Preferences, Settings
from ..export.dialogs import PathField
from ..widgets.style import apply_theme


def available_devices() -> list[str]:
    """The preference's device choices this computer has: auto, cpu, then its GPUs."""
    import torch  # already loaded by the render thread once a model is open

    found = ["auto", "cpu"]
    if torch.cuda.is_available():
        found.append("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        found.append("mps")
    return found


class PreferencesDialog(QDialog):
    """The form over Preferences; `values()` is what it shows."""

    def __init__(
        self, values: Preferences, devices: list[str] | None = None, parent: QWidget | None = None
    ):
        super().__init__(parent)
        self.setObjectName("preferencesDialog")
        self.setWindowTitle(self.tr("Preferences"))
        device_labels = {
            "auto": self.tr("Automatic (the fastest this computer has)"),
            "cpu": self.tr("Processor (CPU)"),
            "cuda": self.tr("NVIDIA graphics card (CUDA)"),
            "mps": self.tr("Apple graphics (Metal)"),
        }
        self.device = QComboBox()
        self.device.setObjectName("deviceBox")
        for key in devices or available_devices():
            self.device.addItem(device_labels[key], key)
        if self.device.findData(values.device) < 0:  # saved on another computer: keep it
            text = device_labels[values.device] + self.tr(" (not on this computer)")
            self.device.addItem(text, values.device)
        self.device.setToolTip(
            self.tr(
                "Where training and the browser's pictures are computed. A graphics card is "
                "many times faster. Training uses it from the next run; the open model moves "
                "there at once."
            )
        )

        self.threads = QSpinBox()
        self.threads.setObjectName("threadsBox")
        self.threads.setRange(0, min(MAX_THREADS, max(1, os.cpu_count() or 1)))
        self.threads.setSpecialValueText(self.tr("Automatic"))
        self.threads.setToolTip(
            self.tr(
                "How many processor cores Ganvas may use for its work. Automatic leaves one "
                "free for the window and your other apps. Used from the next training run and "
                "the next picture drawn."
            )
        )

        self.folder = PathField(self.tr("Default export folder"), folder=True)
        self.folder.edit.setPlaceholderText(self.tr("Your Pictures folder"))
        self.folder.setToolTip(
            self.tr("Where exports go until you pick another folder; empty: your Pictures folder")
        )

        self.template = QLineEdit()
        self.template.setObjectName("templateEdit")
        self.template.setToolTip(
            self.tr("How exported files are named; the same as in Batch export. Fields: ")
            + FIELD_HELP
        )
        self.template_hint = QLabel()
        self.template_hint.setObjectName("caption")
        self.template_hint.setWordWrap(True)
        self.template.textChanged.connect(self._check_template)

        self.theme = QComboBox()
        self.theme.setObjectName("themeBox")
        for key, text in (
            ("system", self.tr("Follow the system")),
            ("light", self.tr("Light")),
            ("dark", self.tr("Dark")),
        ):
            self.theme.addItem(text, key)
        self.theme.setToolTip(
            self.tr("Light or dark windows; Follow the system switches with your computer")
        )

        self.threads.setMinimumWidth(110)
        for box in (self.device, self.threads, self.theme):  # short choices stay short
            box.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.setHorizontalSpacing(12)
        form.setVerticalSpacing(8)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(self.tr("Compute on"), self.device)
        form.addRow(self.tr("Processor cores"), self.threads)
        form.addRow(self.tr("Export folder"), self.folder)
        form.addRow(self.tr("File names"), self.template)
        form.addRow("", self.template_hint)
        form.addRow(self.tr("Look"), self.theme)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.Apply
            | QDialogButtonBox.StandardButton.RestoreDefaults
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        restore = self.buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults)
        restore.setToolTip(self.tr("Put every choice back as Ganvas came"))
        restore.clicked.connect(lambda: self.show_values(Preferences()))
        self.apply_button = self.buttons.button(QDialogButtonBox.StandardButton.Apply)
        self.apply_button.setToolTip(self.tr("Use these choices now and keep the window open"))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 14)
        layout.addLayout(form)
        layout.addSpacing(10)
        layout.addWidget(self.buttons)
        self.show_values(values)
        self.setMinimumWidth(600)

    def show_values(self, values: Preferences) -> None:
        self.device.setCurrentIndex(max(0, self.device.findData(values.device)))
        self.threads.setValue(values.threads)
        self.folder.set_text(values.export_folder)
        self.template.setText(values.template)
        self.theme.setCurrentIndex(max(0, self.theme.findData(values.theme)))

    def values(self) -> Preferences:
        """What the form shows (the template is checked: a ValueError says what is wrong)."""
        return Preferences(
            device=self.device.currentData(),
            threads=self.threads.value(),
            export_folder=self.folder.text(),
            template=check_template(self.template.text() or DEFAULT_TEMPLATE),
            theme=self.theme.currentData(),
        )

    def _check_template(self, text: str) -> None:
        try:
            check_template(text or DEFAULT_TEMPLATE)
        except ValueError as exc:
            message = str(exc)
            self.template_hint.setText(message[0].upper() + message[1:] + ".")
            ok = False
        else:
            self.template_hint.setText(self.tr("For example: ") + _example(text))
            ok = True
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)
        self.apply_button.setEnabled(ok)


def _example(template: str) -> str:
    from engine.latent import Latent
    from engine.naming import file_name

    return file_name(template or DEFAULT_TEMPLATE, "my model", "0" * 64, Latent(seed=42))


class PreferencesMenu(QObject):
    """Edit → Preferences…, and applying the preferences to the window's own parts: the
    theme and the renderer (exports and training listen to the settings themselves)."""

    def __init__(self, window):  # the MainWindow (not imported: it imports this module)
        super().__init__(window)
        self.window = window
        self.settings: Settings = window.studio.settings
        self.dialog: PreferencesDialog | None = None
        self.action = QAction(self.tr("Preferences…"), window)
        self.action.setObjectName("preferencesAction")
        self.action.setMenuRole(QAction.MenuRole.PreferencesRole)  # macOS: the app menu
        keys = QKeySequence.keyBindings(QKeySequence.StandardKey.Preferences)
        if QKeySequence("Ctrl+,") not in keys:  # Linux and Windows have no standard key
            keys.append(QKeySequence("Ctrl+,"))
        self.action.setShortcuts(keys)
        shown = keys[0].toString(QKeySequence.SequenceFormat.NativeText)
        tip = self.tr("Device, processor cores, export folder and names, light or dark")
        self.action.setToolTip(f"{tip} ({shown})")
        self.action.setStatusTip(tip)
        self.action.triggered.connect(self.open)
        window.host.add_action(self.action, "preferences")
        window.host.add_to_menu("edit", [self.action])
        self.settings.changed.connect(self.apply)

    def open(self) -> PreferencesDialog:
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.raise_()
            self.dialog.activateWindow()
            return self.dialog
        dialog = PreferencesDialog(self.settings.values, parent=self.window)
        dialog.accepted.connect(lambda: self.store(dialog))
        dialog.apply_button.clicked.connect(lambda: self.store(dialog))
        self.dialog = dialog
        dialog.show()
        return dialog

    def store(self, dialog: PreferencesDialog) -> None:
        try:
            values = dialog.values()
        except ValueError as exc:  # the buttons are disabled then; a last guard
            self.window.host.show_status(str(exc), 6000)
            return
        self.settings.set(values)

    def apply(self, prefs: Preferences) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, prefs.theme)
        if self.window.renderer.set_compute(prefs.device, prefs.threads):
            model = self.window.state.model
            if model is not None:  # move the open model to the new device
                self.window.open_model(model.path)


def install_preferences_menu(window) -> PreferencesMenu:
    """Edit → Preferences…; the renderer starts on the preferred device and threads unless
    the command line chose its device (`ganvas --device`)."""
    return PreferencesMenu(window)
