"""The latent browser: the current image as a `Latent` with undo/redo, and the docks that
change it — directions (GANSpace), style mixing and breeding, favourites/history/lineage,
interpolation — plus the seed pad and a performance readout.

`install_browser(studio, host, panel)` adds all of it to the window. Every change to the
current image
goes through `History.apply`; every image comes from the render thread (gui.core.renderer) on its
own channel, so dragging a slider never waits for thumbnails.
"""

from __future__ import annotations

import logging
import random
import time
from collections import deque
from collections.abc import Hashable, Iterator
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QInputDialog, QLabel, QMenu, QMessageBox

from engine.breeding import (
    Crossbreed,
    Interpolation,
    Mutation,
    Retruncate,
    SeedBlend,
    lattice_point,
    lattice_seeds,
)
from engine.directions import (
    NamedDirection,
    direction_between,
    load_named_directions,
    named_directions_path,
    save_named_directions,
)
from engine.latent import Latent, StyleMix

from ..core.latents import describe_latent, edits_with
from ..core.models import ModelRef, job_model
from ..core.renderer import RenderRequest, RenderResult
from ..core.state import MAX_SEED, ModelInfo
from ..widgets.keys import keep_space_for_controls
from .bending import BendPanel
from .breeding import OFFSPRING, BreedingPanel
from .desktop import install_desktop
from .directions import DirectionsLoader, DirectionsPanel
from .interpolation import InterpolationPanel
from .library_panel import LibraryPanel

if TYPE_CHECKING:
    from engine.breeding import Recipe

    from ..core.host import Host
    from ..core.studio import Studio
    from .panel import BrowsePanel

log = logging.getLogger("ganvas")

THUMBNAIL_DELAY_MS = 150  # thumbnails wait for a pause in slider drags
PLAY_KEY = "Space"


