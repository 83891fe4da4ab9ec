"""Puts the Train panel into the main window: a dock, a Train menu, folder drops.

The main window calls `install_train_dock(self)` once and routes dropped folders and its close
request to the panel, so main_window.py needs only a few lines for training.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMainWindow

from .panel import TrainPanel


class TrainDock(QDockWidget):
    def __init__(self, panel: TrainPanel, parent: QMainWindow):
        super().__init__("Train", parent)
        self.setObjectName("trainDock")
        self.panel = panel
        self.setWidget(panel)
        self.setAllowedAreas(
            Qt.DockWidgetArea.LeftDockWidgetArea | Qt.DockWidgetArea.RightDockWidgetArea
        )
        panel.setMinimumWidth(430)
        self._tabified = False

    def reveal(self) -> None:
        """Show the dock at full height: the first time, it joins the other docks on its side
        as a tab instead of squeezing them (and itself) into a stack."""
        window = self.parent()
        if not self._tabified and isinstance(window, QMainWindow):
            self._tabified = True
            area = window.dockWidgetArea(self)
            others = [
                d
                for d in window.findChildren(QDockWidget)
                if d is not self
                and not d.isFloating()
                and d.isVisible()
                and window.dockWidgetArea(d) == area
            ]
            if others:
                window.tabifyDockWidget(others[0], self)
        self.show()
        self.raise_()


def install_train_dock(window: QMainWindow) -> TrainPanel:
    """Create the Train dock (hidden unless an unfinished run waits) and its menu."""
    panel = TrainPanel(reporter=getattr(window, "reporter", None))
    dock = TrainDock(panel, window)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    dock.hide()
    window.train_dock = dock

    toggle = dock.toggleViewAction()
    toggle.setText("Train panel")
    toggle.setShortcut(QKeySequence("Ctrl+T"))
    toggle.setToolTip("Show or hide the Train panel (Ctrl+T)")
    choose = QAction("Train on a folder…", window)
    choose.setToolTip("Fine-tune a model on a folder of your own images")
    choose.setStatusTip("Choose a folder of images to train on")
    choose.triggered.connect(lambda: (dock.reveal(), panel.choose_folder()))
    menu = window.menuBar().addMenu("&Train")
    menu.setToolTipsVisible(True)
    menu.addAction(choose)
    menu.addAction(toggle)
    window.train_actions = (choose, toggle)

    if hasattr(window, "open_model"):
        panel.open_model_requested.connect(window.open_model)

    def offer_resume(found: list) -> None:  # once, at start: an unfinished run waits
        panel.runs_refreshed.disconnect(offer_resume)
        if found:
            dock.reveal()

    panel.runs_refreshed.connect(offer_resume)
    return panel


def dropped_folder(event: QDragEnterEvent | QDropEvent) -> Path | None:
    """The first local folder in a drag, if any."""
    for url in event.mimeData().urls():
        if url.isLocalFile() and Path(url.toLocalFile()).is_dir():
            return Path(url.toLocalFile())
    return None


def show_folder(window: QMainWindow, folder: Path) -> None:
    """A folder dropped on the window: open the Train panel on it."""
    window.train_dock.reveal()
    window.train_dock.panel.set_folder(folder)
