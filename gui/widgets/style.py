"""The calm look: Fusion with a dark palette, refined by resources/styles/ganvas.qss, or its
light twin (the same stylesheet and palette with every grey's lightness turned round, the
accent blues kept). By default it follows the operating system's light or dark setting
(QStyleHints.colorScheme, Qt 6.5+; dark where the system does not say); Edit → Preferences…
can choose one for good.

Custom-painted widgets (image cells, the seed pad, the preview, the training plots) take their
colours from the widget's palette (`palette.color(role)`) or, for the greys between the
palette's roles, from `painted(dark_colour, palette)`: the colour is written once, as the dark
theme paints it, and the light theme gets its twin by the same rule as the stylesheet. Colours
are looked up while painting, never kept, so a theme switch repaints them at once.
"""

from __future__ import annotations

import colorsys
import logging
import re
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QWidget

log = logging.getLogger("ganvas")

STYLESHEET = "styles/ganvas.qss"
THEMES = ("system", "light", "dark")  # the same choices as gui.core.settings.THEMES
# a colour, with the `color:` before it when it is a text colour (not `…-color:`)
_HEX = re.compile(r"((?<![\w-])color\s*:\s*)?(#[0-9a-fA-F]{6})\b")
_followers: dict[int, str] = {}  # id(app) → the theme chosen, while it follows the system


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


def light_colour(colour: str, *, text: bool = False) -> str:
    """The light theme's twin of a dark theme colour (#rrggbb): greys and dark tints get
    their lightness turned round (a dark background becomes a light one, light text dark);
    the saturated mid-light accents (the blue of selections and sliders) stay as they are,
    except as `text`: a light yellow warning text on a now light background could not be read,
    so text always has its lightness turned round."""
    c = QColor(colour)
    h, lightness, s = colorsys.rgb_to_hls(c.redF(), c.greenF(), c.blueF())
    if not text and s > 0.5 and 0.45 < lightness < 0.8:
        return c.name()
    r, g, b = colorsys.hls_to_rgb(h, 1.0 - lightness, s)
    return QColor.fromRgbF(r, g, b).name()


def light_palette() -> QPalette:
    dark, p = dark_palette(), QPalette()
    groups = (
        QPalette.ColorGroup.Active,
        QPalette.ColorGroup.Inactive,
        QPalette.ColorGroup.Disabled,
    )
    for group in groups:  # all three: an unfocused window is Inactive
        for role in QPalette.ColorRole:
            if role == QPalette.ColorRole.NColorRoles:
                continue
            p.setColor(group, role, QColor(light_colour(dark.color(group, role).name())))
    p.setColor(QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
    return p


def load_stylesheet(path: Path, look: str = "dark") -> str:
    """The stylesheet text, with `@styles/` pointing at the folder it lives in; for the
    "light" look every colour goes through light_colour."""
    folder = path.parent.resolve().as_posix()
    text = path.read_text(encoding="utf-8").replace("@styles/", folder + "/")
    if look == "light":
        text = _HEX.sub(
            lambda m: (m.group(1) or "") + light_colour(m.group(2), text=bool(m.group(1))), text
        )
    return text


def repolish(widget: QWidget) -> None:
    """Apply the style again after a property the stylesheet selects on (role, error) changed."""
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def is_light(palette: QPalette) -> bool:
    """Whether `palette` is the light look (its window background is light)."""
    return palette.color(QPalette.ColorRole.Window).lightnessF() > 0.5


def painted(dark: str | QColor, palette: QPalette, *, text: bool = False) -> QColor:
    """A colour for custom painting: `dark` as the dark theme paints it, or, where `palette`
    is light, its light twin (light_colour; `text` for text on a background);
    the alpha is kept."""
    colour = QColor(dark)
    if not is_light(palette):
        return colour
    twin = QColor(light_colour(colour.name(), text=text))
    twin.setAlpha(colour.alpha())
    return twin


def system_look(app: QApplication) -> str | None:
    """ "light" or "dark" as the operating system says, None where it does not (Qt < 6.5, or
    a desktop that has no such setting)."""
    hints = app.styleHints()
    if not hasattr(hints, "colorScheme"):
        return None
    scheme = hints.colorScheme()
    if scheme == Qt.ColorScheme.Dark:
        return "dark"
    if scheme == Qt.ColorScheme.Light:
        return "light"
    return None


def theme_look(theme: str, app: QApplication) -> str:
    """The look a theme choice means now: "light" or "dark" ("system": the system's, dark
    where it says nothing: the calm dark look is Ganvas's own)."""
    if theme in ("light", "dark"):
        return theme
    return system_look(app) or "dark"


def apply_theme(app: QApplication, theme: str = "system") -> str:
    """Style the whole app for `theme` (one of THEMES), at once; → the look applied. With
    "system" it keeps following the system when the user switches it there."""
    from engine.paths import resources_dir  # imports nothing heavy

    look = theme_look(theme, app)
    app.setStyle("Fusion")
    app.setPalette(light_palette() if look == "light" else dark_palette())
    path = resources_dir() / STYLESHEET
    try:
        app.setStyleSheet(load_stylesheet(path, look))
    except OSError as exc:  # a missing stylesheet is cosmetic, never fatal
        log.warning("stylesheet not loaded (%s): %s", path, exc)
    app.setProperty("ganvasLook", look)
    _follow_system(app, theme)
    return look


def _follow_system(app: QApplication, theme: str) -> None:
    hints = app.styleHints()
    if not hasattr(hints, "colorSchemeChanged"):
        return
    key = id(app)
    if key not in _followers:
        hints.colorSchemeChanged.connect(lambda *_: _on_system_changed(app))
    _followers[key] = theme


def _on_system_changed(app: QApplication) -> None:
    theme = _followers.get(id(app))
    if theme == "system" and theme_look(theme, app) != app.property("ganvasLook"):
        apply_theme(app, theme)
