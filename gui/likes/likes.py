"""Preference feedback: thumbs up / down on any image, a learned "what I like" direction, and
a grid of samples pushed along it ("More like this").

Labels are kept per model (by SHA-256) next to the favourites, in
`<data dir>/models/<sha256>/preferences.json` (engine.runs.data_dir; `$GANVAS_DATA_DIR`
overrides it), written atomically. Once there are `MIN_EACH` of each, the direction is fitted
on a worker (engine.preference.fit_preference on each image's mean w) with its
cross-validated accuracy. "More like this" sets the grid's edits (BrowseState.grid_edits) to
that direction × strength, so every grid cell then holds its seed pushed along it; "Surprise
me" clears them and draws new seeds.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from engine.latent import Edit, Latent

from ..core.jobs import Job
from ..core.likes import DISLIKE, LIKE, PreferenceFit
from ..core.models import ModelRef, job_model
from ..core.state import ModelStatus
from .panel import PreferencePanel

if TYPE_CHECKING:
    from ..core.host import Host
    from ..core.studio import Studio

log = logging.getLogger("ganvas")

MIN_EACH = 3  # as engine.preference.MIN_EACH (not imported: that would import torch)
PUSH_NAME = "More like this"
FIT_DELAY_MS = 300


def fit_job(
    model: ModelRef, liked: tuple[Latent, ...], disliked: tuple[Latent, ...]
) -> Iterator[dict[str, Any]]:
    """Fit the preference direction on the labelled images' mean w; → PreferenceFit."""
    import torch

    from engine.latent import latent_ws
    from engine.preference import fit_preference
    from engine.render import z_from_seeds

    yield {"text": "Learning what you like…"}
    G = job_model(model).G
    with torch.no_grad():
        likes = torch.stack([latent_ws(G, lat).mean(0) for lat in liked]).cpu()
        dislikes = torch.stack([latent_ws(G, lat).mean(0) for lat in disliked]).cpu()
    pref = fit_preference(likes, dislikes)
    direction = pref.direction.float()
    with torch.no_grad():  # the slider unit: the spread of typical images along the direction
        w = G.mapping(z_from_seeds(range(512), G.cfg.z_dim).to(G.w_avg.device)).cpu()
        std = float((w @ direction).std())
    return PreferenceFit(
        tuple(direction.tolist()), std or 1.0, pref.accuracy, pref.likes, pref.dislikes
    )


