"""File → Open recent: the last models, training folders and exported images, and Clear."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QWidget

from ..core.recent import RecentFiles

KIND_TIPS = {
    "model": "Open this model",
    "folder": "Set up training on this folder of images",
    "image": "Open this exported image: back to the image it records",
}


class RecentMenu(QObject):
    """Rebuilds the submenu each time it opens, so files deleted meanwhile never show."""

    def __init__(
        self,
        recent: RecentFiles,
        openers: dict[str, Callable[[Path], object]],
        parent: QWidget,
    ):
        super().__init__(parent)
        self.recent, self.openers = recent, openers
        self.menu = QMenu("Open recent", parent)
        self.menu.setObjectName("recentMenu")
        self.menu.setToolTipsVisible(True)
        self.menu.menuAction().setToolTip("Models, folders and images you used lately")
        self.menu.aboutToShow.connect(self.fill)
        self.fill()

    def fill(self) -> None:
        self.menu.clear()
        entries = self.recent.entries()
        for n, (kind, path) in enumerate(entries, start=1):
            # numbered accelerators (&1 … &10) as in every app's recent list; & in names kept
            text = f"&{n % 10} {path.name}".replace("&", "&&").replace("&&", "&", 1)
            action = self.menu.addAction(text)
            action.setToolTip(f"{KIND_TIPS[kind]}\n{path}")
            action.setStatusTip(str(path))
            action.triggered.connect(lambda _=False, k=kind, p=path: self.open(k, p))
        if not entries:
            empty = self.menu.addAction("Nothing opened yet")
            empty.setEnabled(False)
        self.menu.addSeparator()
        self.clear_action = QAction("Clear", self.menu)
        self.clear_action.setToolTip("Forget this list (the files themselves stay)")
        self.clear_action.setEnabled(bool(entries))
        self.clear_action.triggered.connect(self.recent.clear)
        self.menu.addAction(self.clear_action)

    def open(self, kind: str, path: Path) -> None:
        if not path.exists():  # gone since the menu opened
            self.fill()
            return
        self.openers[kind](path)


def install_recent_menu(window) -> RecentMenu:
    """File → Open recent under Open model…; remembers models as they load and the folders
    chosen for training (exports add their images themselves, gui/export)."""
    recent = window.studio.recent
    openers = {
        "model": window.open_model,
        "folder": window.train.show_folder,
        "image": window.projection.open_image,
    }
    menu = RecentMenu(recent, openers, window)
    file_menu = window.host.menu("file")
    actions = file_menu.actions()
    after = actions.index(window.open_action) + 1
    file_menu.insertMenu(actions[after] if after < len(actions) else None, menu.menu)
    window.renderer.model_loaded.connect(lambda info: recent.add(info.path, "model"))

    def folder_chosen(folder: str) -> None:
        if folder and Path(folder).is_dir():
            recent.add(folder, "folder")

    window.train.panel.state.folder_changed.connect(folder_chosen)
    return menu
