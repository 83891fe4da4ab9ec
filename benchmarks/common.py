"""Shared bits for benchmarks: machine description and appending results to BENCHMARKS.md."""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        cpu = next(x.split(":", 1)[1].strip() for x in out.splitlines() if "Model name" in x)
    except (OSError, StopIteration):
        pass
    import torch

    py = platform.python_version()
    return f"{cpu}, {os.cpu_count()} cores, torch {torch.__version__}, Python {py}"


def append_result(title: str, table: str, notes: str = "") -> None:
    """Append a dated section with the exact command and the machine to BENCHMARKS.md."""
    cmd = "python " + " ".join([os.path.relpath(sys.argv[0], ROOT), *sys.argv[1:]])
    when = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    text = f"\n## {title}\n\n{when} · `{cmd}` · {machine()}\n\n{table}\n"
    if notes:
        text += f"\n{notes}\n"
    path = ROOT / "BENCHMARKS.md"
    if not path.exists():
        path.write_text("# Benchmarks\n\nEach section is appended by the script named in it.\n")
    with open(path, "a", encoding="utf-8") as f:
        f.write(text)
    print(text)


class TrainingClock:
    """Seconds of training: wall-clock less explicit pauses (sampling) and less any time the
    process was stopped (SIGSTOP while the machine does other work), so a run can be paused
    without spending its budget. A heartbeat thread sleeps in short ticks; a tick that comes
    back more than `gap` seconds late was stopped for that long."""

    def __init__(self, tick: float = 0.1, gap: float = 2.0):
        import threading

        self._start = time.perf_counter()
        self._excluded = 0.0
        self._paused_at: float | None = None
        self._tick, self._gap = tick, gap
        threading.Thread(target=self._heartbeat, daemon=True).start()

    def _heartbeat(self) -> None:
        while True:
            before = time.perf_counter()
            time.sleep(self._tick)
            late = time.perf_counter() - before - self._tick
            if late > self._gap and self._paused_at is None:
                self._excluded += late

    def pause(self) -> None:
        self._paused_at = time.perf_counter()

    def resume(self) -> None:
        if self._paused_at is not None:
            self._excluded += time.perf_counter() - self._paused_at
            self._paused_at = None

    @property
    def stopped_s(self) -> float:
        return self._excluded

    def elapsed(self) -> float:
        now = self._paused_at if self._paused_at is not None else time.perf_counter()
        return now - self._start - self._excluded
