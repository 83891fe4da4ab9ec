"""Headless commands: `python main.py train|generate|info|metrics …` (also under torchrun)."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from pathlib import Path

TRAIN_HELP = "train (or resume) a GAN on a folder of images"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ganvas", description="Ganvas GAN studio — command line")
    sub = p.add_subparsers(dest="command", required=True)

    t = sub.add_parser("train", help=TRAIN_HELP, description=TRAIN_HELP)
    # defaults are None so that resuming a run only overrides what was typed
    t.add_argument("--data", help="folder of images (searched recursively)")
    t.add_argument("--out", required=True, help="run folder; an existing one is resumed")
    t.add_argument("--resolution", type=int, help="output size in px, power of two (64)")
    t.add_argument("--kimg", type=float, help="training length in thousands of images (100)")
    t.add_argument("--batch", type=int, help="batch size per device (16)")
    t.add_argument("--base", help="fine-tune from this .safetensors model")
    t.add_argument("--freeze-d", type=int, help="discriminator blocks frozen when fine-tuning")
    t.add_argument(
        "--keep-variety",
        type=float,
        help="fine-tuning: weight of the loss that keeps the base model's variety (0 = off)",
    )
    t.add_argument("--device", help="auto, cpu, cuda or mps (auto)")
    t.add_argument("--loss", choices=["ns", "hinge", "wgan-gp"], help="GAN loss (ns)")
    t.add_argument("--crop", choices=["center", "pad", "stretch"], help="how to square images")
    t.add_argument("--rgba", action="store_true", default=None, help="keep alpha as 4th channel")
    t.add_argument("--augment", help="DiffAugment ops, e.g. color,translation,cutout ('' = off)")
    t.add_argument("--channel-base", type=int, help="network width (1024; raise it on a GPU)")
    t.add_argument("--channel-max", type=int, help="maximum channels per layer (128)")
    t.add_argument("--d-channel-min", type=int, help="discriminator's minimum channels (8)")
    t.add_argument("--lr", type=float, help="learning rate of G and D (0.0025)")
    t.add_argument("--seed", type=int, help="random seed (0)")
    t.add_argument("--threads", type=int, help="CPU threads for torch (default: all)")
    for name in ("log", "preview", "checkpoint", "snapshot", "metric"):
        t.add_argument(f"--{name}-every", type=int, help=f"steps between {name}s")

    g = sub.add_parser("generate", help="write one PNG per seed")
    g.add_argument("--model", required=True, help=".safetensors model")
    g.add_argument("--seeds", default="0-15", help="e.g. 0-15 or 1,5,9")
    g.add_argument("--out", required=True, help="output folder")
    g.add_argument("--truncation", type=float, default=1.0, help="ψ: 1 = full variety")
    g.add_argument("--device", default="auto")

    i = sub.add_parser("info", help="print a model's metadata as JSON")
    i.add_argument("model")

    r = sub.add_parser("restore", help="re-render an exported image from its embedded record")
    r.add_argument("image", help="a PNG/JPEG/WebP exported by Ganvas")
    r.add_argument("--out", required=True, help="output image (.png, .jpg or .webp)")
    r.add_argument("--model", help="the model it was made with (default: the bundled model)")

    a = sub.add_parser("interpolate", help="a seamless loop animation through seeds")
    a.add_argument("--model", required=True)
    a.add_argument("--seeds", required=True, help="keyframes, e.g. 1,2,3")
    a.add_argument("--frames", type=int, default=60)
    a.add_argument("--fps", type=float, default=24)
    a.add_argument("--truncation", type=float, default=0.7)
    a.add_argument("--mode", choices=["z", "w"], default="z", help="slerp in z or lerp in w")
    a.add_argument("--scale", type=int, default=1, choices=[1, 2, 4], help="upscale frames")
    a.add_argument("--out", required=True, help="loop.gif, loop.webp or loop.mp4")

    j = sub.add_parser("project", help="find the latent that reproduces an image")
    j.add_argument("image")
    j.add_argument("--model", required=True)
    j.add_argument("--out", required=True, help="the reconstruction, with its latent embedded")
    j.add_argument("--steps", type=int, default=300)
    j.add_argument("--crop", choices=["center", "pad", "stretch"], default="center")

    m = sub.add_parser("metrics", help="measure a model against real images (SWD; FID optional)")
    m.add_argument("--model", required=True)
    m.add_argument("--data", required=True, help="folder of real images to compare with")
    m.add_argument("--n", type=int, default=600, help="images per set (600)")
    m.add_argument(
        "--inception", help="local torchvision Inception-v3 weights (.pth/.safetensors) for FID"
    )

    o = sub.add_parser("export-onnx", help="export the generator to ONNX")
    o.add_argument("--model", required=True)
    o.add_argument("--out", required=True)
    return p


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes // 60}:{minutes % 60:02d}:{secs:02d}"


def _train_config(args: argparse.Namespace):
    from engine.config import TrainConfig

    run = Path(args.out)
    run_json = run / "run.json"
    if run_json.exists():  # resume: start from the run's own settings
        cfg = TrainConfig.from_dict(json.loads(run_json.read_text())["config"])
    else:
        if not args.data:
            raise ValueError("--data is required for a new run")
        if not Path(args.data).is_dir():
            raise ValueError(f"folder not found: {args.data}")
        cfg = TrainConfig()
        if args.base and args.resolution is None:
            from engine.modelfile import load_model

            args.resolution = load_model(args.base).config.resolution
    cfg.run_dir = str(run)
    plain = {
        "data": "data_dir",
        "kimg": "kimg",
        "batch": "batch",
        "base": "base_model",
        "freeze_d": "freeze_d",
        "keep_variety": "keep_variety",
        "device": "device",
        "loss": "loss",
        "augment": "augment",
        "seed": "seed",
        "threads": "threads",
    }
    for arg, field in plain.items():
        if getattr(args, arg) is not None:
            setattr(cfg, field, getattr(args, arg))
    for name in ("log", "preview", "checkpoint", "snapshot", "metric"):
        value = getattr(args, f"{name}_every")
        if value is not None:
            setattr(cfg, f"{name}_every", value)
    if args.resolution is not None:
        cfg.data.resolution = args.resolution
    if args.crop is not None:
        cfg.data.crop = args.crop
    if args.rgba:
        cfg.data.rgba = True
    if args.channel_base is not None:
        cfg.model.channel_base = args.channel_base
    if args.channel_max is not None:
        cfg.model.channel_max = args.channel_max
    if args.d_channel_min is not None:
        cfg.model.d_channel_min = args.d_channel_min
    if args.lr is not None:
        cfg.lr_g = cfg.lr_d = args.lr
    res = cfg.data.resolution
    if res < 16 or res > 1024 or res & (res - 1):
        raise ValueError(f"--resolution must be a power of two from 16 to 1024, not {res}")
    return cfg


def _init_distributed(device_name: str) -> None:
    """Under torchrun: one process per device, NCCL between GPUs, gloo on CPUs. The backend
    follows the device trained on, not CUDA's presence (--device cpu on a GPU machine is gloo)."""
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return
    import torch
    import torch.distributed as dist

    from engine.devices import distributed_backend, pick_device

    device = pick_device(device_name)
    if device.type == "cuda":
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
    dist.init_process_group(distributed_backend(device))


