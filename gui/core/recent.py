"""Recently opened models, training folders and exported images, for File → Open recent.

A small JSON list in the user's config folder ($GANVAS_CONFIG_DIR overrides it, as for the
window layout), written atomically; a damaged or hand-edited file is ignored, never an error.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from engine.files import write_text_atomic

from .settings import config_dir

log = logging.getLogger("ganvas")

MAX_RECENT = 10
KINDS = ("model", "folder", "image")
RECENT_FILE = "recent.json"


def _parse(text: str) -> list[tuple[str, Path]]:
    """(kind, path) entries from the file's text; anything malformed is skipped."""
    try:
        data = json.loads(text)
    except ValueError:
        return []
    items = data.get("recent") if isinstance(data, dict) else None
    if not isinstance(items, list):
        return []
    entries = []
    for item in items:
        if (
            isinstance(item, dict)
            and item.get("kind") in KINDS
            and isinstance(item.get("path"), str)
            and item["path"]
        ):
            entries.append((item["kind"], Path(item["path"])))
    return entries


class RecentFiles(QObject):
    """The last MAX_RECENT things opened or exported, newest first; gone ones are dropped."""

    changed = Signal()

    def __init__(self, path: Path | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.path = path or config_dir() / RECENT_FILE
        self._entries: list[tuple[str, Path]] | None = None  # read when first needed

    def _load(self) -> list[tuple[str, Path]]:
        if self._entries is None:
            try:
                self._entries = _parse(self.path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError):
                self._entries = []
        return self._entries

    def entries(self) -> list[tuple[str, Path]]:
        """(kind, path), newest first, only those that still exist."""
        entries = self._load()
        alive = [(k, p) for k, p in entries if p.exists()]
        if len(alive) != len(entries):
            self._entries = alive
            self._save()
        return list(alive)

    def add(self, path: Path | str, kind: str) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown kind of recent file: {kind}")
        path = Path(path).absolute()
        entries = [(k, p) for k, p in self._load() if p != path]
        self._entries = [(kind, path), *entries][:MAX_RECENT]
        self._save()
        self.changed.emit()

    def clear(self) -> None:
        self._entries = []
        self._save()
        self.changed.emit()

    def _save(self) -> None:
        items = [{"kind": k, "path": str(p)} for k, p in self._entries or []]
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_text_atomic(self.path, json.dumps({"recent": items}, indent=1))
        except OSError as exc:  # a convenience: never let it stop the real work
            log.warning("recent files not saved: %s", exc)
