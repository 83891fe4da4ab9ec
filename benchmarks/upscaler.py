"""Learned ×4 upscaler vs Lanczos: quality on held-out art and photos, and speed on a GAN grid.

1. Held-out images (the 1 in 10 that scripts/train_upscaler.py never trains on, from every
   source: wallpapers, backgrounds, clip art, emoji): a centre crop (256 px; emoji 128 px) is
   reduced ×1/4 (antialiased bicubic, the training degradation) and enlarged back ×4 by Lanczos
   and by the upscaler. Measured against the original: PSNR (RGB), SSIM, and sharpness, the mean
   gradient magnitude ÷ the original's (1 = as crisp as the original; blur < 1).
2. Speed: a 4×4 grid of 64 px images from the bundled GAN enlarged to 256 px (median of 5 runs,
   --threads threads), the goal being ≤ 1 s on this CPU.
3. Side-by-side grids to look at: runs/upscaler/side-by-side.png (held-out crops: small |
   Lanczos | learned | original) and runs/upscaler/gan-grid.png (GAN images: Lanczos | learned).

    python benchmarks/upscaler.py [--upscaler FILE] [--threads 2] [--no-record]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def crop_center(img: np.ndarray, size: int) -> np.ndarray | None:
    h, w = img.shape[:2]
    if min(h, w) < size:
        return None
    y, x = (h - size) // 2, (w - size) // 2
    return img[y : y + size, x : x + size]


def sharpness(x):
    """Mean gradient magnitude of [N, 3, H, W] images."""
    dx = (x[..., :, 1:] - x[..., :, :-1]).abs().mean((1, 2, 3))
    dy = (x[..., 1:, :] - x[..., :-1, :]).abs().mean((1, 2, 3))
    return dx + dy


def evaluate(upscaler, sets: dict[str, np.ndarray]) -> dict[str, dict]:
    """Per source: mean PSNR / SSIM / sharpness ratio of Lanczos and of the upscaler."""
    import torch
    from PIL import Image

    from engine.metrics import psnr, ssim
    from scripts.train_upscaler import downscale

    out = {}
    for name, hr in sets.items():
        t = torch.from_numpy(hr).permute(0, 3, 1, 2).float() / 255
        lr = (downscale(t) * 255 + 0.5).to(torch.uint8).permute(0, 2, 3, 1).numpy()
        size = hr.shape[1]
        lanczos = np.stack(
            [np.asarray(Image.fromarray(x).resize((size, size), Image.LANCZOS)) for x in lr]
        )
        learned = upscaler.upscale(lr, 4)
        row = {"images": len(hr)}
        for label, y in (("lanczos", lanczos), ("learned", learned)):
            u = torch.from_numpy(y).permute(0, 3, 1, 2).float() / 255
            row[label] = {
                "psnr": float(psnr(u, t).mean()),
                "ssim": float(ssim(u, t).mean()),
                "sharpness": float((sharpness(u) / sharpness(t)).mean()),
            }
        out[name] = row
    return out


def held_out_sets() -> dict[str, np.ndarray]:
    from scripts.train_upscaler import pools

    sets = {}
    for name, images in pools(ROOT / "data" / "debs", ROOT / "data" / "emoji", held=True).items():
        size = 128 if name == "emoji" else 256
        crops = [c for c in (crop_center(x, size) for x in images) if c is not None]
        crops = [c for c in crops if c.std() > 12]  # not a flat patch of background
        if crops:
            sets[name] = np.stack(crops)
    return sets


def time_grid(upscaler, threads: int) -> tuple[float, np.ndarray]:
    import torch

    from engine.modelfile import load_model
    from engine.paths import default_model_path
    from engine.render import render_seeds

    torch.set_num_threads(threads)
    G = load_model(default_model_path()).G
    images = render_seeds(G, range(16))
    upscaler.upscale(images, 4)  # warm-up
    times = []
    for _ in range(5):
        start = time.perf_counter()
        upscaler.upscale(images, 4)
        times.append(time.perf_counter() - start)
    return statistics.median(times), images


def save_pictures(upscaler, sets: dict[str, np.ndarray], gan: np.ndarray, out: Path) -> None:
    import torch
    from PIL import Image

    from engine.render import tile
    from scripts.train_upscaler import downscale

    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for hr in sets.values():
        for x in hr[:2]:
            x = np.asarray(Image.fromarray(x).resize((256, 256), Image.LANCZOS))
            t = torch.from_numpy(x[None].copy()).permute(0, 3, 1, 2).float() / 255
            lr = (downscale(t)[0] * 255 + 0.5).to(torch.uint8).permute(1, 2, 0).numpy()
            small = np.full_like(x, 255)
            small[:64, :64] = lr
            big = np.asarray(Image.fromarray(lr).resize((256, 256), Image.LANCZOS))
            rows += [small, big, upscaler.upscale(lr, 4), x]
    Image.fromarray(tile(np.stack(rows), cols=4, pad=4)).save(out / "side-by-side.png")
    pairs = []
    for x in gan[:8]:
        pairs += [np.asarray(Image.fromarray(x).resize((256, 256), Image.LANCZOS))]
        pairs += [upscaler.upscale(x, 4)]
    Image.fromarray(tile(np.stack(pairs), cols=4, pad=4)).save(out / "gan-grid.png")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--upscaler", help="upscaler file (default: the bundled one)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", default=str(ROOT / "runs" / "upscaler"))
    p.add_argument("--no-record", action="store_true")
    args = p.parse_args()

    import torch

    from benchmarks.common import append_result
    from engine.upscale import load_upscaler

    torch.set_num_threads(args.threads)
    upscaler = load_upscaler(args.upscaler)
    sets = held_out_sets()
    results = evaluate(upscaler, sets)
    seconds, gan = time_grid(upscaler, args.threads)
    save_pictures(upscaler, sets, gan, Path(args.out))
    lines = [
        "| held-out source | images | PSNR Lanczos → learned (dB) | gain | SSIM Lanczos → learned "
        "| sharpness ÷ original, Lanczos → learned |",
        "|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        a, b = r["lanczos"], r["learned"]
        lines.append(
            f"| {name} | {r['images']} | {a['psnr']:.2f} → {b['psnr']:.2f} | "
            f"**{b['psnr'] - a['psnr']:+.2f}** | {a['ssim']:.3f} → {b['ssim']:.3f} | "
            f"{a['sharpness']:.2f} → {b['sharpness']:.2f} |"
        )
    table = "\n".join(lines)
    notes = (
        f"Upscaler: {upscaler.name} ({upscaler.kind}). A 4×4 grid of 64 px GAN images to 256 px: "
        f"**{seconds:.3f} s** (median of 5, {args.threads} threads; goal ≤ 1 s). Held-out crops "
        "reduced ×1/4 by antialiased bicubic, enlarged back ×4. Pictures: "
        f"{args.out}/side-by-side.png (small | Lanczos | learned | "
        "original), gan-grid.png (Lanczos | learned)."
    )
    if args.no_record:
        print(table + "\n\n" + notes)
    else:
        append_result("Learned ×4 upscaler vs Lanczos", table, notes)


if __name__ == "__main__":
    main()
