"""After an export: a small notice in the status bar that says what was written and opens its
folder, or the file itself, with a click (the file manager or the system's app for it)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

NOTICE_MS = 20_000  # long enough to reach for it, short enough not to linger


def folder_of(path: Path) -> Path:
    """The folder to show for a written path (a folder export is its own folder)."""
    return path if path.is_dir() or not path.suffix else path.parent


class ExportNotice(QWidget):
    """ "Exported … · Show in folder · Open", hidden until an export finishes; not modal."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("exportNotice")
        self.paths: list[Path] = []
        self.label = QLabel()
        self.folder_button = QPushButton("Show in folder")
        self.folder_button.setObjectName("showInFolderButton")
        self.folder_button.setToolTip("Open the folder the export went to")
        self.folder_button.clicked.connect(self.show_folder)
        self.open_button = QPushButton("Open")
        self.open_button.setObjectName("openExportButton")
        self.open_button.setToolTip("Open the exported file in the app your computer uses for it")
        self.open_button.clicked.connect(self.open_file)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        for widget in (self.label, self.folder_button, self.open_button):
            row.addWidget(widget)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(NOTICE_MS)
        self._timer.timeout.connect(self.hide)
        self.hide()

    def show_written(self, paths: list[Path], summary: str) -> None:
        """Offer the folder (and, for one file, the file) of what an export wrote."""
        self.paths = [Path(p) for p in paths]
        if not self.paths:
            self.hide()
            return
        self.label.setText(summary)
        self.open_button.setVisible(len(self.paths) == 1 and self.paths[0].is_file())
        self.show()
        self._timer.start()

    def folder_url(self) -> QUrl:
        return QUrl.fromLocalFile(str(folder_of(self.paths[0])))

    def file_url(self) -> QUrl:
        return QUrl.fromLocalFile(str(self.paths[0]))

    def show_folder(self) -> bool:
        return bool(self.paths) and QDesktopServices.openUrl(self.folder_url())

    def open_file(self) -> bool:
        return bool(self.paths) and QDesktopServices.openUrl(self.file_url())