class Preferences(QObject):
    """Thumbs up/down actions, the fitted direction, More like this / Surprise me."""

    fitted = Signal(object)  # PreferenceFit | None

    def __init__(self, studio: Studio, host: Host):
        super().__init__(host.widget)
        self.studio, self.host = studio, host
        self.state = studio.state
        self.store = studio.likes
        self.runner = studio.jobs
        self.fit: PreferenceFit | None = None
        self._fit_job: Job | None = None
        self._refit = False
        self._fit_key: tuple | None = None  # the labels the current fit was made from

        self.panel = PreferencePanel()
        self.dock = host.add_dock(
            "likes",
            "Likes",
            self.panel,
            area=Qt.DockWidgetArea.RightDockWidgetArea,
            tip="Rate images up or down; Ganvas learns what you like",
            tab_with="library",
            bare_tab=True,
        )
        for key in ("library", "directions"):  # the browser's first tab stays in front
            dock = host.dock(key)
            if dock is not None:
                dock.raise_()

        self._fit_timer = QTimer(self)
        self._fit_timer.setSingleShot(True)
        self._fit_timer.setInterval(FIT_DELAY_MS)
        self._fit_timer.timeout.connect(self.start_fit)

        self._create_actions()
        self._connect()
        self._on_model_changed()

    # --- construction -------------------------------------------------------------------------

    def _action(self, text: str, keys: list[str], tip: str, slot) -> QAction:
        action = QAction(text, self.host.widget)
        if keys:
            action.setShortcuts([QKeySequence(k) for k in keys])
            shown = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            action.setToolTip(f"{tip} ({shown})")
        else:
            action.setToolTip(tip)
        action.setStatusTip(tip)
        action.triggered.connect(lambda *_: slot())
        return self.host.add_action(action)  # the keys work wherever the focus is

    def _create_actions(self) -> None:
        self.like_action = self._action(
            "Thumbs up", ["+", "="], "I like the current image", lambda: self.rate_current(LIKE)
        )
        self.dislike_action = self._action(
            "Thumbs down",
            ["-"],
            "I don't like the current image",
            lambda: self.rate_current(DISLIKE),
        )
        self.more_action = self._action(
            "More like this",
            ["Ctrl+L"],
            "Fill the grid with new samples pushed towards what you liked",
            self.more_like_this,
        )
        self.surprise_action = self._action(
            "Surprise me",
            ["Ctrl+Shift+L"],
            "Fill the grid with new random samples, ignoring your ratings",
            self.surprise_me,
        )
        self.host.add_to_menu(
            "images",
            [self.like_action, self.dislike_action, self.more_action, self.surprise_action],
        )
        toggle = self.dock.toggleViewAction()
        toggle.setToolTip("Show or hide the Likes panel")
        self.host.add_to_menu("view", [toggle], separator=False)

    def _connect(self) -> None:
        s, p = self.state, self.panel
        s.model_changed.connect(self._on_model_changed)
        s.status_changed.connect(self._on_status)
        s.current_changed.connect(self._show_current)
        self.store.changed.connect(self._on_labels_changed)
        self.store.failed.connect(
            lambda msg, det: self.studio.reporter.report("Likes", msg, det, parent=self.host.widget)
        )
        p.like_requested.connect(lambda: self.rate_current(LIKE))
        p.dislike_requested.connect(lambda: self.rate_current(DISLIKE))
        p.more_requested.connect(self.more_like_this)
        p.surprise_requested.connect(self.surprise_me)
        p.export_requested.connect(self.export_liked)
        p.strength_changed.connect(self._on_strength)
        self.host.add_context_entries("grid", self._add_grid_items, 2)
        self.host.add_context_entries(
            "preview", lambda menu: self._add_rating_items(menu, self.state.current), 2
        )

    # --- labels -------------------------------------------------------------------------------

    def liked(self) -> list[Latent]:
        return self.store.liked()

    def rate(self, latent: Latent, value: int) -> None:
        """Like (+1) or dislike (−1) an image; the same rating again takes it back."""
        if self.state.model is None:
            return
        if self.store.label(latent) == value:
            self.store.set_label(latent, 0)
            text = "Rating removed"
        else:
            self.store.set_label(latent, value)
            text = "Liked" if value > 0 else "Disliked"
        likes, dislikes = self.store.counts
        self.host.show_status(f"{text} · {likes} liked, {dislikes} disliked", 4000)

    def rate_current(self, value: int) -> None:
        self.rate(self.state.current, value)

    def _add_grid_items(self, menu: QMenu, index: int) -> None:
        latent = self.state.cell_latent(index)
        self._add_rating_items(menu, latent)

    def _add_rating_items(self, menu: QMenu, latent: Latent) -> None:
        menu.addSeparator()
        label = self.store.label(latent)
        up = menu.addAction("Thumbs up" + ("  ✓" if label > 0 else ""))
        up.setToolTip("I like this image (+); again to take it back")
        up.triggered.connect(lambda: self.rate(latent, LIKE))
        down = menu.addAction("Thumbs down" + ("  ✓" if label < 0 else ""))
        down.setToolTip("I don't like this image (−); again to take it back")
        down.triggered.connect(lambda: self.rate(latent, DISLIKE))

    def _on_status(self, status: ModelStatus) -> None:
        if status is ModelStatus.LOADING:  # the push belongs to this model: drop it before
            self.state.grid_edits = ()  # the grid renders with the next one
            self.panel.set_active(False)

    def _on_model_changed(self, *_: object) -> None:
        info = self.state.model
        self.fit, self._fit_key = None, None
        self.studio.taste = None
        self.state.grid_edits = ()
        self.panel.set_active(False)
        if self._fit_job is not None:
            self._fit_job.cancel()
        self.store.open(info.sha256 if info else None, info.name if info else "")
        self._update_actions()

    def _on_labels_changed(self) -> None:
        likes, dislikes = self.store.counts
        self.panel.show_counts(likes, dislikes, MIN_EACH)
        self._show_current()
        if likes >= MIN_EACH and dislikes >= MIN_EACH:
            self._fit_timer.start()
        else:
            self.fit, self._fit_key = None, None
            self.studio.taste = None
            self.panel.show_fit(None)
            self.fitted.emit(None)
        self._update_actions()

    def _show_current(self, *_: object) -> None:
        self.panel.show_current_label(self.store.label(self.state.current))

    # --- fitting ------------------------------------------------------------------------------

    def _labels_key(self) -> tuple:
        return tuple(sorted((k, v) for k, (_, v) in self.store.labels.items()))

    def start_fit(self) -> Job | None:
        info = self.state.model
        likes, dislikes = self.store.liked(), self.store.disliked()
        if info is None or len(likes) < MIN_EACH or len(dislikes) < MIN_EACH:
            return None
        if self._fit_job is not None and self._fit_job.running:
            self._refit = True  # when this one ends, fit the newer labels
            return self._fit_job
        key = self._labels_key()
        if key == self._fit_key and self.fit is not None:
            return None
        self._refit = False
        self.panel.show_fitting()
        job = self.runner.start(
            "Fit preference", fit_job, ModelRef.from_info(info), tuple(likes), tuple(dislikes)
        )
        sha = info.sha256
        job.done.connect(lambda fit: self._on_fitted(sha, key, fit))
        job.failed.connect(self._on_fit_failed)
        job.finished.connect(self._on_fit_finished)
        self._fit_job = job
        return job

    def _on_fitted(self, sha256: str, key: tuple, fit: PreferenceFit) -> None:
        if self.state.model is None or self.state.model.sha256 != sha256:
            return
        self.fit, self._fit_key = fit, key
        self.studio.taste = fit  # the Directions dock can keep it as a direction
        self.panel.show_fit(fit)
        if self.state.grid_edits:  # "More like this" is on: follow the new direction
            self._apply_push()
        self._update_actions()
        self.fitted.emit(fit)

    def _on_fit_failed(self, message: str, details: str) -> None:
        self.panel.show_fit(None, error=message)
        self.studio.reporter.report(
            "Could not learn your preference", message, details, parent=self.host.widget
        )

    def _on_fit_finished(self) -> None:
        if self._refit:
            self._refit = False
            self._fit_timer.start()

    # --- the grid -----------------------------------------------------------------------------

    def push_edit(self) -> Edit | None:
        if self.fit is None:
            return None
        amount = round(float(self.panel.strength.value()), 3) * self.fit.std
        return Edit(list(self.fit.direction), amount, 0, None, PUSH_NAME)

    def _apply_push(self) -> None:
        edit = self.push_edit()
        self.state.grid_edits = (edit,) if edit is not None else ()

    def more_like_this(self) -> None:
        """New samples in the grid, each pushed along the liked direction."""
        if self.state.model is None:
            return
        if self.fit is None:
            likes, dislikes = self.store.counts
            self.host.show_status(
                f"Rate at least {MIN_EACH} images up and {MIN_EACH} down first "
                f"({likes} up, {dislikes} down so far)",
                5000,
            )
            return
        self._apply_push()
        self.panel.set_active(True)
        self.state.new_seeds()

    def surprise_me(self) -> None:
        """New random samples in the grid, ignoring the ratings."""
        if self.state.model is None:
            return
        self.state.grid_edits = ()
        self.panel.set_active(False)
        self.state.new_seeds()

    def _on_strength(self, _value: float) -> None:
        if self.state.grid_edits:
            self._apply_push()

    def export_liked(self) -> None:
        action = self.host.action("export.liked")  # the Export feature's, when installed
        if action is not None:
            action.trigger()

    def _update_actions(self) -> None:
        has_model = self.state.model is not None
        for action in (self.like_action, self.dislike_action, self.surprise_action):
            action.setEnabled(has_model)
        self.more_action.setEnabled(has_model and self.fit is not None)
        self.panel.set_enabled(has_model, self.fit is not None, bool(self.store.liked()))

    def shutdown(self) -> None:
        self._fit_timer.stop()
        if self._fit_job is not None:
            self._fit_job.cancel()


def install_preferences(studio: Studio, host: Host) -> Preferences:
    """Add thumbs up/down, the Likes dock and More like this / Surprise me to the window."""
    return Preferences(studio, host)