def redo_keys() -> list[QKeySequence]:
    """The platform's Redo keys, with Ctrl+Shift+Z and Ctrl+Y both there (Krita and GIMP users
    reach for either)."""
    keys = [QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")]
    standard = QKeySequence.keyBindings(QKeySequence.StandardKey.Redo)
    return keys + [k for k in standard if k not in keys]


class PerfMeter:
    """Preview render time and displayed frames per second (over the last second)."""

    def __init__(self) -> None:
        self.frames: deque[float] = deque()
        self.render_ms: float | None = None

    def frame(self, render_ms: float) -> None:
        now = time.perf_counter()
        self.frames.append(now)
        self.render_ms = render_ms
        self._trim(now)

    def _trim(self, now: float) -> None:
        while self.frames and now - self.frames[0] > 1.0:
            self.frames.popleft()

    @property
    def fps(self) -> float:
        self._trim(time.perf_counter())
        if len(self.frames) < 2:
            return 0.0
        span = self.frames[-1] - self.frames[0]
        return (len(self.frames) - 1) / span if span > 0 else 0.0

    def text(self) -> str:
        if self.render_ms is None:
            return ""
        fps = self.fps
        text = f"Preview {self.render_ms:.1f} ms"
        return f"{text} · {fps:.0f} fps" if fps >= 1 else text


class Browser(QObject):
    preview_rendered = Signal(object)  # RenderResult, after the preview shows it
    offspring_rendered = Signal()
    strip_rendered = Signal()
    direction_strips_rendered = Signal()
    grid_menu_opened = Signal(object, int)  # QMenu, cell index, after every feature's entries

    def __init__(self, studio: Studio, host: Host, browse: BrowsePanel):
        super().__init__(host.widget)
        self.studio, self.host = studio, host
        self.state = studio.state
        self.renderer = studio.renderer
        self.browse = browse
        self.rng = random.Random()
        self.history = studio.history
        self.library = studio.library
        browse.known = lambda: self.library.known  # captions name an image's parents
        self.loader = DirectionsLoader(self)
        self.perf = PerfMeter()
        self._contexts: dict[int, tuple[str, Hashable, Recipe]] = {}
        self._favourite_ids: list[int] = []
        self._offspring_kind = "Child"
        self._mix_thumb_key: tuple | None = None
        self._pending_directions: tuple[str, str] | None = None

        self.directions = DirectionsPanel()
        self.breeding = BreedingPanel()
        self.library_panel = LibraryPanel(self.history.stack)
        self.bending = BendPanel()
        self.interpolation = InterpolationPanel()
        self._create_docks()
        self._create_actions()
        self._create_menus()
        self._create_status()
        self._thumb_timer = QTimer(self)
        self._thumb_timer.setSingleShot(True)
        self._thumb_timer.setInterval(THUMBNAIL_DELAY_MS)
        self._thumb_timer.timeout.connect(self._request_thumbnails)
        self._connect()
        self._update_actions()
        self.desktop = install_desktop(studio, host, browse)  # copy, drag out, zoom

    # --- construction -----------------------------------------------------------------------

    def _create_docks(self) -> None:
        right, bottom = (
            Qt.DockWidgetArea.RightDockWidgetArea,
            Qt.DockWidgetArea.BottomDockWidgetArea,
        )
        add = self.host.add_dock
        self.directions_dock = add(
            "directions",
            "Directions",
            self.directions,
            area=right,
            tip="Change the current picture along the main ways this model's pictures differ",
            bare_tab=True,
        )
        self.breeding_dock = add(
            "breeding",
            "Mix && breed",
            self.breeding,
            area=right,
            tip="Style mixing, children and crossbreeds of the current image",
            tab_with="directions",
            bare_tab=True,
        )
        self.library_dock = add(
            "library",
            "Library",
            self.library_panel,
            area=right,
            tip="Favourites, history and lineage of the current image",
            tab_with="breeding",
            bare_tab=True,
        )
        self.bending_dock = add(
            "bending",
            "Bend",
            self.bending,
            area=right,
            tip="Effects that bend how the model draws the current picture, at one layer",
            tab_with="library",
            bare_tab=True,
        )
        self.interpolation_dock = add(
            "interpolation",
            "Interpolation",
            self.interpolation,
            area=bottom,
            tip="Loop between chosen images",
        )
        self.directions_dock.raise_()
        self.host.size_dock("directions", 400, Qt.Orientation.Horizontal)
        self.host.size_dock("interpolation", 110, Qt.Orientation.Vertical)
        self.interpolation_dock.hide()  # shown when the first keyframe is added (or Ctrl+4)

    def _action(
        self, text: str, shortcut: str | QKeySequence.StandardKey | None, tip: str, slot
    ) -> QAction:
        action = QAction(text, self.host.widget)
        keys = ""
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
            keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        action.setToolTip(f"{tip} ({keys})" if keys else tip)
        action.setStatusTip(tip)
        action.triggered.connect(slot)
        return self.host.add_action(action)

    def _create_actions(self) -> None:
        self.undo_action = self._action(
            "Undo",
            QKeySequence.StandardKey.Undo,
            "Undo the last change to the current image",
            self.history.undo,
        )
        self.redo_action = self._action(
            "Redo", QKeySequence.StandardKey.Redo, "Redo the change just undone", self.history.redo
        )
        self.redo_action.setShortcuts(redo_keys())
        self.reset_edits_action = self._action(
            "Reset directions", "Ctrl+0", "Set every direction slider back to 0", self.reset_edits
        )
        self.favourite_action = self._action(
            "Add to favourites",
            "Ctrl+D",
            "Star the current image (kept per model)",
            self.add_favourite,
        )
        self.children_action = self._action(
            "Make children", "Ctrl+B", "Random variations of the current image", self.make_children
        )
        self.crossbreed_action = self._action(
            "Crossbreed favourites",
            "Ctrl+Shift+B",
            "Children of the favourites selected in the Library",
            self.crossbreed,
        )
        self.add_key_action = self._action(
            "Add to interpolation",
            "Ctrl+I",
            "Add the current image as an interpolation keyframe",
            self.add_keyframe,
        )
        self.play_action = self._action(
            "Play interpolation",
            PLAY_KEY,  # not Ctrl+P: every artist's app prints with it
            "Animate the preview through the keyframes",
            self.interpolation.toggle,
        )
        self._space_keeper = keep_space_for_controls(self)  # buttons keep Space

    def _create_menus(self) -> None:
        host = self.host
        host.add_to_menu("edit", [self.undo_action, self.redo_action])
        host.add_to_menu("edit", [self.reset_edits_action])
        host.add_to_menu(
            "images", [self.favourite_action, self.children_action, self.crossbreed_action]
        )
        host.add_to_menu("images", [self.add_key_action, self.play_action])
        docks = (
            self.directions_dock,
            self.breeding_dock,
            self.library_dock,
            self.interpolation_dock,
        )
        toggles = []
        for n, dock in enumerate(docks, start=1):
            toggle = dock.toggleViewAction()
            toggle.setShortcut(QKeySequence(f"Ctrl+{n}"))
            toggle.setToolTip(
                f"Show or hide the {dock.windowTitle().replace('&&', '&')} panel (Ctrl+{n})"
            )
            toggles.append(toggle)
        host.add_to_menu("view", toggles, separator=False)
        host.add_action(self.favourite_action, "browse.favourite")
        self.undo_action.setIconText("Undo")  # the toolbar keeps short, steady labels
        self.redo_action.setIconText("Redo")
        self.favourite_action.setIconText("Favourite")
        host.add_to_toolbar([self.undo_action, self.redo_action, self.favourite_action])
        host.add_context_entries("preview", lambda menu: menu.addAction(self.favourite_action), 1)

    def _create_status(self) -> None:
        self.perf_label = QLabel()
        self.perf_label.setObjectName("perfLabel")
        self.perf_label.setToolTip(
            "Preview: render time of the last frame on the render thread, and frames shown "
            "per second while you drag"
        )
        self.host.add_status_widget(self.perf_label)
        self._perf_timer = QTimer(self)
        self._perf_timer.setInterval(500)
        self._perf_timer.timeout.connect(self._show_perf)
        self._perf_timer.start()

    def _connect(self) -> None:
        s, b = self.state, self.browse
        s.model_changed.connect(self._on_model_changed)
        s.current_changed.connect(self._on_current_changed)
        s.psi_changed.connect(self._on_psi_changed)
        s.selected_seed_changed.connect(self.show_seed)
        b.grid.cell_clicked.connect(lambda i: self.show_seed(self.state.seeds[i]))
        b.grid.cell_context.connect(self._grid_menu)
        b.psi_slider.sliderReleased.connect(self.history.end_gesture)
        b.pad.moved.connect(self._on_pad_moved)
        b.pad.gesture_finished.connect(self.history.end_gesture)
        b.pad.view_changed.connect(self._schedule_thumbnails)
        self.renderer.result_ready.connect(self._on_result)
        self.studio.grid_rendered.connect(self._start_pending_directions)
        b.preview.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        b.preview.customContextMenuRequested.connect(self.preview_menu)
        self.history.stack.canUndoChanged.connect(self._update_actions)
        self.history.stack.canRedoChanged.connect(self._update_actions)
        self.history.stack.undoTextChanged.connect(self._update_actions)
        self.history.stack.redoTextChanged.connect(self._update_actions)

        self.bending.bends_changed.connect(self._on_bends)
        self.bending.gesture_finished.connect(self.history.end_gesture)

        d = self.directions
        d.edit_changed.connect(self._on_direction)
        d.gesture_finished.connect(self.history.end_gesture)
        d.save_requested.connect(self._ask_save_direction)
        d.remove_requested.connect(self.library.remove_direction)
        d.rename_requested.connect(self._ask_rename_direction)
        d.add_between_requested.connect(self._ask_add_between)
        d.add_likes_requested.connect(self.add_direction_from_likes)
        d.load_requested.connect(self._ask_load_directions)
        d.export_requested.connect(self._ask_export_directions)
        d.reset_requested.connect(self.reset_edits)
        d.strips_wanted.connect(self._schedule_thumbnails)
        self.directions_dock.visibilityChanged.connect(self._schedule_thumbnails)
        self.loader.progress.connect(d.show_progress)
        self.loader.loaded.connect(self._on_directions)
        self.loader.failed.connect(self._on_directions_failed)

        br = self.breeding
        br.mix_changed.connect(self._on_mix)
        br.children_requested.connect(self.make_children)
        br.crossbreed_requested.connect(self.crossbreed)
        br.offspring_chosen.connect(self._on_offspring_chosen)

        lib, lp, host = self.library, self.library_panel, self.host
        lib.favourites_changed.connect(self._on_favourites_changed)
        lib.directions_changed.connect(lambda: (d.set_saved(lib.directions), self._publish()))
        lib.failed.connect(
            lambda msg, det: self.studio.reporter.report("Library", msg, det, parent=host.widget)
        )
        lp.add_requested.connect(self.add_favourite)
        lp.open_latent.connect(lambda lat: self.history.apply(lat, "Back to a saved image"))
        lp.favourites.rating_requested.connect(lib.set_rating)
        lp.favourites.remove_requested.connect(lambda ids: [lib.remove_favourite(i) for i in ids])

        ip = self.interpolation
        ip.add_requested.connect(self.add_keyframe)
        ip.keys_changed.connect(self._on_keys_changed)
        ip.frame_chosen.connect(self._on_frame_chosen)
        ip.play_toggled.connect(self._on_play_toggled)
        ip.frame_shown.connect(self.browse.preview.set_image)

    def is_settled(self) -> bool:
        """Nothing left to show: directions found and every render on screen."""
        directions_done = (
            self.model is None
            or self.directions.cached is not None
            or (self.directions.status.text().startswith("No main directions"))
        )
        return (
            directions_done
            and self._pending_directions is None
            and self.renderer.idle
            and not self._thumb_timer.isActive()
            and not self.renderer.is_loading
        )

    def shutdown(self) -> None:
        """Stop background work (the window is closing)."""
        self.interpolation.stop()
        self.desktop.shutdown()
        self._perf_timer.stop()
        self._thumb_timer.stop()
        self.loader.shutdown()

    # --- the model --------------------------------------------------------------------------

    @property
    def model(self) -> ModelInfo | None:
        return self.state.model

    def _on_model_changed(self, info: ModelInfo | None) -> None:
        self.interpolation.stop()
        self._contexts.clear()
        if info is None:
            return
        s = self.state
        self.history.reset(Latent(seed=s.selected_seed, psi=s.psi))
        self.library.open(info.sha256, info.name)
        self.breeding.set_layer_count(info.num_ws)
        self.breeding.show_offspring([], [], "Child")
        self.breeding.show_latent(s.current)
        self.interpolation.set_keys([])
        self.directions.clear("Finding the main directions of this model…")
        self.directions.set_saved(self.library.directions, info.num_ws)
        self.directions.show_latent(s.current)
        # the synthesis blocks are 4, 8, … px up to the model's size
        self.bending.set_resolutions([2**i for i in range(2, info.resolution.bit_length())])
        self.bending.show_bends(s.current.bends)
        self._publish()
        # the directions start after the first grid is on screen: they never slow it down
        self._pending_directions = (info.path, info.sha256)
        self._request_preview()
        self._schedule_thumbnails()
        self._update_actions()

    def _start_pending_directions(self, *_: object) -> None:
        if self._pending_directions is not None:
            path, sha256 = self._pending_directions
            self._pending_directions = None
            self.loader.start(path, sha256)

    def _on_directions(self, sha256: str, directions, cached: bool) -> None:
        if self.model is None or sha256 != self.model.sha256:
            return
        self.directions.set_principal(directions, self.model.num_ws, cached)
        self.directions.set_saved(self.library.directions)
        self.directions.show_latent(self.state.current)
        self._publish()

    def _publish(self) -> None:
        """What export offers as directions: the principal ones, then the saved ones."""
        d = self.directions
        self.studio.directions = (*d.principal, *d.saved)

    def _on_directions_failed(self, message: str, details: str) -> None:
        self.directions.clear("No main directions: " + message)
        self._publish()
        self.studio.reporter.report(
            "Could not find directions", message, details, parent=self.host.widget
        )

    # --- the current image ------------------------------------------------------------------

    def show_seed(self, seed: int) -> None:
        """Make the seed (at the grid's ψ, with the grid's edits) the current image."""
        edits = list(self.state.grid_edits)  # "More like this": the grid's push comes along
        latent = Latent(seed=int(seed), psi=self.state.psi, edits=edits)
        self.history.apply(latent, f"Seed {seed}")

    def _on_current_changed(self, latent: Latent) -> None:
        s = self.state
        s.psi = latent.psi  # the grid and the slider follow the current image
        if latent.ws is None and not self.browse.pad._dragging:
            s.pad = lattice_point(latent.seed)
        self._request_preview()
        self.directions.show_latent(latent)
        self.breeding.show_latent(latent)
        self.bending.show_bends(latent.bends)
        self._schedule_thumbnails()
        self._update_actions()

    def _request_preview(self) -> None:
        if self.model is None or self.browse.shows_current():
            return
        self.browse.refresh_preview()  # a cached grid image shows at once
        self.renderer.request(RenderRequest((self.state.current,), "preview"))

    def _request_recipe(self, recipe: Recipe, text: str, merge: Hashable) -> None:
        """Render a recipe in the preview; its latent becomes current when it arrives."""
        if self.model is None:
            return
        stamp = self.renderer.request(RenderRequest((recipe,), "preview"))
        self._contexts = {k: v for k, v in self._contexts.items() if k > stamp - 64}
        self._contexts[stamp] = (text, merge, recipe)

    def _on_psi_changed(self, psi: float) -> None:
        current = self.state.current
        if current.psi == psi or self.model is None:
            return
        dragging = self.browse.psi_slider.isSliderDown()
        merge = self.history.gesture_key("psi") if dragging else None
        text = f"Variety {psi:.2f}"
        if current.ws is None:
            self.history.apply(current.replace(psi=psi), text, merge)
        else:
            self._request_recipe(Retruncate(current, psi), text, merge)
        self._schedule_thumbnails()

    def _on_pad_moved(self, x: float, y: float) -> None:
        self.state.pad = (x, y)
        merge = self.history.gesture_key("pad")
        self._request_recipe(SeedBlend(x, y, self.state.psi), "Seed pad", merge)

    def _on_direction(
        self, direction: NamedDirection, value: float, start: int, end: int, dragging: bool
    ) -> None:
        current = self.state.current
        edits = edits_with(current, direction, value, start, end)
        merge = self.history.gesture_key(f"direction {direction.name}") if dragging else None
        self.history.apply(current.replace(edits=edits), f"{direction.name} {value:+.2f}", merge)

    def _on_bends(self, bends: list, merge_source: str | None) -> None:
        merge = self.history.gesture_key(f"bend {merge_source}") if merge_source else None
        text = f"Bend: {len(bends)} effect{'s' if len(bends) != 1 else ''}"
        self.history.apply(self.state.current.replace(bends=bends), text, merge)

    def reset_edits(self) -> None:
        self.history.apply(self.state.current.replace(edits=[]), "Reset directions")

    def _on_mix(self, mix: StyleMix | None) -> None:
        text = f"Styles from seed {mix.seed}" if mix else "No style mixing"
        self.history.apply(self.state.current.replace(mix=mix), text)

    # --- breeding ---------------------------------------------------------------------------

    def _new_seeds(self, n: int) -> list[int]:
        return [self.rng.randrange(MAX_SEED + 1) for _ in range(n)]

    def make_children(self, strength: float | None = None) -> None:
        if self.model is None:
            return
        if strength is None or isinstance(strength, bool):  # from the menu action
            strength = float(self.breeding.strength.value())
        parent = self.state.current
        self.library.remember(parent)
        self._offspring_kind = "Child"
        recipe = Mutation(parent, float(strength), self._new_seeds(OFFSPRING))
        self.renderer.request(RenderRequest((recipe,), "children"))
        self.breeding_dock.raise_()

    def crossbreed(self, blend: float | None = None) -> None:
        if self.model is None:
            return
        if blend is None or isinstance(blend, bool):
            blend = float(self.breeding.blend.value())
        parents = [f.latent for f in self.library_panel.selected_favourites()]
        if len(parents) == 1 and parents[0] != self.state.current:
            parents.insert(0, self.state.current)
        if len(parents) < 2:
            self.host.show_status(
                "Select two or more favourites in the Library to crossbreed them", 5000
            )
            self.library_dock.raise_()
            return
        for p in parents:
            self.library.remember(p)
        self._offspring_kind = "Crossbreed"
        recipe = Crossbreed(parents, self._new_seeds(OFFSPRING), float(blend))
        self.renderer.request(RenderRequest((recipe,), "children"))
        self.breeding_dock.raise_()

    def _on_offspring_chosen(self, index: int) -> None:
        child = self.breeding.offspring[index]
        self.history.apply(child, f"{self.breeding.offspring_kind} {index + 1}")

    # --- favourites, interpolation ----------------------------------------------------------

    def add_favourite(self) -> None:
        if self.model is not None:
            self.library.add_favourite(self.state.current)
            self.host.show_status("Added to favourites", 3000)

    def _on_favourites_changed(self) -> None:
        self.library_panel.show_favourites(self.library.favourites)
        self._schedule_thumbnails()
        self._update_actions()

    def add_keyframe(self) -> None:
        if self.model is not None:
            self.interpolation.add_key(self.state.current)
            self.interpolation_dock.show()

    def _on_keys_changed(self) -> None:
        keys = self.interpolation.keys
        self.studio.keyframes = tuple(keys)
        if len(keys) >= 2 and self.model is not None:
            frames = self.interpolation.strip_frames()
            self.renderer.request(RenderRequest((Interpolation(list(keys), frames),), "strip"))
            if self.interpolation.playing:
                self._request_animation()

    def _request_animation(self) -> None:
        keys = list(self.interpolation.keys)
        frames = self.interpolation.play_frames()
        self.renderer.request(RenderRequest((Interpolation(keys, frames),), "animation"))

    def _on_play_toggled(self, on: bool) -> None:
        self.browse.animating = on
        if on:
            self._request_animation()
        else:
            self.browse.refresh_preview()

    def _on_frame_chosen(self, index: int) -> None:
        for key in self.interpolation.keys:
            self.library.remember(key)
        self.interpolation.stop()
        self.history.apply(self.interpolation.frames[index], f"Interpolation frame {index + 1}")

    # --- results ----------------------------------------------------------------------------

    def _on_result(self, result: RenderResult) -> None:
        handler = {
            "preview": self._on_preview,
            "children": self._on_children,
            "strip": self._on_strip,
            "animation": self._on_animation,
            "favourites": self._on_favourite_images,
            "lineage": self._on_lineage_images,
            "mix": self._on_mix_image,
            "pad": self._on_pad_images,
            "directions": self._on_direction_strips,
        }.get(result.channel)
        if handler is not None:
            handler(result)

    def _on_preview(self, result: RenderResult) -> None:
        context = self._contexts.pop(result.stamp, None)
        if context is not None and self.renderer.is_latest(result) and result.latents:
            text, merge, recipe = context
            if isinstance(recipe, SeedBlend):  # its corners are the image's parents
                for seed, _ in lattice_seeds(recipe.x, recipe.y, recipe.step):
                    self.library.remember(Latent(seed=seed, psi=recipe.psi))
            self.browse.show_preview_result(result)  # first, so the new current is on screen
            self.history.apply(result.latents[0], text, merge)
        else:
            self.browse.show_preview_result(result)
        self.perf.frame(result.elapsed_ms)
        self._show_perf()
        self.preview_rendered.emit(result)

    def _on_children(self, result: RenderResult) -> None:
        self.breeding.show_offspring(
            list(result.latents), list(result.images), self._offspring_kind
        )
        self.offspring_rendered.emit()

    def _on_strip(self, result: RenderResult) -> None:
        self.interpolation.show_strip(list(result.latents), list(result.images))
        self.strip_rendered.emit()

    def _on_animation(self, result: RenderResult) -> None:
        self.interpolation.set_play_images(list(result.images))

    def _on_favourite_images(self, result: RenderResult) -> None:
        ids = [
            self._favourite_ids[i] for i in range(min(len(self._favourite_ids), len(result.images)))
        ]
        self.library_panel.set_favourite_images(ids, list(result.images[: len(ids)]))

    def _on_lineage_images(self, result: RenderResult) -> None:
        self.library_panel.set_lineage_images(list(result.images))

    def _on_mix_image(self, result: RenderResult) -> None:
        self.breeding.set_source_image(result.images[0] if result.images else None)

    def _on_direction_strips(self, result: RenderResult) -> None:
        if self.directions.show_strips(result.latents, list(result.images)):
            self.direction_strips_rendered.emit()

    def _on_pad_images(self, result: RenderResult) -> None:
        seeds = [lat.seed for lat in result.latents]
        self.browse.pad.set_thumbnails(dict(zip(seeds, result.images, strict=True)))

    # --- thumbnails -------------------------------------------------------------------------

    def _schedule_thumbnails(self, *_: object) -> None:
        if self.model is not None:
            self._thumb_timer.start()

    def _request_thumbnails(self) -> None:
        """Favourites, lineage, the mix source, the pad's seeds and the directions' strips,
        after a pause."""
        if self.model is None:
            return
        r, s = self.renderer, self.state
        favs = self.library.favourites
        ids = [f.id for f in favs]
        if ids != self._favourite_ids or any(
            self.library_panel.favourites.item(i).icon().isNull() for i in range(len(ids))
        ):
            self._favourite_ids = ids
            r.request(RenderRequest(tuple(f.latent for f in favs), "favourites"))
        shown = self.library_panel.show_lineage(self.library.lineage(s.current))
        r.request(RenderRequest(tuple(shown), "lineage"))
        source = int(self.breeding.source_box.value())
        key = (source, s.psi)
        if key != self._mix_thumb_key:
            self._mix_thumb_key = key
            r.request(RenderRequest((Latent(seed=source, psi=s.psi),), "mix"))
        pad_seeds = self.browse.pad.visible_seeds()
        r.request(RenderRequest.for_seeds(pad_seeds, s.psi, "pad"))
        strips = self.directions.strip_latents(s.current)
        if strips and self.directions_dock.isVisible():  # hidden: drawn when it shows again
            r.request(RenderRequest(tuple(strips), "directions"))

    # --- menus, status ----------------------------------------------------------------------

    def _grid_menu(self, index: int, where: QPoint) -> None:
        if self.model is None:
            return
        seed = self.state.seeds[index]
        menu = QMenu(self.host.widget)
        menu.setToolTipsVisible(True)
        menu.addAction(f"Show seed {seed}", lambda: self.show_seed(seed))
        menu.addAction(
            "Mix styles from this image", lambda: self.breeding.use_source(seed)
        ).setToolTip(
            "Take the current image's coarse layers (or the layers chosen in Mix & breed) "
            "from this seed"
        )
        menu.addAction(
            "Add to favourites",
            lambda: self.library.add_favourite(self.state.cell_latent(index)),
        )
        menu.addAction(
            "Add to interpolation",
            lambda: self.interpolation.add_key(self.state.cell_latent(index)),
        )
        self.host.fill_context_menu("grid", menu, index)
        self.grid_menu_opened.emit(menu, index)
        menu.popup(where)

    def preview_menu(self, where: QPoint) -> None:
        """The preview's context menu: entries from every feature (export, rate …)."""
        if self.model is None:
            return
        menu = QMenu(self.host.widget)
        menu.setToolTipsVisible(True)
        self.host.fill_context_menu("preview", menu)
        menu.popup(self.browse.preview.mapToGlobal(where))

    def _ask_save_direction(self, direction: NamedDirection, start: int, end: int) -> None:
        name, ok = QInputDialog.getText(
            self.host.widget,
            "Save direction",
            f"Name for {direction.name} on layers {start}–{end}:",
        )
        if ok and name.strip():
            self.save_direction(direction, start, end, name.strip())

    def save_direction(self, direction: NamedDirection, start: int, end: int, name: str) -> None:
        self.library.save_direction(
            NamedDirection(name, list(direction.vector), direction.std, start, end)
        )

    # --- directions of your own: rename, from two pictures, from likes, load, export ----------

    def _tell(self, title: str, text: str) -> None:
        QMessageBox.information(self.host.widget, title, text)

    def _ask_rename_direction(self, old: str) -> None:
        name, ok = QInputDialog.getText(self.host.widget, "Rename direction", "New name:", text=old)
        if ok and name.strip() and name.strip() != old:
            try:
                self.library.rename_direction(old, name)
            except ValueError as exc:
                self._tell("Rename direction", str(exc).capitalize() + ".")

    def _ask_add_between(self) -> None:
        favs = [f.latent for f in self.library_panel.selected_favourites()]
        if self.model is None or not favs:
            self._tell(
                "Add from two pictures",
                "Select a favourite in Library: the direction goes from the current picture "
                "to it. Select two favourites to go from the first to the second.",
            )
            return
        a, b = (favs[0], favs[1]) if len(favs) >= 2 else (self.state.current, favs[0])
        name, ok = QInputDialog.getText(
            self.host.widget,
            "Add from two pictures",
            f"From {describe_latent(a).split('  ·  ')[0]} to "
            f"{describe_latent(b).split('  ·  ')[0]}. Name:",
        )
        if ok and name.strip():
            self.add_direction_between(a, b, name.strip())

    def add_direction_between(self, a: Latent, b: Latent, name: str):
        """Add the direction from picture `a` to picture `b` (a job: seeds need the model)."""
        if self.model is None:
            return None
        job = self.studio.jobs.start(
            "Direction between two pictures", _between_job, ModelRef.from_info(self.model), a, b
        )
        job.done.connect(lambda ws: self._add_between_done(ws, name))
        job.failed.connect(lambda msg, det: self._tell("Add from two pictures", msg))
        return job

    def _add_between_done(self, ws: tuple, name: str) -> None:
        try:
            self.library.save_direction(direction_between(ws[0], ws[1], name), keep_both=True)
        except ValueError as exc:
            self._tell("Add from two pictures", str(exc).capitalize() + ".")

    def add_direction_from_likes(self) -> None:
        fit = self.studio.taste
        if fit is None:
            self._tell(
                "Add from your likes",
                "Rate a few pictures up and down in Likes first, so Ganvas can learn your taste.",
            )
            return
        d = NamedDirection("My taste", list(fit.direction), fit.std)
        self.library.save_direction(d, keep_both=True)

    def _ask_export_directions(self) -> None:
        if self.model is None or not self.library.directions:
            self._tell("Export directions", "Save or add a direction of your own first.")
            return
        start = str(named_directions_path(self.model.path))
        path, _ = QFileDialog.getSaveFileName(
            self.host.widget, "Export directions", start, "Directions (*.json)"
        )
        if path:
            self.export_directions(path)

    def export_directions(self, path: str) -> None:
        try:
            save_named_directions(path, self.library.directions)
        except OSError as exc:
            self._tell("Export directions", f"Could not write {path}: {exc.strerror or exc}")

    def _ask_load_directions(self) -> None:
        if self.model is None:
            return
        start = str(named_directions_path(self.model.path))
        path, _ = QFileDialog.getOpenFileName(
            self.host.widget, "Load directions", start, "Directions (*.json)"
        )
        if path:
            self.load_directions(path)

    def load_directions(self, path: str) -> int:
        """Add the directions in a file (names kept unique); → how many were added."""
        try:
            loaded = load_named_directions(path)
        except ValueError as exc:
            self._tell("Load directions", str(exc).capitalize() + ".")
            return 0
        width = len(self.directions.principal[0].vector) if self.directions.principal else None
        loaded = [d for d in loaded if width is None or len(d.vector) == width]
        if not loaded:
            self._tell("Load directions", "The file holds no directions for this model.")
        for d in loaded:
            self.library.save_direction(d, keep_both=True)
        return len(loaded)

    def _update_actions(self, *_: object) -> None:
        has_model = self.model is not None
        stack = self.history.stack
        self.undo_action.setEnabled(stack.canUndo())
        self.redo_action.setEnabled(stack.canRedo())
        self.undo_action.setText(f"Undo {stack.undoText()}" if stack.canUndo() else "Undo")
        self.redo_action.setText(f"Redo {stack.redoText()}" if stack.canRedo() else "Redo")
        for action in (
            self.favourite_action,
            self.children_action,
            self.crossbreed_action,
            self.add_key_action,
            self.play_action,
            self.reset_edits_action,
        ):
            action.setEnabled(has_model)
        if has_model:
            fav = self.library.is_favourite(self.state.current)
            self.favourite_action.setEnabled(not fav)

    def _show_perf(self) -> None:
        self.perf_label.setText(self.perf.text())


def _between_job(model: ModelRef, a: Latent, b: Latent) -> Iterator[dict[str, Any]]:
    """The per-layer w of two pictures (seeds need the model's mapping network); → (wa, wb)."""
    import torch

    from engine.latent import latent_ws

    yield {"text": "Finding the direction between two pictures…"}
    G = job_model(model, with_discriminator=False).G
    with torch.no_grad():
        return latent_ws(G, a).cpu().tolist(), latent_ws(G, b).cpu().tolist()


def install_browser(studio: Studio, host: Host, browse: BrowsePanel) -> Browser:
    """Add the latent browser's docks, menus and status readout to the window."""
    return Browser(studio, host, browse)
