"""Shared bits for benchmarks: machine description and appending results to BENCHMARKS.md."""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
import sys
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
