"""Where bundled resources live, from a source checkout and inside a PyInstaller bundle."""

from __future__ import annotations

import sys
from pathlib import Path


def resources_dir() -> Path:
    frozen_root = getattr(sys, "_MEIPASS", None)  # set by PyInstaller's bootloader
    root = Path(frozen_root) if frozen_root else Path(__file__).resolve().parent.parent
    return root / "resources"


def default_model_path() -> Path:
    return resources_dir() / "models" / "default.safetensors"


def startup_model_path() -> Path:
    """The model the app opens on: the 128 px bundled model where it is installed (the 64 px
    `default` stays the base that fine-tunes start from, at 64 px or grown to 128)."""
    large = resources_dir() / "models" / "default-128.safetensors"
    return large if large.is_file() else default_model_path()


def license_file() -> Path:
    """Ganvas's licence text (Apache-2.0): LICENSE beside resources/, in a bundle as well."""
    return resources_dir().parent / "LICENSE"
