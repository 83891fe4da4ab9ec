"""The large view of the selected image: fitted and scaled smoothly, or zoomed (1:1, 2×, 4×)
with crisp pixels, as artists inspect a generated image in Krita or GIMP."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QImage, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QApplication, QSizePolicy, QWidget

from .image_grid import CELL_BACKGROUND, fit_rect, smooth_painter
from .style import painted

MUTED_TEXT = "#9aa3ad"  # as the dark theme has it (style.painted)
CAPTION_GAP = 10
ZOOMS = (1, 2, 4)  # image pixels → screen pixels; None is "fit"


class PreviewView(QWidget):
    """The selected image as large as fits (top-aligned) with a caption under it, or a
    message (loading, no model) in its place. Zoomed larger than it fits, a left-drag pans;
    otherwise a left-drag asks to drag the image out (`drag_requested`)."""

    drag_requested = Signal()
    image_changed = Signal(object)  # QImage | None
    zoom_changed = Signal(object)  # int | None (fit)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("preview")
        self.image: QImage | None = None
        self.message = ""
        self.caption = ""
        self.zoom: int | None = None  # None: as large as fits
        self.pan = QPoint(0, 0)  # offset of a zoomed image from the centre
        self._press: QPoint | None = None
        self._panning = False
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
        self.image_changed.emit(image)

    def set_zoom(self, zoom: int | None) -> None:
        """None fits the image; 1, 2, 4 show each image pixel as that many screen pixels."""
        if zoom != self.zoom:
            self.zoom = zoom
            self.pan = QPoint(0, 0)
            self.update()
            self.zoom_changed.emit(zoom)

    def set_message(self, message: str) -> None:
        self.message = message
        self.update()

    def set_caption(self, caption: str) -> None:
        self.caption = caption
        self.update()

    def showing_image(self) -> bool:
        return not self.message and self.image is not None and not self.image.isNull()

    def bounds(self) -> QRect:
        """The area above the caption."""
        return self.rect().adjusted(0, 0, 0, -(self.fontMetrics().height() + CAPTION_GAP))

    def image_rect(self) -> QRect:
        """Where the image goes: as large as fits above the caption, centred horizontally; or,
        zoomed, at its zoom centred on the (panned) middle."""
        bounds = self.bounds()
        size = self.image.size() if self.showing_image() else QSize(1, 1)
        if self.zoom is not None and self.showing_image():
            # 1:1 means one image pixel per device pixel, on high-DPI screens too
            scale = self.zoom / self.devicePixelRatioF()
            w, h = round(size.width() * scale), round(size.height() * scale)
            self.pan = self._clamped(self.pan, QSize(w, h), bounds)
            centre = bounds.center() + self.pan
            rect = QRect(centre.x() - w // 2, centre.y() - h // 2, w, h)
            if h <= bounds.height():  # top-aligned, as when it fits: the caption stays close
                rect.moveTop(bounds.top())
            return rect
        target = fit_rect(size, bounds)
        return target.translated(0, bounds.top() - target.top())  # top-aligned

    @staticmethod
    def _clamped(pan: QPoint, size: QSize, bounds: QRect) -> QPoint:
        """Pan no further than the image's edge reaching the view's edge."""
        room_x = max(0, (size.width() - bounds.width()) // 2)
        room_y = max(0, (size.height() - bounds.height()) // 2)
        return QPoint(max(-room_x, min(room_x, pan.x())), max(-room_y, min(room_y, pan.y())))

    def can_pan(self) -> bool:
        r, b = self.image_rect(), self.bounds()
        return self.zoom is not None and (r.width() > b.width() or r.height() > b.height())

    # --- mouse: pan a zoomed image, or drag it out --------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.showing_image():
            self._press = event.position().toPoint()
            self._panning = self.can_pan()
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._press is not None and event.buttons() & Qt.MouseButton.LeftButton:
            pos = event.position().toPoint()
            if self._panning:
                self.pan += pos - self._press
                self._press = pos
                self.update()
            elif (pos - self._press).manhattanLength() >= QApplication.startDragDistance():
                self._press = None
                self.drag_requested.emit()
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._press, self._panning = None, False
        super().mouseReleaseEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = smooth_painter(self)
        target = self.image_rect()
        if self.showing_image():
            if self.zoom is not None:  # nearest neighbour: every pixel a crisp square
                p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
                p.setClipRect(self.bounds())
            p.drawImage(target, self.image)
            p.setClipping(False)
            caption = self.caption
            if self.zoom is not None:
                caption = f"{caption}  ·  {self.zoom_text()}" if caption else self.zoom_text()
                bottom = min(target.bottom(), self.bounds().bottom())
                target = QRect(0, 0, self.width(), bottom + 1)
            if caption:
                line = QRect(target.left(), target.bottom() + CAPTION_GAP, target.width(), 0)
                line.setHeight(self.fontMetrics().height())
                p.setPen(painted(MUTED_TEXT, self.palette(), text=True))
                p.drawText(line, Qt.AlignmentFlag.AlignCenter, caption)
        else:
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(painted(CELL_BACKGROUND, self.palette()))
            p.drawRoundedRect(target, 8, 8)
            if self.message:
                p.setPen(painted(MUTED_TEXT, self.palette(), text=True))
                flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
                p.drawText(target.adjusted(32, 32, -32, -32), flags, self.message)
        p.end()

    def zoom_text(self) -> str:
        return "fit" if self.zoom is None else ("1:1" if self.zoom == 1 else f"{self.zoom}×")
