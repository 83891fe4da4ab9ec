"""The large view of the selected image, scaled smoothly and keeping its aspect ratio."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from .image_grid import CELL_BACKGROUND, fit_rect, smooth_painter

MUTED_TEXT = QColor("#9aa3ad")
CAPTION_GAP = 10


class PreviewView(QWidget):
    """The selected image as large as fits (top-aligned) with a caption under it, or a
    message (loading, no model) in its place."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("preview")
        self.image: QImage | None = None
        self.message = ""
        self.caption = ""
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(200, 200)
        self.setToolTip("The selected image, enlarged")

    def sizeHint(self) -> QSize:
        return QSize(480, 520)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        """A square image plus its caption: no empty band below it."""
        return width + self.fontMetrics().height() + CAPTION_GAP

    def set_image(self, image: QImage | None) -> None:
        self.image = image
        self.update()

    def set_message(self, message: str) -> None:
        self.message = message
        self.update()

    def set_caption(self, caption: str) -> None:
        self.caption = caption
        self.update()

    def showing_image(self) -> bool:
        return not self.message and self.image is not None and not self.image.isNull()

    def image_rect(self) -> QRect:
        """Where the image goes: as large as fits above the caption, centred horizontally."""
        caption_h = self.fontMetrics().height() + CAPTION_GAP
        bounds = self.rect().adjusted(0, 0, 0, -caption_h)
        size = self.image.size() if self.showing_image() else QSize(1, 1)
        target = fit_rect(size, bounds)
        return target.translated(0, bounds.top() - target.top())  # top-aligned

    def paintEvent(self, event: QPaintEvent) -> None:
        p = smooth_painter(self)
        target = self.image_rect()
        if self.showing_image():
            p.drawImage(target, self.image)
            if self.caption:
                line = QRect(target.left(), target.bottom() + CAPTION_GAP, target.width(), 0)
                line.setHeight(self.fontMetrics().height())
                p.setPen(MUTED_TEXT)
                p.drawText(line, Qt.AlignmentFlag.AlignCenter, self.caption)
        else:
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(CELL_BACKGROUND)
            p.drawRoundedRect(target, 8, 8)
            if self.message:
                p.setPen(MUTED_TEXT)
                flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
                p.drawText(target.adjusted(32, 32, -32, -32), flags, self.message)
        p.end()
