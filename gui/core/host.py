"""What a feature may ask of the window it is installed in; gui/window/host.py implements it.

Features get this interface and the Studio, never the main window: they add docks, actions and
context-menu entries by key, so no feature needs to know another one or the window's class.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QDockWidget, QMenu, QWidget

# Menu keys in menu-bar order, with their titles.
MENUS = {
    "file": "&File",
    "edit": "&Edit",
    "images": "&Images",
    "train": "&Train",
    "view": "&View",
    "help": "&Help",
}


class Host(Protocol):
    @property
    def widget(self) -> QWidget:
        """The parent for dialogs, menus and error boxes."""

    def menu(self, key: str) -> QMenu:
        """The menu `key` of MENUS, created in menu-bar order when first asked for."""

    def add_to_menu(self, key: str, actions: list[QAction], *, separator: bool = True) -> None:
        """Add a group of actions; in the File menu they go above Quit."""

    def add_action(self, action: QAction, key: str | None = None) -> QAction:
        """Make the action's shortcut work anywhere in the window; `key` lets others find it."""

    def action(self, key: str) -> QAction | None: ...

    def add_to_toolbar(self, actions: list[QAction]) -> None:
        """A separator, then the actions."""

    def add_dock(
        self,
        key: str,
        title: str,
        widget: QWidget,
        *,
        area: Qt.DockWidgetArea,
        tip: str = "",
        tab_with: str | None = None,
        bare_tab: bool = False,
    ) -> QDockWidget:
        """A dock; `tab_with` puts it behind that dock (when there is one). `bare_tab`: once
        tabbed, its tab names it, so it shows no title bar of its own."""

    def dock(self, key: str) -> QDockWidget | None: ...

    def size_dock(self, key: str, size: int, orientation: Qt.Orientation) -> None: ...

    def reveal_dock(self, key: str) -> None:
        """Show the dock; the first time as a tab beside the visible docks on its side."""

    def show_status(self, text: str, ms: int = 0) -> None: ...

    def add_status_widget(self, widget: QWidget) -> None: ...

    def add_context_entries(self, key: str, fill: Callable[..., None], order: int = 0) -> None:
        """`fill(menu, *args)` adds entries to the context menu `key` ("grid", "preview");
        fillers run by `order`, then in the order they were added."""

    def fill_context_menu(self, key: str, menu: QMenu, *args: object) -> None: ...
