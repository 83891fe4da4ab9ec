"""Grids of generated images (the 4×4 seed grid, children, strips): square cells, click or
arrow keys to select, right-click for a context menu."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QContextMenuEvent,
    QFont,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import QApplication, QSizePolicy, QWidget

from .style import painted

GRID_COLUMNS = 4
CELL_GAP = 8

# painted colours as the dark theme has them, as in resources/styles/ganvas.qss; paint them
# through style.painted (the light theme's twin where the palette is light). The accent is
# the palette's Highlight.
CELL_BACKGROUND = "#23272e"
CELL_BORDER = "#2f343c"
HOVER_BORDER = "#5a6270"
MARK_BORDER = "#8a7a4a"
LABEL_BACKGROUND = QColor(0, 0, 0, 150)
LABEL_TEXT = "#e6e8eb"


def smooth_painter(widget: QWidget) -> QPainter:
    """A painter on `widget` with antialiased shapes and smoothly scaled images."""
    p = QPainter(widget)
    p.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.SmoothPixmapTransform)
    return p


def paint_tile(p: QPainter, rect: QRectF, pen: QPen | Qt.PenStyle, palette: QPalette) -> None:
    """The rounded tile that images sit on (dark, or light in the light theme), outlined with
    `pen`."""
    p.setPen(pen)
    p.setBrush(painted(CELL_BACKGROUND, palette))
    p.drawRoundedRect(rect, 6, 6)


class ImageCell(QWidget):
    """One image with a small label (its seed, usually); highlighted when selected."""

    clicked = Signal(int)
    context_requested = Signal(int, QPoint)  # index, global position
    drag_requested = Signal(int)  # pressed and moved: drag the image out to another app

    def __init__(self, index: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.index = index
        self.seed: int | None = None
        self.label = ""
        self.image: QImage | None = None
        self.selected = False
        self.marked = False  # a quieter highlight (e.g. keyframes in a strip)
        self._hovered = False
        self._press: QPoint | None = None  # where a left press began, until a drag or release
        self.setObjectName(f"imageCell{index}")
        self.setAttribute(Qt.WidgetAttribute.WA_Hover)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setMinimumSize(48, 48)

    def set_seed(self, seed: int) -> None:
        if seed != self.seed:
            self.seed = seed
            self.label = str(seed)
            self.setToolTip(
                f"Seed {seed}: click to show it large and edit it; right-click for more"
            )
            self.update()

    def set_label(self, label: str, tooltip: str = "") -> None:
        self.label = label
        if tooltip:
            self.setToolTip(tooltip)
        self.update()

    def set_marked(self, marked: bool) -> None:
        if marked != self.marked:
            self.marked = marked
            self.update()

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        self.context_requested.emit(self.index, event.globalPos())

    def set_image(self, image: QImage | None) -> None:
        self.image = image
        self.update()

    def set_selected(self, selected: bool) -> None:
        if selected != self.selected:
            self.selected = selected
            self.update()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._press = event.position().toPoint()
            self.clicked.emit(self.index)  # selects on press, as before; a drag comes after
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._press is not None and event.buttons() & Qt.MouseButton.LeftButton:
            moved = (event.position().toPoint() - self._press).manhattanLength()
            if moved >= QApplication.startDragDistance() and self.image is not None:
                self._press = None  # one drag per press
                self.drag_requested.emit(self.index)
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._press = None
        super().mouseReleaseEvent(event)

    def enterEvent(self, event) -> None:
        self._hovered = True
        self.update()
        super().enterEvent(event)

    def leaveEvent(self, event) -> None:
        self._hovered = False
        self.update()
        super().leaveEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        p, pal = smooth_painter(self), self.palette()
        paint_tile(p, QRectF(self.rect()).adjusted(1.5, 1.5, -1.5, -1.5), Qt.PenStyle.NoPen, pal)
        inner = QRect(self.rect()).adjusted(4, 4, -4, -4)
        if self.image is not None and not self.image.isNull():
            p.drawImage(fit_rect(self.image.size(), inner), self.image)
        if self.selected:
            pen, width = QPen(pal.color(QPalette.ColorRole.Highlight), 3), 3
        elif self._hovered:
            pen, width = QPen(painted(HOVER_BORDER, pal), 2), 2
        elif self.marked:
            pen, width = QPen(painted(MARK_BORDER, pal), 2), 2
        else:
            pen, width = QPen(painted(CELL_BORDER, pal), 1), 1
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        half = width / 2
        p.drawRoundedRect(QRectF(self.rect()).adjusted(half, half, -half, -half), 6, 6)
        if self.label:
            self._paint_label(p, inner)
        p.end()

    def _paint_label(self, p: QPainter, inner: QRect) -> None:
        font = QFont(self.font())
        font.setPointSizeF(max(font.pointSizeF() - 1.5, 7.0))
        p.setFont(font)
        text = self.label
        metrics = p.fontMetrics()
        w, h = metrics.horizontalAdvance(text) + 10, metrics.height() + 2
        if w > inner.width() - 4:
            return  # too small to label legibly
        box = QRectF(inner.left() + 4, inner.bottom() - h - 3, w, h)
        pal = self.palette()
        p.setPen(Qt.PenStyle.NoPen)
        if self.selected:
            p.setBrush(pal.color(QPalette.ColorRole.Highlight))
        else:
            p.setBrush(painted(LABEL_BACKGROUND, pal))
        p.drawRoundedRect(box, 4, 4)
        if self.selected:
            p.setPen(pal.color(QPalette.ColorRole.HighlightedText))
        else:
            p.setPen(painted(LABEL_TEXT, pal, text=True))
        p.drawText(box, Qt.AlignmentFlag.AlignCenter, text)


class ImageGrid(QWidget):
    """Lays its cells out (`columns` wide) as large as fits, centred in its space."""

    cell_clicked = Signal(int)
    cell_context = Signal(int, QPoint)  # index, global position (right-click)
    cell_drag = Signal(int)  # index: a cell's image is being dragged out

    def __init__(
        self,
        count: int = 16,
        parent: QWidget | None = None,
        *,
        columns: int = GRID_COLUMNS,
        gap: int = CELL_GAP,
        object_name: str = "imageGrid",
        align_top: bool = False,
    ):
        super().__init__(parent)
        self.setObjectName(object_name)
        self.columns, self.gap, self.align_top = columns, gap, align_top
        self.cells: list[ImageCell] = []
        self.set_count(count)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setToolTip("Generated images: click one (or use the arrow keys) to select it")

    def set_count(self, count: int) -> None:
        """Show `count` cells (new ones empty)."""
        while len(self.cells) > count:
            self.cells.pop().deleteLater()
        while len(self.cells) < count:
            cell = ImageCell(len(self.cells), self)
            cell.clicked.connect(self._on_cell_clicked)
            cell.context_requested.connect(self.cell_context)
            cell.drag_requested.connect(self.cell_drag)
            cell.show()
            self.cells.append(cell)
        self._layout_cells()

    def sizeHint(self) -> QSize:
        return QSize(640, 640)

    def minimumSizeHint(self) -> QSize:
        return QSize(260, 260) if len(self.cells) >= 16 else QSize(120, 40)

    def _on_cell_clicked(self, index: int) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        self.cell_clicked.emit(index)

    def set_selected(self, index: int) -> None:
        for cell in self.cells:
            cell.set_selected(cell.index == index)

    def selected_index(self) -> int:
        return next((c.index for c in self.cells if c.selected), 0)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._layout_cells()

    def _layout_cells(self) -> None:
        if not self.cells:
            return
        cols, gap = self.columns, self.gap
        rows = (len(self.cells) + cols - 1) // cols
        cell = min(
            (self.width() - gap * (cols - 1)) // cols, (self.height() - gap * (rows - 1)) // rows
        )
        cell = max(cell, 1)
        used_w = cell * cols + gap * (cols - 1)
        used_h = cell * rows + gap * (rows - 1)
        x0, y0 = (self.width() - used_w) // 2, (self.height() - used_h) // 2
        if self.align_top:
            y0 = 0
        for c in self.cells:
            r, q = divmod(c.index, cols)
            c.setGeometry(x0 + q * (cell + gap), y0 + r * (cell + gap), cell, cell)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        moves = {
            Qt.Key.Key_Left: -1,
            Qt.Key.Key_Right: 1,
            Qt.Key.Key_Up: -self.columns,
            Qt.Key.Key_Down: self.columns,
        }
        step = moves.get(Qt.Key(event.key()))
        if step is None:
            super().keyPressEvent(event)
            return
        target = self.selected_index() + step
        if 0 <= target < len(self.cells):
            self.cell_clicked.emit(target)


def fit_rect(size: QSize, bounds: QRect) -> QRect:
    """The largest rect with `size`'s aspect ratio, centred in `bounds`."""
    scaled = size.scaled(bounds.size(), Qt.AspectRatioMode.KeepAspectRatio)
    x = bounds.left() + (bounds.width() - scaled.width()) // 2
    y = bounds.top() + (bounds.height() - scaled.height()) // 2
    return QRect(x, y, scaled.width(), scaled.height())
