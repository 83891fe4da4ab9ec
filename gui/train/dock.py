"""Puts the Train panel into the window: a dock, a Train menu, folder drops.

The window calls `install_train(studio, host)` once and routes dropped folders
(`dropped_folder`, `Training.show_folder`) and its close request (`Training.panel.close_ok`)
here, so it needs only a few lines for training.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QDragEnterEvent, QDropEvent, QKeySequence

from .panel import TrainPanel

if TYPE_CHECKING:
    from ..core.host import Host
    from ..core.settings import Preferences
    from ..core.studio import Studio


class Training:
    """The Train dock (hidden unless an unfinished run waits) and its menu."""

    def __init__(self, studio: Studio, host: Host):
        self.host = host
        self.panel = panel = TrainPanel(reporter=studio.reporter, jobs=studio.jobs)
        panel.setMinimumWidth(430)
        self.dock = dock = host.add_dock(
            "train", "Train", panel, area=Qt.DockWidgetArea.RightDockWidgetArea
        )
        dock.setAllowedAreas(
            Qt.DockWidgetArea.LeftDockWidgetArea | Qt.DockWidgetArea.RightDockWidgetArea
        )
        dock.hide()

        toggle = dock.toggleViewAction()
        toggle.setText("Train panel")
        toggle.setShortcut(QKeySequence("Ctrl+T"))
        toggle.setToolTip("Show or hide the Train panel (Ctrl+T)")
        choose = QAction("Train on a folder…", host.widget)
        choose.setToolTip("Fine-tune a model on a folder of your own images")
        choose.setStatusTip("Choose a folder of images to train on")
        choose.triggered.connect(lambda: (self.reveal(), panel.choose_folder()))
        host.add_to_menu("train", [choose, toggle])
        self.actions = (choose, toggle)
        panel.runs_refreshed.connect(self._offer_resume)
        studio.settings.changed.connect(self.use_preferences)
        self.use_preferences(studio.settings.values)

    def use_preferences(self, prefs: Preferences) -> None:
        """Device and CPU threads for the next run (a run in progress keeps its own)."""
        panel = self.panel
        panel.threads = prefs.threads
        if not panel.state.phase.busy:
            panel.use_device(prefs.device)

    def _offer_resume(self, found: list) -> None:  # once, at start: an unfinished run waits
        self.panel.runs_refreshed.disconnect(self._offer_resume)
        if found:
            self.reveal()

    def reveal(self) -> None:
        """Show the dock at full height: the first time, it joins the other docks on its side
        as a tab instead of squeezing them (and itself) into a stack."""
        self.host.reveal_dock("train")

    def show_folder(self, folder: Path) -> None:
        """A folder dropped on the window: open the Train panel on it."""
        self.reveal()
        self.panel.set_folder(folder)


def install_train(studio: Studio, host: Host) -> Training:
    return Training(studio, host)


def dropped_folder(event: QDragEnterEvent | QDropEvent) -> Path | None:
    """The first local folder in a drag, if any."""
    for url in event.mimeData().urls():
        if url.isLocalFile() and Path(url.toLocalFile()).is_dir():
            return Path(url.toLocalFile())
    return None
