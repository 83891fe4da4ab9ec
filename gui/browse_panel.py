"""Browse: the image grid beside a large preview of the selected image and its controls."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from superqt import QLabeledDoubleSlider

from .image_grid import ImageGrid
from .preview import PreviewView
from .state import MAX_SEED, PSI_MAX, PSI_MIN, BrowseState, bind

if TYPE_CHECKING:
    from .renderer import RenderResult


class BrowsePanel(QWidget):
    """Widgets that show and edit a BrowseState; they keep only the rendered pixels."""

    def __init__(self, state: BrowseState, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("browsePanel")
        self.state = state
        self.result: RenderResult | None = None

        self.grid = ImageGrid(len(state.seeds))
        self.preview = PreviewView()

        self.seed_box = QSpinBox()
        self.seed_box.setObjectName("seedBox")
        self.seed_box.setRange(0, MAX_SEED)
        self.seed_box.setKeyboardTracking(False)  # re-render on Enter / focus out, not per key
        self.seed_box.setAccelerated(True)
        self.seed_box.setMinimumWidth(150)
        self.seed_box.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.seed_box.setToolTip(
            "Seed of the selected image: type a number (0 to 2³¹−1) and press Enter to replace it"
        )

        self.psi_slider = QLabeledDoubleSlider(Qt.Orientation.Horizontal)
        self.psi_slider.setObjectName("psiSlider")
        self.psi_slider.setRange(PSI_MIN, PSI_MAX)
        self.psi_slider.setDecimals(2)
        self.psi_slider.setSingleStep(0.01)
        self.psi_slider.setPageStep(0.1)
        self.psi_slider.setToolTip(
            "Truncation ψ: lower values give more typical, safer images; higher values more "
            "varied and unusual ones (1.0 = no truncation)"
        )

        self._build_layout()
        self._bind()

    def _build_layout(self) -> None:
        controls = QFormLayout()
        controls.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        controls.setHorizontalSpacing(12)
        controls.setVerticalSpacing(10)
        seed_label = QLabel("Seed")
        seed_label.setToolTip(self.seed_box.toolTip())
        psi_label = QLabel("Truncation ψ")
        psi_label.setToolTip(self.psi_slider.toolTip())
        controls.addRow(seed_label, self.seed_box)
        controls.addRow(psi_label, self.psi_slider)

        rule = QFrame()
        rule.setObjectName("rule")
        rule.setFrameShape(QFrame.Shape.HLine)

        side = QVBoxLayout()
        side.setSpacing(10)
        side.addWidget(self.preview, 1)
        side.addWidget(rule)
        side.addLayout(controls)

        row = QHBoxLayout(self)
        row.setContentsMargins(16, 16, 16, 16)
        row.setSpacing(20)
        row.addWidget(self.grid, 3)
        row.addLayout(side, 2)

    def _bind(self) -> None:
        s = self.state
        bind(s, "selected_seed", self.seed_box)
        bind(s, "psi", self.psi_slider)
        self.grid.cell_clicked.connect(lambda index: setattr(s, "selected", index))
        s.seeds_changed.connect(self._show_seeds)
        s.selected_changed.connect(self._show_selection)
        s.message_changed.connect(self.preview.set_message)
        for signal in (s.seeds_changed, s.selected_changed, s.psi_changed, s.model_changed):
            signal.connect(self._show_caption)
        s.model_changed.connect(self._enable_controls)
        self._enable_controls()
        self._show_seeds(s.seeds)
        self._show_selection(s.selected)
        self.preview.set_message(s.message)
        self._show_caption()

    def _enable_controls(self, *_: object) -> None:
        has_model = self.state.model is not None
        self.seed_box.setEnabled(has_model)
        self.psi_slider.setEnabled(has_model)

    def _show_seeds(self, seeds: tuple[int, ...]) -> None:
        for cell, seed in zip(self.grid.cells, seeds, strict=True):
            cell.set_seed(seed)

    def _show_selection(self, index: int) -> None:
        self.grid.set_selected(index)
        self.preview.set_image(self.cell_image(index))

    def _show_caption(self, *_: object) -> None:
        s = self.state
        if s.model is None:
            self.preview.set_caption("")
            return
        res = s.model.resolution
        self.preview.set_caption(f"Seed {s.selected_seed}  ·  ψ {s.psi:.2f}  ·  {res}×{res} px")

    def cell_image(self, index: int) -> QImage | None:
        return self.result.images[index] if self.result is not None else None

    def show_result(self, result: RenderResult | None) -> None:
        """Paint a render (or clear the images with None)."""
        self.result = result
        for cell in self.grid.cells:
            cell.set_image(self.cell_image(cell.index))
        self.preview.set_image(self.cell_image(self.state.selected))
