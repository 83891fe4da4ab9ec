"""Export in the window: the File menu's export entries and the dialogs they open.

`install_exports(studio, host)` adds all of it. The images come from the Studio: the browse
state, the library's favourites, the likes, the browser's directions and keyframes.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction

from engine.naming import IMAGE_SUFFIXES

from ..core.models import ModelRef, forget_models
from ..widgets.actions import explained_action
from .animation import AnimationDialog
from .dialogs import (
    SOURCE_LIKED,
    SOURCE_SEEDS,
    BatchExportDialog,
    ContactSheetDialog,
    ExportDialog,
    ImageExportDialog,
    Sources,
    session,
)
from .jobs import Item, Written
from .model import BlendDialog, OnnxDialog, SaveModelDialog
from .notice import ExportNotice

if TYPE_CHECKING:
    from ..core.host import Host
    from ..core.settings import Preferences
    from ..core.studio import Studio

log = logging.getLogger("ganvas")

LIKED_TEMPLATE = "{model}-liked-{index:04d}.png"


class ExportActions(QObject):
    """The File menu's export entries and what they open."""

    def __init__(self, studio: Studio, host: Host):
        super().__init__(host.widget)
        self.studio, self.host = studio, host
        self.state = studio.state
        self.reporter = studio.reporter
        self.runner = studio.jobs
        self.window = host.widget  # the dialogs' parent
        self.folder: Path | None = None  # the last folder exported to, for the next dialog
        self.dialogs: dict[str, ExportDialog] = {}

        self._create_actions()
        self._create_menu()
        self.notice = ExportNotice()  # "Show in folder" after every export
        host.add_status_widget(self.notice)
        self.state.model_changed.connect(self._on_model_changed)
        studio.likes.changed.connect(self._update_actions)
        host.add_context_entries("preview", lambda menu: menu.addAction(self.export_image_action))
        studio.settings.changed.connect(self.use_preferences)
        self.use_preferences(studio.settings.values)
        self._on_model_changed()

    def use_preferences(self, prefs: Preferences) -> None:
        """The preferred folder and file names, for the next dialog opened."""
        session.template = prefs.template
        session.folder = Path(prefs.export_folder).expanduser() if prefs.export_folder else None

    # --- construction -------------------------------------------------------------------------

    def _action(self, text: str, shortcut: str | None, tip: str, slot) -> QAction:
        return self.host.add_action(explained_action(self.window, text, shortcut, tip, slot))

    def _create_actions(self) -> None:
        a = self._action
        self.export_image_action = a(
            "Export image…", "Ctrl+E", "Save the current image with its record", self.export_image
        )
        self.batch_action = a(
            "Batch export…",
            "Ctrl+Shift+E",
            "Save many images at once: seeds, favourites, liked images or variations",
            self.batch_export,
        )
        self.sheet_action = a(
            "Contact sheet…", None, "Many images on one sheet (or a sprite sheet)", self.sheet
        )
        self.animation_action = a(
            "Export animation…",
            None,
            "A looping GIF, WebP or MP4 through chosen keyframes",
            self.animation,
        )
        self.save_model_action = a(
            "Save model as…",
            "Ctrl+Shift+S",
            "Save the open model as a shareable .safetensors file",
            self.save_model,
        )
        self.onnx_action = a(
            "Export ONNX…", None, "Export the generator for other runtimes", self.export_onnx
        )
        self.blend_action = a(
            "Blend models…",
            None,
            "A new model: the open model's shapes with another model's textures",
            self.blend_models,
        )
        self.export_liked_action = a(
            "Export liked images…",
            None,
            "Save every liked image into a folder, e.g. to fine-tune a model on them",
            self.export_liked,
        )
        self.host.add_action(self.export_liked_action, "export.liked")
        self.model_actions = (
            self.export_image_action,
            self.batch_action,
            self.sheet_action,
            self.animation_action,
            self.save_model_action,
            self.onnx_action,
            self.blend_action,
        )

    def _create_menu(self) -> None:
        self.host.add_to_menu(
            "file",
            [
                self.export_image_action,
                self.batch_action,
                self.sheet_action,
                self.animation_action,
                self.export_liked_action,
            ],
        )
        self.host.add_to_menu("file", [self.save_model_action, self.onnx_action, self.blend_action])

    # --- state --------------------------------------------------------------------------------

    def model_ref(self) -> ModelRef | None:
        info = self.state.model
        return ModelRef.from_info(info) if info is not None else None

    def _on_model_changed(self, *_: object) -> None:
        info = self.state.model
        forget_models()  # the jobs' copy of the previous model is not needed any more
        for action in self.model_actions:
            action.setEnabled(info is not None)
        self._update_actions()

    def _update_actions(self) -> None:
        liked = bool(self.studio.likes.liked())
        self.export_liked_action.setEnabled(self.state.model is not None and liked)

    def sources(self) -> Sources:
        studio = self.studio
        favourites = [
            Item(f.latent, f.name or f"favourite {i + 1}")
            for i, f in enumerate(studio.library.favourites)
        ]
        directions = list(studio.directions)
        liked = [Item(lat, f"liked {i + 1}") for i, lat in enumerate(studio.likes.liked())]
        return Sources(
            psi=self.state.psi,
            current=self.state.current,
            grid=list(self.state.grid_latents()),
            favourites=favourites,
            liked=liked,
            directions=directions,
        )

    # --- dialogs ------------------------------------------------------------------------------

    def _show(self, key: str, dialog: ExportDialog) -> ExportDialog:
        old = self.dialogs.get(key)
        if old is not None and old.running:  # a job still runs there: bring it forward instead
            old.raise_()
            old.activateWindow()
            dialog.deleteLater()
            return old
        if old is not None:
            old.close()
            old.deleteLater()
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
        dialog.exported.connect(self._on_exported)
        self.dialogs[key] = dialog
        dialog.show()
        return dialog

    def _show_over_sources(
        self, key: str, dialog_class: type[BatchExportDialog | ContactSheetDialog], **options
    ) -> ExportDialog | None:
        """A dialog over the open model's images (`sources()`); None without a model."""
        if self._no_model():
            return None
        dialog = dialog_class(
            self.model_ref(),
            self.state.model.resolution,
            self.sources(),
            self.runner,
            self.reporter,
            self.window,
            folder=self.folder,
            **options,
        )
        return self._show(key, dialog)

    def _no_model(self) -> bool:
        if self.state.model is None:
            self.host.show_status("Open a model first (File → Open model…)", 5000)
            return True
        return False

    def export_image(self) -> ExportDialog | None:
        if self._no_model():
            return None
        info = self.state.model
        dialog = ImageExportDialog(
            self.model_ref(),
            info.resolution,
            self.state.current,
            self.runner,
            self.reporter,
            self.window,
            folder=self.folder,
        )
        shown = self._show("image", dialog)
        if shown is dialog:  # follows the current image (disconnected when it is deleted)
            self.state.current_changed.connect(dialog.set_latent)
        return shown

    def batch_export(
        self, kind: str = SOURCE_SEEDS, template: str | None = None
    ) -> ExportDialog | None:
        """template None: the session's, shared with Export image."""
        return self._show_over_sources("batch", BatchExportDialog, kind=kind, template=template)

    def export_liked(self) -> ExportDialog | None:
        """The liked images into a folder, e.g. to fine-tune on them (the curation loop)."""
        dialog = self.batch_export(SOURCE_LIKED, LIKED_TEMPLATE)
        if dialog is not None:
            dialog.setWindowTitle("Export liked images")
        return dialog

    def sheet(self) -> ExportDialog | None:
        return self._show_over_sources("sheet", ContactSheetDialog)

    def animation(self) -> ExportDialog | None:
        if self._no_model():
            return None
        sources = self.sources()
        keys = list(self.studio.keyframes)
        dialog = AnimationDialog(
            self.model_ref(),
            self.state.model.resolution,
            self.state.psi,
            keys,
            sources.favourites,
            self.runner,
            self.reporter,
            self.window,
            folder=self.folder,
        )
        return self._show("animation", dialog)

    def save_model(self) -> ExportDialog | None:
        if self._no_model():
            return None
        dialog = SaveModelDialog(self.model_ref(), self.runner, self.reporter, self.window)
        return self._show("model", dialog)

    def blend_models(self) -> ExportDialog | None:
        if self._no_model():
            return None
        info = self.state.model
        dialog = BlendDialog(
            self.model_ref(), info.resolution, self.runner, self.reporter, self.window
        )
        return self._show("blend", dialog)

    def export_onnx(self) -> ExportDialog | None:
        if self._no_model():
            return None
        info = self.state.model
        dialog = OnnxDialog(self.model_ref(), info.z_dim, self.runner, self.reporter, self.window)
        return self._show("onnx", dialog)

    def _on_exported(self, written: Written) -> None:
        if written.paths:
            first = written.paths[0]
            self.folder = first.parent if first.suffix else first
        self.notice.show_written(written.paths, written.summary)
        if len(written.paths) == 1 and written.paths[0].suffix.lower() in IMAGE_SUFFIXES:
            self.studio.recent.add(written.paths[0], "image")  # one image: File → Open recent
        if not written.paths:
            self.host.show_status(written.summary, 8000)

    def shutdown(self) -> None:
        for dialog in self.dialogs.values():
            dialog.cancel()


def install_exports(studio: Studio, host: Host) -> ExportActions:
    """Add the export actions and dialogs to the window."""
    return ExportActions(studio, host)
