"""Small painted widgets for the Train panel: line plots, an image view, thumbnail strips,
and the table model of skipped files. QtCharts is not part of PySide6-Essentials, so the plots
are drawn with QPainter; they keep every point and draw at most about one per pixel column.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QPointF,
    QRect,
    QRectF,
    QSize,
    Qt,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QImage,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from ..widgets.style import painted
from .common import images_seen

# painted colours: the plot's background is the palette's Base, its quiet text PlaceholderText;
# the rest as the dark theme has them, painted through style.painted
BACKGROUND = QPalette.ColorRole.Base
MUTED = QPalette.ColorRole.PlaceholderText
FRAME = "#262a31"
GRID = "#23272e"
TEXT = "#c9ced4"
SERIES_COLOURS = {
    "blue": "#5b9cf5",
    "orange": "#e8a25c",
    "green": "#6cc48a",
    "violet": "#b48ef0",
}


def format_value(v: float) -> str:
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 100:
        return f"{v:.0f}"
    if a >= 10:
        return f"{v:.1f}"
    if a >= 0.01:
        return f"{v:.2f}"
    return f"{v:.2g}"


@dataclass
class Series:
    name: str
    colour: QColor  # as the dark theme paints it
    markers: bool = False  # points (sparse metrics) instead of a line
    label: str = ""  # what the legend shows (the name when empty)
    xs: list[float] = field(default_factory=list)
    ys: list[float] = field(default_factory=list)


class LinePlot(QWidget):
    """A calm line plot against images seen (kimg): a title, a legend with latest values, light
    grid lines."""

    def __init__(
        self,
        title: str,
        y_range: tuple[float, float] | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.title = title
        self.y_range = y_range  # fixed range (aug p: 0..1); None: fit the data
        self.series: dict[str, Series] = {}
        self.placeholder = "Waiting for the first values…"
        self.setMinimumHeight(110)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

    def sizeHint(self) -> QSize:
        return QSize(320, 140)

    def add_series(self, name: str, colour: str, markers: bool = False, label: str = "") -> None:
        colour_ = QColor(SERIES_COLOURS.get(colour, colour))
        self.series[name] = Series(name, colour_, markers, label=label)

    def append(self, name: str, x: float, y: float) -> None:
        if not math.isfinite(y):
            return
        s = self.series[name]
        s.xs.append(float(x))
        s.ys.append(float(y))
        self.update()

    def clear(self) -> None:
        for s in self.series.values():
            s.xs.clear()
            s.ys.clear()
        self.update()

    def point_count(self) -> int:
        return sum(len(s.xs) for s in self.series.values())

    # --- painting -------------------------------------------------------------------------

    def _ranges(self) -> tuple[float, float, float, float]:
        xs = [x for s in self.series.values() for x in s.xs]
        ys = sorted(y for s in self.series.values() for y in s.ys)
        x0, x1 = min(xs), max(xs)
        if x1 <= x0:
            x1 = x0 + 1e-3
        if self.y_range is not None:
            return x0, x1, *self.y_range
        # ignore the most extreme 1 % so one early spike does not flatten the whole curve
        cut = len(ys) // 100
        y0, y1 = ys[cut], ys[-1 - cut]
        pad = (y1 - y0) * 0.08 or max(abs(y0) * 0.1, 1e-3)
        return x0, x1, y0 - pad, y1 + pad

    def paintEvent(self, event: QPaintEvent) -> None:
        p, pal = QPainter(self), self.palette()
        muted = pal.color(MUTED)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        outer = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        p.setPen(QPen(painted(FRAME, pal), 1))
        p.setBrush(pal.color(BACKGROUND))
        p.drawRoundedRect(outer, 6, 6)

        small = QFont(self.font())
        small.setPointSizeF(max(self.font().pointSizeF() - 1.5, 7.0))
        p.setFont(small)
        fm = p.fontMetrics()
        line_h = fm.height()
        p.setPen(painted(TEXT, pal, text=True))
        p.drawText(QPointF(10, 6 + fm.ascent()), self.title)
        self._paint_legend(p, fm)

        area = QRectF(44, 12 + line_h, self.width() - 56, self.height() - 22 - 2 * line_h)
        if self.point_count() == 0 or area.height() < 20 or area.width() < 40:
            p.setPen(muted)
            p.drawText(area, Qt.AlignmentFlag.AlignCenter, self.placeholder)
            p.end()
            return
        x0, x1, y0, y1 = self._ranges()

        def to_px(x: float, y: float) -> QPointF:
            y = min(max(y, y0), y1)
            return QPointF(
                area.left() + (x - x0) / (x1 - x0) * area.width(),
                area.bottom() - (y - y0) / (y1 - y0) * area.height(),
            )

        # grid: three horizontal lines with values, kimg at both ends below
        for i in range(3):
            y = y0 + (y1 - y0) * i / 2
            py = to_px(x0, y).y()
            p.setPen(QPen(painted(GRID, pal), 1))
            p.drawLine(QPointF(area.left(), py), QPointF(area.right(), py))
            p.setPen(muted)
            label_rect = QRectF(0, py - line_h / 2, area.left() - 6, line_h)
            p.drawText(
                label_rect,
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                format_value(y),
            )
        p.setPen(muted)
        bottom = QRectF(area.left(), area.bottom() + 3, area.width(), line_h)
        p.drawText(bottom, Qt.AlignmentFlag.AlignLeft, images_seen(x0))
        p.drawText(bottom, Qt.AlignmentFlag.AlignRight, images_seen(x1))

        p.setClipRect(area.adjusted(-4, -4, 4, 4))
        stride = max(1, int(max(len(s.xs) for s in self.series.values()) / max(area.width(), 1)))
        for s in self.series.values():
            if not s.xs:
                continue
            colour = painted(s.colour, pal)
            pts = [to_px(x, y) for x, y in zip(s.xs[::stride], s.ys[::stride])]
            if stride > 1 and (len(s.xs) - 1) % stride:
                pts.append(to_px(s.xs[-1], s.ys[-1]))  # always end at the latest value
            if s.markers or len(pts) == 1:
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(colour)
                for pt in pts:
                    p.drawEllipse(pt, 3.0, 3.0)
                if len(pts) > 1:
                    faint = QColor(colour)
                    faint.setAlpha(90)
                    p.setPen(QPen(faint, 1))
                    p.setBrush(Qt.BrushStyle.NoBrush)
                    path = QPainterPath(pts[0])
                    for pt in pts[1:]:
                        path.lineTo(pt)
                    p.drawPath(path)
            else:
                path = QPainterPath(pts[0])
                for pt in pts[1:]:
                    path.lineTo(pt)
                p.setPen(QPen(colour, 1.5))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawPath(path)
        p.end()

    def _paint_legend(self, p: QPainter, fm) -> None:
        pal = self.palette()
        x = self.width() - 10
        for s in reversed(list(self.series.values())):
            value = f" {format_value(s.ys[-1])}" if s.ys else ""
            text = f"{s.label or s.name}{value}"
            w = fm.horizontalAdvance(text)
            x -= w
            p.setPen(painted(TEXT, pal, text=True))
            p.drawText(QPointF(x, 6 + fm.ascent()), text)
            x -= 12
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(painted(s.colour, pal))
            p.drawEllipse(QPointF(x + 4, 6 + fm.ascent() - fm.xHeight() / 2), 3.5, 3.5)
            x -= 14


def _draw_image(p: QPainter, target: QRect, image: QImage) -> None:
    """Nearest-neighbour when enlarging a lot (crisp pixels), smooth otherwise."""
    scale = target.width() / max(image.width(), 1)
    p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, scale < 2.5)
    p.drawImage(target, image)


def fit_square(image_size: QSize, bounds: QRect) -> QRect:
    if image_size.isEmpty():
        return QRect(bounds.topLeft(), QSize(0, 0))
    s = min(bounds.width() / image_size.width(), bounds.height() / image_size.height())
    w, h = int(image_size.width() * s), int(image_size.height() * s)
    return QRect(bounds.left() + (bounds.width() - w) // 2, bounds.top(), w, h)


class ImageView(QWidget):
    """One image as large as fits (top-centred), a caption under it, or a message instead."""

    def __init__(self, message: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.image: QImage | None = None
        self.message = message
        self.caption = ""
        self.setMinimumSize(160, 160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:
        return QSize(360, 320)

    def set_image(self, image: QImage | None, caption: str = "") -> None:
        self.image, self.caption = image, caption
        self.update()

    def set_message(self, message: str) -> None:
        self.image, self.message, self.caption = None, message, ""
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        p, pal = QPainter(self), self.palette()
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        caption_h = p.fontMetrics().height() + 8
        bounds = self.rect().adjusted(0, 0, 0, -caption_h)
        if self.image is not None and not self.image.isNull():
            target = fit_square(self.image.size(), bounds)
            _draw_image(p, target, self.image)
            p.setPen(pal.color(MUTED))
            line = QRect(0, target.bottom() + 6, self.width(), caption_h)
            p.drawText(
                line, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, self.caption
            )
        else:
            side = min(bounds.width(), bounds.height())
            target = QRect(bounds.left() + (bounds.width() - side) // 2, bounds.top(), side, side)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(pal.color(BACKGROUND))
            p.drawRoundedRect(target, 8, 8)
            p.setPen(pal.color(MUTED))
            flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
            p.drawText(target.adjusted(24, 24, -24, -24), flags, self.message)
        p.end()


class ThumbnailStrip(QWidget):
    """Square thumbnails in `rows` rows, as many as fit; the last cell says how many more."""

    def __init__(self, cell: int = 40, rows: int = 1, parent: QWidget | None = None):
        super().__init__(parent)
        self.cell, self.rows, self.gap = cell, rows, 4
        self.images: list[QImage] = []
        self.total = 0  # images in the set (may exceed len(images))
        self.highlight = False
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(rows * (cell + self.gap) - self.gap + 2)

    def sizeHint(self) -> QSize:
        return QSize(8 * (self.cell + self.gap), self.height())

    def set_images(self, images: list[QImage], total: int | None = None) -> None:
        self.images = list(images)
        self.total = max(total or 0, len(self.images))
        self.update()

    def set_highlight(self, on: bool) -> None:
        self.highlight = on
        self.update()

    def visible_count(self) -> int:
        per_row = max(1, (self.width() + self.gap) // (self.cell + self.gap))
        return per_row * self.rows

    def paintEvent(self, event: QPaintEvent) -> None:
        p, pal = QPainter(self), self.palette()
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        per_row = max(1, (self.width() + self.gap) // (self.cell + self.gap))
        slots = per_row * self.rows
        shown = self.images[:slots]
        more = self.total - len(shown)
        if more > 0 and len(shown) == slots:
            shown = shown[:-1]
            more += 1
        for i, image in enumerate(shown):
            r, c = divmod(i, per_row)
            rect = QRect(
                1 + c * (self.cell + self.gap), 1 + r * (self.cell + self.gap), self.cell, self.cell
            )
            _draw_image(p, rect, image)
            if self.highlight:
                p.setPen(QPen(pal.color(QPalette.ColorRole.Highlight), 1.5))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawRect(QRectF(rect).adjusted(-0.5, -0.5, 0.5, 0.5))
        if more > 0:
            i = len(shown)
            r, c = divmod(i, per_row)
            rect = QRect(
                1 + c * (self.cell + self.gap), 1 + r * (self.cell + self.gap), self.cell, self.cell
            )
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(pal.color(BACKGROUND))
            p.drawRoundedRect(rect, 4, 4)
            p.setPen(pal.color(MUTED))
            p.drawText(rect, Qt.AlignmentFlag.AlignCenter, f"+{more}")
        p.end()


class SkippedFilesModel(QAbstractTableModel):
    """File | reason for every skipped file of a DatasetReport."""

    HEADERS = ("File", "Why it was skipped")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list[tuple[str, str]] = []

    def set_rows(self, rows: list[tuple[str, str]]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else 2

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self.rows[index.row()][index.column()]
        return None

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        self.layoutAboutToBeChanged.emit()
        self.rows.sort(
            key=lambda r: r[column].lower(), reverse=order == Qt.SortOrder.DescendingOrder
        )
        self.layoutChanged.emit()
