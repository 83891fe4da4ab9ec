"""The seed pad: a 2D map of the integer seed lattice; dragging moves continuously between
neighbouring seeds (as the StyleGAN3 visualizer's latent widget does).

Lattice point (i, j) is seed `i + j * 100`: right is +1, down is +100. Between points the image
blends the four nearest seeds' w with bilinear weights (engine.breeding.SeedBlend). The pad only
reports positions; the browser turns them into latents.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPaintEvent,
    QPalette,
    QPen,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from engine.breeding import lattice_seed, lattice_seeds

from .image_grid import CELL_BORDER, LABEL_TEXT, paint_tile, smooth_painter
from .style import painted

GRID_LINE = "#2c3139"  # painted colours as the dark theme has them (style.painted)
POINT = "#4a515c"
CELL_MIN, CELL_MAX, CELL_DEFAULT = 36, 140, 64


class SeedPad(QWidget):
    moved = Signal(float, float)  # new position, in lattice units (user input only)
    gesture_started = Signal()
    gesture_finished = Signal()
    view_changed = Signal()  # the visible lattice points changed: thumbnails may be wanted

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("seedPad")
        self.position = (0.0, 0.0)
        self.view = (0.0, 0.0)  # lattice coordinates at the widget's centre
        self.cell = CELL_DEFAULT  # pixels per lattice unit
        self.thumbnails: dict[int, QImage] = {}
        self._dragging = False
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setMinimumSize(200, 170)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setToolTip(
            "Seed pad: every point is a seed, a starting number that always gives the same "
            "picture.\nDrag to glide between neighbouring seeds (right +1, down +100); between "
            "points the picture is a mix of the four nearest seeds.\n"
            "Arrow keys nudge (Shift: a whole seed), double-click or Home snaps to the nearest "
            "seed, the mouse wheel zooms."
        )

    def sizeHint(self) -> QSize:
        return QSize(360, 190)

    # --- state ------------------------------------------------------------------------------

    def set_position(self, point: tuple[float, float]) -> None:
        """Show `point` (from the state); the view follows unless the user is dragging."""
        self.position = (float(point[0]), float(point[1]))
        if not self._dragging:
            self._recentre()
        self.update()

    def set_thumbnails(self, images: dict[int, QImage]) -> None:
        self.thumbnails = images
        self.update()

    def visible_seeds(self) -> list[int]:
        """Seeds of the lattice points whose thumbnail is wholly in view (row by row)."""
        return [seed for i, j, seed in self._visible_points() if self._whole(i, j)]

    def _thumb_box(self, i: int, j: int) -> QRectF:
        c, thumb = self.to_screen(i, j), self.cell * 0.62
        return QRectF(c.x() - thumb / 2, c.y() - thumb / 2, thumb, thumb)

    def _whole(self, i: int, j: int) -> bool:
        return QRectF(self.rect()).adjusted(1, 1, -1, -1).contains(self._thumb_box(i, j))

    def _aligned(self, point: tuple[float, float]) -> tuple[float, float]:
        """The view centre nearest `point` that fits whole rows and columns of points: with an
        odd number of them in view a point sits at the centre, with an even number a gap does,
        so the edge rows are never cut in half."""

        def axis(v: float, extent: int) -> float:
            n = max(1, math.floor(extent / self.cell))
            return float(round(v)) if n % 2 else math.floor(v) + 0.5

        return (axis(point[0], self.width()), axis(point[1], self.height()))

    def _visible_points(self) -> list[tuple[int, int, int]]:
        half_w, half_h = self.width() / 2 / self.cell, self.height() / 2 / self.cell
        vx, vy = self.view
        out = []
        for j in range(math.floor(vy - half_h), math.ceil(vy + half_h) + 1):
            for i in range(math.floor(vx - half_w), math.ceil(vx + half_w) + 1):
                out.append((i, j, lattice_seed(i, j)))
        return out

    def _recentre(self) -> None:
        view = self._aligned(self.position)
        if self.view != view:
            old = set(self.visible_seeds())
            self.view = view
            if set(self.visible_seeds()) != old:
                self.view_changed.emit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if not self._dragging:
            self._recentre()
        self.view_changed.emit()

    def to_screen(self, x: float, y: float) -> QPointF:
        return QPointF(
            self.width() / 2 + (x - self.view[0]) * self.cell,
            self.height() / 2 + (y - self.view[1]) * self.cell,
        )

    def to_lattice(self, p: QPointF) -> tuple[float, float]:
        return (
            self.view[0] + (p.x() - self.width() / 2) / self.cell,
            self.view[1] + (p.y() - self.height() / 2) / self.cell,
        )

    def _move_to(self, x: float, y: float) -> None:
        self.position = (round(x, 4), round(y, 4))
        self.update()
        self.moved.emit(*self.position)

    # --- input ------------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        self._dragging = True
        self.gesture_started.emit()
        self._move_to(*self.to_lattice(event.position()))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._dragging:
            self._move_to(*self.to_lattice(event.position()))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._dragging and event.button() == Qt.MouseButton.LeftButton:
            self._dragging = False
            self._recentre()
            self.update()
            self.gesture_finished.emit()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.snap()

    def snap(self) -> None:
        """Move onto the nearest seed."""
        self.gesture_finished.emit()
        self._move_to(round(self.position[0]), round(self.position[1]))
        self.gesture_finished.emit()
        self._recentre()

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120
        cell = int(min(max(self.cell * (1.15**steps), CELL_MIN), CELL_MAX))
        if cell != self.cell:
            self.cell = cell
            self.view_changed.emit()
            self.update()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        step = 1.0 if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else 0.1
        moves = {
            Qt.Key.Key_Left: (-step, 0.0),
            Qt.Key.Key_Right: (step, 0.0),
            Qt.Key.Key_Up: (0.0, -step),
            Qt.Key.Key_Down: (0.0, step),
        }
        key = Qt.Key(event.key())
        if key == Qt.Key.Key_Home:
            self.snap()
        elif key in moves:
            dx, dy = moves[key]
            self.gesture_finished.emit()  # every key press is its own undo step
            self._move_to(self.position[0] + dx, self.position[1] + dy)
            self._recentre()
        else:
            super().keyPressEvent(event)

    # --- painting ---------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        p, pal = smooth_painter(self), self.palette()
        accent = pal.color(QPalette.ColorRole.Highlight)
        bounds = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        paint_tile(p, bounds, QPen(painted(CELL_BORDER, pal), 1), pal)
        p.setClipRect(bounds.adjusted(1, 1, -1, -1))

        points = self._visible_points()
        p.setPen(QPen(painted(GRID_LINE, pal), 1))
        for i, j, _ in points:  # lattice lines right and down from every point
            a = self.to_screen(i, j)
            p.drawLine(a, self.to_screen(i + 1, j))
            p.drawLine(a, self.to_screen(i, j + 1))

        corners = dict(lattice_seeds(*self.position))
        thumb = self.cell * 0.62
        font = QFont(self.font())
        font.setPointSizeF(max(font.pointSizeF() - 2.0, 7.0))
        p.setFont(font)
        for i, j, seed in points:
            c = self.to_screen(i, j)
            image = self.thumbnails.get(seed)
            box = QRectF(c.x() - thumb / 2, c.y() - thumb / 2, thumb, thumb)
            if image is not None and not image.isNull() and self._whole(i, j):
                p.drawImage(box, image)
            else:
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(painted(POINT, pal))
                p.drawEllipse(c, 2.5, 2.5)
            weight = corners.get(seed, 0.0)
            if weight > 0:
                colour = QColor(accent)
                colour.setAlphaF(0.25 + 0.75 * weight)
                p.setPen(QPen(colour, 1.5))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawRoundedRect(box.adjusted(-2, -2, 2, 2), 3, 3)
            if weight > 0:  # the seeds being blended, with their share
                p.setPen(painted(LABEL_TEXT, pal, text=True))
                label = QRectF(c.x() - self.cell / 2, box.bottom() + 2, self.cell, 14)
                if label.bottom() > bounds.bottom():  # the bottom row: its label goes above
                    label.moveBottom(box.top() - 2)
                text = str(seed) if weight > 0.999 else f"{seed} · {weight:.0%}"
                p.drawText(label, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, text)

        marker = self.to_screen(*self.position)
        p.setPen(QPen(pal.color(QPalette.ColorRole.HighlightedText), 2))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawEllipse(marker, 6, 6)
        p.setPen(QPen(accent, 2))
        p.drawEllipse(marker, 8.5, 8.5)
        p.end()
