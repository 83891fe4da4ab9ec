"""The Help window: the offline help page, keyboard shortcuts, About and the licence.

One non-modal window with a tab per page, as a handbook stays open beside the work. The
shortcuts page is read from the window's own actions each time it is shown, so it never lists a
shortcut that has changed or gone.
"""

from __future__ import annotations

import platform
from pathlib import Path

from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QAction, QFontDatabase, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QMainWindow,
    QPlainTextEdit,
    QTabWidget,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine import __version__, about
from engine.logfile import log_dir
from engine.paths import license_file, resources_dir

PAGES = ("help", "shortcuts", "about", "licence")
ANYWHERE = "Anywhere in the window"


def help_file() -> Path:
    return resources_dir() / "help" / "help.md"


def plain(text: str) -> str:
    """A menu text as a person reads it: no mnemonic ampersands."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


def keys_text(action: QAction) -> str:
    """Its shortcuts as the platform writes them, e.g. "Ctrl+Shift+Z or Ctrl+Y"."""
    native = QKeySequence.SequenceFormat.NativeText
    return " or ".join(s.toString(native) for s in action.shortcuts() if not s.isEmpty())


def shortcut_rows(window: QWidget) -> list[tuple[str, str, str]]:
    """(where, command, keys) for every visible action with a shortcut: the menus in menu-bar
    order, then actions that live on the window alone."""
    rows: list[tuple[str, str, str]] = []
    seen: set[QAction] = set()

    def walk(where: str, actions: list[QAction]) -> None:
        for action in actions:
            if action.isSeparator() or not action.isVisible():
                continue
            submenu = action.menu()
            if submenu is not None:
                walk(f"{where} → {plain(action.text())}", submenu.actions())
                continue
            seen.add(action)
            if keys := keys_text(action):
                rows.append((where, plain(action.text()).rstrip("…"), keys))

    if isinstance(window, QMainWindow):
        for top in window.menuBar().actions():
            if top.menu() is not None and top.isVisible():
                walk(plain(top.text()), top.menu().actions())
    for action in window.actions():
        if action not in seen and action.isVisible() and (keys := keys_text(action)):
            rows.append((ANYWHERE, plain(action.text()).rstrip("…"), keys))
    return rows


def about_markdown() -> str:
    """The About page: version, licence, the libraries and the bundled models' licences."""
    lines = [
        f"# Ganvas {__version__}",
        "",
        "A desktop studio for making pictures with GANs: browse a model, teach it your own "
        "pictures, export what you make. Everything runs on your computer.",
        "",
        f"Ganvas is free software under the **{about.LICENCE}** licence (Apache License 2.0; "
        "the full text is on the Licence page).",
        "",
        f"Running on Python {platform.python_version()} and Qt {qVersion()}.",
        "",
        "## Built with",
        "",
        "| Library | Version | Licence | Ganvas uses it for |",
        "|---|---|---|---|",
    ]
    for lib, version in about.libraries():
        lines.append(f"| {lib.name} | {version or '—'} | {lib.licence} | {lib.use} |")
    ffmpeg = about.bundled_ffmpeg()
    if ffmpeg is not None:
        exe, licence = ffmpeg
        lines += [
            "",
            "## ffmpeg",
            "",
            "MP4 videos are written by ffmpeg, the program that comes with imageio-ffmpeg. "
            "ffmpeg's licence depends on how it was built: LGPL-2.1-or-later by default, GPL "
            "when parts under the GPL were built in. "
            + (
                f"The copy used here is **{licence}**, by its own build options."
                if licence
                else "The copy here did not say how it was built."
            ),
            "",
            f"`{exe}`",
        ]
    lines += ["", "## Bundled models", ""]
    cards = about.model_cards()
    if not cards:
        lines.append("No model cards were found beside the bundled models.")
    for card in cards:
        lines += [f"### {card.title}", "", f"File: `{card.file}`", "", card.licence, ""]
    lines += ["## Your files", "", f"Log file folder: `{log_dir()}`", ""]
    return "\n".join(lines)


class HelpWindow(QDialog):
    """Help, shortcuts, About and licence on tabs; `show_page(name)` brings one forward."""

    def __init__(self, window: QWidget, parent: QWidget | None = None):
        super().__init__(parent if parent is not None else window)
        self.main_window = window
        self.setObjectName("helpWindow")
        self.setWindowTitle("Ganvas help")
        self.setModal(False)
        self.resize(820, 600)

        self.tabs = QTabWidget()
        self.help_page = self._browser(
            help_file().read_text(encoding="utf-8")
            if help_file().is_file()
            else "The help text is missing from this copy of Ganvas."
        )
        self.shortcuts = QTreeWidget()
        self.shortcuts.setObjectName("shortcutsList")
        self.shortcuts.setHeaderLabels(["Command", "Keys"])
        self.shortcuts.setRootIsDecorated(False)
        self.shortcuts.setAlternatingRowColors(True)
        self.shortcuts.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.shortcuts.header().setStretchLastSection(False)
        self.about_page = self._browser(about_markdown())
        self.licence_page = QPlainTextEdit()
        self.licence_page.setReadOnly(True)
        self.licence_page.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        path = license_file()
        self.licence_page.setPlainText(
            path.read_text(encoding="utf-8")
            if path.is_file()
            else f"Ganvas is licensed under {about.LICENCE}; the LICENSE file is missing here."
        )
        for widget, title, tip in [
            (self.help_page, "Help", "What Ganvas does and how to use it"),
            (self.shortcuts, "Keyboard shortcuts", "Every shortcut, read from the menus"),
            (self.about_page, "About", "Version, the libraries Ganvas uses and their licences"),
            (self.licence_page, "Licence", "Ganvas's licence: the Apache License 2.0"),
        ]:
            self.tabs.addTab(widget, title)
            self.tabs.setTabToolTip(self.tabs.count() - 1, tip)
        self.tabs.currentChanged.connect(self._on_tab)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(buttons)

    @staticmethod
    def _browser(markdown: str) -> QTextBrowser:
        browser = QTextBrowser()
        browser.setOpenExternalLinks(True)
        browser.setMarkdown(markdown)
        return browser

    def show_page(self, name: str) -> None:
        self.refresh_shortcuts()
        self.tabs.setCurrentIndex(PAGES.index(name))
        self.show()
        self.raise_()
        self.activateWindow()

    def _on_tab(self, index: int) -> None:
        if PAGES[index] == "shortcuts":
            self.refresh_shortcuts()

    def refresh_shortcuts(self) -> None:
        """Read the shortcuts again from the window's actions."""
        self.shortcuts.clear()
        groups: dict[str, QTreeWidgetItem] = {}
        for where, command, keys in shortcut_rows(self.main_window):
            group = groups.get(where)
            if group is None:
                group = QTreeWidgetItem(self.shortcuts, [where, ""])
                font = group.font(0)
                font.setBold(True)
                group.setFont(0, font)
                group.setFlags(Qt.ItemFlag.ItemIsEnabled)
                groups[where] = group
            QTreeWidgetItem(group, [command, keys])
        self.shortcuts.expandAll()
        self.shortcuts.resizeColumnToContents(1)
        self.shortcuts.setColumnWidth(1, self.shortcuts.columnWidth(1) + 24)  # off the edge
