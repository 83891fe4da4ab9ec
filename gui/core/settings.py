"""The user's preferences (Edit → Preferences…): a small JSON file in the user's config folder.

`settings.json` under `platformdirs.user_config_dir("Ganvas")` ($GANVAS_CONFIG_DIR overrides
it, for tests), written atomically; a damaged or hand-edited file, or a value that makes no
sense, falls back to the default for that value and is never an error. The window layout is
not here: Qt keeps it (gui.window.window_memory), as the recent files keep their own list.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from engine.files import write_text_atomic
from engine.naming import DEFAULT_TEMPLATE, check_template

log = logging.getLogger("ganvas")

SETTINGS_FILE = "settings.json"
DEVICES = ("auto", "cpu", "cuda", "mps")
THEMES = ("system", "light", "dark")  # "system": follow the operating system
MAX_THREADS = 256


def config_dir() -> Path:
    """The user's Ganvas config folder (the window layout and recent files live there too)."""
    override = os.environ.get("GANVAS_CONFIG_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_config_dir("Ganvas", appauthor=False))


@dataclass(frozen=True)
class Preferences:
    """What Edit → Preferences… sets. threads 0: automatic (all cores but one); export_folder
    "": the Pictures folder."""

    device: str = "auto"
    threads: int = 0
    export_folder: str = ""
    template: str = DEFAULT_TEMPLATE
    theme: str = "system"

    def replace(self, **changes: Any) -> Preferences:
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: object) -> Preferences:
        """The preferences in `data`; anything missing, mistyped or out of range: its default."""
        if not isinstance(data, dict):
            return cls()
        out = cls()
        for f in dataclasses.fields(cls):
            value = data.get(f.name)
            try:
                out = out.replace(**{f.name: _checked(f.name, value)})
            except (TypeError, ValueError):
                continue
        return out


def _checked(name: str, value: Any) -> Any:
    """`value` for the field `name`, or a ValueError/TypeError when it cannot be used."""
    if name in ("device", "theme"):
        allowed = DEVICES if name == "device" else THEMES
        if value not in allowed:
            raise ValueError(f"{name} must be one of {', '.join(allowed)}")
        return value
    if name == "threads":
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError("threads must be a whole number")
        if not 0 <= value <= MAX_THREADS:
            raise ValueError(f"threads must be 0 (automatic) to {MAX_THREADS}")
        return value
    if not isinstance(value, str):
        raise TypeError(f"{name} must be text")
    if name == "template":
        return check_template(value)
    return value.strip()


class Settings(QObject):
    """The preferences, read once and saved on every change; `changed` says what they are now."""

    changed = Signal(object)  # Preferences

    def __init__(self, path: Path | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.path = path or config_dir() / SETTINGS_FILE
        self._values: Preferences | None = None  # read when first needed

    @property
    def values(self) -> Preferences:
        if self._values is None:
            try:
                text = self.path.read_text(encoding="utf-8")
                self._values = Preferences.from_dict(json.loads(text))
            except FileNotFoundError:
                self._values = Preferences()
            except (OSError, UnicodeDecodeError, ValueError) as exc:
                log.warning("settings not read, using the defaults (%s): %s", self.path, exc)
                self._values = Preferences()
        return self._values

    def set(self, values: Preferences) -> None:
        """Keep and save `values` (each one checked first: a bad one raises ValueError)."""
        for f in dataclasses.fields(Preferences):
            _checked(f.name, getattr(values, f.name))
        if values == self.values:
            return
        self._values = values
        self._save()
        self.changed.emit(values)

    def update(self, **changes: Any) -> None:
        self.set(self.values.replace(**changes))

    def _save(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_text_atomic(self.path, json.dumps(self.values.to_dict(), indent=1))
        except OSError as exc:  # the change still applies for this session
            log.warning("settings not saved: %s", exc)
