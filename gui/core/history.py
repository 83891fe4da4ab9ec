"""Undo/redo of every change to the current image: a QUndoStack of Latent → Latent steps.

All changes to `BrowseState.current` go through `History.apply`, so each is one undoable step.
A continuous gesture (a slider drag, a seed-pad drag) merges into a single step: callers pass
`merge=gesture_key(...)`, and `end_gesture()` (on release) starts a fresh one.
"""

from __future__ import annotations

from collections.abc import Hashable

from PySide6.QtCore import QObject
from PySide6.QtGui import QUndoCommand, QUndoStack

from engine.latent import Latent

from .state import BrowseState

MERGE_ID = 0x6A7  # any fixed id: merging is decided by the gesture key


class LatentChange(QUndoCommand):
    def __init__(
        self, state: BrowseState, before: Latent, after: Latent, text: str, merge: Hashable
    ):
        super().__init__(text)
        self.state, self.before, self.after, self.merge = state, before, after, merge

    def redo(self) -> None:
        self.state.current = self.after

    def undo(self) -> None:
        self.state.current = self.before

    def id(self) -> int:
        return MERGE_ID if self.merge is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, LatentChange) or other.merge != self.merge:
            return False
        self.after = other.after
        self.setText(other.text())
        self.setObsolete(self.after == self.before)  # dragged back to where it started
        return True


class History(QObject):
    """The current image's history; `stack` drives the Edit menu and the history list."""

    def __init__(self, state: BrowseState, parent: QObject | None = None):
        super().__init__(parent)
        self.state = state
        self.stack = QUndoStack(self)
        self.stack.setUndoLimit(500)
        self._gesture = 0

    def gesture_key(self, source: str) -> tuple[str, int]:
        """The merge key for a change made during the gesture now in progress."""
        return (source, self._gesture)

    def end_gesture(self) -> None:
        self._gesture += 1

    def apply(self, latent: Latent, text: str, merge: Hashable = None) -> bool:
        """Make `latent` the current image as one undoable step; False if nothing changed."""
        before = self.state.current
        if latent == before:
            return False
        self.stack.push(LatentChange(self.state, before, latent, text, merge))
        return True

    def reset(self, latent: Latent) -> None:
        """Start over with `latent` (a new model): the old steps no longer apply."""
        self.stack.clear()
        self.end_gesture()
        self.state.current = latent

    def undo(self) -> None:
        self.end_gesture()
        self.stack.undo()

    def redo(self) -> None:
        self.end_gesture()
        self.stack.redo()
