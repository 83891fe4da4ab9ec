"""Images into the browser: open an image exported by Ganvas to get its latent back, or find the
latent of any other image by projection (the Projection dock).

The window routes dropped images here (`dropped_image`, `Projection.open_image`).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QFileDialog

from engine.latent import Latent

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
    for url in event.mimeData().urls():
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
        f"File → Open model…, then drop the image again."
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
        from engine.export import read_record, record_latent  # Pillow only, fast

        path = Path(path)
        record = read_record(path)
        if record is None:
            log.info("%s has no Ganvas record: projecting it", path)
            self.project(path)
            return None
        want, have = record["model"], self.model_ref()
        if have is None or want.get("sha256") != have.sha256:
            self.reporter.report(
                "A different model is needed",
                different_model_text(path.name, want, have),
                parent=self.host.widget,
            )
            return None
        try:
            latent = record_latent(record)
        except (ValueError, TypeError, KeyError) as exc:
            self.reporter.report(
                "Could not open image",
                f"{path.name} carries a Ganvas record that cannot be read ({exc}).",
                parent=self.host.widget,
            )
            return None
        if latent.ws is not None and len(latent.ws) != self.state.model.num_ws:
            self.reporter.report(
                "Could not open image",
                f"{path.name} does not fit this model's layers.",
                parent=self.host.widget,
            )
            return None
        self.studio.history.apply(latent, f"Opened {path.name}")
        self.host.show_status(f"Opened {path.name}: its image is current", 5000)
        self.restored.emit(latent)
        return latent

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


def install_projection(studio: Studio, host: Host) -> Projection:
    """Add Open image…, Project image… and the Projection dock to the window."""
    return Projection(studio, host)
