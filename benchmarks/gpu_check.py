"""GPU check (issue #15): the engine end to end on one GPU, within a time budget.

Trains at 256 px the way the engine trains on CUDA (bf16 autocast, channels_last), measures
img/s, model-FLOP utilisation against a measured bf16 matmul peak and peak memory, then renders,
projects a training image and exports ONNX from the generator it trained, and prints one table
(appended to BENCHMARKS.md unless --no-record). On a GPU machine, from the repository root:

    python benchmarks/gpu_check.py --device cuda --minutes 8

The data are generated discs (tests/helpers.make_blob_images) in a temp folder unless --data DIR
is given; nothing is downloaded. `--device cpu --tiny` runs the same code on a tiny model at
32 px in seconds, with CPU bf16 autocast and channels_last forced on (tests/test_gpu_check.py).
"""

from __future__ import annotations

import argparse
import copy
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import append_result  # noqa: E402
from benchmarks.train_efficiency import (  # noqa: E402
    device_name,
    matmul_flops,
    seconds_per_step,
    sync,
    train_flops_per_step,
)
from engine.config import DataConfig, ModelConfig, TrainConfig  # noqa: E402
from engine.dataset import scan_folder  # noqa: E402
from engine.devices import pick_device  # noqa: E402
from engine.onnx_export import export_onnx  # noqa: E402
from engine.projection import ProjectionConfig, project  # noqa: E402
from engine.render import render_seeds  # noqa: E402
from engine.training import Trainer  # noqa: E402

TRAIN_SHARE = 0.5  # of --minutes for timed training; the rest covers set-up and the other phases


def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--device", default="cuda", help="cuda, cpu or mps (cuda)")
    p.add_argument("--minutes", type=float, default=8.0, help="whole-run budget (8)")
    p.add_argument("--data", help="image folder (default: generated discs in a temp folder)")
    p.add_argument("--out", help="folder for the data, run and ONNX file (default: temp)")
    p.add_argument("--resolution", type=int, default=256)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--channel-base", type=int, default=16384)
    p.add_argument("--channel-max", type=int, default=512)
    p.add_argument("--precision", default="bf16", help="autocast: bf16, fp16, fp32, auto")
    p.add_argument("--steps", type=int, help="cap on timed training steps (default: budget)")
    p.add_argument("--threads", type=int, help="CPU threads for torch")
    p.add_argument("--tiny", action="store_true", help="tiny model at 32 px, a few steps")
    p.add_argument("--no-record", action="store_true", help="do not append to BENCHMARKS.md")
    args = p.parse_args(argv)
    if args.tiny:
        args.resolution, args.batch, args.channel_base, args.channel_max = 32, 4, 256, 32
        args.steps = args.steps or 16
    return args


def _config(args: argparse.Namespace, out: Path) -> TrainConfig:
    cfg = TrainConfig(run_dir=str(out / "run"), batch=args.batch, precision=args.precision)
    cfg.data = DataConfig(resolution=args.resolution)
    cfg.model = ModelConfig(channel_base=args.channel_base, channel_max=args.channel_max)
    if args.tiny:
        cfg.model.z_dim = cfg.model.w_dim = 32
        cfg.model.mapping_layers = 2
    cfg.channels_last = True  # the GPU's layout everywhere, so that --tiny on a CPU runs it too
    return cfg


