"""Compute efficiency of a training step: achieved FLOP/s over this machine's dense fp32 matmul.

FLOPs are counted by torch's FlopCounterMode over real training steps (G and D, forward and
backward, the lazy R1 step included); the peak is a large square fp32 matmul at the same
thread count. Goal (issue #2): ≥ 40 %.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from benchmarks.common import append_result  # noqa: E402
from engine.config import DataConfig, ModelConfig, TrainConfig  # noqa: E402
from engine.dataset import scan_folder  # noqa: E402
from engine.training import Trainer  # noqa: E402


def matmul_flops(n: int = 2048, reps: int = 10) -> float:
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    t = time.perf_counter()
    for _ in range(reps):
        a @ b
    return 2 * n**3 * reps / (time.perf_counter() - t)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--data", help="image folder (default: generated discs)")
    p.add_argument("--resolution", type=int, default=64)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--steps", type=int, default=16)
    p.add_argument("--configs", default="1024:128,2048:128,2048:256")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.set_flush_denormal(True)
    if args.data:
        data = Path(args.data)
    else:
        from helpers import make_blob_images

        data = make_blob_images(Path("/tmp/ganvas-bench-discs"), n=64, size=args.resolution)
    ds = scan_folder(data, DataConfig(resolution=args.resolution))
    peak = matmul_flops()
    rows = ["| channel_base:max | GFLOP/img (train) | img/s | achieved GFLOP/s | of matmul peak |"]
    rows.append("|---|---|---|---|---|")
    for spec in args.configs.split(","):
        base, cmax = (int(x) for x in spec.split(":"))
        cfg = TrainConfig(run_dir="/tmp/ganvas-bench-run", batch=args.batch)
        cfg.data.resolution = args.resolution
        cfg.model = ModelConfig(channel_base=base, channel_max=cmax)
        t = Trainer(cfg, ds, torch.device("cpu"))
        t.ada.p = 0.2  # augmentation on, as in a real small-data run
        for _ in range(2):
            t.train_step()
        with FlopCounterMode(display=False) as counter:
            for _ in range(cfg.r1_interval):  # one full lazy-regularisation cycle
                t.train_step()
        flops_per_step = counter.get_total_flops() / cfg.r1_interval
        steps = -(-args.steps // cfg.r1_interval) * cfg.r1_interval  # whole R1 cycles, as counted
        start = time.perf_counter()
        for _ in range(steps):
            t.train_step()
        dt = (time.perf_counter() - start) / steps
        achieved = flops_per_step / dt
        rows.append(
            f"| {base}:{cmax} | {flops_per_step / args.batch / 1e9:.2f} | {args.batch / dt:.1f} "
            f"| {achieved / 1e9:.1f} | {100 * achieved / peak:.0f} % |"
        )
        print(rows[-1], flush=True)
    table = "\n".join(rows)
    notes = (
        f"Dense fp32 matmul peak at {args.threads} threads: {peak / 1e9:.1f} GFLOP/s (2048², "
        f"torch). {args.resolution} px, batch {args.batch}, DiffAugment p=0.2, R1 every 16 steps."
    )
    append_result("Training-step compute efficiency (CPU)", table, notes)


if __name__ == "__main__":
    main()
