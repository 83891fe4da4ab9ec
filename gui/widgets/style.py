"""The calm dark look: Fusion with a dark palette, refined by resources/styles/ganvas.qss."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

log = logging.getLogger("ganvas")

STYLESHEET = "styles/ganvas.qss"


def dark_palette() -> QPalette:
    p = QPalette()
    roles = {
        QPalette.ColorRole.Window: "#1b1e23",
        QPalette.ColorRole.WindowText: "#dfe2e6",
        QPalette.ColorRole.Base: "#15171b",
        QPalette.ColorRole.AlternateBase: "#20242a",
        QPalette.ColorRole.ToolTipBase: "#2a2f37",
        QPalette.ColorRole.ToolTipText: "#e6e8eb",
        QPalette.ColorRole.PlaceholderText: "#7d8590",
        QPalette.ColorRole.Text: "#dfe2e6",
        QPalette.ColorRole.Button: "#262a31",
        QPalette.ColorRole.ButtonText: "#dfe2e6",
        QPalette.ColorRole.BrightText: "#ffffff",
        QPalette.ColorRole.Highlight: "#5b9cf5",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.Link: "#7fb2ff",
    }
    for role, colour in roles.items():
        p.setColor(role, QColor(colour))
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6b727c"))
    return p


def load_stylesheet(path: Path) -> str:
    """The stylesheet text, with `@styles/` pointing at the folder it lives in."""
    folder = path.parent.resolve().as_posix()
    return path.read_text(encoding="utf-8").replace("@styles/", folder + "/")


def apply_theme(app: QApplication) -> None:
    from engine.paths import resources_dir  # imports nothing heavy

    app.setStyle("Fusion")
    app.setPalette(dark_palette())
    path = resources_dir() / STYLESHEET
    try:
        app.setStyleSheet(load_stylesheet(path))
    except OSError as exc:  # a missing stylesheet is cosmetic, never fatal
        log.warning("stylesheet not loaded (%s): %s", path, exc)
