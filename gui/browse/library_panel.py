"""Library: favourites with star ratings, the history of the current image (undo stack) and
its lineage (ancestors with thumbnails)."""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent, QModelIndex, QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QIcon,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPalette,
    QPixmap,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QUndoView,
    QVBoxLayout,
    QWidget,
)

from engine.latent import Latent

from ..core.latents import describe_latent
from ..core.library import MAX_RATING, Favourite, LineageNode
from ..widgets.image_grid import CELL_BACKGROUND
from ..widgets.style import painted

THUMB = 52
STAR = 13
STAR_GAP = 3
# painted colours as the dark theme has them (style.painted); the title is the palette's Text
STAR_ON = "#e8b84a"
STAR_OFF = "#454b55"
ROW_SELECTED = "#2b3a4f"  # as QUndoView#historyView::item:selected in ganvas.qss
SUBTITLE = "#8b939e"
ID_ROLE = Qt.ItemDataRole.UserRole
RATING_ROLE = Qt.ItemDataRole.UserRole + 1
SUBTITLE_ROLE = Qt.ItemDataRole.UserRole + 2


def star_path(centre: QPointF, radius: float) -> QPainterPath:
    path = QPainterPath()
    for k in range(10):
        r = radius if k % 2 == 0 else radius * 0.45
        a = -math.pi / 2 + k * math.pi / 5
        point = QPointF(centre.x() + r * math.cos(a), centre.y() + r * math.sin(a))
        if k == 0:
            path.moveTo(point)
        else:
            path.lineTo(point)
    path.closeSubpath()
    return path


def paint_stars(p: QPainter, origin: QPointF, rating: int, palette: QPalette) -> None:
    p.setPen(Qt.PenStyle.NoPen)
    on, off = painted(STAR_ON, palette), painted(STAR_OFF, palette)
    for i in range(MAX_RATING):
        centre = QPointF(origin.x() + i * (STAR + STAR_GAP) + STAR / 2, origin.y() + STAR / 2)
        p.setBrush(on if i < rating else off)
        p.drawPath(star_path(centre, STAR / 2))


def image_icon(image: QImage | None) -> QIcon:
    if image is None or image.isNull():
        return QIcon()
    return QIcon(QPixmap.fromImage(image))


