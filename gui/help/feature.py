"""The Help menu: Ganvas help (F1), keyboard shortcuts, the log folder, About Ganvas, About Qt."""

from __future__ import annotations

import contextlib

from PySide6.QtCore import QUrl
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import QApplication

from engine.logfile import log_dir

from ..core.host import Host
from ..core.studio import Studio
from .window import HelpWindow


class HelpFeature:
    def __init__(self, studio: Studio, host: Host):
        self.studio, self.host = studio, host
        self.window: HelpWindow | None = None  # made on first use: it reads files and ffmpeg
        parent = host.widget

        self.help_action = QAction("Ganvas help", parent)
        self.help_action.setShortcut(QKeySequence.StandardKey.HelpContents)  # F1
        self.help_action.setToolTip("What Ganvas does and how to use it, without internet")
        self.help_action.triggered.connect(lambda: self.show_page("help"))

        self.shortcuts_action = QAction("Keyboard shortcuts", parent)
        self.shortcuts_action.setToolTip("Every keyboard shortcut in Ganvas")
        self.shortcuts_action.triggered.connect(lambda: self.show_page("shortcuts"))

        self.log_action = QAction("Open log folder", parent)
        self.log_action.setToolTip(
            "Show the folder of Ganvas's log file: attach it when you report a problem"
        )
        self.log_action.triggered.connect(self.open_log_folder)

        self.about_action = QAction("About Ganvas", parent)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.setToolTip("Version, licences and the libraries Ganvas uses")
        self.about_action.triggered.connect(lambda: self.show_page("about"))

        self.about_qt_action = QAction("About Qt", parent)
        self.about_qt_action.setMenuRole(QAction.MenuRole.AboutQtRole)
        self.about_qt_action.setToolTip("The Qt toolkit Ganvas's windows are made with")
        self.about_qt_action.triggered.connect(QApplication.aboutQt)

        host.add_action(self.help_action, "help.contents")
        host.add_to_menu("help", [self.help_action, self.shortcuts_action])
        host.add_to_menu("help", [self.log_action])
        host.add_to_menu("help", [self.about_action, self.about_qt_action])

    def show_page(self, name: str) -> HelpWindow:
        if self.window is None:
            self.window = HelpWindow(self.host.widget)
        self.window.show_page(name)
        return self.window

    def open_log_folder(self) -> bool:
        folder = log_dir()
        with contextlib.suppress(OSError):  # a folder to show, even before the first log line
            folder.mkdir(parents=True, exist_ok=True)
        if QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
            return True
        self.studio.reporter.report(
            "Could not open the log folder",
            f"No file manager opened it. The log folder is:\n{folder}",
            parent=self.host.widget,
        )
        return False

    def shutdown(self) -> None:
        if self.window is not None:
            self.window.close()


def install_help(studio: Studio, host: Host) -> HelpFeature:
    """Add the Help menu (last in the menu bar) and its F1 shortcut to the window."""
    return HelpFeature(studio, host)
