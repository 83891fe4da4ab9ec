"""Thumbs-up / thumbs-down labels of the open model's images, kept per model.

`<data dir>/models/<sha256>/preferences.json` (engine.runs.data_dir), written atomically.
The Likes feature rates and fits; export reads the liked images from here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from engine.breeding import latent_id
from engine.latent import Latent
from engine.runs import data_dir

from .library import load_model_json, save_model_json

PREFERENCES_VERSION = 1
LIKE, DISLIKE = 1, -1


@dataclass(frozen=True)
class PreferenceFit:
    """A fitted direction (unit vector in w), its spread over typical images (one slider
    unit), and how well it predicts held-out labels."""

    direction: tuple[float, ...]
    std: float
    accuracy: float | None
    likes: int
    dislikes: int


class PreferenceStore(QObject):
    """Thumbs-up / thumbs-down labels of the open model's images."""

    changed = Signal()
    failed = Signal(str, str)  # plain message, details

    def __init__(self, root: Path | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.root = root if root is not None else data_dir()
        self.sha256: str | None = None
        self.model_name = ""
        self.labels: dict[int, tuple[Latent, int]] = {}  # latent id → (latent, ±1)

    @property
    def path(self) -> Path:
        if self.sha256 is None:
            raise RuntimeError("no model is open")
        return self.root / "models" / self.sha256 / "preferences.json"

    def open(self, sha256: str | None, model_name: str = "") -> None:
        self.sha256, self.model_name, self.labels = sha256, model_name, {}
        if sha256 is not None:
            load_model_json(
                self.path,
                self._read_labels,
                self.failed.emit,
                "Your ratings for this model could not be read, so they start empty.",
            )
        self.changed.emit()

    def _read_labels(self, data: dict[str, Any]) -> None:
        labels = {}  # kept only when all of them could be read
        for entry in data.get("labels", []):
            latent = Latent.from_dict(entry["latent"])
            value = LIKE if int(entry["label"]) > 0 else DISLIKE
            labels[latent_id(latent)] = (latent, value)
        self.labels = labels

    def save(self) -> None:
        if self.sha256 is None:
            return
        now = dt.datetime.now().isoformat(timespec="seconds")
        payload = {
            "version": PREFERENCES_VERSION,
            "model": {"name": self.model_name, "sha256": self.sha256},
            "saved": now,
            "labels": [
                {"latent": latent.to_dict(), "label": value}
                for latent, value in self.labels.values()
            ],
        }
        save_model_json(self.path, payload, self.failed.emit, "your ratings")

    def label(self, latent: Latent) -> int:
        entry = self.labels.get(latent_id(latent))
        return entry[1] if entry else 0

    def set_label(self, latent: Latent, value: int) -> None:
        """+1 like, −1 dislike, 0 forget the label."""
        key = latent_id(latent)
        before = self.labels.get(key, (None, 0))[1]
        if value == before:
            return
        if value:
            self.labels[key] = (latent, LIKE if value > 0 else DISLIKE)
        else:
            self.labels.pop(key, None)
        self.save()
        self.changed.emit()

    def liked(self) -> list[Latent]:
        return [lat for lat, v in self.labels.values() if v > 0]

    def disliked(self) -> list[Latent]:
        return [lat for lat, v in self.labels.values() if v < 0]

    @property
    def counts(self) -> tuple[int, int]:
        return len(self.liked()), len(self.disliked())
