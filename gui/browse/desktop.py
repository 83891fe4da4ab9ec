"""The conventions artists know from Krita and GIMP, for the Browse panel's images: copy the
current image (Ctrl+C), drag any image out to another app or a folder, and look at the preview
zoomed (fit, 1:1, 2×, 4×, crisp pixels) or full screen (F11, Esc leaves).

Copied and dragged images carry the same record File → Export writes (engine.export), so a
pasted (Edit → Paste, gui/project) or dropped PNG is brought back into Ganvas with what made
it.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QMimeData, QObject, Qt, QUrl
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QDrag,
    QGuiApplication,
    QImage,
    QKeyEvent,
    QKeySequence,
    QPixmap,
)
from PySide6.QtWidgets import QVBoxLayout, QWidget

from engine.latent import Latent
from engine.naming import DEFAULT_TEMPLATE, file_name

from ..core.images import PNG_MIME
from ..widgets.preview import PreviewView
from ..widgets.style import dark_palette

if TYPE_CHECKING:
    from ..core.host import Host
    from ..core.studio import Studio
    from .panel import BrowsePanel

log = logging.getLogger("ganvas")

# (zoom, menu text, keys, tooltip); Shift+Ctrl+J fits as in GIMP; plain digits rate favourites
# and Ctrl+0…4 are taken, so the zooms are Alt+digit
ZOOM_ENTRIES = (
    (None, "Fit to window", "Ctrl+Shift+J", "Show the whole image as large as fits"),
    (1, "Actual pixels (1:1)", "Alt+1", "One image pixel per screen pixel"),
    (2, "Zoom 2×", "Alt+2", "Each image pixel as a crisp 2×2 square"),
    (4, "Zoom 4×", "Alt+4", "Each image pixel as a crisp 4×4 square"),
)


def qimage_to_array(image: QImage) -> np.ndarray:
    """A QImage → H×W×3 (or ×4 with transparency) uint8 pixels, an independent copy."""
    rgba = image.convertToFormat(QImage.Format.Format_RGBA8888)
    w, h, bpl = rgba.width(), rgba.height(), rgba.bytesPerLine()
    rows = np.frombuffer(bytes(rgba.constBits()), np.uint8).reshape(h, bpl)
    pixels = rows[:, : w * 4].reshape(h, w, 4)
    # RGB when every pixel is opaque (the generator's images are), so the PNG matches Export's
    return pixels[:, :, :3].copy() if (pixels[:, :, 3] == 255).all() else pixels.copy()


def png_bytes(pixels: np.ndarray, record: dict) -> bytes:
    """The PNG File → Export would write, as bytes (written through save_image, so the same
    chunks; a temporary file because save_image writes atomically to a path)."""
    from engine.export import save_image  # torch comes with it: not before the window shows

    with tempfile.TemporaryDirectory(prefix="ganvas-copy-") as folder:
        path = save_image(Path(folder) / "image.png", pixels, record)
        return path.read_bytes()


def image_mime(image: QImage, png: bytes, file: Path | None = None) -> QMimeData:
    """Pixels for any app (the QImage), the PNG with its record under image/png (so Ganvas can
    restore a paste), and, for drags, the file for file managers."""
    mime = QMimeData()
    mime.setImageData(image)
    mime.setData(PNG_MIME, png)
    if file is not None:
        mime.setUrls([QUrl.fromLocalFile(str(file))])
    return mime


class FullscreenPreview(QWidget):
    """The preview alone on the whole screen; Esc or F11 leaves."""

    def __init__(self, source: PreviewView, actions: list[QAction]):
        super().__init__(None, Qt.WindowType.Window)
        self.setObjectName("fullscreenPreview")
        self.setWindowTitle("Ganvas preview")
        # black behind the picture in either theme, as photo viewers do: its caption and
        # message are painted for the dark look whatever the app's theme is
        self.setStyleSheet("#fullscreenPreview { background: #000000; }")
        self.setPalette(dark_palette())
        self.view = PreviewView(self)
        self.view.setToolTip("Esc or F11 leaves full screen")
        self.view.set_zoom(source.zoom)
        self.view.set_caption(source.caption)
        self.view.set_image(source.image)
        source.image_changed.connect(self.view.set_image)
        source.zoom_changed.connect(self.view.set_zoom)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 24, 24, 12)
        layout.addWidget(self.view)
        self.addActions(actions)  # the zoom keys work here too

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Escape, Qt.Key.Key_F11):
            self.close()
            return
        super().keyPressEvent(event)


class DesktopHabits(QObject):
    """Copy, drag out, zoom and full screen for the Browse panel's images."""

    def __init__(self, studio: Studio, host: Host, browse: BrowsePanel):
        super().__init__(host.widget)
        self.studio, self.host, self.browse = studio, host, browse
        self.state = studio.state
        self.fullscreen: FullscreenPreview | None = None
        self._drag_folder: Path | None = None
        self._create_actions()
        browse.grid.cell_drag.connect(self.drag_cell)
        browse.preview.drag_requested.connect(self.drag_current)
        browse.preview.setToolTip(
            "The selected image, enlarged: drag it to a folder or another app; "
            "View → Zoom shows its pixels (drag to move around when zoomed in)"
        )
        self.state.model_changed.connect(self._update_actions)
        self._update_actions()

    # --- actions ------------------------------------------------------------------------------

    def _action(self, text: str, keys: list[QKeySequence], tip: str) -> QAction:
        action = QAction(text, self.host.widget)
        action.setShortcuts(keys)
        shown = keys[0].toString(QKeySequence.SequenceFormat.NativeText) if keys else ""
        action.setToolTip(f"{tip} ({shown})" if shown else tip)
        action.setStatusTip(tip)
        return self.host.add_action(action)

    def _create_actions(self) -> None:
        self.copy_action = self._action(
            "Copy image",
            QKeySequence.keyBindings(QKeySequence.StandardKey.Copy),
            "Copy the current image, to paste it into Krita, GIMP or any other app",
        )
        self.copy_action.triggered.connect(self.copy_current)
        # a text field's own Ctrl+C still copies its text: Qt gives the key to it first
        self.host.add_to_menu("edit", [self.copy_action])
        self.host.add_context_entries("preview", lambda menu: menu.addAction(self.copy_action))

        self.zoom_group = QActionGroup(self)
        self.zoom_actions: dict[int | None, QAction] = {}
        for zoom, text, keys, tip in ZOOM_ENTRIES:
            action = self._action(text, [QKeySequence(keys)], tip)
            action.setCheckable(True)
            action.setChecked(zoom is None)
            action.triggered.connect(lambda _=False, z=zoom: self.set_zoom(z))
            self.zoom_group.addAction(action)
            self.zoom_actions[zoom] = action
        full = QKeySequence.keyBindings(QKeySequence.StandardKey.FullScreen)
        if QKeySequence("F11") not in full:
            full.insert(0, QKeySequence("F11"))
        self.fullscreen_action = self._action(
            "Full screen preview",
            full,
            "Show the current image alone on the whole screen; Esc leaves",
        )
        self.fullscreen_action.triggered.connect(self.toggle_fullscreen)
        self.host.add_to_menu("view", [*self.zoom_actions.values(), self.fullscreen_action])
        self.browse.preview.zoom_changed.connect(self._check_zoom)

    def _update_actions(self, *_: object) -> None:
        self.copy_action.setEnabled(self.state.model is not None)

    # --- zoom and full screen -----------------------------------------------------------------

    def set_zoom(self, zoom: int | None) -> None:
        self.browse.preview.set_zoom(zoom)

    def _check_zoom(self, zoom: int | None) -> None:
        self.zoom_actions[zoom].setChecked(True)

    def toggle_fullscreen(self) -> None:
        if self.fullscreen is not None and self.fullscreen.isVisible():
            self.fullscreen.close()
            return
        actions = [*self.zoom_actions.values(), self.copy_action]
        self.fullscreen = FullscreenPreview(self.browse.preview, actions)
        self.fullscreen.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.fullscreen.destroyed.connect(lambda *_: setattr(self, "fullscreen", None))
        self.fullscreen.showFullScreen()

    # --- what an image is ---------------------------------------------------------------------

    def record(self, latent: Latent) -> dict | None:
        from engine.export import make_record

        info = self.state.model
        return make_record(info.name, info.sha256, latent) if info is not None else None

    def current(self) -> tuple[QImage, Latent] | None:
        """The current image's pixels and latent, when they are on screen."""
        image = self.browse.current_image()
        return (image, self.state.current) if image is not None else None

    def cell(self, index: int) -> tuple[QImage, Latent] | None:
        image = self.browse.cell_image(index)
        return (image, self.state.cell_latent(index)) if image is not None else None

    # --- copy ---------------------------------------------------------------------------------

    def copy_current(self) -> bool:
        """Put the current image (with its record) on the clipboard; False when none shows."""
        shown, record = self.current(), None
        if shown is not None:
            record = self.record(shown[1])
        if shown is None or record is None:
            self.host.show_status("Nothing to copy yet: the image is still being made", 4000)
            return False
        image, _ = shown
        mime = image_mime(image, png_bytes(qimage_to_array(image), record))
        QGuiApplication.clipboard().setMimeData(mime)
        self.host.show_status("Copied the image: paste it into any app", 4000)
        return True

    # --- drag out -----------------------------------------------------------------------------

    def drag_folder(self) -> Path:
        """A temporary folder for dragged files (removed when the window closes)."""
        if self._drag_folder is None or not self._drag_folder.is_dir():
            self._drag_folder = Path(tempfile.mkdtemp(prefix="ganvas-drag-"))
        return self._drag_folder

    def drag_file(self, image: QImage, latent: Latent) -> Path | None:
        """The image as a PNG with its record, named as File → Export would name it."""
        info, record = self.state.model, self.record(latent)
        if info is None or record is None:
            return None
        from engine.export import save_image

        name = file_name(DEFAULT_TEMPLATE, info.name, info.sha256, latent)
        return save_image(self.drag_folder() / name, qimage_to_array(image), record)

    def drag_mime(self, image: QImage, latent: Latent) -> QMimeData | None:
        path = self.drag_file(image, latent)
        return image_mime(image, path.read_bytes(), path) if path is not None else None

    def drag_cell(self, index: int) -> None:
        shown = self.cell(index)
        if shown is not None:
            self._drag(self.browse.grid.cells[index], *shown)

    def drag_current(self) -> None:
        shown = self.current()
        if shown is not None:
            self._drag(self.browse.preview, *shown)

    def _drag(self, source: QWidget, image: QImage, latent: Latent) -> None:
        try:
            mime = self.drag_mime(image, latent)
        except Exception as exc:  # a full temp disk: say so, never break the click
            log.warning("could not prepare a dragged image: %s", exc)
            self.host.show_status(f"Could not drag the image: {exc}", 6000)
            return
        if mime is None:
            return
        drag = QDrag(source)
        drag.setMimeData(mime)
        thumb = image.scaled(
            96, 96, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
        )
        drag.setPixmap(QPixmap.fromImage(thumb))
        drag.exec(Qt.DropAction.CopyAction)

    def shutdown(self) -> None:
        if self.fullscreen is not None:
            self.fullscreen.close()
        if self._drag_folder is not None:
            shutil.rmtree(self._drag_folder, ignore_errors=True)


def install_desktop(studio: Studio, host: Host, browse: BrowsePanel) -> DesktopHabits:
    """Add Copy, drag-out, zoom and full screen to the window."""
    return DesktopHabits(studio, host, browse)