def cmd_train(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from engine.training import train

    cfg = _train_config(args)
    _init_distributed(cfg.device)
    rank = int(os.environ.get("RANK", "0"))
    stop = _stop_on_first_ctrl_c()
    bar = None
    gen = train(cfg)
    try:
        for event in gen:
            kind = event["kind"]
            if kind == "progress":
                if bar is None:  # created late so that setup errors print one clean line
                    # the engine's own speed and ETA: tqdm's would count a resumed run's
                    # earlier kimg as done in the first second
                    fmt = "{l_bar}{bar}| {n:.1f}/{total:g} kimg [{elapsed}{postfix}]"
                    bar = tqdm(
                        total=cfg.kimg,
                        bar_format=fmt,
                        disable=rank > 0,
                        delay=0.1,
                        dynamic_ncols=True,
                    )
                bar.n = min(event["kimg"], cfg.kimg)
                post = {"ETA": _duration(event.get("eta_s")), "img/s": event["img_per_s"]}
                post |= {"G": event.get("loss_G")}
                post |= {"D": event.get("loss_D"), "p": event["aug_p"]}
                bar.set_postfix(post, refresh=True)
            elif kind in ("status", "message") and rank == 0:
                tqdm.write(event["text"])
            elif kind == "metric" and rank == 0:
                tqdm.write(f"step {event['step']}: SWD {event['swd_mean']:.2f}")
            elif kind == "done" and rank == 0:
                tqdm.write(f"done at {event['kimg']:.1f} kimg; model: {event['snapshot']}")
            if stop.is_set():
                gen.close()  # at a yield, between steps: saves a consistent checkpoint
                print(
                    f"stopped and saved; run the same command to resume ({cfg.run_dir})",
                    file=sys.stderr,
                )
                return 130
    finally:
        if bar is not None:
            bar.close()
    return 0


def _stop_on_first_ctrl_c() -> threading.Event:
    """First Ctrl+C: finish the current step, save, exit. Second: quit at once."""
    stop = threading.Event()

    def handler(signum, frame):
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        print(
            "stopping after this step to save a checkpoint (Ctrl+C again to quit without saving)…",
            file=sys.stderr,
        )

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, handler)
        signal.signal(signal.SIGTERM, handler)
    return stop


