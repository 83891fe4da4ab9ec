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


def license_file() -> Path:
    """Ganvas's licence text (Apache-2.0): LICENSE beside resources/, in a bundle as well."""
    return resources_dir().parent / "LICENSE"
