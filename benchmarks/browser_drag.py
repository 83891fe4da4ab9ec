"""UI responsiveness while a direction slider is dragged continuously.

The real main window opens the model and its principal directions; then a 16 ms QTimer moves
the PC1 slider back and forth with the slider held down (as a mouse drag does) while a 1 ms
QTimer records the gaps between its own timeouts: the longest gap is the longest time the UI
thread was unable to react. Also reported: preview frames shown per second during the drag.
Goal (issue #4): max gap ≤ 50 ms.
"""

from __future__ import annotations

import argparse
import math
import time

from browser_common import find_model, load_note, percentile, private_data_dirs, qt_app

from benchmarks.common import append_result


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--model", help="model file (default: newest runs/default snapshot)")
    p.add_argument("--seconds", type=float, default=8.0)
    args = p.parse_args()

    private_data_dirs()
    app = qt_app()
    from PySide6.QtCore import QElapsedTimer, QEventLoop, Qt, QTimer

    from gui.core.errors import ErrorReporter
    from gui.widgets.style import apply_theme
    from gui.window.main_window import MainWindow

    apply_theme(app)
    model = find_model(args.model)
    window = MainWindow(reporter=ErrorReporter(interactive=False))
    window.show()
    window.open_model(model)
    deadline = time.perf_counter() + 120
    while not window.browser.is_settled() and time.perf_counter() < deadline:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)

    slider = window.browser.directions.row("PC1").slider
    frames: list[float] = []
    window.browser.preview_rendered.connect(lambda _r: frames.append(time.perf_counter()))
    gaps: list[float] = []
    clock = QElapsedTimer()
    last = [0.0]

    def tick() -> None:
        now = clock.nsecsElapsed() / 1e6
        gaps.append(now - last[0])
        last[0] = now

    start = time.perf_counter()

    def drag() -> None:
        t = time.perf_counter() - start
        slider.setValue(round(3.0 * math.sin(t * 1.5), 2))  # ±3σ, a steady sweep

    ticker = QTimer()
    ticker.setTimerType(Qt.TimerType.PreciseTimer)
    ticker.setInterval(1)
    ticker.timeout.connect(tick)
    mover = QTimer()
    mover.setTimerType(Qt.TimerType.PreciseTimer)
    mover.setInterval(16)
    mover.timeout.connect(drag)
    slider.setSliderDown(True)
    clock.start()
    ticker.start()
    mover.start()
    loop = QEventLoop()
    QTimer.singleShot(int(args.seconds * 1000), loop.quit)
    loop.exec()
    mover.stop()
    ticker.stop()
    slider.setSliderDown(False)
    steps = window.browser.history.stack.count()
    shown = [f for f in frames if f >= start]
    fps = (len(shown) - 1) / (shown[-1] - shown[0]) if len(shown) > 1 else 0.0
    window.close()

    gaps = gaps[1:]
    rows = [
        "| max UI gap | p99 gap | median gap | preview fps during drag | undo steps |",
        "|---|---|---|---|---|",
        f"| **{max(gaps):.1f} ms** (goal ≤ 50) | {percentile(gaps, 0.99):.1f} ms | "
        f"{percentile(gaps, 0.5):.2f} ms | {fps:.0f} | {steps} |",
    ]
    res = window.state.model.resolution
    notes = (
        f"{res}×{res} px model `{model.name}`, {args.seconds:.0f} s drag, slider moved every "
        f"16 ms. The whole drag is one undo step. {load_note()}"
    )
    append_result(
        "Browser: UI gaps while dragging a direction slider (issue #4)", "\n".join(rows), notes
    )


if __name__ == "__main__":
    main()
