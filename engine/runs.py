"""Run folders on disk: where new ones go, which are unfinished, and what they logged.

A run folder is self-describing (see training.py): `checkpoints/latest.pt` holds the step and
the config, `stats.jsonl` the curves, `previews/` and `snapshots/` the pictures and models.
Nothing here trains; it only reads what training wrote.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger("ganvas")

CHECKPOINT = Path("checkpoints") / "latest.pt"
DATA_DIR_ENV = "GANVAS_DATA_DIR"


def data_dir() -> Path:
    """The per-user data folder: $GANVAS_DATA_DIR, else platformdirs' user data dir."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_data_dir("Ganvas", appauthor=False))


def runs_dir() -> Path:
    return data_dir() / "runs"


def slug(text: str) -> str:
    """A short, filesystem-safe name: 'My Cats (2024)' → 'my-cats-2024'."""
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return s[:40].strip("-") or "run"


def new_run_dir(name: str, root: Path | None = None, now: dt.datetime | None = None) -> Path:
    """A not-yet-existing folder `<root>/<slug>-<YYYYmmdd-HHMM>[-n]` (not created)."""
    root = Path(root) if root is not None else runs_dir()
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M")
    base = root / f"{slug(name)}-{stamp}"
    path, n = base, 2
    while path.exists():
        path, n = base.with_name(f"{base.name}-{n}"), n + 1
    return path


@dataclass(frozen=True)
class RunInfo:
    """What a run folder's checkpoint says about it."""

    path: Path
    step: int
    nimg: int  # images shown so far
    total_kimg: float
    config: dict[str, Any]  # TrainConfig.to_dict() as stored in the checkpoint
    modified: float  # checkpoint mtime (seconds since the epoch)

    @property
    def kimg(self) -> float:
        return self.nimg / 1000

    @property
    def finished(self) -> bool:
        return self.nimg >= int(self.total_kimg * 1000)  # the loop's own end test

    @property
    def name(self) -> str:
        return self.path.name


def read_run(path: Path | str) -> RunInfo | None:
    """The checkpoint's step and config, or None when the folder holds no readable checkpoint.

    The checkpoint is memory-mapped, so only its small records are read, not the weights.
    """
    from .checkpoint import CheckpointError, read_checkpoint

    path = Path(path)
    ckpt = path / CHECKPOINT
    if not ckpt.is_file():
        return None
    try:
        state = read_checkpoint(ckpt, mmap=True)
        cfg = state["config"]
        info = RunInfo(
            path=path,
            step=int(state["step"]),
            nimg=int(state["nimg"]),
            total_kimg=float(cfg["kimg"]),
            config=cfg,
            modified=ckpt.stat().st_mtime,
        )
    except (CheckpointError, KeyError, TypeError, AttributeError, ValueError, OSError) as exc:
        _report_once(path, ckpt, f"skipping run {path}: unreadable checkpoint ({exc})")
        return None
    return info


_reported: set[tuple[str, float]] = set()


def _report_once(path: Path, ckpt: Path, text: str) -> None:
    """Log a damaged run once, not on every refresh of the run list (again if it changes)."""
    try:
        key = (str(path), ckpt.stat().st_mtime)
    except OSError:
        key = (str(path), 0.0)
    if key not in _reported:
        _reported.add(key)
        log.warning("%s", text)


def list_runs(root: Path | None = None) -> list[RunInfo]:
    """Every run under `root` with a readable checkpoint, most recently active first."""
    root = Path(root) if root is not None else runs_dir()
    try:
        subs = [sub for sub in root.iterdir() if sub.is_dir()]
    except OSError:  # no runs folder yet, or one we may not read
        return []
    runs = [info for sub in subs if (info := read_run(sub))]
    return sorted(runs, key=lambda r: r.modified, reverse=True)


def unfinished_runs(root: Path | None = None) -> list[RunInfo]:
    return [r for r in list_runs(root) if not r.finished]


def read_stats(run_dir: Path | str, up_to_step: int | None = None) -> list[dict[str, Any]]:
    """The records of stats.jsonl, skipping unreadable lines.

    With `up_to_step`, records logged after that step are dropped: a run killed after its last
    checkpoint logged steps it will repeat when resumed, and the curves must not go back.
    """
    path = Path(run_dir) / "stats.jsonl"
    records = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    for line in lines:
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line cut short by a crash
        if not isinstance(record, dict):
            continue
        if up_to_step is not None and int(record.get("step", 0)) > up_to_step:
            continue
        records.append(record)
    return records


def snapshots(run_dir: Path | str) -> list[Path]:
    """Snapshot model files, oldest first."""
    folder = Path(run_dir) / "snapshots"
    return sorted(folder.glob("snapshot-*.safetensors")) if folder.is_dir() else []


def latest_preview(run_dir: Path | str) -> Path | None:
    folder = Path(run_dir) / "previews"
    found = sorted(folder.glob("step-*.png")) if folder.is_dir() else []
    return found[-1] if found else None


def step_of(path: Path | str) -> int | None:
    """'snapshot-0000120.safetensors' → 120."""
    m = re.search(r"-(\d+)\.", Path(path).name)
    return int(m[1]) if m else None
