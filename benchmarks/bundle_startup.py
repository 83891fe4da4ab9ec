"""Size of the PyInstaller bundle and its start-up time to the first rendered grid (issue 8).

Starts the bundled app with `--screenshot` (window shown, model loaded, first 4×4 grid rendered,
PNG saved, exit) and times the whole process; the peer is the same command from source
(`python main.py`, this Python's packages). Median of --runs starts each. With --drop-caches
(Linux, root) the page cache is dropped before every start, so each one reads libtorch and Qt
from disk: a real cold start. Without it the files are warm after the first run.

    python build/build.py                                   # the bundle to measure
    python benchmarks/bundle_startup.py [--runs 3] [--model M] [--drop-caches]

Run it with the build venv's Python (the one that built the bundle). Appends to BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import append_result  # noqa: E402

FIRST_GRID = re.compile(r"first grid on screen after (\d+) ms")


def load_build_script():
    path = ROOT / "build" / "build.py"
    spec = importlib.util.spec_from_file_location("ganvas_build_script", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def drop_caches() -> bool:
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except OSError:
        return False


def start_once(cmd: list[str], shot: Path, cold: bool) -> tuple[float, float]:
    """(wall s, in-app ms to first grid) of one --screenshot start."""
    env = dict(os.environ)
    if sys.platform.startswith("linux") and not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
        env["QT_QPA_PLATFORM"] = "offscreen"
    shot.unlink(missing_ok=True)
    if cold and not drop_caches():
        sys.exit("could not drop the page cache (needs Linux and root); run without --drop-caches")
    started = time.perf_counter()
    proc = subprocess.run(
        [*cmd, "--screenshot", str(shot)], env=env, capture_output=True, text=True, timeout=300
    )
    wall = time.perf_counter() - started
    if proc.returncode != 0 or not shot.is_file():
        sys.exit(f"{cmd[0]} exited {proc.returncode}:\n{proc.stderr[-3000:]}")
    match = FIRST_GRID.search(proc.stderr)
    return wall, float(match.group(1)) if match else float("nan")


def du_h(path: Path) -> str:
    if shutil.which("du"):
        out = subprocess.run(["du", "-sh", str(path)], capture_output=True, text=True).stdout
        if out:
            return out.split()[0]
    return "?"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--model", type=Path, help="model to open (default: the bundled one)")
    p.add_argument("--drop-caches", action="store_true", help="cold page cache before each start")
    args = p.parse_args()

    build = load_build_script()
    exe = build.bundle_executable()
    if not exe.is_file():
        sys.exit(f"no bundle at {exe}; run python build/build.py first")
    bundle = build.bundle_dir()
    size = build.folder_size(bundle)
    artefacts = sorted(
        p for p in build.DIST.glob("Ganvas-*") if p.suffix in (".gz", ".exe", ".dmg")
    )

    model_args, model_name = [], "bundled default model"
    if args.model is not None:
        model_args, model_name = ["--model", str(args.model.resolve())], args.model.name
    elif next(bundle.rglob("default.safetensors"), None) is None:
        sys.exit("the bundle carries no default model; pass --model M.safetensors")

    peers = {
        "bundle": [str(exe), *model_args],
        "source (python main.py)": [sys.executable, str(ROOT / "main.py"), *model_args],
    }
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in peers}
    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    with tempfile.TemporaryDirectory() as tmp:
        shot = Path(tmp) / "shot.png"
        for cmd in peers.values():
            start_once(cmd, shot, cold=False)  # a first start outside the timing (warms caches)
        for _ in range(args.runs):  # interleaved, so a busy moment hurts both alike
            for name, cmd in peers.items():
                times[name].append(start_once(cmd, shot, cold=args.drop_caches))
                print(f"{name}: {times[name][-1][0]:.2f} s", flush=True)
    load_after = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    rows = []
    for name, runs in times.items():
        walls, grids = zip(*runs)
        rows.append((name, statistics.median(walls), statistics.median(grids), walls))

    cache = "page cache dropped before each start" if args.drop_caches else "warm page cache"
    table = "| app | wall to first grid, median s | in-app first grid, median ms | runs (s) |\n"
    table += "|---|---|---|---|\n"
    for name, wall, grid, walls in rows:
        table += f"| {name} | {wall:.2f} | {grid:.0f} | {', '.join(f'{w:.2f}' for w in walls)} |\n"
    table += f"\nBundle {bundle.relative_to(ROOT)}: {build.human(size)} (`du -sh`: {du_h(bundle)})"
    for a in artefacts:
        table += f"; {a.name}: {build.human(a.stat().st_size)}"
    notes = (
        f"`--screenshot` with the {model_name}, {args.runs} starts each (interleaved), {cache}; "
        f"1-min load average {load_before:.1f} before, {load_after:.1f} after, on "
        f"{os.cpu_count()} cores. wall = the "
        "whole process from exec to exit after saving the PNG; in-app = the app's own "
        "`first grid on screen` log (from run_app's start, so without interpreter start-up "
        "and the import of main). The source run uses the checkout as it is now, the bundle "
        "the checkout as it was built. Goal (issue 8): the window and a first grid in seconds."
    )
    append_result("Bundle size and start-up to the first grid", table, notes)


if __name__ == "__main__":
    main()