def main(argv: list[str] | None = None) -> dict:
    """Run every phase; → the measured values (also printed as one table)."""
    args = _parse(argv)
    start = time.perf_counter()
    device = pick_device(args.device)
    if args.threads:
        torch.set_num_threads(args.threads)
    if device.type == "cpu":
        torch.set_flush_denormal(True)  # as engine.training.train does
    out = Path(args.out or tempfile.mkdtemp(prefix="ganvas-gpu-check-"))
    data = Path(args.data) if args.data else _discs(out / "data", args.resolution)
    ds = scan_folder(data, DataConfig(resolution=args.resolution))
    cfg = _config(args, out)
    t = Trainer(cfg, ds, device)
    t.ada.p = 0.2  # augmentation on, as in a real small-data run
    # the fastest matmul the device offers: on a GPU the autocast dtype's; a CPU without bf16
    # units runs bf16 matmuls ~60x slower than fp32 (AMD EPYC here), while its bf16 convolutions
    # compute in fp32, so against the bf16 peak alone the MFU came out above 100 %
    n = 512 if args.tiny else 8192
    peak = max(matmul_flops(device, dtype, n) for dtype in {t.amp or torch.float32, torch.float32})
    if device.type == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(device)  # training's peak, not the matmul's
    r: dict = {"amp": str(t.amp).removeprefix("torch."), "out": str(out)}

    # train: warm up, count one R1 cycle's FLOPs, calibrate, then train for the budget
    for _ in range(2):
        t.train_step()
    flops = train_flops_per_step(t)
    per_step = seconds_per_step(t, cfg.r1_interval)
    budget = TRAIN_SHARE * args.minutes * 60 - (time.perf_counter() - start)
    steps = max(cfg.r1_interval, int(budget / per_step))
    if args.steps:
        steps = min(steps, args.steps)
    before = t.step
    per_step = seconds_per_step(t, steps)  # whole R1 cycles: `steps` rounded up
    r["train_steps"], r["timed_steps"] = t.step, t.step - before
    r["img_per_s"] = cfg.batch / per_step
    r["gflop_per_img"] = flops / cfg.batch / 1e9
    r["peak_tflops"] = peak / 1e12
    r["mfu"] = flops / per_step / peak
    r["peak_mem_gib"] = (
        torch.cuda.max_memory_allocated(device) / 2**30 if device.type == "cuda" else None
    )

    # render with the EMA generator, as the browser does
    n = 8 if args.tiny else 64
    render_seeds(t.G_ema, range(n))  # warm-up
    sync(device)
    t0 = time.perf_counter()
    images = render_seeds(t.G_ema, range(n, 2 * n))
    sync(device)
    r["render_img_per_s"] = n / (time.perf_counter() - t0)
    r["render_std"] = float(images.std())

    # project a training image (with the discriminator, as the GUI does)
    target = ds.images[0].permute(1, 2, 0).numpy()
    steps = 30 if args.tiny else 300
    t0 = time.perf_counter()
    done = list(project(t.G_ema, target, ProjectionConfig(steps=steps), D=t.D))[-1]
    r["projection_s"] = time.perf_counter() - t0
    r["projection_steps"] = steps
    r["psnr"], r["ssim"] = done["psnr"], done["ssim"]

    # ONNX from the trained generator (export moves it to the CPU: a copy), checked against torch
    G = copy.deepcopy(t.G_ema).cpu().float().to(memory_format=torch.contiguous_format)
    t0 = time.perf_counter()
    path = export_onnx(copy.deepcopy(G), out / "generator.onnx")
    r["onnx_s"] = time.perf_counter() - t0
    r["onnx_path"], r["onnx_mb"] = str(path), path.stat().st_size / 1e6
    r["onnx_max_diff"] = _onnx_max_diff(G, path)
    r["total_s"] = time.perf_counter() - start

    table = _table(args, device, r)
    print(table, flush=True)
    if not args.no_record:
        notes = (
            f"{args.resolution} px, batch {args.batch}, channel_base:max "
            f"{args.channel_base}:{args.channel_max}, autocast {r['amp']}, channels_last, "
            f"DiffAugment p=0.2, R1 every {cfg.r1_interval} steps; data: "
            f"{args.data or 'generated discs'}. Total {r['total_s']:.0f} s."
        )
        append_result(f"GPU check ({_device_name(device)})", table, notes)
    return r


def _discs(folder: Path, size: int) -> Path:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from helpers import make_blob_images

    return make_blob_images(folder, n=64 if size <= 64 else 256, size=size)


def _onnx_max_diff(G: torch.nn.Module, path: Path) -> float | None:
    """Largest pixel difference (in [-1, 1] units) between onnxruntime and torch for 2 seeds;
    None where onnxruntime is not installed."""
    try:
        import onnxruntime as ort
    except ImportError:
        return None
    z = torch.randn(2, G.cfg.z_dim, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        want = G(z).numpy()
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = session.run(None, {"z": z.numpy(), "psi": np.ones(1, np.float32)})[0]
    return float(np.abs(got - want).max())


def _table(args: argparse.Namespace, device: torch.device, r: dict) -> str:
    mem = f"{r['peak_mem_gib']:.1f} GiB" if r["peak_mem_gib"] is not None else "n/a on CPU"
    diff = r["onnx_max_diff"]
    onnx_check = f"max abs diff vs torch {diff:.1e}" if diff is not None else "no onnxruntime"
    train = f"{r['timed_steps']} of {r['train_steps']} steps timed, {args.resolution} px"
    train += f", batch {args.batch}"
    flops = f"{r['gflop_per_img']:.2f} GFLOP/img, {r['amp']} matmul peak"
    project = f"SSIM {r['ssim']:.3f}, {r['projection_steps']} steps"
    rows = [
        ("train", f"{r['img_per_s']:.1f} img/s", f"{train}, {r['amp']}, channels_last"),
        ("MFU", f"{100 * r['mfu']:.1f} %", f"{flops} {r['peak_tflops']:.1f} TFLOP/s"),
        ("peak memory", mem, "torch.cuda.max_memory_allocated while training"),
        ("render", f"{r['render_img_per_s']:.1f} img/s", "EMA generator, fp32"),
        ("projection", f"PSNR {r['psnr']:.1f} dB", f"{project} in {r['projection_s']:.1f} s"),
        ("ONNX", f"{r['onnx_mb']:.1f} MB", f"{onnx_check}; export {r['onnx_s']:.1f} s"),
    ]
    lines = [f"| check ({_device_name(device)}) | result | detail |", "|---|---|---|"]
    return "\n".join(lines + [f"| {a} | {b} | {c} |" for a, b, c in rows])


def _device_name(device: torch.device) -> str:
    return "CPU" if device.type == "cpu" else device_name(device)


if __name__ == "__main__":
    main()