def cmd_generate(args: argparse.Namespace) -> int:
    from PIL import Image

    from engine.devices import pick_device
    from engine.modelfile import load_model
    from engine.render import parse_seeds, render_seeds

    seeds = parse_seeds(args.seeds)
    model = load_model(args.model, device=pick_device(args.device))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for start in range(0, len(seeds), 64):
        chunk = seeds[start : start + 64]
        for seed, img in zip(chunk, render_seeds(model.G, chunk, args.truncation)):
            Image.fromarray(img).save(out / f"seed{seed:06d}.png")
    print(f"wrote {len(seeds)} images to {out}")
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    from engine.modelfile import load_model

    model = load_model(args.model)
    params = sum(p.numel() for p in model.G.parameters())
    info = {"path": str(model.path), "sha256": model.sha256, "generator_parameters": params}
    print(json.dumps(info | model.metadata, indent=2))
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from engine.export import read_record, record_latent, save_image
    from engine.latent import latent_ws
    from engine.modelfile import load_model
    from engine.paths import default_model_path
    from engine.render import render_ws

    record = read_record(args.image)
    if record is None:
        raise ValueError(f"{args.image} carries no Ganvas record (was it exported by Ganvas?)")
    model = load_model(args.model or default_model_path())
    want = record["model"]
    if model.sha256 != want["sha256"]:
        raise ValueError(
            f"{Path(args.image).name} was made with the model {want['name']!r} "
            f"(sha256 {want['sha256'][:12]}…); pass it with --model"
        )
    pixels = render_ws(model.G, latent_ws(model.G, record_latent(record))[None])[0]
    save_image(args.out, pixels, record)
    print(f"wrote {args.out}")
    return 0


def cmd_interpolate(args: argparse.Namespace) -> int:
    from engine.animation import render_loop, write_animation
    from engine.latent import Latent
    from engine.modelfile import load_model
    from engine.render import parse_seeds

    keys = [Latent(seed=s, psi=args.truncation) for s in parse_seeds(args.seeds)]
    if args.frames < 2:
        raise ValueError("--frames must be at least 2")
    model = load_model(args.model)
    frames = render_loop(model.G, keys, args.frames, args.mode)
    write_animation(args.out, frames, args.fps, args.scale)
    print(f"wrote {args.out} ({args.frames} frames)")
    return 0


def cmd_project(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from engine.config import DataConfig
    from engine.dataset import load_image
    from engine.export import make_record, save_image
    from engine.latent import Latent
    from engine.modelfile import load_model
    from engine.projection import ProjectionConfig, project

    model = load_model(args.model, with_discriminator=True)
    res, rgba = model.config.resolution, model.config.img_channels == 4
    target = load_image(Path(args.image), DataConfig(resolution=res, crop=args.crop, rgba=rgba))
    cfg = ProjectionConfig(steps=args.steps, preview_every=0)
    with tqdm(total=args.steps, unit="step") as bar:
        for event in project(model.G, target, cfg, model.D):
            if event["kind"] == "progress":
                bar.update(1)
                bar.set_postfix(loss=f"{event['loss']:.4f}")
    latent = Latent(ws=event["ws"].tolist(), psi=1.0)
    save_image(args.out, event["image"], make_record(model.name, model.sha256, latent))
    print(f"wrote {args.out}: PSNR {event['psnr']:.2f} dB, SSIM {event['ssim']:.4f}")
    return 0


def cmd_metrics(args: argparse.Namespace) -> int:
    from engine.evaluate import evaluate_model

    print(json.dumps(evaluate_model(args.model, args.data, args.n, args.inception), indent=2))
    return 0


def cmd_export_onnx(args: argparse.Namespace) -> int:
    from engine.modelfile import load_model
    from engine.onnx_export import export_onnx

    export_onnx(load_model(args.model).G, args.out)
    print(f"wrote {args.out}")
    return 0


COMMANDS = {
    "train": cmd_train,
    "generate": cmd_generate,
    "info": cmd_info,
    "restore": cmd_restore,
    "interpolate": cmd_interpolate,
    "export-onnx": cmd_export_onnx,
    "project": cmd_project,
    "metrics": cmd_metrics,
}


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    from engine.checkpoint import CheckpointError
    from engine.dataset import DatasetError
    from engine.export import ExportError
    from engine.modelfile import ModelFileError
    from engine.training import TrainingError

    try:
        return COMMANDS[args.command](args)
    except (
        DatasetError,
        ModelFileError,
        TrainingError,
        CheckpointError,
        ExportError,
        ValueError,
    ) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except FileNotFoundError as exc:
        print(f"error: {exc.strerror}: {exc.filename}", file=sys.stderr)
        return 2
