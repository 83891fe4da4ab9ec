"""Headless commands: `python main.py train|generate|info|metrics …` (also under torchrun)."""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import signal
import sys
import threading
from pathlib import Path
from typing import NoReturn

from engine.config import MODEL_LIMITS, TRUNCATION_RANGE, default_threads
from engine.errors import user_message
from engine.files import WriteError

TRAIN_HELP = "train (or resume) a GAN on a folder of images"


class _Parser(argparse.ArgumentParser):
    """One line `error: …` and exit 2 for bad arguments, like every other user error (argparse
    would print the usage first). Subcommand parsers are made of this class too."""

    def error(self, message: str) -> NoReturn:
        print(f"error: {message}", file=sys.stderr)
        sys.exit(2)


def _number(kind: type, lo: float | None = None, hi: float | None = None, *, above=None):
    """An argparse type: a finite `kind` from lo to hi (or greater than `above`)."""

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            what = "a whole number" if kind is int else "a number"
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"must be a finite number, not {text!r}")
        if above is not None and value <= above:
            raise argparse.ArgumentTypeError(f"must be greater than {above:g}, not {text}")
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            if hi is None:
                raise argparse.ArgumentTypeError(f"must be at least {lo:g}, not {text}")
            raise argparse.ArgumentTypeError(f"must be from {lo:g} to {hi:g}, not {text}")
        return value

    return parse


def _resolution(text: str) -> int:
    res = _number(int)(text)
    if res < 16 or res > 1024 or res & (res - 1):
        raise argparse.ArgumentTypeError(f"must be a power of two from 16 to 1024, not {res}")
    return res


def _bend(text: str):
    from engine.bending import Bend

    parts = text.split(":")
    if len(parts) != 3:
        raise argparse.ArgumentTypeError(
            f"write LAYER:EFFECT:STRENGTH, e.g. 2:rotate:0.5, not {text!r}"
        )
    layer, op, strength = parts
    try:
        return Bend.from_dict({"layer": int(layer), "op": op, "strength": float(strength)})
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _swap_resolution(text: str) -> int:
    res = _number(int)(text)
    if res < 2 or res > 2048 or res & (res - 1):
        raise argparse.ArgumentTypeError(f"must be a power of two from 2 to 2048, not {res}")
    return res


def _model_limit(name: str):
    return _number(int, *MODEL_LIMITS[name])


