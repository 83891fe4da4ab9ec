"""Cold start to the first rendered image vs a bare `import torch, PySide6.QtWidgets`.

Each run is a fresh subprocess: `main.py --screenshot … --model M`, timed from spawn until it
logs "first image on screen" (the preview of the current image, rendered and painted); the
time until the whole 16-image grid is on screen is reported too. The baseline is the wall time of
`python -c "import torch, PySide6.QtWidgets"`: the least any Qt + torch app can take.
Median of 3 each, alternated. Goal (issue #4): ≤ 1.5× the baseline.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

from browser_common import ROOT, find_model, load_note, median, private_data_dirs

from benchmarks.common import append_result

FIRST_IMAGE = "first image on screen"
FIRST_GRID = "first grid on screen"


def bare_import() -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import torch, PySide6.QtWidgets"], check=True)
    return time.perf_counter() - start


def app_first_image(model) -> tuple[float, float]:
    """→ seconds from spawn to the first image, and to the full grid."""
    out = os.path.join(tempfile.mkdtemp(prefix="ganvas-bench-"), "shot.png")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "main.py", "--screenshot", out, "--model", str(model)],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    seen: dict[str, float] = {}
    try:
        for line in proc.stderr:
            for key in (FIRST_IMAGE, FIRST_GRID):
                if key in line:
                    seen.setdefault(key, time.perf_counter() - start)
            if len(seen) == 2:
                return seen[FIRST_IMAGE], seen[FIRST_GRID]
        raise RuntimeError(f"the app exited ({proc.wait()}) without rendering an image")
    finally:
        proc.kill()
        proc.wait()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--model", help="model file (default: newest runs/default snapshot)")
    p.add_argument("--runs", type=int, default=3)
    args = p.parse_args()
    private_data_dirs()
    model = find_model(args.model)
    bare_import()  # warm the file cache for both
    app_first_image(model)
    base, app, grid = [], [], []
    for _ in range(args.runs):
        base.append(bare_import())
        first, full = app_first_image(model)
        app.append(first)
        grid.append(full)
    b, a, g = median(base), median(app), median(grid)
    rows = [
        "| | median s | runs (s) |",
        "|---|---|---|",
        f'| `python -c "import torch, PySide6.QtWidgets"` | {b:.2f} | '
        + ", ".join(f"{x:.2f}" for x in base)
        + " |",
        f"| `main.py --model M` → first image on screen | {a:.2f} | "
        + ", ".join(f"{x:.2f}" for x in app)
        + " |",
        f"| `main.py --model M` → whole 16-image grid on screen | {g:.2f} | "
        + ", ".join(f"{x:.2f}" for x in grid)
        + " |",
        f"| **ratio, first image** | **{a / b:.2f}×** (goal ≤ 1.5×) | |",
        f"| ratio, whole grid | {g / b:.2f}× | |",
    ]
    notes = f"Model `{model.name}`; the window appears before torch is imported. {load_note()}"
    append_result("Browser: cold start to first image (issue #4)", "\n".join(rows), notes)


if __name__ == "__main__":
    main()
