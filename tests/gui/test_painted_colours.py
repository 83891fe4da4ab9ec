"""The custom-painted widgets (image cells, seed pad, preview, training plots) follow the
theme: light in the light look, dark in the dark look exactly as before, and a switch
repaints them at once without reopening anything."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import QWidget

from engine.paths import resources_dir
from gui.browse.desktop import FullscreenPreview
from gui.train.widgets import ImageView, LinePlot, ThumbnailStrip
from gui.widgets import style
from gui.widgets.image_grid import ImageGrid
from gui.widgets.preview import PreviewView
from gui.widgets.seed_pad import SeedPad


def mean_lightness(image: QImage) -> float:
    """The mean lightness (0..1) of `image`, sampled on a 16 × 16 grid."""
    w, h = image.width(), image.height()
    points = [(w * (i + 0.5) / 16, h * (j + 0.5) / 16) for i in range(16) for j in range(16)]
    return sum(image.pixelColor(int(x), int(y)).lightnessF() for x, y in points) / len(points)


def background_colour(widget: QWidget) -> QColor:
    """The commonest colour of the widget's pixels (sampled on a 16 × 16 grid)."""
    image = widget.grab().toImage()
    w, h = image.width(), image.height()
    names = [
        image.pixelColor(int(w * (i + 0.5) / 16), int(h * (j + 0.5) / 16)).name()
        for i in range(16)
        for j in range(16)
    ]
    return QColor(Counter(names).most_common(1)[0][0])


@pytest.fixture
def painted_widgets(qtbot) -> Iterator[dict[str, QWidget]]:
    """One of each painted widget, shown once and kept for the whole test."""
    grid = ImageGrid(4, columns=2)
    pad = SeedPad()
    plot = LinePlot("Artist vs critic")
    plot.add_series("G", "blue")
    for i in range(50):
        plot.append("G", i / 10, 1 + (i % 7) / 10)
    preview = PreviewView()
    preview.set_message("Loading the model…")
    train_view = ImageView("No preview yet")
    strip = ThumbnailStrip(cell=40)
    strip.set_images([], total=3)  # one "+3" tile
    widgets = {
        "grid cell": grid,
        "seed pad": pad,
        "chart": plot,
        "preview": preview,
        "train preview": train_view,
        "strip": strip,
    }
    for w in widgets.values():
        qtbot.addWidget(w)
        w.resize(240, 240)
        w.show()
    widgets["grid cell"] = grid.cells[0]
    yield widgets  # the grid lives on with its cell


def test_painted_widgets_turn_light_and_dark_with_the_theme(qapp, keep_look, painted_widgets):
    for look in ("dark", "light", "dark"):  # the same widgets, never reopened
        style.apply_theme(qapp, look)
        for name, widget in painted_widgets.items():
            lightness = mean_lightness(widget.grab().toImage())
            if look == "light":
                assert lightness > 0.7, f"{name} stays dark in the light theme ({lightness:.2f})"
            else:
                assert lightness < 0.3, f"{name} is not dark in the dark theme ({lightness:.2f})"


def test_the_dark_theme_paints_exactly_the_colours_it_always_had(qapp, keep_look, painted_widgets):
    style.apply_theme(qapp, "dark")
    expected = {"grid cell": "#23272e", "seed pad": "#23272e", "chart": "#15171b"}
    for name, colour in expected.items():
        assert background_colour(painted_widgets[name]).name() == colour, name
    style.apply_theme(qapp, "light")  # the light one: the same colours' twins
    for name, colour in expected.items():
        assert background_colour(painted_widgets[name]).name() == style.light_colour(colour)


def test_painted_keeps_dark_colours_and_alpha_and_turns_text_round():
    dark, light = style.dark_palette(), style.light_palette()
    assert style.painted("#23272e", dark) == QColor("#23272e")
    assert style.painted("#23272e", light).lightnessF() > 0.8
    translucent = style.painted(QColor(0, 0, 0, 150), light)
    assert (translucent.alpha(), translucent.lightnessF()) == (150, 1.0)
    accent = "#5b9cf5"  # a fill keeps the accent; a text of that colour turns dark
    assert style.painted(accent, light) == QColor(accent)
    assert style.painted(accent, light, text=True).lightnessF() < 0.5


def test_every_text_colour_of_the_light_stylesheet_is_dark():
    """Light text on the light theme's light backgrounds cannot be read (the train panel's
    warning was light yellow on light yellow)."""
    sheet = style.load_stylesheet(resources_dir() / style.STYLESHEET, "light")
    colours = []
    for body in re.findall(r"\{([^}]*)\}", sheet):
        text = re.search(r"(?<![\w-])color\s*:\s*(#[0-9a-fA-F]{6})", body)
        if text and f"background: {text.group(1)}" not in body:  # not a line (QFrame#rule)
            colours.append(text.group(1))
    assert len(colours) > 20
    light = [c for c in colours if QColor(c).lightnessF() > 0.6]  # 0.55: disabled, dimmed
    assert not light, f"light text colours in the light theme: {light}"
    dark_sheet = style.load_stylesheet(resources_dir() / style.STYLESHEET, "dark")
    assert "color: #f0cf8a" in dark_sheet  # the dark theme's own stay as they are


def test_no_colour_is_written_into_the_gui_code_outside_the_theme_helpers():
    """Painted colours come from the palette or style.painted, with their dark value named
    once as a module constant; no widget sets a colour of its own by a stylesheet."""
    root = Path(__file__).resolve().parents[2] / "gui"
    allowed = {"widgets/style.py", "browse/desktop.py"}  # the theme; the black full screen
    found = []
    for path in root.rglob("*.py"):
        rel = path.relative_to(root).as_posix()
        if rel in allowed:
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0] if not re.search(r"[\"']#", line) else line
            if re.search(r"QColor\(\s*[\"']#|setStyleSheet\(\s*[\"'][^\"']", code):
                found.append(f"{rel}:{n}: {line.strip()}")
    assert not found, "\n".join(found)


def test_the_full_screen_preview_stays_dark_in_the_light_theme(qtbot, qapp, keep_look):
    style.apply_theme(qapp, "light")
    source = PreviewView()
    qtbot.addWidget(source)
    full = FullscreenPreview(source, [])
    qtbot.addWidget(full)
    assert not style.is_light(full.view.palette())
    assert style.is_light(source.palette())
    assert style.painted("#9aa3ad", full.view.palette(), text=True) == QColor("#9aa3ad")
    assert full.view.palette().color(QPalette.ColorRole.Window).name() == "#1b1e23"


def test_the_light_palette_is_the_same_in_a_window_without_focus():
    palette = style.light_palette()
    for role in (QPalette.ColorRole.Base, QPalette.ColorRole.Window, QPalette.ColorRole.Text):
        active = palette.color(QPalette.ColorGroup.Active, role)
        assert palette.color(QPalette.ColorGroup.Inactive, role) == active
