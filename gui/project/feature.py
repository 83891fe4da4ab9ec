"""Images into the browser: open an image exported by Ganvas to get its latent back, or find the
latent of any other image by projection (the Projection dock).

The window routes dropped images here (`dropped_image`, `Projection.open_image`); Edit → Paste
(Ctrl+V) takes the clipboard's image the same way: Ganvas's own Copy (a PNG with its record)
comes back exactly, any other image is projected, as a dropped one is.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QDragEnterEvent, QDropEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QFileDialog

from engine.latent import Latent

from ..core.images import PNG_MIME, read_png_record
from ..core.models import ModelRef
from ..widgets.actions import explained_action
from .panel import IMAGE_FILTER, ProjectionPanel

if TYPE_CHECKING:
    from ..core.host import Host
    from ..core.studio import Studio

log = logging.getLogger("ganvas")

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff"}


def dropped_image(event: QDragEnterEvent | QDropEvent) -> Path | None:
    """The first local image file in a drag, if any."""
    return image_in_urls(event.mimeData().urls())


def image_in_urls(urls) -> Path | None:
    """The first local image file among `urls` (a drag's or the clipboard's), if any."""
    for url in urls:
        if url.isLocalFile():
            path = Path(url.toLocalFile())
            if path.suffix.lower() in IMAGE_SUFFIXES and path.is_file():
                return path
    return None


def different_model_text(image: str, want: dict, have: ModelRef | None) -> str:
    """Plain words for an image made with another model: which one is needed."""
    name, sha = str(want.get("name") or "unnamed"), str(want.get("sha256") or "")
    needed = f"“{name}” (SHA-256 {sha[:12]}…)"
    if have is None:
        now = "no model is open"
    else:
        now = f"the open model is “{have.name}” ({have.short_sha}…)"
    return (
        f"{image} was made with the model {needed}, but {now}. Open that model with "
        f"File → Open model…, then drop or paste the image again."
    )


class Projection(QObject):
    """File → Open image… / Project image…, and the Projection dock."""

    restored = Signal(object)  # Latent of an opened image, now the current image

    def __init__(self, studio: Studio, host: Host):
        super().__init__(host.widget)
        self.studio, self.host = studio, host
        self.state, self.reporter = studio.state, studio.reporter
        self.folder: Path | None = None  # where the last image was opened from

        self.panel = ProjectionPanel(studio.jobs, self.reporter)
        self.panel.result_ready.connect(self._on_projected)
        self.dock = host.add_dock(
            "projection",
            "Projection",
            self.panel,
            area=Qt.DockWidgetArea.RightDockWidgetArea,
            tip="Find the latent of your own image",
            bare_tab=True,
        )
        self.dock.hide()

        self.open_image_action = self._action(
            "Open image…",
            "Ctrl+Shift+O",
            "Open an image exported by Ganvas to get its latent back (others are projected)",
            self.choose_image,
        )
        self.project_action = self._action(
            "Project image…",
            None,
            "Find the latent of any image, so you can edit it with the browser's tools",
            self.choose_projection,
        )
        host.add_to_menu("file", [self.open_image_action, self.project_action])
        self.paste_action = self.host.add_action(
            explained_action(
                host.widget,
                "Paste image",
                None,
                "Bring back an image copied from Ganvas exactly; any other image is found in "
                "the model (projected)",
                self.paste,
            )
        )
        # a text field's own Ctrl+V still pastes text: Qt gives the key to it first
        self.paste_action.setShortcuts(QKeySequence.keyBindings(QKeySequence.StandardKey.Paste))
        keys = self.paste_action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        self.paste_action.setToolTip(f"{self.paste_action.statusTip()} ({keys})")
        host.add_to_menu("edit", [self.paste_action], separator=False)  # beside Copy
        self._paste_folder: Path | None = None
        toggle = self.dock.toggleViewAction()
        toggle.setToolTip("Show or hide the Projection panel")
        host.add_to_menu("view", [toggle], separator=False)
        self.state.model_changed.connect(self._on_model_changed)
        self._on_model_changed()

    def _action(self, text: str, shortcut: str | None, tip: str, slot) -> QAction:
        return self.host.add_action(explained_action(self.host.widget, text, shortcut, tip, slot))

    def model_ref(self) -> ModelRef | None:
        info = self.state.model
        return ModelRef.from_info(info) if info is not None else None

    def _on_model_changed(self, *_: object) -> None:
        info = self.state.model
        if info is None:
            self.panel.set_model(None)
        else:
            self.panel.set_model(self.model_ref(), info.resolution, info.channels)

    def _no_model(self) -> bool:
        if self.state.model is None:
            self.host.show_status("Open a model first (File → Open model…)", 5000)
            return True
        return False

    # --- opening images -----------------------------------------------------------------------

    def choose_image(self) -> None:
        start = str(self.folder or "")
        path, _ = QFileDialog.getOpenFileName(self.host.widget, "Open image", start, IMAGE_FILTER)
        if path:
            self.folder = Path(path).parent
            self.open_image(path)

    def open_image(self, path: Path | str) -> Latent | None:
        """An exported image: make its latent current (same model only). Any other image:
        project it. → the restored latent, or None."""
        from engine.export import read_record  # Pillow only, fast

        path = Path(path)
        record = read_record(path)
        if record is None:
            log.info("%s has no Ganvas record: projecting it", path)
            self.project(path)
            return None
        return self.restore(record, path.name)

    def restore(self, record: dict, name: str) -> Latent | None:
        """An image's Ganvas record (engine.export) → its latent made current, when it was
        made with the open model; else a plain message. → the latent, or None."""
        from engine.export import record_latent

        want, have = record["model"], self.model_ref()
        if have is None or want.get("sha256") != have.sha256:
            self.reporter.report(
                "A different model is needed",
                different_model_text(name, want, have),
                parent=self.host.widget,
            )
            return None
        try:
            latent = record_latent(record)
        except (ValueError, TypeError, KeyError) as exc:
            self.reporter.report(
                "Could not open image",
                f"{name} carries a Ganvas record that cannot be read ({exc}).",
                parent=self.host.widget,
            )
            return None
        if latent.ws is not None and len(latent.ws) != self.state.model.num_ws:
            self.reporter.report(
                "Could not open image",
                f"{name} does not fit this model's layers.",
                parent=self.host.widget,
            )
            return None
        self.studio.history.apply(latent, f"Opened {name}")
        self.host.show_status(f"Opened {name}: its image is current", 5000)
        self.restored.emit(latent)
        return latent

    # --- paste --------------------------------------------------------------------------------

    def paste(self) -> Latent | None:
        """Edit → Paste: the clipboard's image, as if it had been dropped. → the restored
        latent, or None (projected, or nothing to paste: the status bar says which)."""
        mime = QGuiApplication.clipboard().mimeData()
        record = read_png_record(bytes(mime.data(PNG_MIME))) if mime.hasFormat(PNG_MIME) else None
        if record is not None:  # Ganvas's own Copy
            return self.restore(record, "the pasted image")
        path = image_in_urls(mime.urls())
        if path is not None:  # a file copied in a file manager: what dropping it does
            return self.open_image(path)
        if not mime.hasImage():
            self.host.show_status("Nothing to paste: the clipboard holds no image", 5000)
            return None
        path = self._paste_file()
        if not mime.imageData().save(str(path), "PNG"):
            self.host.show_status("Could not paste the image: it could not be read", 6000)
            return None
        self.host.show_status(
            "The pasted image has no Ganvas record: finding it in the model (Projection)", 6000
        )
        self.project(path)
        return None

    def _paste_file(self) -> Path:
        """Where a pasted image without a record is kept while it is projected (removed when
        the window closes)."""
        if self._paste_folder is None or not self._paste_folder.is_dir():
            self._paste_folder = Path(tempfile.mkdtemp(prefix="ganvas-paste-"))
        n = len(list(self._paste_folder.iterdir())) + 1
        return self._paste_folder / f"pasted image {n}.png"

    # --- projection ---------------------------------------------------------------------------

    def show_projection(self) -> None:
        self.host.reveal_dock("projection")

    def choose_projection(self) -> None:
        self.show_projection()
        self.panel.choose_image()

    def project(self, path: Path | str) -> None:
        self.show_projection()
        if self._no_model():
            self.panel.set_image(path)
            self.panel.status.setText("Open a model first, then press Project.")
            return
        self.panel.project(path)

    def _on_projected(self, latent: Latent) -> None:
        if self.panel.model != self.model_ref():
            return  # another model was opened meanwhile: its latents differ
        name = self.panel.image_path.name if self.panel.image_path else "image"
        # the found w is the image whatever ψ says; taking the grid's ψ keeps the slider and
        # the grid where the artist left them (the slider then scales w about the average)
        latent = latent.replace(psi=self.state.psi)
        self.studio.history.apply(latent, f"Projected {name}")

    def shutdown(self) -> None:
        self.panel.cancel()
        if self._paste_folder is not None:
            shutil.rmtree(self._paste_folder, ignore_errors=True)


def install_projection(studio: Studio, host: Host) -> Projection:
    """Add Open image…, Project image… and the Projection dock to the window."""
    return Projection(studio, host)
