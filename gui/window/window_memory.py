"""The window's size, position and dock layout survive restarts.

Qt's own `saveGeometry`/`saveState` blobs in a QSettings ini file in the user's config folder
($GANVAS_CONFIG_DIR overrides it, for tests). A layout from another version of the docks is
ignored by Qt (`LAYOUT_VERSION`), so a changed window never opens in a broken arrangement.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QMainWindow

from ..core.settings import config_dir

log = logging.getLogger("ganvas")

LAYOUT_VERSION = 1  # raise when docks are added, removed or renamed


def _settings() -> QSettings:
    return QSettings(str(config_dir() / "window.ini"), QSettings.Format.IniFormat)


def restore_window(window: QMainWindow) -> bool:
    """Put the window back as it was last closed; False when nothing (usable) was saved."""
    settings = _settings()
    geometry, state = settings.value("geometry"), settings.value("state")
    if not isinstance(geometry, QByteArray) or not isinstance(state, QByteArray):
        return False  # nothing saved, or a damaged/hand-edited file: start with the default
    return window.restoreGeometry(geometry) and window.restoreState(state, LAYOUT_VERSION)


def remember_window(window: QMainWindow) -> None:
    """Save the window's geometry and dock layout (called as it closes). Cosmetic: a folder
    that cannot be created is logged, never allowed to stop the window from closing."""
    try:
        config_dir().mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        log.warning("window layout not saved: %s", exc)
        return
    settings = _settings()
    settings.setValue("geometry", window.saveGeometry())
    settings.setValue("state", window.saveState(LAYOUT_VERSION))
    settings.sync()
