"""Single-frame latency through the whole browser pipeline vs the raw generator forward.

Pipeline: a RenderRequest made on the UI thread → render thread (latent → ws → synthesis →
uint8 → QImage) → the result delivered to a slot on the UI thread. Every frame is a new latent
(a direction edit with a new amount, as a slider drag makes), so nothing comes from the cache.
Raw: `G.synthesis(latent_ws(G, latent))` for the same kind of latents, timed inside the same
render thread (same torch/OpenMP thread team), so the ratio is the pipeline's own overhead.
The two alternate frame by frame, so changing machine load affects both alike.
Goal (issue #4): pipeline ≤ 1.3× raw, ≥ 60 fps.
"""

from __future__ import annotations

import argparse
import time

from browser_common import find_model, load_note, median, percentile, qt_app

from benchmarks.common import append_result


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--model", help="model file (default: newest runs/default snapshot)")
    p.add_argument("--frames", type=int, default=300, help="frames per path")
    p.add_argument(
        "--bend",
        action="store_true",
        help="every pipeline frame carries one network bend (a turn at the middle layer); the "
        "raw forward has none, so the ratio includes the bend's cost",
    )
    args = p.parse_args()

    app = qt_app()
    import torch
    from PySide6.QtCore import QEventLoop, QObject, Signal, Slot

    from engine.bending import Bend
    from engine.latent import Edit, Latent, latent_ws
    from engine.modelfile import load_model
    from gui.core.renderer import Renderer, RenderRequest

    model = find_model(args.model)
    G = load_model(model).G
    renderer = Renderer()
    loop = QEventLoop()
    renderer.model_loaded.connect(lambda *_: loop.quit())
    renderer.load_model(model)
    loop.exec()

    vector = torch.randn(G.cfg.w_dim)
    vector = (vector / vector.norm()).tolist()
    counter = iter(range(10**9))

    bends = [Bend(len(G.synthesis.blocks) // 2, "rotate", 0.3)] if args.bend else []

    def next_latent(bent: bool = False) -> Latent:
        amount = 0.001 * next(counter)  # always a new image: no cache hits
        edits = [Edit(vector, amount, 0, None, "bench")]
        return Latent(seed=7, psi=0.7, edits=edits, bends=bends if bent else [])

    arrived: list[float] = []
    results = []

    def on_result(result) -> None:
        arrived.append(time.perf_counter())
        results.append(result)
        loop.quit()

    renderer.result_ready.connect(on_result)

    def pipeline_frame() -> float:
        start = time.perf_counter()
        renderer.request(RenderRequest((next_latent(bent=True),), "preview"))
        loop.exec()  # until the result is on the UI thread
        return (arrived[-1] - start) * 1000

    class RawRunner(QObject):
        """Runs the bare forward on the render thread and reports its own timing."""

        done = Signal(float)

        @Slot(object)
        def run(self, lat) -> None:
            with torch.no_grad():
                start = time.perf_counter()
                G.synthesis(latent_ws(G, lat)[None])
                self.done.emit((time.perf_counter() - start) * 1000)

    class Trigger(QObject):
        go = Signal(object)

    runner, trigger = RawRunner(), Trigger()
    runner.moveToThread(renderer._thread)  # the render thread itself
    trigger.go.connect(runner.run)
    raw_times: list[float] = []
    runner.done.connect(lambda ms: (raw_times.append(ms), loop.quit()))

    def raw_frame() -> float:
        trigger.go.emit(next_latent())
        loop.exec()
        return raw_times[-1]

    for _ in range(5):  # warm up both paths
        pipeline_frame()
        raw_frame()
    raw, pipe = [], []
    for _ in range(args.frames):
        raw.append(raw_frame())
        pipe.append(pipeline_frame())
    worker = [r.elapsed_ms for r in results[-args.frames :]]
    renderer.close()

    raw_ms, pipe_ms = median(raw), median(pipe)
    rows = [
        "| path | median ms | p90 ms | fps (1000 / median) |",
        "|---|---|---|---|",
        "| raw G.synthesis(latent_ws), on the render thread | "
        f"{raw_ms:.2f} | {percentile(raw, 0.9):.2f} | "
        f"{1000 / raw_ms:.0f} |",
        f"| request → QImage on UI thread | {pipe_ms:.2f} | {percentile(pipe, 0.9):.2f} | "
        f"{1000 / pipe_ms:.0f} |",
        f"| … of which on the render thread | {median(worker):.2f} | "
        f"{percentile(worker, 0.9):.2f} | |",
        f"| **ratio** | **{pipe_ms / raw_ms:.2f}×** (goal ≤ 1.3×) | | |",
    ]
    res = G.cfg.resolution
    notes = (
        f"{res}×{res} px model `{model.name}`, {len(raw)} frames each"
        + (
            f", pipeline frames with one bend ({bends[0].op} at layer {bends[0].layer})"
            if bends
            else ""
        )
        + ", torch threads "
        f"{torch.get_num_threads()}. {load_note()}"
    )
    append_result("Browser: single-frame latency (issue #4)", "\n".join(rows), notes)
    del app


if __name__ == "__main__":
    main()
