"""Keys shared by the whole window that must not take a key from the widget that needs it."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QLineEdit,
)

# widgets that Space presses, toggles or types into
_SPACE_USERS = (QAbstractButton, QAbstractItemView, QComboBox, QLineEdit)


class SpaceForControls(QObject):
    """A window-wide Space shortcut (Play) fires everywhere except where Space already means
    something: a focused button, check box, list or text field keeps it."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Space
            and event.modifiers() == Qt.KeyboardModifier.NoModifier
            and isinstance(QApplication.focusWidget(), _SPACE_USERS)
        ):
            event.accept()  # the focused widget gets the key, the shortcut does not fire
            return True
        return False


def keep_space_for_controls(parent: QObject) -> SpaceForControls:
    """Install the filter on the application for as long as `parent` lives."""
    keeper = SpaceForControls(parent)
    app = QApplication.instance()
    if app is not None:
        app.installEventFilter(keeper)
    return keeper