_TRUNCATION = _number(float, *TRUNCATION_RANGE)
_EVERY = _number(int, 0, 10**9)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="ganvas", description="Ganvas GAN studio — command line")
    sub = p.add_subparsers(dest="command", required=True)

    t = sub.add_parser("train", help=TRAIN_HELP, description=TRAIN_HELP)
    # defaults are None so that resuming a run only overrides what was typed
    t.add_argument("--data", help="folder of images (searched recursively)")
    t.add_argument("--out", required=True, help="run folder; an existing one is resumed")
    t.add_argument("--resolution", type=_resolution, help="output size in px, power of two (64)")
    t.add_argument(
        "--kimg",
        type=_number(float, hi=1e6, above=0),
        help="training length in thousands of images (100)",
    )
    t.add_argument("--batch", type=_number(int, 1, 4096), help="batch size per device (16)")
    t.add_argument(
        "--base",
        help="fine-tune from this .safetensors model; 'auto': the bundled model closest to "
        "the folder's images",
    )
    t.add_argument(
        "--freeze-d",
        type=_number(int, 0, 16),
        help="discriminator blocks frozen when fine-tuning (2)",
    )
    t.add_argument(
        "--keep-variety",
        type=_number(float, 0, 1e6),
        help="fine-tuning: weight of the loss that keeps the base model's variety (0 = off)",
    )
    t.add_argument("--device", help="auto, cpu, cuda or mps (auto)")
    t.add_argument("--loss", choices=["ns", "hinge", "wgan-gp"], help="GAN loss (ns)")
    t.add_argument("--crop", choices=["center", "pad", "stretch"], help="how to square images")
    t.add_argument("--rgba", action="store_true", default=None, help="keep alpha as 4th channel")
    t.add_argument("--augment", help="DiffAugment ops, e.g. color,translation,cutout ('' = off)")
    t.add_argument(
        "--channel-base",
        type=_model_limit("channel_base"),
        help="network width (1024; raise it on a GPU)",
    )
    t.add_argument(
        "--channel-max", type=_model_limit("channel_max"), help="maximum channels per layer (128)"
    )
    t.add_argument(
        "--d-channel-min",
        type=_model_limit("d_channel_min"),
        help="discriminator's minimum channels (8)",
    )
    t.add_argument(
        "--lr", type=_number(float, hi=1, above=0), help="learning rate of G and D (0.0025)"
    )
    t.add_argument("--seed", type=_number(int, 0, 2**31 - 1), help="random seed (0)")
    t.add_argument(
        "--threads",
        type=_number(int, 1, 1024),
        help="CPU threads for torch (default: all cores but one, shared among torchrun ranks)",
    )
    for name in ("log", "preview", "checkpoint", "snapshot", "metric"):
        t.add_argument(f"--{name}-every", type=_EVERY, help=f"steps between {name}s")

    g = sub.add_parser("generate", help="write one PNG per seed")
    g.add_argument("--model", required=True, help=".safetensors model")
    g.add_argument("--seeds", default="0-15", help="e.g. 0-15 or 1,5,9")
    g.add_argument("--out", required=True, help="output folder")
    g.add_argument("--truncation", type=_TRUNCATION, default=1.0, help="ψ: 1 = full variety")
    g.add_argument("--device", default="auto")
    g.add_argument(
        "--bend",
        action="append",
        type=_bend,
        metavar="LAYER:EFFECT:STRENGTH",
        help="network bending, repeatable: e.g. 2:rotate:0.5 (layer 0 is the coarsest; effects: "
        "scale, rotate, translate, erode, dilate, invert, mute)",
    )

    i = sub.add_parser("info", help="print a model's metadata as JSON")
    i.add_argument("model")

    r = sub.add_parser("restore", help="re-render an exported image from its embedded record")
    r.add_argument("image", help="a PNG/JPEG/WebP exported by Ganvas")
    r.add_argument("--out", required=True, help="output image (.png, .jpg or .webp)")
    r.add_argument("--model", help="the model it was made with (default: the bundled model)")
    r.add_argument("--upscaler", help="the upscaler file it was enlarged with, if not bundled")

    u = sub.add_parser("upscale", help="enlarge an image ×2 or ×4 with a learned upscaler")
    u.add_argument("image", help="a PNG/JPEG/WebP (a Ganvas record in it is kept)")
    u.add_argument("--out", required=True, help="output image (.png, .jpg or .webp)")
    u.add_argument("--scale", type=int, default=4, choices=[2, 4])
    u.add_argument(
        "--upscaler",
        help="an upscaler file (Ganvas's, or ESRGAN-family .safetensors/.pth); 'lanczos' for "
        "Lanczos (default: the bundled learned one)",
    )

    a = sub.add_parser("interpolate", help="a seamless loop animation through seeds")
    a.add_argument("--model", required=True)
    a.add_argument("--seeds", required=True, help="keyframes, e.g. 1,2,3")
    a.add_argument("--frames", type=_number(int, 2, 100_000), default=60)
    a.add_argument("--fps", type=_number(float, hi=240, above=0), default=24)
    a.add_argument("--truncation", type=_TRUNCATION, default=0.7)
    a.add_argument("--mode", choices=["z", "w"], default="z", help="slerp in z or lerp in w")
    a.add_argument("--scale", type=int, default=1, choices=[1, 2, 4], help="upscale frames")
    a.add_argument("--out", required=True, help="loop.gif, loop.webp or loop.mp4")

    j = sub.add_parser("project", help="find the latent that reproduces an image")
    j.add_argument("image")
    j.add_argument("--model", required=True)
    j.add_argument("--out", required=True, help="the reconstruction, with its latent embedded")
    j.add_argument("--steps", type=_number(int, 1, 100_000), default=300)
    j.add_argument("--crop", choices=["center", "pad", "stretch"], default="center")

    m = sub.add_parser("metrics", help="measure a model against real images (SWD; FID optional)")
    m.add_argument("--model", required=True)
    m.add_argument("--data", required=True, help="folder of real images to compare with")
    m.add_argument("--n", type=_number(int, 2, 100_000), default=600, help="images per set (600)")
    m.add_argument(
        "--inception", help="local torchvision Inception-v3 weights (.pth/.safetensors) for FID"
    )

    b = sub.add_parser(
        "blend", help="a new model from the low layers of A and the high layers of B"
    )
    b.add_argument("a", help="model A: its coarse layers (shapes, layout)")
    b.add_argument("b", help="model B: its fine layers (texture, colour, detail)")
    b.add_argument("--out", required=True, help="the blended .safetensors model")
    b.add_argument(
        "--swap-at", type=_swap_resolution, default=16, help="first resolution taken from B (16)"
    )
    b.add_argument(
        "--smooth", type=_number(float, 0, 8), default=0.0, help="crossover width in octaves (0)"
    )

    o = sub.add_parser("export-onnx", help="export the generator to ONNX")
    o.add_argument("--model", required=True)
    o.add_argument("--out", required=True)
    return p


