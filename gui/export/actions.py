"""Export and reproducibility in the main window: File-menu actions, the export dialogs,
opening (or dropping) an exported image to get its latent back, and the Projection dock for
images without a record.

`install_exports(window)` adds all of it; main_window.py only routes dropped images here
(`dropped_image`, `ExportActions.open_image`) and calls `shutdown()` when it closes.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import QDockWidget, QFileDialog, QMainWindow, QMenu, QWidget

from engine.latent import Latent

from ..core.jobs import JobRunner
from ..core.models import ModelRef, forget_models
from ..project.panel import IMAGE_FILTER, ProjectionPanel
from .animation import AnimationDialog
from .dialogs import (
    SOURCE_LIKED,
    SOURCE_SEEDS,
    BatchExportDialog,
    ContactSheetDialog,
    ExportDialog,
    ImageExportDialog,
    Sources,
)
from .jobs import DEFAULT_TEMPLATE, Item, Written
from .model import OnnxDialog, SaveModelDialog

log = logging.getLogger("ganvas")

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff"}
LIKED_TEMPLATE = "{model}-liked-{index:04d}.png"


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


class ExportActions(QObject):
    """The File menu's export entries and what they open."""

    restored = Signal(object)  # Latent of an opened image, now the current image

    def __init__(self, window: QMainWindow):
        super().__init__(window)
        self.window = window
        self.state = window.state
        self.reporter = window.reporter
        self.runner = JobRunner(self)
        self.folder: Path | None = None  # the last folder exported to, for the next dialog
        self.dialogs: dict[str, ExportDialog] = {}

        self.projection = ProjectionPanel(self.runner, self.reporter)
        self.projection.result_ready.connect(self._on_projected)
        self.projection_dock = QDockWidget("Projection", window)
        self.projection_dock.setObjectName("projectionDock")
        self.projection_dock.setWidget(self.projection)
        self.projection_dock.setToolTip("Find the latent of your own image")
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.projection_dock)
        self.projection_dock.hide()
        self._dock_placed = False

        self._create_actions()
        self._create_menu()
        self.state.model_changed.connect(self._on_model_changed)
        self._on_model_changed()

    # --- construction -------------------------------------------------------------------------

    def _action(self, text: str, shortcut: str | None, tip: str, slot) -> QAction:
        action = QAction(text, self.window)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            action.setToolTip(f"{tip} ({keys})")
        else:
            action.setToolTip(tip)
        action.setStatusTip(tip)
        action.triggered.connect(lambda *_: slot())
        self.window.addAction(action)
        return action

    def _create_actions(self) -> None:
        a = self._action
        self.open_image_action = a(
            "Open image…",
            "Ctrl+Shift+O",
            "Open an image exported by Ganvas to get its latent back (others are projected)",
            self.choose_image,
        )
        self.project_action = a(
            "Project image…",
            None,
            "Find the latent of any image, so you can edit it with the browser's tools",
            self.choose_projection,
        )
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
        self.model_actions = (
            self.export_image_action,
            self.batch_action,
            self.sheet_action,
            self.animation_action,
            self.save_model_action,
            self.onnx_action,
        )

    def _create_menu(self) -> None:
        bar = self.window.menuBar()
        file_menu = next(
            (a.menu() for a in bar.actions() if a.menu() and a.text() == "&File"), None
        )
        if file_menu is None:
            file_menu = bar.addMenu("&File")
        quit_action = getattr(self.window, "quit_action", None)
        actions = file_menu.actions()
        before = quit_action if quit_action in actions else None
        # the separator above Quit stays above Quit
        if before is not None and actions.index(before) > 0:
            prev = actions[actions.index(before) - 1]
            if prev.isSeparator():
                before = prev
        groups = (
            (self.open_image_action, self.project_action),
            (
                self.export_image_action,
                self.batch_action,
                self.sheet_action,
                self.animation_action,
            ),
            (self.save_model_action, self.onnx_action),
        )
        for group in groups:
            for action in group:
                file_menu.insertAction(before, action)  # before None: at the end
            file_menu.insertSeparator(before)
        view_menu = next(
            (a.menu() for a in bar.actions() if a.menu() and a.text() == "&View"), None
        )
        toggle = self.projection_dock.toggleViewAction()
        toggle.setToolTip("Show or hide the Projection panel")
        if isinstance(view_menu, QMenu):
            view_menu.addAction(toggle)

    # --- state --------------------------------------------------------------------------------

    def model_ref(self) -> ModelRef | None:
        info = self.state.model
        return ModelRef.from_info(info) if info is not None else None

    def _on_model_changed(self, *_: object) -> None:
        info = self.state.model
        forget_models()  # the jobs' copy of the previous model is not needed any more
        for action in self.model_actions:
            action.setEnabled(info is not None)
        if info is None:
            self.projection.set_model(None)
        else:
            self.projection.set_model(self.model_ref(), info.resolution, info.channels)

    def sources(self) -> Sources:
        browser = getattr(self.window, "browser", None)
        favourites, directions = [], []
        if browser is not None:
            favourites = [
                Item(f.latent, f.name or f"favourite {i + 1}")
                for i, f in enumerate(browser.library.favourites)
            ]
            d = browser.directions
            directions = list(d.principal) + list(d.saved)
        preferences = getattr(self.window, "preferences", None)
        liked = []
        if preferences is not None:
            liked = [Item(lat, f"liked {i + 1}") for i, lat in enumerate(preferences.liked())]
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
            self.window.statusBar().showMessage("Open a model first (File → Open model…)", 5000)
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
        self, kind: str = SOURCE_SEEDS, template: str = DEFAULT_TEMPLATE
    ) -> ExportDialog | None:
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
        browser = getattr(self.window, "browser", None)
        keys = list(browser.interpolation.keys) if browser is not None else []
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
        self.window.statusBar().showMessage(written.summary, 8000)

    # --- opening images -----------------------------------------------------------------------

    def choose_image(self) -> None:
        start = str(self.folder or "")
        path, _ = QFileDialog.getOpenFileName(self.window, "Open image", start, IMAGE_FILTER)
        if path:
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
                parent=self.window,
            )
            return None
        try:
            latent = record_latent(record)
        except (ValueError, TypeError, KeyError) as exc:
            self.reporter.report(
                "Could not open image",
                f"{path.name} carries a Ganvas record that cannot be read ({exc}).",
                parent=self.window,
            )
            return None
        if latent.ws is not None and len(latent.ws) != self.state.model.num_ws:
            self.reporter.report(
                "Could not open image",
                f"{path.name} does not fit this model's layers.",
                parent=self.window,
            )
            return None
        browser = getattr(self.window, "browser", None)
        if browser is not None:
            browser.history.apply(latent, f"Opened {path.name}")
        else:
            self.state.current = latent
        self.window.statusBar().showMessage(f"Opened {path.name}: its image is current", 5000)
        self.restored.emit(latent)
        return latent

    # --- projection ---------------------------------------------------------------------------

    def show_projection(self) -> None:
        dock = self.projection_dock
        if not self._dock_placed:  # first time: a tab beside the other right-hand docks
            self._dock_placed = True
            others = [
                d
                for d in self.window.findChildren(QDockWidget)
                if d is not dock
                and d.isVisible()
                and not d.isFloating()
                and self.window.dockWidgetArea(d) == Qt.DockWidgetArea.RightDockWidgetArea
            ]
            if others:
                self.window.tabifyDockWidget(others[0], dock)
                if others[0].titleBarWidget() is not None:  # the tab names it, as its siblings
                    dock.setTitleBarWidget(QWidget())
        dock.show()
        dock.raise_()

    def choose_projection(self) -> None:
        self.show_projection()
        self.projection.choose_image()

    def project(self, path: Path | str) -> None:
        self.show_projection()
        if self._no_model():
            self.projection.set_image(path)
            self.projection.status.setText("Open a model first, then press Project.")
            return
        self.projection.project(path)

    def _on_projected(self, latent: Latent) -> None:
        if self.projection.model != self.model_ref():
            return  # another model was opened meanwhile: its latents differ
        name = self.projection.image_path.name if self.projection.image_path else "image"
        browser = getattr(self.window, "browser", None)
        if browser is not None:
            browser.history.apply(latent, f"Projected {name}")
        else:
            self.state.current = latent

    def shutdown(self) -> None:
        for dialog in self.dialogs.values():
            dialog.cancel()
        self.projection.cancel()
        self.runner.shutdown()


def install_exports(window: QMainWindow) -> ExportActions:
    """Add export, image opening and projection to the main window."""
    return ExportActions(window)
