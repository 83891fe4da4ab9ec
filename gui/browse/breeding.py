"""Mix & breed: style mixing by layer from a second seed, children of the current image
(random mutations in w) and crossbreeds of favourites, with the offspring in a small grid."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from superqt import QLabeledDoubleSlider

from engine.breeding import layer_blocks, layer_groups
from engine.latent import Latent, StyleMix

from ..core.state import MAX_SEED
from ..widgets.image_grid import ImageCell, ImageGrid

OFFSPRING = 8
DEFAULT_STRENGTH = 0.35
GROUP_TIPS = {
    "coarse": "Coarse layers (4–8 px): pose, face shape, overall layout",
    "middle": "Middle layers (16–32 px): features, smaller shapes",
    "fine": "Fine layers (64 px and up): colour scheme and texture",
}


def section(title: str) -> QLabel:
    label = QLabel(title)
    label.setObjectName("sectionHead")
    return label


class BreedingPanel(QWidget):
    """Shows the current image's style mix and offers breeding; emits what the user asks for."""

    mix_changed = Signal(object)  # StyleMix | None
    children_requested = Signal(float)  # strength
    crossbreed_requested = Signal(float)  # blend
    offspring_chosen = Signal(int)  # index into `offspring`

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("breedingPanel")
        self.num_ws = 0
        self.groups: dict[str, list[int]] = {}
        self.layer_buttons: list[QToolButton] = []
        self.offspring: list[Latent] = []
        self.offspring_kind = ""

        # style mixing
        self.source_box = QSpinBox()
        self.source_box.setObjectName("mixSeedBox")
        self.source_box.setRange(0, MAX_SEED)
        self.source_box.setKeyboardTracking(False)
        self.source_box.setValue(1)
        self.source_box.setToolTip(
            "The seed whose styles are mixed in. Right-click a grid image → "
            "'Mix styles from this image' to pick one."
        )
        self.source_view = ImageCell(0)
        self.source_view.setObjectName("mixSource")
        self.source_view.setCursor(Qt.CursorShape.ArrowCursor)
        self.source_view.setFixedSize(60, 60)
        self.source_view.setToolTip("The image whose styles are mixed in")
        self.layer_row = QHBoxLayout()
        self.layer_row.setSpacing(3)
        self.preset_buttons: dict[str, QPushButton] = {}
        presets = QHBoxLayout()
        presets.setSpacing(6)
        for name in ("coarse", "middle", "fine"):
            button = QPushButton(name.capitalize())
            button.setObjectName("presetButton")
            button.setToolTip(GROUP_TIPS[name] + ": take these from the source image")
            button.clicked.connect(lambda _=False, n=name: self.use_group(n))
            self.preset_buttons[name] = button
            presets.addWidget(button)
        self.clear_mix_button = QPushButton("None")
        self.clear_mix_button.setObjectName("presetButton")
        self.clear_mix_button.setToolTip("No style mixing: every layer from the current image")
        self.clear_mix_button.clicked.connect(lambda: self.set_layers_checked([]))
        presets.addWidget(self.clear_mix_button)
        presets.addStretch(1)

        # breeding
        self.strength = QLabeledDoubleSlider(Qt.Orientation.Horizontal)
        self.strength.setObjectName("strengthSlider")
        self.strength.setRange(0.05, 1.0)
        self.strength.setDecimals(2)
        self.strength.setSingleStep(0.05)
        self.strength.setValue(DEFAULT_STRENGTH)
        self.strength.setToolTip(
            "How far each child moves from the current image towards a random one "
            "(0.05 = close relatives, 1 = strangers)"
        )
        self.children_button = QPushButton("Make children")
        self.children_button.setObjectName("primaryButton")
        self.children_button.setToolTip(
            f"{OFFSPRING} random variations of the current image (Ctrl+B)"
        )
        self.children_button.clicked.connect(
            lambda: self.children_requested.emit(float(self.strength.value()))
        )
        self.blend = QLabeledDoubleSlider(Qt.Orientation.Horizontal)
        self.blend.setObjectName("blendSlider")
        self.blend.setRange(0.0, 1.0)
        self.blend.setDecimals(2)
        self.blend.setSingleStep(0.05)
        self.blend.setValue(0.0)
        self.blend.setToolTip(
            "0: each layer comes whole from one parent; 1: every layer is the parents' average"
        )
        self.cross_button = QPushButton("Crossbreed favourites")
        self.cross_button.setToolTip(
            "Children of the favourites selected in the Library (two or more; with one "
            "selected, it is crossed with the current image) (Ctrl+Shift+B)"
        )
        self.cross_button.clicked.connect(
            lambda: self.crossbreed_requested.emit(float(self.blend.value()))
        )
        self.offspring_label = QLabel("Children appear here; click one to make it current.")
        self.offspring_label.setObjectName("panelHint")
        self.offspring_label.setWordWrap(True)
        self.offspring_grid = ImageGrid(OFFSPRING, columns=4, gap=6, object_name="offspringGrid")
        self.offspring_grid.setMinimumHeight(150)
        self.offspring_grid.setToolTip("Offspring: click one to make it the current image")
        self.offspring_grid.cell_clicked.connect(self._on_offspring_clicked)
        for cell in self.offspring_grid.cells:
            cell.setToolTip("Click to make this child the current image")

        self._build_layout(presets)
        self.source_box.valueChanged.connect(self._emit_mix)
        self.set_layer_count(0)

    def _build_layout(self, presets: QHBoxLayout) -> None:
        source = QHBoxLayout()
        source.setSpacing(10)
        source_form = QFormLayout()
        source_form.addRow("Styles from seed", self.source_box)
        source.addLayout(source_form, 1)
        source.addWidget(self.source_view)

        breed = QGridLayout()
        breed.setHorizontalSpacing(10)
        breed.setVerticalSpacing(8)
        strength_label = QLabel("Strength")
        strength_label.setToolTip(self.strength.toolTip())
        blend_label = QLabel("Blend")
        blend_label.setToolTip(self.blend.toolTip())
        breed.addWidget(strength_label, 0, 0)
        breed.addWidget(self.strength, 0, 1)
        breed.addWidget(self.children_button, 0, 2)
        breed.addWidget(blend_label, 1, 0)
        breed.addWidget(self.blend, 1, 1)
        breed.addWidget(self.cross_button, 1, 2)
        breed.setColumnStretch(1, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(8)
        layout.addWidget(section("Style mixing"))
        layout.addLayout(source)
        layers_label = QLabel("Layers taken from it")
        layers_label.setObjectName("panelHint")
        layout.addWidget(layers_label)
        layout.addLayout(self.layer_row)
        layout.addLayout(presets)
        layout.addSpacing(8)
        layout.addWidget(section("Breeding"))
        layout.addLayout(breed)
        layout.addWidget(self.offspring_label)
        layout.addWidget(self.offspring_grid, 1)

    # --- style mixing -----------------------------------------------------------------------

    def set_layer_count(self, num_ws: int) -> None:
        """One toggle per layer of the model, grouped coarse → fine."""
        for button in self.layer_buttons:
            self.layer_row.removeWidget(button)
            button.deleteLater()
        while self.layer_row.count():
            self.layer_row.takeAt(0)
        self.num_ws = num_ws
        self.groups = layer_groups(num_ws) if num_ws else {}
        blocks = layer_blocks(num_ws) if num_ws else []
        self.layer_buttons = []
        for i in range(num_ws):
            button = QToolButton()
            button.setObjectName("layerToggle")
            button.setText(str(i))
            button.setCheckable(True)
            group = next(name for name, layers in self.groups.items() if i in layers)
            res = 4 * 2 ** blocks[i]
            button.setToolTip(f"Layer {i} ({res}×{res} px, {group}): take it from the source image")
            button.toggled.connect(self._emit_mix)
            self.layer_buttons.append(button)
            self.layer_row.addWidget(button)
        self.layer_row.addStretch(1)
        for button in (*self.preset_buttons.values(), self.clear_mix_button):
            button.setEnabled(bool(num_ws))

    def checked_layers(self) -> list[int]:
        return [i for i, b in enumerate(self.layer_buttons) if b.isChecked()]

    def set_layers_checked(self, layers: list[int], emit: bool = True) -> None:
        for i, button in enumerate(self.layer_buttons):
            button.blockSignals(True)
            button.setChecked(i in layers)
            button.blockSignals(False)
        if emit:
            self._emit_mix()

    def use_group(self, name: str) -> None:
        self.set_layers_checked(self.groups.get(name, []))

    def use_source(self, seed: int) -> None:
        """Take styles from `seed` (coarse layers if none are chosen yet)."""
        self.source_box.blockSignals(True)
        self.source_box.setValue(seed)
        self.source_box.blockSignals(False)
        if not self.checked_layers():
            self.use_group("coarse")
        else:
            self._emit_mix()

    def mix(self) -> StyleMix | None:
        layers = self.checked_layers()
        return StyleMix(int(self.source_box.value()), layers) if layers else None

    def _emit_mix(self, *_: object) -> None:
        self.mix_changed.emit(self.mix())

    def show_latent(self, latent: Latent) -> None:
        """Reflect the current image's mix without emitting."""
        if latent.mix is not None:
            self.source_box.blockSignals(True)
            self.source_box.setValue(latent.mix.seed)
            self.source_box.blockSignals(False)
            self.set_layers_checked(latent.mix.layers, emit=False)
        else:
            self.set_layers_checked([], emit=False)

    def set_source_image(self, image: QImage | None) -> None:
        self.source_view.set_image(image)

    # --- offspring --------------------------------------------------------------------------

    def show_offspring(self, latents: list[Latent], images: list[QImage], kind: str) -> None:
        self.offspring, self.offspring_kind = list(latents), kind
        self.offspring_grid.set_count(max(len(latents), OFFSPRING))
        for i, cell in enumerate(self.offspring_grid.cells):
            cell.set_image(images[i] if i < len(images) else None)
            cell.set_label(
                str(i + 1) if i < len(latents) else "",
                f"{kind} {i + 1}: click to make it the current image",
            )
            cell.set_selected(False)
        what = "Children of the current image" if kind == "Child" else "Crossbreeds"
        self.offspring_label.setText(f"{what}: click one to make it current.")

    def _on_offspring_clicked(self, index: int) -> None:
        if index < len(self.offspring):
            self.offspring_grid.set_selected(index)
            self.offspring_chosen.emit(index)
