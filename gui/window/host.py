"""The main window's side of gui.core.host.Host: docks, menus and actions by key."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMenu, QTabBar, QToolBar, QWidget

from ..core.host import MENUS


def translated(text: str) -> str:
    """A menu or dock title in the user's language, once a translation is installed (Qt's
    QTranslator; none ships yet, so this is the text itself)."""
    return QCoreApplication.translate("Ganvas", text)


class WindowHost:
    """Implements gui.core.host.Host on a QMainWindow."""

    def __init__(self, window: QMainWindow, toolbar: QToolBar):
        self.window, self.toolbar = window, toolbar
        self._menus: dict[str, QMenu] = {}
        self._menu_ends: dict[str, QAction] = {}  # groups go above this (File: Quit's group)
        self._actions: dict[str, QAction] = {}
        self._docks: dict[str, QDockWidget] = {}
        self._bare: set[str] = set()
        self._placed: set[str] = set()
        self._fillers: dict[str, list[tuple[int, int, Callable[..., None]]]] = {}

    @property
    def widget(self) -> QWidget:
        return self.window

    # --- menus and actions ------------------------------------------------------------------

    def menu(self, key: str) -> QMenu:
        menu = self._menus.get(key)
        if menu is None:
            menu = QMenu(translated(MENUS[key]), self.window)
            menu.setToolTipsVisible(True)
            keys = list(MENUS)
            later = [self._menus[k] for k in keys[keys.index(key) + 1 :] if k in self._menus]
            bar = self.window.menuBar()
            if later:
                bar.insertMenu(later[0].menuAction(), menu)
            else:
                bar.addMenu(menu)
            self._menus[key] = menu
        return menu

    def set_menu_end(self, key: str, action: QAction) -> None:
        """Groups added to this menu later go above `action` (the window's Quit group)."""
        self._menu_ends[key] = action

    def add_to_menu(self, key: str, actions: list[QAction], *, separator: bool = True) -> None:
        menu, before = self.menu(key), self._menu_ends.get(key)
        if before is None:
            if separator and menu.actions():
                menu.addSeparator()
            menu.addActions(actions)
            return
        for action in actions:
            menu.insertAction(before, action)
        if separator:
            menu.insertSeparator(before)

    def add_action(self, action: QAction, key: str | None = None) -> QAction:
        self.window.addAction(action)  # shortcuts work wherever the focus is
        if key is not None:
            self._actions[key] = action
        return action

    def action(self, key: str) -> QAction | None:
        return self._actions.get(key)

    def add_to_toolbar(self, actions: list[QAction]) -> None:
        self.toolbar.addSeparator()
        for action in actions:
            self.toolbar.addAction(action)

    # --- docks --------------------------------------------------------------------------------

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
        dock = QDockWidget(translated(title), self.window)
        dock.setObjectName(f"{key}Dock")
        dock.setWidget(widget)
        if tip:
            dock.setToolTip(tip)
        self.window.addDockWidget(area, dock)
        self._docks[key] = dock
        if bare_tab:
            self._bare.add(key)
        first = self._docks.get(tab_with) if tab_with is not None else None
        if first is not None:
            self.window.tabifyDockWidget(first, dock)
            self.unelide_tabs()
            self._placed.add(key)
            if bare_tab:  # the tab already names it: one label, not two
                dock.setTitleBarWidget(QWidget())
                if tab_with in self._bare and first.titleBarWidget() is None:
                    first.setTitleBarWidget(QWidget())
        return dock

    def dock(self, key: str) -> QDockWidget | None:
        return self._docks.get(key)

    def size_dock(self, key: str, size: int, orientation: Qt.Orientation) -> None:
        self.window.resizeDocks([self._docks[key]], [size], orientation)

    def reveal_dock(self, key: str) -> None:
        dock = self._docks[key]
        if key not in self._placed:  # first time: a tab, not a squeeze into a stack
            self._placed.add(key)
            area = self.window.dockWidgetArea(dock)
            others = [
                d
                for d in self.window.findChildren(QDockWidget)
                if d is not dock
                and d.isVisible()
                and not d.isFloating()
                and self.window.dockWidgetArea(d) == area
            ]
            if others:
                self.window.tabifyDockWidget(others[0], dock)
                if key in self._bare and others[0].titleBarWidget() is not None:
                    dock.setTitleBarWidget(QWidget())  # the tab names it, as its siblings
        dock.show()
        dock.raise_()
        self.unelide_tabs()

    def unelide_tabs(self) -> None:
        """Dock tabs keep their whole names ("Directions", not "Directio…"): a crowded row
        scrolls instead (Qt makes the tab bars as docks are tabified, so look each time)."""
        for bar in self.window.findChildren(QTabBar):
            if bar.parent() is self.window:  # the dock areas' bars, not a widget's own tabs
                bar.setElideMode(Qt.TextElideMode.ElideNone)
                bar.setUsesScrollButtons(True)

    # --- status bar, context menus ----------------------------------------------------------

    def show_status(self, text: str, ms: int = 0) -> None:
        self.window.statusBar().showMessage(text, ms)

    def add_status_widget(self, widget: QWidget) -> None:
        self.window.statusBar().addPermanentWidget(widget)

    def add_context_entries(self, key: str, fill: Callable[..., None], order: int = 0) -> None:
        fillers = self._fillers.setdefault(key, [])
        fillers.append((order, len(fillers), fill))
        fillers.sort(key=lambda f: f[:2])

    def fill_context_menu(self, key: str, menu: QMenu, *args: object) -> None:
        for _, _, fill in self._fillers.get(key, []):
            fill(menu, *args)
