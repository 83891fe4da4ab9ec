"""The Studio: what every feature shares, handed to each one instead of the main window.

It holds the browse state, the renderer, the error reporter, the one job runner, the undo
history of the current image, the per-model library and likes, the user's preferences, and
what the browser shows that others use (principal and saved directions, interpolation
keyframes).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from .errors import ErrorReporter
from .history import History
from .jobs import JobRunner
from .library import Library
from .likes import PreferenceStore
from .recent import RecentFiles
from .renderer import Renderer
from .settings import Settings
from .state import BrowseState, Property


class Studio(QObject):
    grid_rendered = Signal(object)  # RenderResult, once the grid shows it
    directions_changed = Signal(object)
    keyframes_changed = Signal(object)
    taste_changed = Signal(object)

    directions = Property(())  # engine.directions.NamedDirection: principal, then saved
    keyframes = Property(())  # Latent: the interpolation's keys
    taste = Property(None)  # gui.core.likes.PreferenceFit the likes learned, or None

    def __init__(
        self,
        state: BrowseState | None = None,
        renderer: Renderer | None = None,
        reporter: ErrorReporter | None = None,
        parent: QObject | None = None,
        settings: Settings | None = None,
    ):
        super().__init__(parent)
        self.settings = settings or Settings(parent=self)  # Edit → Preferences…
        self.state = state or BrowseState(self)
        self.renderer = renderer or Renderer(self)
        self.reporter = reporter or ErrorReporter(self)
        self.jobs = JobRunner(self)
        self.history = History(self.state, self)
        self.library = Library(parent=self)
        self.likes = PreferenceStore(parent=self)
        self.recent = RecentFiles(parent=self)  # File → Open recent

    def shutdown(self) -> None:
        """Stop background work: jobs, then the render thread."""
        self.jobs.shutdown()
        self.renderer.close()
