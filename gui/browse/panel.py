"""Browse: the seed grid beside a large preview of the current image, its seed, truncation ψ
and the seed pad."""

from __future__ import annotations

from collections.abc import Callable, Mapping
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

from engine.latent import Latent

from ..core.latents import describe_latent
from ..core.renderer import latent_key
from ..core.state import MAX_SEED, PSI_MAX, PSI_MIN, BrowseState, bind
from ..widgets.image_grid import ImageGrid
from ..widgets.preview import PreviewView
from ..widgets.seed_pad import SeedPad

if TYPE_CHECKING:
    from ..core.renderer import RenderResult


class BrowsePanel(QWidget):
    """Widgets that show and edit a BrowseState; they keep only the rendered pixels."""

    def __init__(self, state: BrowseState, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("browsePanel")
        self.state = state
        self.result: RenderResult | None = None  # the grid on screen
        self.preview_result: RenderResult | None = None  # the newest render of the preview
        self.animating = False  # the interpolation player owns the preview while playing
        # lineage id → latent (the library's), so captions can name an image's parents
        self.known: Callable[[], Mapping[int, Latent]] = dict

        self.grid = ImageGrid(len(state.seeds), align_top=True)
        self.preview = PreviewView()
        self.pad = SeedPad()

        self.seed_box = QSpinBox()
        self.seed_box.setObjectName("seedBox")
        self.seed_box.setRange(0, MAX_SEED)
        self.seed_box.setKeyboardTracking(False)  # re-render on Enter / focus out, not per key
        self.seed_box.setAccelerated(True)
        self.seed_box.setMinimumWidth(150)
        self.seed_box.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.seed_box.setToolTip(
            "Seed: the starting number of the selected image; the same seed always gives the "
            "same picture. Type a number (0 to 2³¹−1) and press Enter to replace it"
        )

        self.psi_slider = QLabeledDoubleSlider(Qt.Orientation.Horizontal)
        self.psi_slider.setObjectName("psiSlider")
        self.psi_slider.setRange(PSI_MIN, PSI_MAX)
        self.psi_slider.setDecimals(2)
        self.psi_slider.setSingleStep(0.01)
        self.psi_slider.setPageStep(0.1)
        self.psi_slider.setToolTip(
            "Truncation ψ: how far the pictures may stray from the model's average picture. "
            "0 gives the average, lower values more typical and safer pictures, higher ones "
            "more varied and unusual (1.0 = no truncation); negative values give the "
            "'opposite' picture"
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
        psi_label = QLabel("Variety")
        psi_label.setToolTip(self.psi_slider.toolTip())
        pad_label = QLabel("Seed pad")
        pad_label.setToolTip(self.pad.toolTip())
        pad_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        controls.addRow(seed_label, self.seed_box)
        controls.addRow(psi_label, self.psi_slider)
        controls.addRow(pad_label, self.pad)

        rule = QFrame()
        rule.setObjectName("rule")
        rule.setFrameShape(QFrame.Shape.HLine)

        side = QVBoxLayout()
        side.setSpacing(10)
        side.addWidget(self.preview)
        side.addWidget(rule)
        side.addLayout(controls, 1)  # the seed pad takes the height the preview leaves

        row = QHBoxLayout(self)
        row.setContentsMargins(16, 16, 16, 16)
        row.setSpacing(20)
        row.addWidget(self.grid, 3)
        row.addLayout(side, 3)

    def _bind(self) -> None:
        s = self.state
        bind(s, "selected_seed", self.seed_box)
        bind(s, "psi", self.psi_slider)
        self.grid.cell_clicked.connect(lambda index: setattr(s, "selected", index))
        s.seeds_changed.connect(self._show_seeds)
        s.selected_changed.connect(self.grid.set_selected)
        s.message_changed.connect(self.preview.set_message)
        s.current_changed.connect(self._show_current_seed)
        s.current_changed.connect(self.refresh_preview)
        s.model_changed.connect(self._forget_renders)
        s.pad_changed.connect(self.pad.set_position)
        for signal in (s.current_changed, s.model_changed):
            signal.connect(self._show_caption)
        s.model_changed.connect(self._enable_controls)
        self._enable_controls()
        self._show_seeds(s.seeds)
        self.grid.set_selected(s.selected)
        self.preview.set_message(s.message)
        self.pad.set_position(s.pad)
        self._show_caption()

    def _forget_renders(self, *_: object) -> None:
        """Another model: its renders of the same latents differ, so none of the old ones may
        stand in for the current image (the pixels stay on screen until the new ones come)."""
        self.result = None
        self.preview_result = None

    def _show_current_seed(self, latent: Latent) -> None:
        """The Seed box names the seed on screen, wherever it came from (the seed pad too);
        only typing in it replaces the selected grid cell's seed."""
        if latent.ws is None and self.seed_box.value() != latent.seed:
            self.seed_box.blockSignals(True)
            self.seed_box.setValue(latent.seed)
            self.seed_box.blockSignals(False)

    def _enable_controls(self, *_: object) -> None:
        has_model = self.state.model is not None
        for widget in (self.seed_box, self.psi_slider, self.pad):
            widget.setEnabled(has_model)

    def _show_seeds(self, seeds: tuple[int, ...]) -> None:
        for cell, seed in zip(self.grid.cells, seeds, strict=True):
            cell.set_seed(seed)

    def _show_caption(self, *_: object) -> None:
        s = self.state
        if s.model is None:
            self.preview.set_caption("")
            return
        res = s.model.resolution
        self.preview.set_caption(f"{describe_latent(s.current, self.known())}  ·  {res}×{res} px")

    def cell_image(self, index: int) -> QImage | None:
        return self.result.images[index] if self.result is not None else None

    def show_result(self, result: RenderResult | None) -> None:
        """Paint a grid render (or clear the images with None)."""
        self.result = result
        for cell in self.grid.cells:
            cell.set_image(self.cell_image(cell.index))
        if result is None:
            self.preview_result = None
            self.preview.set_image(None)
        self.refresh_preview()

    def show_preview_result(self, result: RenderResult) -> None:
        """Paint a render of the preview channel: the newest one always shows (mid-drag too)."""
        self.preview_result = result
        if not self.animating and result.images:
            self.preview.set_image(result.images[0])

    def shows_current(self) -> bool:
        """The preview's pixels are exactly the current image's."""
        r = self.preview_result
        return bool(r and r.latents) and latent_key(r.latents[0]) == latent_key(self.state.current)

    def current_image(self) -> QImage | None:
        """The current image's pixels, if rendered already (preview or grid)."""
        if self.shows_current():
            return self.preview_result.images[0]
        current = self.state.current
        if self.result is not None and current.ws is None:  # a grid cell may show it
            for latent, image in zip(self.result.latents, self.result.images, strict=True):
                if latent == current:
                    return image
        return None

    def refresh_preview(self, *_: object) -> None:
        """Show the current image when its pixels are known (else keep the last frame)."""
        if self.animating:
            return
        image = self.current_image()
        if image is not None:
            self.preview.set_image(image)
