"""Train Ganvas's bundled 4× upscaler (engine/upscale.py DetailNet) on Debian art and photos.

Data (none of it from the own-folder benchmark's folders; fetched with `apt-get download`, unpacked
with `dpkg-deb -x`, nothing installed):
  - photos and digital paintings: plasma-workspace-wallpapers 4:5.27.5-2 (GPL-2+, KDE's
    wallpapers; the largest image of each) and gnome-backgrounds 43.1-1 (CC-BY-SA-3.0; the
    .webp ones);
  - clip art: openclipart-png 1:0.18+dfsg-19 (public domain), every category except animals
    (the benchmark's clipart folder), up to 800 files;
  - emoji: fonts-noto-color-emoji 2.042 (OFL-1.1 font, Apache-2.0 artwork), rendered at 128 px
    by scripts/build_default_dataset.py: the bundled GAN's own kind of image.
Each source's files are split by a hash of their path: 1 in 10 is held out (never trained on)
for the numbers in the model card and in benchmarks/upscaler.py.

Training: random high-resolution crops (96 px; photos at a random scale first), the small image
made by an antialiased bicubic ×1/4 reduction, L1 loss, Adam with a cosine learning-rate decay,
for --steps steps (a step budget, so a busy machine changes the time taken, not the result).

    python scripts/train_upscaler.py [--steps 8000] [--out resources/models/upscaler-x4.safetensors]
"""

from __future__ import annotations

import argparse
import hashlib
import math
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.upscale import DetailNet, save_upscaler  # noqa: E402
from scripts.build_benchmark_folders import fetch_package  # noqa: E402

SOURCES = {
    "wallpapers": ("plasma-workspace-wallpapers", "4:5.27.5-2", "GPL-2+"),
    "backgrounds": ("gnome-backgrounds", "43.1-1", "CC-BY-SA-3.0"),
    "clipart": ("openclipart-png", "1:0.18+dfsg-19", "public domain"),
    "emoji": ("fonts-noto-color-emoji", "2.042-0+deb12u1", "OFL-1.1 font, Apache-2.0 artwork"),
}
CROP = 96  # high-resolution training crop; the network sees 24 px


def held_out(path: Path) -> bool:
    return hashlib.sha256(path.name.encode()).digest()[0] < 26  # about 1 in 10


def on_white(im: Image.Image) -> Image.Image:
    im = im.convert("RGBA")
    flat = Image.new("RGB", im.size, (255, 255, 255))
    flat.paste(im, mask=im.getchannel("A"))
    return flat


def source_files(cache: Path, emoji_dir: Path) -> dict[str, list[Path]]:
    """Every usable file per source (fetching and unpacking packages as needed)."""
    files: dict[str, list[Path]] = {}
    root, _ = fetch_package(*SOURCES["wallpapers"][:2], cache)
    walls = []
    for folder in sorted((root / "usr/share/wallpapers").iterdir()):
        images = list((folder / "contents" / "images").glob("*.*"))
        if images:  # the largest rendering of each wallpaper
            walls.append(max(images, key=lambda p: p.stat().st_size))
    files["wallpapers"] = walls
    root, _ = fetch_package(*SOURCES["backgrounds"][:2], cache)
    files["backgrounds"] = sorted((root / "usr/share/backgrounds").rglob("*.webp"))
    root, _ = fetch_package(*SOURCES["clipart"][:2], cache)
    clip = sorted(p for p in (root / "usr/share/openclipart/png").rglob("*.png"))
    clip = [p for p in clip if "/animals/" not in str(p)]
    files["clipart"] = sorted(random.Random(0).sample(clip, min(800, len(clip))))
    if not any(emoji_dir.glob("*.png")):
        root, _ = fetch_package(*SOURCES["emoji"][:2], cache)
        font = next((root / "usr/share/fonts").rglob("NotoColorEmoji.ttf"))
        from scripts.build_default_dataset import main as build_emoji

        build_emoji(["--out", str(emoji_dir), "--font", str(font)])
    files["emoji"] = sorted(emoji_dir.glob("*.png"))
    return files


