"""The Bend panel: network-bending effects on the current picture (engine/bending.py).

Each effect transforms the model's inner picture at one layer while it draws: coarse layers move
whole shapes, fine layers only texture. The panel edits the current image's list of bends; the
browser turns each change into one undoable step (a slider drag is one step).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from engine.bending import MAX_STRENGTH, OPS, Bend

EFFECTS = {
    "scale": ("Zoom", "Enlarge (right) or shrink (left) what this layer draws"),
    "rotate": ("Turn", "Turn what this layer draws; the far ends are half a turn"),
    "translate": ("Shift", "Move what this layer draws sideways"),
    "erode": ("Thin", "Thin the bright parts of this layer"),
    "dilate": ("Thicken", "Thicken the bright parts of this layer"),
    "invert": ("Invert", "Turn this layer's features inside out"),
    "mute": ("Mute", "Switch this layer off, so it adds nothing of its own"),
}
STEPS = 100  # slider steps per unit of strength


def layer_label(index: int, resolution: int) -> str:
    role = "overall shape" if resolution <= 8 else "parts" if resolution <= 16 else "detail"
    return f"Layer {index + 1} · {resolution} px ({role})"


def describe_bend(bend: Bend, resolutions: list[int]) -> str:
    res = resolutions[bend.layer] if bend.layer < len(resolutions) else "?"
    return f"{EFFECTS[bend.op][0]} {bend.strength:+.2f} at {res} px"


class BendPanel(QWidget):
    """bends_changed(list[Bend], merge_key: str | None) for each change; gesture_finished when a
    strength drag ends."""

    bends_changed = Signal(list, object)
    gesture_finished = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.resolutions: list[int] = []
        self.bends: list[Bend] = []
        v = QVBoxLayout(self)
        intro = QLabel(
            "Effects that bend how the model draws, at one of its layers. Coarse layers move "
            "whole shapes; fine layers change only texture."
        )
        intro.setWordWrap(True)
        intro.setObjectName("muted")
        v.addWidget(intro)
        self.list = QListWidget()
        self.list.setToolTip("The effects on the current picture, applied top to bottom")
        v.addWidget(self.list, 1)
        form = QFormLayout()
        self.layer_combo = QComboBox()
        self.layer_combo.setToolTip("Where in the model the effect acts")
        self.effect_combo = QComboBox()
        for op in OPS:
            self.effect_combo.addItem(EFFECTS[op][0], op)
            self.effect_combo.setItemData(
                self.effect_combo.count() - 1, EFFECTS[op][1], Qt.ItemDataRole.ToolTipRole
            )
        self.strength = QSlider(Qt.Orientation.Horizontal)
        self.strength.setRange(-int(MAX_STRENGTH * STEPS / 2), int(MAX_STRENGTH * STEPS / 2))
        self.strength.setToolTip("How strong the effect is; 0 leaves the picture as it was")
        form.addRow("Layer", self.layer_combo)
        form.addRow("Effect", self.effect_combo)
        form.addRow("Strength", self.strength)
        v.addLayout(form)
        row = QHBoxLayout()
        self.add_button = QPushButton("Add effect")
        self.add_button.setToolTip("Add a new effect to the current picture")
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Remove the selected effect")
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        row.addStretch(1)
        v.addLayout(row)
        self.add_button.clicked.connect(self.add_effect)
        self.remove_button.clicked.connect(self.remove_effect)
        self.list.currentRowChanged.connect(self._load_selected)
        self.layer_combo.activated.connect(lambda *_: self._edit_selected(None))
        self.effect_combo.activated.connect(lambda *_: self._edit_selected(None))
        self.strength.valueChanged.connect(
            lambda *_: self._edit_selected("strength" if self.strength.isSliderDown() else None)
        )
        self.strength.sliderReleased.connect(self.gesture_finished)
        self._syncing = False
        self._update_enabled()

    def set_resolutions(self, resolutions: list[int]) -> None:
        """The model's block sizes (4, 8, … px), one per layer."""
        self.resolutions = list(resolutions)
        self.layer_combo.clear()
        for i, res in enumerate(self.resolutions):
            self.layer_combo.addItem(layer_label(i, res), i)
        self._update_enabled()

    def show_bends(self, bends: list[Bend]) -> None:
        """Follow the current picture (after undo, a click on another image, …)."""
        row = max(self.list.currentRow(), 0)
        self._syncing = True
        self.bends = list(bends)
        self.list.clear()
        for bend in self.bends:
            self.list.addItem(describe_bend(bend, self.resolutions))
        self._syncing = False
        if self.bends:
            self.list.setCurrentRow(min(row, len(self.bends) - 1))
        self._update_enabled()

    def add_effect(self) -> None:
        layer = max(len(self.resolutions) // 2 - 1, 0)
        self.bends.append(Bend(layer, "rotate", 0.25))
        self.bends_changed.emit(list(self.bends), None)
        self.list.setCurrentRow(len(self.bends) - 1)

    def remove_effect(self) -> None:
        row = self.list.currentRow()
        if 0 <= row < len(self.bends):
            del self.bends[row]
            self.bends_changed.emit(list(self.bends), None)

    def _load_selected(self, row: int) -> None:
        if self._syncing or not 0 <= row < len(self.bends):
            return
        bend = self.bends[row]
        self._syncing = True
        self.layer_combo.setCurrentIndex(bend.layer)
        self.effect_combo.setCurrentIndex(OPS.index(bend.op))
        self.strength.setValue(round(bend.strength * STEPS))
        self._syncing = False
        self._update_enabled()

    def _edit_selected(self, merge: str | None) -> None:
        row = self.list.currentRow()
        if self._syncing or not 0 <= row < len(self.bends):
            return
        self.bends[row] = Bend(
            max(self.layer_combo.currentIndex(), 0),
            self.effect_combo.currentData(),
            self.strength.value() / STEPS,
        )
        self.list.item(row).setText(describe_bend(self.bends[row], self.resolutions))
        self.bends_changed.emit(list(self.bends), merge)

    def _update_enabled(self) -> None:
        has_model = bool(self.resolutions)
        selected = 0 <= self.list.currentRow() < len(self.bends)
        self.add_button.setEnabled(has_model)
        self.remove_button.setEnabled(selected)
        for widget in (self.layer_combo, self.effect_combo, self.strength):
            widget.setEnabled(selected)
