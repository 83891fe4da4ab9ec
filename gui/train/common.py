"""Small helpers the Train panel's pages share: labels with a style role, durations in words,
combo boxes bound to a state property."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QComboBox, QLabel


def format_duration(seconds: float | None) -> str:
    if seconds is None or seconds != seconds or seconds < 0:
        return "–"
    s = int(round(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s" if s < 600 else f"{round(s / 60)} min"
    return f"{s // 3600} h {(s % 3600) // 60:02d} min"


def images_seen(kimg: float) -> str:
    """Training length in words an artist reads: 12.4 kimg → "12,400 images seen"."""
    return f"{round(kimg * 1000):,} images seen"


def images_of(kimg: float, total_kimg: float) -> str:
    """12.4 of 100 kimg → "12,400 of 100,000 images seen"."""
    return f"{round(kimg * 1000):,} of {round(total_kimg * 1000):,} images seen"


def format_ago(timestamp: float) -> str:
    return format_duration(max(time.time() - timestamp, 0)) + " ago"


def label(text: str = "", role: str | None = None, wrap: bool = False) -> QLabel:
    """A label; `role` picks its look in resources/styles/ganvas.qss."""
    widget = QLabel(text)
    if role:
        widget.setProperty("role", role)
    widget.setWordWrap(wrap)
    return widget


def heading(text: str) -> QLabel:
    return label(text, "heading")


def set_combo_data(combo: QComboBox, value: Any) -> None:
    i = combo.findData(value)
    if i >= 0 and i != combo.currentIndex():
        combo.setCurrentIndex(i)


def bind_combo(state: QObject, name: str, combo: QComboBox) -> None:
    """Like gui.core.state.bind, for a combo box whose items carry the values as data."""
    set_combo_data(combo, getattr(state, name))
    getattr(state, f"{name}_changed").connect(lambda v: set_combo_data(combo, v))

    def write(index: int) -> None:
        value = combo.itemData(index)
        if value is not None:
            setattr(state, name, value)

    combo.currentIndexChanged.connect(write)