def load_pool(files: list[Path], held: bool, long_side: int) -> list[np.ndarray]:
    """RGB uint8 arrays, alpha on white, the longer side at most `long_side`."""
    out = []
    for path in files:
        if held_out(path) != held:
            continue
        try:
            with Image.open(path) as im:
                im = on_white(im)
                if max(im.size) > long_side:
                    s = long_side / max(im.size)
                    im = im.resize((round(im.width * s), round(im.height * s)), Image.LANCZOS)
                if min(im.size) >= CROP:
                    out.append(np.asarray(im))
        except OSError:
            continue
    return out


def pools(cache: Path, emoji_dir: Path, held: bool) -> dict[str, list[np.ndarray]]:
    # photos at up to 1024 px (texture at many scales), clip art and emoji at their own size
    sides = {"wallpapers": 1024, "backgrounds": 1024, "clipart": 384, "emoji": 128}
    return {
        name: load_pool(paths, held, sides[name])
        for name, paths in source_files(cache, emoji_dir).items()
    }


def downscale(hr: torch.Tensor) -> torch.Tensor:
    """The degradation the network learns to undo: an antialiased bicubic ×1/4."""
    h, w = hr.shape[-2:]
    return F.interpolate(hr, size=(h // 4, w // 4), mode="bicubic", antialias=True).clamp(0, 1)


def random_crops(pool: dict[str, list[np.ndarray]], n: int, rng: random.Random) -> torch.Tensor:
    names = [k for k, v in pool.items() if v]
    crops = []
    for _ in range(n):
        img = rng.choice(pool[rng.choice(names)])
        y = rng.randrange(img.shape[0] - CROP + 1)
        x = rng.randrange(img.shape[1] - CROP + 1)
        crop = img[y : y + CROP, x : x + CROP]
        if rng.random() < 0.5:
            crop = crop[:, ::-1]
        crops.append(np.ascontiguousarray(crop))
    return torch.from_numpy(np.stack(crops)).permute(0, 3, 1, 2).float() / 255


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--out", default=str(ROOT / "resources" / "models" / "upscaler-x4.safetensors"))
    p.add_argument("--cache", default=str(ROOT / "data" / "debs"))
    p.add_argument("--emoji", default=str(ROOT / "data" / "emoji"), help="rendered emoji folder")
    p.add_argument("--steps", type=int, default=8000)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--channels", type=int, default=48)
    p.add_argument("--blocks", type=int, default=6)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)

    torch.set_num_threads(args.threads)
    torch.set_flush_denormal(True)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    train_pool = pools(Path(args.cache), Path(args.emoji), held=False)
    counts = {k: len(v) for k, v in train_pool.items()}
    print(f"training images: {counts}", flush=True)
    net = DetailNet(args.channels, args.blocks)
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    start = time.perf_counter()
    running = 0.0
    for step in range(1, args.steps + 1):
        for group in opt.param_groups:  # cosine decay over the run
            group["lr"] = args.lr * 0.5 * (1 + math.cos(math.pi * (step - 1) / args.steps))
        hr = random_crops(train_pool, args.batch, rng)
        loss = F.l1_loss(net(downscale(hr)), hr)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        value = float(loss.detach())
        running = 0.98 * running + 0.02 * value if step > 1 else value
        if step % 200 == 0:
            minutes = (time.perf_counter() - start) / 60
            print(f"step {step}  {minutes:.1f} min  L1 {running:.4f}", flush=True)
    info = {
        "name": "Ganvas upscaler ×4",
        "data": {k: {"package": f"{v[0]} {v[1]}", "licence": v[2]} for k, v in SOURCES.items()},
        "training_images": counts,
        "recipe": {
            "steps": args.steps,
            "minutes": round((time.perf_counter() - start) / 60, 1),
            "batch": args.batch,
            "crop": CROP,
            "lr": args.lr,
            "seed": args.seed,
            "degradation": "antialiased bicubic x1/4",
            "loss": "L1",
        },
    }
    save_upscaler(args.out, net.eval(), info)
    print(f"{args.steps} steps in {(time.perf_counter() - start) / 60:.1f} min; wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
