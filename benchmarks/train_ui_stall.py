"""UI stalls while training in the Train panel: the longest gap between 1 ms timer ticks.

Runs the whole window offscreen, sets up a run on a generated folder in the Train panel and
trains at full speed (previews, checkpoints, snapshots and SWD far more often than a real run,
to include their costs). A 1 ms QTimer on the UI thread records the time between its ticks;
the longest gap is how long the window could not react. Two peers, measured in the same run:
the idle window, and the idle window while the same training runs in a separate process
(`main.py train`: no shared interpreter lock, so what remains is CPU contention from the
machine). Goal (issue 5): max gap ≤ 50 ms while training.

    python benchmarks/train_ui_stall.py [--seconds 60] [--screenshot OUT.png] [--no-append]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402
from PySide6.QtCore import QElapsedTimer, QEventLoop, QObject, Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

GOAL_MS = 50.0


def make_images(folder: Path, n: int = 200, size: int = 48, seed: int = 0) -> Path:
    """Coloured discs and squares on pale backgrounds."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:size, :size]
    for i in range(n):
        img = np.empty((size, size, 3), np.uint8)
        img[:] = rng.integers(200, 256, 3)
        r = rng.integers(size // 6, size // 3)
        cx, cy = rng.integers(size // 3, 2 * size // 3, 2)
        if i % 2:
            mask = (yy - cy) ** 2 + (xx - cx) ** 2 < r * r
        else:
            mask = (abs(yy - cy) < r) & (abs(xx - cx) < r)
        img[mask] = rng.integers(0, 200, 3)
        Image.fromarray(img).save(folder / f"shape{i:03d}.png")
    return folder


class GapMeter(QObject):
    """Times the gaps between ticks of a 1 ms timer on the UI thread."""

    def __init__(self):
        super().__init__()
        self.clock = QElapsedTimer()
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(1)
        self.timer.timeout.connect(self._tick)
        self.gaps: list[float] = []
        self.worst_at = 0.0
        self._last = 0

    def start(self) -> None:
        self.gaps.clear()
        self.clock.start()
        self._last = self.clock.nsecsElapsed()
        self.timer.start()

    def stop(self) -> list[float]:
        self.timer.stop()
        return self.gaps

    def _tick(self) -> None:
        now = self.clock.nsecsElapsed()
        gap = (now - self._last) / 1e6
        if not self.gaps or gap > max(self.gaps):
            self.worst_at = now / 1e9
        self.gaps.append(gap)
        self._last = now


def spin(ms: float) -> None:
    loop = QEventLoop()
    QTimer.singleShot(int(ms), loop.quit)
    loop.exec()


def wait_for(predicate, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        spin(20)
    return predicate()


def summary(gaps: list[float]) -> dict[str, float]:
    a = np.asarray(gaps) if gaps else np.zeros(1)
    return {
        "ticks": len(gaps),
        "max": float(a.max()),
        "p99": float(np.percentile(a, 99)),
        "p999": float(np.percentile(a, 99.9)),
        "over50": int((a > GOAL_MS).sum()),
    }


def measure_process_peer(args, folder: Path, run: Path, meter: GapMeter) -> dict[str, float]:
    """The same training as a separate process while the idle window is measured."""
    cmd = [sys.executable, str(ROOT / "main.py"), "train", "--data", str(folder)]
    cmd += ["--out", str(run), "--resolution", str(args.resolution), "--batch", str(args.batch)]
    cmd += ["--kimg", str(args.kimg), "--threads", "1", "--device", "cpu", "--loss", "hinge"]
    cmd += ["--augment", "color,translation", "--preview-every", "20", "--log-every", "10"]
    cmd += ["--checkpoint-every", "50", "--snapshot-every", "100", "--metric-every", "100"]
    if args.small:
        cmd += ["--channel-base", "256", "--channel-max", "32"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        if not wait_for(lambda: (run / "stats.jsonl").exists() or proc.poll() is not None, 300):
            raise RuntimeError("the training process did not start")
        meter.start()
        spin(args.seconds * 1000)
        return summary(meter.stop())
    finally:
        proc.terminate()
        proc.wait(60)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=60.0, help="training time measured")
    p.add_argument("--idle-seconds", type=float, default=5.0, help="idle window measured")
    p.add_argument("--resolution", type=int, default=32)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--kimg", type=float, default=1000.0, help="run length (it is stopped)")
    p.add_argument(
        "--small", action="store_true", help="a small network (channel_base 256, max 32)"
    )
    p.add_argument("--screenshot", type=Path, help="save the window mid-training to this PNG")
    p.add_argument("--no-append", action="store_true", help="do not append to BENCHMARKS.md")
    p.add_argument("--no-peer-process", action="store_true", help="skip the subprocess peer")
    p.add_argument("--nice", type=int, help="niceness of the training thread (default: the app's)")
    args = p.parse_args()

    work = Path(tempfile.mkdtemp(prefix="ganvas-stall-"))
    os.environ.setdefault("GANVAS_DATA_DIR", str(work / "data"))
    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setApplicationName("Ganvas")
    from gui.core.errors import ErrorReporter
    from gui.widgets.style import apply_theme
    from gui.window.main_window import MainWindow

    apply_theme(app)
    window = MainWindow(reporter=ErrorReporter(interactive=False))
    panel = window.train_panel
    panel.measure_speed = False  # the measurement would compete with training
    window.resize(1440, 900)
    window.show()
    window.train.reveal()
    # give the dock a comfortable width beside the browser
    window.resizeDocks([window.train.dock], [520], Qt.Orientation.Horizontal)

    folder = make_images(work / "shapes")
    panel.state.resolution = args.resolution
    panel.state.preset = "quick"
    panel.state.batch = args.batch
    panel.state.kimg = args.kimg  # normally longer than measured; stopped at the end
    panel.set_folder(folder)
    if not wait_for(lambda: panel.scan is not None and panel.scan.dataset is not None, 120):
        print("the folder scan did not finish", file=sys.stderr)
        return 1

    meter = GapMeter()
    meter.start()
    spin(args.idle_seconds * 1000)
    idle = summary(meter.stop())

    process = None
    if not args.no_peer_process:
        process = measure_process_peer(args, folder, work / "peer-run", meter)

    events: list[tuple[float, str]] = []
    t0 = time.perf_counter()

    def kind_of(ev: object) -> str:  # engine.events types; the GUI's preview carries a QImage
        name = type(ev).__name__
        return "preview" if name == "PreviewImage" else name.lower()

    panel.event_received.connect(lambda ev: events.append((time.perf_counter() - t0, kind_of(ev))))
    panel.config_overrides = {
        "preview_every": 20,
        "checkpoint_every": 50,
        "snapshot_every": 100,
        "metric_every": 100,
    }
    if args.small:
        from engine.config import ModelConfig

        panel.config_overrides["model"] = ModelConfig(channel_base=256, channel_max=32)
    loaded = []
    if args.screenshot:

        def open_first_snapshot(ev: object) -> None:
            if kind_of(ev) == "snapshot" and not loaded:
                loaded.append(ev.path)
                panel.open_snapshot(ev.path)  # as "Open in browser" does

        panel.event_received.connect(open_first_snapshot)
    from gui.train.controller import TrainController

    if args.nice is not None:
        TrainController.nice = args.nice
    panel.start()
    if not wait_for(lambda: any(k == "progress" for _, k in events), 300):
        print("training did not start", file=sys.stderr)
        return 1
    meter.start()
    t_measure = time.perf_counter() - t0
    spin(args.seconds * 1000)
    training = summary(meter.stop())
    worst_at = t_measure + meter.worst_at
    last = panel.controller.last_progress
    if args.screenshot:
        wait_for(lambda: window.browse.result is not None or not loaded, 60)
        panel.tabs.setCurrentWidget(panel.progress)
        spin(300)
        args.screenshot.parent.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(args.screenshot))
        print(f"screenshot: {args.screenshot}")

    meter.start()
    stop_t = time.perf_counter()
    panel.stop()
    wait_for(lambda: panel.controller.job is None, 120)
    stop_s = time.perf_counter() - stop_t
    stopping = summary(meter.stop())
    window.close()
    from PySide6.QtCore import QThreadPool

    QThreadPool.globalInstance().waitForDone(30_000)  # background jobs end before Python does

    kinds = {}
    for t, k in events:
        if t_measure <= t <= t_measure + args.seconds:
            kinds[k] = kinds.get(k, 0) + 1
    near = [k for t, k in events if abs(t - worst_at) < 0.3]
    rows = [("idle window (peer)", idle)]
    if process is not None:
        rows.append(("idle window, training in another process (peer)", process))
    rows += [
        ("training in the panel's thread", training),
        ("stop (checkpoint save)", stopping),
    ]
    table = "| phase | ticks | max gap ms | p99 ms | p99.9 ms | gaps > 50 ms |\n"
    table += "|---|---|---|---|---|---|\n"
    for name, s in rows:
        table += (
            f"| {name} | {s['ticks']} | {s['max']:.1f} | {s['p99']:.1f} | {s['p999']:.1f} "
            f"| {s['over50']} |\n"
        )
    verdict = "meets" if training["max"] <= GOAL_MS else "misses"
    notes = (
        f"{args.seconds:g} s of training at {args.resolution} px, batch {args.batch}"
        f", training thread nice +{TrainController.nice}"
        f"{' (small network)' if args.small else ''}, "
        f"{os.cpu_count()} cores, {last.img_per_s if last else 0:g} img/s at the end "
        f"(step {last.step if last else None}); events while measured: "
        + ", ".join(f"{v} {k}" for k, v in sorted(kinds.items()))
        + f". Worst gap at {worst_at:.1f} s, near events: {', '.join(near) or 'none'}. "
        f"Stop took {stop_s:.2f} s. Goal ≤ {GOAL_MS:g} ms: {verdict} it."
    )
    print(table)
    print(notes)
    if not args.no_append:
        from benchmarks.common import append_result

        append_result("Train panel UI stalls (max event-loop gap while training)", table, notes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
