"""The main window: menus, toolbar, status bar, drag-and-drop, and the Browse panel; it builds
the Studio and installs each feature with it and a WindowHost (gui/window/host.py).

Importing this module pulls in Qt only; torch is imported by the render worker when the
first model loads, so the window can appear first.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import QFileDialog, QLabel, QMainWindow, QTabWidget, QToolBar, QWidget

from ..browse.browser import install_browser
from ..browse.panel import BrowsePanel
from ..core.errors import ErrorReporter
from ..core.models import MODEL_FILTER
from ..core.renderer import Renderer, RenderRequest, RenderResult
from ..core.settings import Settings
from ..core.state import BrowseState, ModelInfo, ModelStatus
from ..core.studio import Studio
from ..export.actions import install_exports
from ..help.feature import install_help
from ..likes.likes import install_preferences
from ..project.feature import dropped_image, install_projection
from ..train.dock import dropped_folder, install_train
from .host import WindowHost
from .preferences import install_preferences_menu
from .recent_menu import install_recent_menu
from .window_memory import remember_window

log = logging.getLogger("ganvas")

MODEL_SUFFIX = ".safetensors"
LOADING_TEXT = "Loading model…"
NO_MODEL_TEXT = (
    "No model loaded. Open one with File → Open model…, or drop a .safetensors file here."
)


def missing_default_text(path: Path) -> str:
    return f"No bundled model found at {path}; open a model with File → Open model…"


class MainWindow(QMainWindow):
    """Ganvas's first window. State, renderer and reporter can be injected (tests do)."""

    grid_rendered = Signal(object)  # RenderResult, after it is on screen

    def __init__(
        self,
        state: BrowseState | None = None,
        renderer: Renderer | None = None,
        reporter: ErrorReporter | None = None,
        parent: QWidget | None = None,
        settings: Settings | None = None,
    ):
        super().__init__(parent)
        # made the window's child below
        self.studio = Studio(state, renderer, reporter, settings=settings)
        self.state = self.studio.state
        self.renderer = self.studio.renderer
        self.reporter = self.studio.reporter
        self._render_error_shown = ""
        self._loading_path: Path | None = None
        self._last_computed = 0  # images synthesised by the last render
        self.remember_layout = False  # run_app turns it on; windows made in tests leave no trace

        self.setWindowTitle("Ganvas")
        self.setObjectName("mainWindow")
        self.setAcceptDrops(True)
        self.resize(1440, 900)

        self.browse = BrowsePanel(self.state)
        self.setCentralWidget(self.browse)
        self._create_actions()
        self._create_menus_and_toolbar()
        self._create_status_bar()
        self._connect()
        studio, host = self.studio, self.host
        self.setTabPosition(Qt.DockWidgetArea.RightDockWidgetArea, QTabWidget.TabPosition.North)
        # the order decides the order of docks, menu entries and context-menu entries
        self.train = install_train(studio, host)  # Train dock + menu
        self.train_panel = self.train.panel
        self.train_panel.open_model_requested.connect(self.open_model)
        self.browser = install_browser(studio, host, self.browse)  # latent browser docks, menus
        self.projection = install_projection(studio, host)  # open image, Projection dock
        self.exports = install_exports(studio, host)  # export dialogs
        self.preferences = install_preferences(studio, host)  # thumbs up/down, Likes dock
        self.help = install_help(studio, host)  # Help menu: help page (F1), shortcuts, About
        self.recent_menu = install_recent_menu(self)  # File → Open recent
        self.preferences_menu = install_preferences_menu(self)  # Edit → Preferences…
        studio.setParent(self)  # the last child: deleted after the features that use it

    # --- construction -------------------------------------------------------------------

    def _create_actions(self) -> None:
        self.open_action = QAction(self.tr("Open model…"), self)
        self.open_action.setShortcut(QKeySequence.StandardKey.Open)
        self.open_action.setToolTip(self.tr("Open a Ganvas model (.safetensors) (Ctrl+O)"))
        self.open_action.setStatusTip(self.tr("Open a Ganvas model file"))
        self.open_action.triggered.connect(self.choose_model)

        self.quit_action = QAction(self.tr("Quit"), self)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.quit_action.setToolTip(self.tr("Quit Ganvas"))
        self.quit_action.triggered.connect(self.close)

        self.new_seeds_action = QAction(self.tr("New seeds"), self)
        self.new_seeds_action.setShortcut(QKeySequence("Ctrl+R"))
        self.new_seeds_action.setToolTip(
            self.tr("Replace all 16 images with new random seeds (Ctrl+R)")
        )
        self.new_seeds_action.setStatusTip(self.tr("Generate 16 new random seeds"))
        self.new_seeds_action.triggered.connect(self.state.new_seeds)

    def _create_menus_and_toolbar(self) -> None:
        self.toolbar = QToolBar(self.tr("Main toolbar"))
        self.host = WindowHost(self, self.toolbar)
        file_menu = self.host.menu("file")
        file_menu.addAction(self.open_action)
        self.host.set_menu_end("file", file_menu.addSeparator())  # features' groups: above Quit
        file_menu.addAction(self.quit_action)
        self.host.menu("images").addAction(self.new_seeds_action)

        self.toolbar.setObjectName("mainToolbar")
        self.toolbar.setMovable(False)
        self.toolbar.setIconSize(QSize(18, 18))
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.toolbar.addAction(self.open_action)
        self.toolbar.addAction(self.new_seeds_action)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.toolbar)

    def _create_status_bar(self) -> None:
        self.model_label = QLabel()
        self.model_label.setObjectName("modelLabel")
        self.model_label.setToolTip("The model the images come from")
        self.render_label = QLabel()
        self.render_label.setObjectName("renderLabel")
        self.render_label.setToolTip("How long the last render took on the render thread")
        self.statusBar().addWidget(self.model_label, 1)
        self.statusBar().addPermanentWidget(self.render_label)
        self.statusBar().setSizeGripEnabled(False)
        self._show_model_label()

    def _connect(self) -> None:
        s, r = self.state, self.renderer
        for signal in (s.seeds_changed, s.psi_changed, s.model_changed, s.grid_edits_changed):
            signal.connect(self.request_render)
        s.model_changed.connect(self._show_model_label)
        s.status_changed.connect(self._show_model_label)
        s.model_changed.connect(self._update_actions)
        s.render_ms_changed.connect(self._show_render_time)
        r.model_loaded.connect(self._on_model_loaded)
        r.model_failed.connect(self._on_model_failed)
        r.result_ready.connect(self._on_result)
        r.render_failed.connect(self._on_render_failed)
        self._update_actions()

    # --- models ---------------------------------------------------------------------------

    def choose_model(self) -> None:
        start = str(Path(self.state.model.path).parent) if self.state.model else ""
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Open model"), start, MODEL_FILTER)
        if path:
            self.open_model(path)

    def open_model(self, path: Path | str) -> None:
        """Load a model in the background; the current one stays until it succeeds."""
        self.show_loading(path)
        log.info("loading model %s", path)
        self.renderer.load_model(path)

    def show_loading(self, path: Path | str) -> None:
        """Show that `path` is being loaded (open_model does this too)."""
        self._loading_path = Path(path)
        self.state.status = ModelStatus.LOADING
        if self.state.model is None:
            self.state.message = LOADING_TEXT
        self._show_model_label()

    def show_missing_default(self, path: Path) -> None:
        self.state.status = ModelStatus.NONE
        self.state.message = missing_default_text(path)

    def _on_model_loaded(self, info: ModelInfo) -> None:
        self._render_error_shown = ""
        self.state.model = info  # triggers a render
        self._settle_status()
        self.setWindowTitle(f"{info.display_name} — Ganvas")

    def _on_model_failed(self, path: str, message: str, details: str) -> None:
        self._settle_status()
        kept = f"\n\nStill using {self.state.model.name}." if self.state.model else ""
        self.reporter.report("Could not open model", message + kept, details, parent=self)

    def _settle_status(self) -> None:
        if self.renderer.is_loading:
            return
        if self.state.model is not None:
            self.state.status = ModelStatus.READY
            self.state.message = ""
        else:
            self.state.status = ModelStatus.NONE
            if self.state.message in ("", LOADING_TEXT):
                self.state.message = NO_MODEL_TEXT

    # --- rendering ------------------------------------------------------------------------

    def request_render(self, *_: object) -> None:
        if self.state.model is not None:
            self.renderer.request(RenderRequest(self.state.grid_latents(), "grid"))

    def _on_result(self, result: RenderResult) -> None:
        if result.channel != "grid":
            return  # the browser's channels (preview, thumbnails): gui/browser.py
        self.browse.show_result(result)
        self.state.render_ms = result.elapsed_ms
        self._last_computed = result.computed
        self._show_render_time()
        self.grid_rendered.emit(result)
        self.studio.grid_rendered.emit(result)

    def _on_render_failed(self, message: str, details: str) -> None:
        if message != self._render_error_shown:  # once, not on every slider step
            self._render_error_shown = message
            self.reporter.report("Could not render images", message, details, parent=self)

    # --- status bar ---------------------------------------------------------------------------

    def _show_model_label(self, *_: object) -> None:
        s = self.state
        if s.status is ModelStatus.LOADING and self._loading_path is not None:
            text = f"Loading {self._loading_path.name}…"
        elif s.model is not None:
            text = f"Model: {s.model.summary}"
        else:
            text = "No model"
        self.model_label.setText(text)
        if s.model is not None:
            self.model_label.setToolTip(f"{s.model.path}\nSHA-256 {s.model.sha256[:16]}…")

    def _show_render_time(self, *_: object) -> None:
        ms = self.state.render_ms
        if ms is None:
            self.render_label.setText("")
            return
        n = self._last_computed
        what = f"{n} image{'s' if n != 1 else ''}" if n else "cached"
        self.render_label.setText(f"Render {ms:.0f} ms ({what})")

    def _update_actions(self, *_: object) -> None:
        self.new_seeds_action.setEnabled(self.state.model is not None)

    # --- drag and drop, closing -------------------------------------------------------------

    @staticmethod
    def _dropped_model(event: QDragEnterEvent | QDropEvent) -> Path | None:
        for url in event.mimeData().urls():
            if url.isLocalFile() and url.toLocalFile().lower().endswith(MODEL_SUFFIX):
                return Path(url.toLocalFile())
        return None

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if (
            self._dropped_model(event) is not None
            or dropped_folder(event) is not None
            or dropped_image(event) is not None
        ):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        path = self._dropped_model(event)
        folder = dropped_folder(event) if path is None else None
        if folder is not None:  # a folder of images: set up a training run on it
            event.acceptProposedAction()
            self.train.show_folder(folder)
            return
        image = dropped_image(event) if path is None else None
        if image is not None:  # an exported image: its latent; any other: projection
            event.acceptProposedAction()
            self.projection.open_image(image)
            return
        if path is None:
            event.ignore()
            return
        event.acceptProposedAction()
        self.open_model(path)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.train_panel.close_ok(self.close):  # asks, stops and saves, closes later
            event.ignore()
            return
        if self.remember_layout:
            remember_window(self)
        self.browser.shutdown()
        self.exports.shutdown()
        self.projection.shutdown()
        self.preferences.shutdown()
        self.help.shutdown()
        self.studio.shutdown()
        super().closeEvent(event)