def _duration(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "?"
    minutes, secs = divmod(max(int(seconds), 0), 60)
    return f"{minutes // 60}:{minutes % 60:02d}:{secs:02d}"


def _auto_base(args: argparse.Namespace) -> Path:
    """`--base auto`: the bundled model whose pictures are closest to the folder's images."""
    from engine.bases import choose_base
    from engine.config import DataConfig
    from engine.dataset import scan_folder

    dataset = scan_folder(args.data, DataConfig(resolution=args.resolution or 64))
    choice = choose_base(dataset.images, args.resolution)
    print(f"base model: {choice.reason}", flush=True)
    return choice.path


def _train_config(args: argparse.Namespace):
    from engine.config import FINE_TUNE_FREEZE_D, TrainConfig

    run = Path(args.out)
    if run.exists() and not run.is_dir():
        raise ValueError(f"--out {run} is a file; a run needs a folder")
    run_json = run / "run.json"
    if run_json.exists():  # resume: start from the run's own settings
        try:
            cfg = TrainConfig.from_dict(json.loads(run_json.read_text(encoding="utf-8"))["config"])
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ValueError(
                f"cannot resume: {run_json} is damaged ({type(exc).__name__}: {exc}); "
                "train into a new --out folder"
            ) from None
    else:
        if not args.data:
            raise ValueError("--data is required for a new run")
        if Path(args.data).is_file():
            raise ValueError(f"--data {args.data} is a file; pass the folder of images")
        if not Path(args.data).is_dir():
            raise ValueError(f"folder not found: {args.data}")
        cfg = TrainConfig()
        if args.base == "auto":
            args.base = str(_auto_base(args))
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
    if not run_json.exists() and cfg.base_model and args.freeze_d is None:
        cfg.freeze_d = FINE_TUNE_FREEZE_D
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
    run = Path(args.out)
    existed = run.exists() or int(os.environ.get("RANK", "0")) > 0  # rank 0 owns the folder
    resumable = run / "checkpoints" / "latest.pt"
    try:
        return _train(args)
    except WriteError as exc:
        if not resumable.exists():
            raise
        # the atomic writer kept the last checkpoint whole: say the run is not lost
        raise WriteError(
            exc.path, exc, hint="the run is kept; fix that and run the same command to resume"
        ) from None
    finally:
        # a new run that failed before its first checkpoint holds nothing worth keeping; one
        # with a checkpoint is resumable (and a divergence message points at it)
        if not existed and not resumable.exists():
            shutil.rmtree(run, ignore_errors=True)


def _train(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from engine import events
    from engine.training import train

    cfg = _train_config(args)
    _init_distributed(cfg.device)
    rank = int(os.environ.get("RANK", "0"))
    stop = _stop_on_first_ctrl_c()
    bar = None
    gen = train(cfg)
    try:
        for raw in gen:
            event = events.parse(raw)
            if isinstance(event, events.Progress):
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
                bar.n = min(event.kimg, cfg.kimg)
                post = {"ETA": _duration(event.eta_s), "img/s": event.img_per_s}
                post |= {"G": event.loss_G}
                post |= {"D": event.loss_D, "p": event.aug_p}
                bar.set_postfix(post, refresh=True)
            elif isinstance(event, (events.Status, events.Message)) and rank == 0:
                tqdm.write(event.text)
            elif isinstance(event, events.Metric) and rank == 0:
                tqdm.write(f"step {event.step}: SWD {event.swd_mean:.2f}")
            elif isinstance(event, events.Done) and rank == 0:
                model = event.snapshot or "none saved yet"
                tqdm.write(f"done at {event.kimg:.1f} kimg; model: {model}")
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
        _end_distributed()
    return 0


def _end_distributed() -> None:
    """Close the process group before exit: left to interpreter shutdown, gloo's threads
    sometimes aborted a rank ("terminate called without an active exception"; 1 run in 3)."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


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


def _output_folder(path: str) -> Path:
    """Refuse an --out that names a file before any work is done (the writer makes folders)."""
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} is a file; give a folder for the images")
    return out


def cmd_generate(args: argparse.Namespace) -> int:
    from engine.devices import pick_device
    from engine.export import make_record, save_image
    from engine.latent import Latent
    from engine.modelfile import load_model
    from engine.render import parse_seeds, render_latents

    seeds = parse_seeds(args.seeds)
    out = _output_folder(args.out)
    model = load_model(args.model, device=pick_device(args.device))
    bends = args.bend or []
    for start in range(0, len(seeds), 64):
        latents = [Latent(seed=s, psi=args.truncation, bends=bends) for s in seeds[start:][:64]]
        for latent, img in zip(latents, render_latents(model.G, latents)):
            # the record the File menu's export writes: `restore` and a drop on Ganvas read it
            record = make_record(model.name, model.sha256, latent)
            save_image(out / f"seed{latent.seed:06d}.png", img, record)
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
    from engine.modelfile import load_model
    from engine.paths import default_model_path
    from engine.render import render_latents

    record = read_record(args.image)
    if record is None:
        raise ValueError(f"{args.image} carries no Ganvas record (was it exported by Ganvas?)")
    want = record["model"]
    model = load_model(args.model or _bundled_by_sha(want["sha256"]) or default_model_path())
    if model.sha256 != want["sha256"]:
        raise ValueError(
            f"{Path(args.image).name} was made with the model {want['name']!r} "
            f"(sha256 {want['sha256'][:12]}…); pass it with --model"
        )
    pixels = render_latents(model.G, [record_latent(record)])[0]
    how = record.pop("upscale", None)  # enlarged on export: enlarge again the same way
    scale = how["factor"] if how else 1
    upscaler = _recorded_upscaler(how, args.upscaler) if how else None
    save_image(args.out, pixels, record, scale=scale, upscaler=upscaler)
    print(f"wrote {args.out}")
    return 0


def _bundled_by_sha(sha256: str) -> Path | None:
    """The bundled model an image was made with, found by its hash (there are several)."""
    from engine.bases import bundled_bases
    from engine.modelfile import sha256_of

    return next((p for p in bundled_bases() if sha256_of(p) == sha256), None)


def _recorded_upscaler(how: dict, path: str | None):
    """The upscaler a record names: Lanczos, the bundled one, or the file given as --upscaler."""
    from engine.upscale import UpscalerError, bundled_upscaler, load_upscaler

    if how.get("kind") == "lanczos":
        return "lanczos"
    if path:
        return "lanczos" if path == "lanczos" else load_upscaler(path)
    bundled = bundled_upscaler()
    if bundled is not None and bundled.describe()["name"] == how.get("name"):
        return bundled
    raise UpscalerError(
        f"the image was enlarged with the upscaler {how.get('name')!r}; pass that file with "
        "--upscaler"
    )


def cmd_upscale(args: argparse.Namespace) -> int:
    import numpy as np
    from PIL import Image, UnidentifiedImageError

    from engine.export import read_record, save_image
    from engine.upscale import load_upscaler

    _output_file(args.out)
    choice = args.upscaler
    upscaler = "lanczos" if choice == "lanczos" else load_upscaler(choice) if choice else None
    try:
        with Image.open(args.image) as im:
            im.load()
            mode = "RGBA" if "A" in im.getbands() else "RGB"
            pixels = np.asarray(im.convert(mode))
    except (UnidentifiedImageError, OSError) as exc:
        raise ValueError(f"{args.image} cannot be read as an image ({exc})") from None
    record = read_record(args.image)
    if record is not None:
        record.pop("upscale", None)  # the record describes the native-size image
    save_image(args.out, pixels, record, scale=args.scale, upscaler=upscaler)
    h, w = pixels.shape[:2]
    print(f"wrote {args.out} ({w * args.scale}×{h * args.scale} px)")
    return 0


def _output_file(path: str) -> None:
    """Refuse an --out that names a folder before any work is done."""
    if Path(path).is_dir():
        raise ValueError(f"--out {path} is a folder; give a file name")


def cmd_interpolate(args: argparse.Namespace) -> int:
    from engine.animation import render_loop, write_animation
    from engine.latent import Latent
    from engine.modelfile import load_model
    from engine.render import parse_seeds

    keys = [Latent(seed=s, psi=args.truncation) for s in parse_seeds(args.seeds)]
    _output_file(args.out)
    model = load_model(args.model)
    frames = render_loop(model.G, keys, args.frames, args.mode)
    write_animation(args.out, frames, args.fps, args.scale)  # the bundled learned upscaler
    print(f"wrote {args.out} ({args.frames} frames)")
    return 0


def cmd_project(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from engine.config import DataConfig
    from engine.dataset import ImageSkipped, load_image
    from engine.export import make_record, save_image
    from engine.latent import Latent
    from engine.modelfile import load_model
    from engine.projection import ProjectionConfig, project

    model = load_model(args.model, with_discriminator=True)
    res, rgba = model.config.resolution, model.config.img_channels == 4
    try:
        target = load_image(Path(args.image), DataConfig(resolution=res, crop=args.crop, rgba=rgba))
    except ImageSkipped as exc:  # its reason does not name the file
        raise ValueError(f"cannot use {args.image}: {exc}") from None
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


def cmd_blend(args: argparse.Namespace) -> int:
    from engine.blend import blend_info, blend_models
    from engine.directions import iter_directions
    from engine.modelfile import load_model, save_model

    if not str(args.out).endswith(".safetensors"):
        raise ValueError("--out must be a .safetensors file")
    _output_file(args.out)
    a, b = load_model(args.a), load_model(args.b)
    G = blend_models(a, b, args.swap_at, args.smooth)
    save_model(args.out, G, info=blend_info(a, b, args.swap_at, args.smooth))
    *_, last = iter_directions(args.out)  # its own directions, cached beside it
    print(f"wrote {args.out} (directions cached in {last['path']})")
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
    "upscale": cmd_upscale,
    "interpolate": cmd_interpolate,
    "export-onnx": cmd_export_onnx,
    "blend": cmd_blend,
    "project": cmd_project,
    "metrics": cmd_metrics,
}


def _set_threads(args: argparse.Namespace) -> None:
    """torch's default (one thread per core) oversubscribes a busy machine and slowed `project`
    6–9× against the GUI; leave one core free like the GUI does, except for `train`
    (`train --threads` overrides)."""
    import torch

    ranks = int(os.environ.get("LOCAL_WORLD_SIZE", "1"))  # torchrun's processes on this machine
    # headless training is the machine's main job: every core (one fewer halved it on 2 cores)
    cores = default_threads() + (1 if args.command == "train" else 0)
    threads = getattr(args, "threads", None) or max(1, cores // max(ranks, 1))
    torch.set_num_threads(threads)


def main(argv: list[str]) -> int:
    """Run one command. User-caused failures print one line `error: …` and return 2; anything
    else is a bug and keeps its traceback."""
    args = build_parser().parse_args(argv)
    try:
        _set_threads(args)
        return COMMANDS[args.command](args)
    except Exception as exc:
        message = user_message(exc)
        if message is None:
            raise
        print(f"error: {message}", file=sys.stderr)
        return 2
