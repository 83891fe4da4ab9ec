"""Per-model user data: favourites with star ratings, lineage, saved directions.

Everything is keyed by the model's SHA-256 and lives under the user data folder
(`platformdirs.user_data_dir("Ganvas")`, or `$GANVAS_DATA_DIR`):

    models/<sha256>/library.json      favourites + the ancestors they need for their lineage
    models/<sha256>/directions.json   named directions (engine.directions format)

Files are written atomically (engine.files), so a crash never leaves half a file, and a
damaged file is set aside as `*.damaged` and reported instead of losing the app's start.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from engine.breeding import latent_id
from engine.directions import (
    NamedDirection,
    add_direction,
    load_named_directions,
    rename_direction,
    save_named_directions,
)
from engine.files import write_text_atomic
from engine.latent import Latent
from engine.runs import data_dir  # per-user data: $GANVAS_DATA_DIR or the platform's

log = logging.getLogger("ganvas")

LIBRARY_VERSION = 1
MAX_RATING = 5
LINEAGE_DEPTH = 8


Report = Callable[[str, str], None]  # plain message, details (a `failed` signal's emit)
_UNREADABLE = (OSError, ValueError, KeyError, TypeError, AttributeError)


def set_aside(path: Path, exc: Exception, report: Report, lost: str) -> None:
    """Move a damaged file out of the way as `<name>.damaged` (or leave it where it is if it
    cannot be moved) and report it: `lost` says what starts empty because of it."""
    aside = path.with_name(path.name + ".damaged")
    try:
        os.replace(path, aside)
    except OSError:
        aside = path
    report(f"{lost} The old file was kept as {aside.name}.", f"{path}: {exc}")


def load_model_json(
    path: Path, read: Callable[[dict[str, Any]], None], report: Report, lost: str
) -> None:
    """Hand the per-model JSON file at `path` to `read`. A missing file is no data yet; one that
    cannot be read or understood (`read` raising too) is set aside and reported (`set_aside`)."""
    try:
        read(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        pass
    except _UNREADABLE as exc:
        set_aside(path, exc, report, lost)


def save_model_json(path: Path, payload: dict[str, Any], report: Report, what: str) -> None:
    """Write a per-model JSON file atomically; a failure is reported as "Could not save `what`"."""
    try:
        write_text_atomic(path, json.dumps(payload))
    except OSError as exc:
        report(f"Could not save {what}: {exc.strerror or exc}", str(exc))


@dataclass
class Favourite:
    id: int
    latent: Latent
    rating: int = 0
    name: str = ""
    added: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "latent": self.latent.to_dict(),
            "rating": self.rating,
            "name": self.name,
            "added": self.added,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Favourite:
        latent = Latent.from_dict(data["latent"])
        return cls(
            id=latent_id(latent),
            latent=latent,
            rating=min(max(int(data.get("rating", 0)), 0), MAX_RATING),
            name=str(data.get("name", "")),
            added=str(data.get("added", "")),
        )


@dataclass
class LineageNode:
    latent: Latent
    id: int
    parents: list[LineageNode]
    missing: int = 0  # parents whose latents are not known (made before lineage was kept)


_LOST = "Your saved data for this model could not be read, so it starts empty."


class Library(QObject):
    """Favourites, lineage and saved directions of the open model."""

    favourites_changed = Signal()
    directions_changed = Signal()
    failed = Signal(str, str)  # plain message, details

    def __init__(self, root: Path | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.root = root if root is not None else data_dir()
        self.sha256: str | None = None
        self.model_name = ""
        self.favourites: list[Favourite] = []
        self.known: dict[int, Latent] = {}  # lineage registry: id → latent
        self.directions: list[NamedDirection] = []

    # --- files ------------------------------------------------------------------------------

    @property
    def folder(self) -> Path:
        if self.sha256 is None:
            raise RuntimeError("no model is open")
        return self.root / "models" / self.sha256

    @property
    def library_path(self) -> Path:
        return self.folder / "library.json"

    @property
    def directions_path(self) -> Path:
        return self.folder / "directions.json"

    def open(self, sha256: str, model_name: str = "") -> None:
        """Load the data of the model with this SHA-256 (empty when there is none yet)."""
        self.sha256, self.model_name = sha256, model_name
        self.favourites, self.known, self.directions = [], {}, []
        load_model_json(self.library_path, self._read_library, self.failed.emit, _LOST)
        try:
            self.directions = load_named_directions(self.directions_path)
        except ValueError as exc:
            set_aside(self.directions_path, exc, self.failed.emit, _LOST)
        self.favourites_changed.emit()
        self.directions_changed.emit()

    def _read_library(self, data: dict[str, Any]) -> None:
        for entry in data.get("lineage", []):
            latent = Latent.from_dict(entry)
            self.known[latent_id(latent)] = latent
        for entry in data.get("favourites", []):
            fav = Favourite.from_dict(entry)
            self.favourites.append(fav)
            self.known[fav.id] = fav.latent

    def save(self) -> None:
        """Write favourites and their ancestors (atomically)."""
        if self.sha256 is None:
            return
        needed: dict[int, Latent] = {}
        for fav in self.favourites:
            self._collect_ancestors(fav.latent, needed, LINEAGE_DEPTH)
        payload = {
            "version": LIBRARY_VERSION,
            "model": {"name": self.model_name, "sha256": self.sha256},
            "favourites": [f.to_dict() for f in self.favourites],
            "lineage": [lat.to_dict() for lat in needed.values()],
        }
        save_model_json(self.library_path, payload, self.failed.emit, "favourites")

    # --- lineage ----------------------------------------------------------------------------

    def remember(self, latent: Latent) -> int:
        """Keep `latent` so that images made from it can show it as an ancestor."""
        key = latent_id(latent)
        self.known.setdefault(key, latent)
        return key

    def _collect_ancestors(self, latent: Latent, out: dict[int, Latent], depth: int) -> None:
        if depth <= 0:
            return
        for pid in latent.parents:
            parent = self.known.get(pid)
            if parent is not None and pid not in out:
                out[pid] = parent
                self._collect_ancestors(parent, out, depth - 1)

    def lineage(self, latent: Latent, depth: int = LINEAGE_DEPTH) -> LineageNode:
        """The image and its known ancestors, as a tree (parents of parents …)."""
        parents, missing = [], 0
        if depth > 0:
            for pid in latent.parents:
                parent = self.known.get(pid)
                if parent is None:
                    missing += 1
                else:
                    parents.append(self.lineage(parent, depth - 1))
        return LineageNode(latent, latent_id(latent), parents, missing)

    # --- favourites -------------------------------------------------------------------------

    def favourite(self, key: int) -> Favourite | None:
        return next((f for f in self.favourites if f.id == key), None)

    def is_favourite(self, latent: Latent) -> bool:
        return self.favourite(latent_id(latent)) is not None

    def add_favourite(self, latent: Latent, rating: int = 0, name: str = "") -> Favourite:
        key = self.remember(latent)
        existing = self.favourite(key)
        if existing is not None:
            return existing
        when = dt.datetime.now().isoformat(timespec="seconds")
        fav = Favourite(key, latent, min(max(rating, 0), MAX_RATING), name, when)
        self.favourites.append(fav)
        self.save()
        self.favourites_changed.emit()
        return fav

    def remove_favourite(self, key: int) -> None:
        before = len(self.favourites)
        self.favourites = [f for f in self.favourites if f.id != key]
        if len(self.favourites) != before:
            self.save()
            self.favourites_changed.emit()

    def set_rating(self, key: int, rating: int) -> None:
        fav = self.favourite(key)
        rating = min(max(int(rating), 0), MAX_RATING)
        if fav is not None and fav.rating != rating:
            fav.rating = rating
            self.save()
            self.favourites_changed.emit()

    # --- saved directions -------------------------------------------------------------------

    def save_direction(self, direction: NamedDirection, *, keep_both: bool = False) -> None:
        """Add a named direction and write the file: it replaces one of the same name, or with
        `keep_both` is added as "name 2"."""
        if keep_both:
            self.directions = add_direction(self.directions, direction)
        else:
            self.directions = [d for d in self.directions if d.name != direction.name]
            self.directions.append(direction)
        self._write_directions()

    def rename_direction(self, old: str, new: str) -> None:
        """ValueError when the new name is empty or taken."""
        self.directions = rename_direction(self.directions, old, new)
        self._write_directions()

    def remove_direction(self, name: str) -> None:
        self.directions = [d for d in self.directions if d.name != name]
        self._write_directions()

    def _write_directions(self) -> None:
        try:
            save_named_directions(self.directions_path, self.directions)
        except OSError as exc:
            self.failed.emit(f"Could not save directions: {exc.strerror or exc}", str(exc))
        self.directions_changed.emit()
