"""Compute efficiency of a training step: achieved FLOP/s over this machine's dense matmul peak.

FLOPs are counted by torch's FlopCounterMode over real training steps (G and D, forward and
backward, the lazy R1 step included); the peak is a large square matmul in the same precision
(fp32 at the same thread count on a CPU; bf16 on a GPU, where the result is the model-FLOP
utilisation). Goals (issue #2): ≥ 40 % on the CPU; on a GPU, 256 px img/s and bf16 MFU ≥ 35 %:

    python benchmarks/train_efficiency.py --device cuda --resolution 256 --batch 32 \
        --configs 16384:512,8192:256 --steps 64
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
from engine.devices import autocast_dtype, pick_device  # noqa: E402
from engine.training import Trainer  # noqa: E402


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def matmul_flops(device: torch.device, dtype: torch.dtype, n: int, reps: int = 10) -> float:
    a = torch.randn(n, n, device=device, dtype=dtype)
    b = torch.randn(n, n, device=device, dtype=dtype)
    a @ b
    sync(device)
    t = time.perf_counter()
    for _ in range(reps):
        a @ b
    sync(device)
    return 2 * n**3 * reps / (time.perf_counter() - t)


def train_flops_per_step(t: Trainer) -> float:
    """FLOPs of one training step (G and D, forward and backward), averaged over one full
    lazy-R1 cycle so that the R1 step counts as often as it runs."""
    with FlopCounterMode(display=False) as counter:
        for _ in range(t.cfg.r1_interval):
            t.train_step()
    return counter.get_total_flops() / t.cfg.r1_interval


def seconds_per_step(t: Trainer, steps: int) -> float:
    """Wall-clock seconds per training step over whole R1 cycles (at least `steps` steps), so
    that the time matches the FLOPs counted by train_flops_per_step."""
    steps = -(-steps // t.cfg.r1_interval) * t.cfg.r1_interval
    sync(t.device)
    start = time.perf_counter()
    for _ in range(steps):
        t.train_step()
    sync(t.device)
    return (time.perf_counter() - start) / steps


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--data", help="image folder (default: generated discs)")
    p.add_argument("--resolution", type=int, default=64)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--steps", type=int, default=16)
    p.add_argument("--configs", default="1024:128,2048:128,2048:256")
    p.add_argument("--device", default="cpu", help="cpu, cuda or mps")
    p.add_argument("--precision", default="auto", help="GPU autocast: auto, bf16, fp16, fp32")
    args = p.parse_args()
    device = pick_device(args.device)
    torch.set_num_threads(args.threads)
    torch.set_flush_denormal(True)
    if args.data:
        data = Path(args.data)
    else:
        from helpers import make_blob_images

        data = make_blob_images(Path("/tmp/ganvas-bench-discs"), n=64, size=args.resolution)
    ds = scan_folder(data, DataConfig(resolution=args.resolution))
    amp = autocast_dtype(device, args.precision)
    peak_dtype = amp or torch.float32
    peak = matmul_flops(device, peak_dtype, 2048 if device.type == "cpu" else 8192)
    rows = ["| channel_base:max | GFLOP/img (train) | img/s | achieved GFLOP/s | of matmul peak |"]
    rows.append("|---|---|---|---|---|")
    for spec in args.configs.split(","):
        base, cmax = (int(x) for x in spec.split(":"))
        cfg = TrainConfig(run_dir="/tmp/ganvas-bench-run", batch=args.batch)
        cfg.precision = args.precision
        cfg.data.resolution = args.resolution
        cfg.model = ModelConfig(channel_base=base, channel_max=cmax)
        t = Trainer(cfg, ds, device)
        t.ada.p = 0.2  # augmentation on, as in a real small-data run
        for _ in range(2):
            t.train_step()
        flops_per_step = train_flops_per_step(t)
        dt = seconds_per_step(t, args.steps)
        achieved = flops_per_step / dt
        rows.append(
            f"| {base}:{cmax} | {flops_per_step / args.batch / 1e9:.2f} | {args.batch / dt:.1f} "
            f"| {achieved / 1e9:.1f} | {100 * achieved / peak:.0f} % |"
        )
        print(rows[-1], flush=True)
    table = "\n".join(rows)
    where = f"{args.threads} threads" if device.type == "cpu" else device_name(device)
    size = 2048 if device.type == "cpu" else 8192
    notes = (
        f"Dense {str(peak_dtype).removeprefix('torch.')} matmul peak on {where}: "
        f"{peak / 1e9:.1f} GFLOP/s ({size}², torch). {args.resolution} px, batch {args.batch}, "
        f"autocast {amp}, DiffAugment p=0.2, R1 every 16 steps."
    )
    append_result(f"Training-step compute efficiency ({device.type.upper()})", table, notes)


def device_name(device: torch.device) -> str:
    return torch.cuda.get_device_name(device) if device.type == "cuda" else "Apple GPU (MPS)"


if __name__ == "__main__":
    main()
