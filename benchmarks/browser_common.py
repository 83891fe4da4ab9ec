"""Shared set-up for the browser benchmarks: which model, an offscreen QApplication."""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def load_note() -> str:
    """What else the machine was doing, measured: absolute times depend on it, ratios less
    (both sides are measured interleaved)."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"1-minute load average at the start: {load:.2f} on {os.cpu_count()} cores; the two "
        "sides of each ratio were measured interleaved, under the same load."
    )


def find_model(arg: str | None) -> Path:
    """--model, else the newest snapshot of runs/default (copied to a temp folder, as the
    training job may replace it), else the bundled default model."""
    if arg:
        return Path(arg)
    snapshots = sorted((ROOT / "runs" / "default" / "snapshots").glob("*.safetensors"))
    if snapshots:
        target = Path(tempfile.gettempdir()) / "ganvas-bench" / "model.safetensors"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(snapshots[-1], target)
        return target
    from engine.paths import default_model_path

    return default_model_path()


def private_data_dirs() -> Path:
    """Point favourites and the directions cache at a temp folder (no user data touched)."""
    root = Path(tempfile.mkdtemp(prefix="ganvas-bench-data-"))
    os.environ["GANVAS_DATA_DIR"] = str(root / "data")
    os.environ["GANVAS_CACHE_DIR"] = str(root / "cache")
    return root


def qt_app():
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication([sys.argv[0]])


def median(values: list[float]) -> float:
    return statistics.median(values)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]