class FavouriteDelegate(QStyledItemDelegate):
    """Thumbnail, title, what it is, and five clickable stars."""

    rating_clicked = Signal(object, int)  # favourite id (48 bits), rating

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        return QSize(200, THUMB + 12)

    def stars_origin(self, rect: QRect) -> QPointF:
        return QPointF(rect.left() + THUMB + 18, rect.bottom() - 6 - STAR)

    def paint(self, p: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        p.save()
        p.setRenderHints(
            QPainter.RenderHint.Antialiasing | QPainter.RenderHint.SmoothPixmapTransform
        )
        rect, pal = option.rect, option.palette
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        hovered = bool(option.state & QStyle.StateFlag.State_MouseOver)
        if selected or hovered:
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(painted(ROW_SELECTED if selected else CELL_BACKGROUND, pal))
            p.drawRoundedRect(QRectF(rect).adjusted(2, 1, -2, -1), 6, 6)
        icon: QIcon = index.data(Qt.ItemDataRole.DecorationRole)
        thumb = QRect(rect.left() + 8, rect.top() + 6, THUMB, THUMB)
        if icon is not None and not icon.isNull():
            icon.paint(p, thumb)
        else:
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(painted(CELL_BACKGROUND, pal))
            p.drawRoundedRect(QRectF(thumb), 4, 4)
        text_x = thumb.right() + 10
        p.setPen(pal.color(QPalette.ColorRole.Text))
        title = QRect(text_x, rect.top() + 6, rect.right() - text_x - 6, 18)
        metrics = p.fontMetrics()
        p.drawText(
            title,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            metrics.elidedText(
                index.data(Qt.ItemDataRole.DisplayRole) or "",
                Qt.TextElideMode.ElideRight,
                title.width(),
            ),
        )
        p.setPen(painted(SUBTITLE, pal, text=True))
        sub = QRect(text_x, title.bottom() + 1, title.width(), 16)
        p.drawText(
            sub,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            metrics.elidedText(
                index.data(SUBTITLE_ROLE) or "", Qt.TextElideMode.ElideRight, sub.width()
            ),
        )
        paint_stars(p, self.stars_origin(rect), int(index.data(RATING_ROLE) or 0), pal)
        p.restore()

    def star_at(self, rect: QRect, pos: QPointF) -> int | None:
        """1–5 for a click on a star, None elsewhere."""
        origin = self.stars_origin(rect)
        x, y = pos.x() - origin.x(), pos.y() - origin.y()
        if not -2 <= y <= STAR + 2 or x < -2:
            return None
        star = int(x // (STAR + STAR_GAP)) + 1
        return star if 1 <= star <= MAX_RATING else None

    def editorEvent(
        self, event: QEvent, model, option: QStyleOptionViewItem, index: QModelIndex
    ) -> bool:
        if event.type() == QEvent.Type.MouseButtonRelease and isinstance(event, QMouseEvent):
            star = self.star_at(option.rect, event.position())
            if star is not None:
                current = int(index.data(RATING_ROLE) or 0)
                self.rating_clicked.emit(int(index.data(ID_ROLE)), 0 if star == current else star)
                return True
        return super().editorEvent(event, model, option, index)


class FavouritesList(QListWidget):
    """Keys: 0–5 rate the selected favourites, Delete removes them, Enter opens one."""

    rating_requested = Signal(object, int)  # id (48 bits), rating
    remove_requested = Signal(list)  # ids
    open_requested = Signal(object)  # id

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("favouritesList")
        self.delegate = FavouriteDelegate(self)
        self.delegate.rating_clicked.connect(self.rating_requested)
        self.setItemDelegate(self.delegate)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setMouseTracking(True)
        self.setUniformItemSizes(True)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setToolTip(
            "Favourites: click one to make it current (Ctrl-click to select several for "
            "crossbreeding); click a star or press 0–5 to rate; Delete removes"
        )
        self.itemClicked.connect(self._on_clicked)

    def selected_ids(self) -> list[int]:
        return [int(item.data(ID_ROLE)) for item in self.selectedItems()]

    def _on_clicked(self, item: QListWidgetItem) -> None:
        plain = QApplication.keyboardModifiers() == Qt.KeyboardModifier.NoModifier
        if plain:
            self.open_requested.emit(int(item.data(ID_ROLE)))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if Qt.Key.Key_0 <= key <= Qt.Key.Key_5 and self.selectedItems():
            for fav_id in self.selected_ids():
                self.rating_requested.emit(fav_id, key - Qt.Key.Key_0)
        elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.selectedItems():
            self.remove_requested.emit(self.selected_ids())
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentItem():
            self.open_requested.emit(int(self.currentItem().data(ID_ROLE)))
        else:
            super().keyPressEvent(event)


class LibraryPanel(QTabWidget):
    """Favourites · History · Lineage."""

    open_latent = Signal(object)  # Latent to make current
    add_requested = Signal()

    def __init__(self, undo_stack, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("libraryPanel")
        self.setDocumentMode(True)
        self._favourites: dict[int, Favourite] = {}
        self._lineage: dict[int, Latent] = {}

        # favourites
        self.favourites = FavouritesList()
        self.add_button = QPushButton("Add current")
        self.add_button.setToolTip("Add the current image to the favourites (Ctrl+D)")
        self.add_button.clicked.connect(self.add_requested)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Remove the selected favourites (Delete)")
        self.remove_button.clicked.connect(
            lambda: self.favourites.remove_requested.emit(self.favourites.selected_ids())
        )
        self.favourites_hint = QLabel()
        self.favourites_hint.setObjectName("panelHint")
        buttons = QHBoxLayout()
        buttons.addWidget(self.favourites_hint, 1)
        buttons.addWidget(self.remove_button)
        buttons.addWidget(self.add_button)
        fav_page = QWidget()
        fav_layout = QVBoxLayout(fav_page)
        fav_layout.setContentsMargins(8, 8, 8, 8)
        fav_layout.addWidget(self.favourites, 1)
        fav_layout.addLayout(buttons)
        self.favourites.open_requested.connect(self._open_favourite)
        self.favourites.itemSelectionChanged.connect(self._update_buttons)

        # history
        self.history = QUndoView(undo_stack)
        self.history.setObjectName("historyView")
        self.history.setEmptyLabel("Opened")
        self.history.setToolTip(
            "Every change to the current image: click a step to go back to it "
            "(Ctrl+Z undo, Ctrl+Shift+Z redo)"
        )

        # lineage
        self.lineage = QTreeWidget()
        self.lineage.setObjectName("lineageTree")
        self.lineage.setHeaderHidden(True)
        self.lineage.setIconSize(QSize(44, 44))
        self.lineage.setIndentation(18)
        self.lineage.setToolTip(
            "Where the current image came from: its parents, their parents, …; "
            "click one to go back to it"
        )
        self.lineage.itemClicked.connect(self._open_ancestor)

        self.addTab(fav_page, "Favourites")
        self.addTab(self.history, "History")
        self.addTab(self.lineage, "Lineage")
        self.setTabToolTip(0, "Images you starred, with ratings; kept per model")
        self.setTabToolTip(1, self.history.toolTip())
        self.setTabToolTip(2, self.lineage.toolTip())
        self._update_buttons()

    # --- favourites -------------------------------------------------------------------------

    def show_favourites(self, favourites: list[Favourite]) -> None:
        selected = set(self.favourites.selected_ids())
        icons = {
            int(self.favourites.item(i).data(ID_ROLE)): self.favourites.item(i).icon()
            for i in range(self.favourites.count())
        }
        self.favourites.clear()
        self._favourites = {f.id: f for f in favourites}
        for fav in favourites:
            item = QListWidgetItem(fav.name or describe_latent(fav.latent).split("  ·  ")[0])
            item.setData(ID_ROLE, fav.id)
            item.setData(RATING_ROLE, fav.rating)
            item.setData(SUBTITLE_ROLE, describe_latent(fav.latent).split("  ·  ", 1)[-1])
            item.setToolTip(describe_latent(fav.latent))
            if fav.id in icons:
                item.setIcon(icons[fav.id])
            self.favourites.addItem(item)
            item.setSelected(fav.id in selected)
        n = len(favourites)
        self.favourites_hint.setText(
            f"{n} favourite{'s' if n != 1 else ''}"
            if n
            else "No favourites yet: Ctrl+D adds the current image."
        )
        self._update_buttons()

    def set_favourite_images(self, ids: list[int], images: list[QImage]) -> None:
        by_id = dict(zip(ids, images, strict=True))
        for i in range(self.favourites.count()):
            item = self.favourites.item(i)
            image = by_id.get(int(item.data(ID_ROLE)))
            if image is not None:
                item.setIcon(image_icon(image))

    def selected_favourites(self) -> list[Favourite]:
        return [
            self._favourites[i] for i in self.favourites.selected_ids() if i in self._favourites
        ]

    def _open_favourite(self, fav_id: int) -> None:
        fav = self._favourites.get(fav_id)
        if fav is not None:
            self.open_latent.emit(fav.latent)

    def _update_buttons(self) -> None:
        self.remove_button.setEnabled(bool(self.favourites.selectedItems()))

    # --- lineage ----------------------------------------------------------------------------

    def show_lineage(self, root: LineageNode) -> list[Latent]:
        """Fill the tree; → the latents shown, in order (for thumbnails)."""
        self.lineage.clear()
        self._lineage = {}
        shown: list[Latent] = []

        def add(node: LineageNode, parent: QTreeWidgetItem | None, label: str) -> None:
            item = QTreeWidgetItem([f"{label}\n{describe_latent(node.latent)}"])
            item.setData(0, ID_ROLE, node.id)
            item.setToolTip(0, describe_latent(node.latent))
            self._lineage[node.id] = node.latent
            shown.append(node.latent)
            if parent is None:
                self.lineage.addTopLevelItem(item)
            else:
                parent.addChild(item)
            for i, p in enumerate(node.parents):
                add(p, item, f"Parent {i + 1}" if len(node.parents) > 1 else "Parent")
            if node.missing:
                gone = QTreeWidgetItem([f"{node.missing} parent(s) not kept"])
                gone.setDisabled(True)
                item.addChild(gone)

        add(root, None, "This image")
        self.lineage.expandAll()
        return shown

    def set_lineage_images(self, images: list[QImage]) -> None:
        items = []

        def walk(item: QTreeWidgetItem) -> None:
            if item.data(0, ID_ROLE) is not None:
                items.append(item)
            for i in range(item.childCount()):
                walk(item.child(i))

        for i in range(self.lineage.topLevelItemCount()):
            walk(self.lineage.topLevelItem(i))
        for item, image in zip(items, images, strict=False):
            item.setIcon(0, image_icon(image))

    def _open_ancestor(self, item: QTreeWidgetItem) -> None:
        key = item.data(0, ID_ROLE)
        latent = self._lineage.get(int(key)) if key is not None else None
        if latent is not None and item.parent() is not None:
            self.open_latent.emit(latent)
