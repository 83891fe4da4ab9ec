"""Draw the Ganvas app icon and write it as PNG, Windows .ico and macOS .icns.

    python build/make_icons.py          # writes resources/icons/ganvas.{png,ico,icns}

A dark rounded square (the app's window colour) holding a 2×2 grid of soft colour tiles, the
first one outlined in the accent colour as the selected cell is in the browser. Flat shapes
only, so the files stay small. Needs Pillow and nothing else; rerun it after changing the
drawing and commit the three files it writes.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

ROOT = Path(__file__).resolve().parent.parent
ICONS = ROOT / "resources" / "icons"

WINDOW = (27, 30, 35, 255)  # #1b1e23, as the main window
BORDER = (58, 64, 74, 255)  # #3a404a
ACCENT = (91, 156, 245, 255)  # #5b9cf5
TILES = [  # (background, blob) per cell: four "generated" images
    ((36, 52, 92), (91, 156, 245)),
    ((92, 38, 58), (245, 120, 91)),
    ((34, 78, 60), (120, 220, 140)),
    ((90, 72, 28), (250, 205, 90)),
]
BLOBS = [(0.40, 0.45, 0.30), (0.58, 0.40, 0.28), (0.45, 0.58, 0.30), (0.55, 0.55, 0.26)]


def draw_icon(size: int = 1024) -> Image.Image:
    """The icon at `size` px (drawn at 4× and scaled down for smooth edges)."""
    s = size * 4
    img = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    pad = s * 0.06
    frame = (pad, pad, s - pad, s - pad)
    d.rounded_rectangle(frame, radius=s * 0.2, fill=WINDOW, outline=BORDER, width=int(s * 0.012))
    inner, gap = s * 0.18, s * 0.05
    cell = (s - 2 * inner - gap) / 2
    for i, ((bg, fg), (bx, by, br)) in enumerate(zip(TILES, BLOBS)):
        x0 = inner + (i % 2) * (cell + gap)
        y0 = inner + (i // 2) * (cell + gap)
        box = (round(x0), round(y0), round(x0 + cell), round(y0 + cell))
        tile = Image.new("RGBA", (box[2] - box[0], box[3] - box[1]), (*bg, 255))
        td = ImageDraw.Draw(tile)
        w = tile.width
        cx, cy, r = bx * w, by * w, br * w
        td.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(*fg, 255))
        tile = tile.filter(ImageFilter.GaussianBlur(w * 0.06))  # the soft look of a GAN sample
        mask = Image.new("L", tile.size, 0)
        ImageDraw.Draw(mask).rounded_rectangle((0, 0, w - 1, w - 1), radius=w * 0.12, fill=255)
        img.paste(tile, box[:2], mask)
        if i == 0:
            o = s * 0.018
            d.rounded_rectangle(
                (box[0] - o, box[1] - o, box[2] + o, box[3] + o),
                radius=w * 0.15,
                outline=ACCENT,
                width=int(s * 0.014),
            )
    return img.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    ICONS.mkdir(parents=True, exist_ok=True)
    big = draw_icon(1024)
    big.resize((256, 256), Image.Resampling.LANCZOS).save(ICONS / "ganvas.png", optimize=True)
    ico_sizes = [(n, n) for n in (16, 24, 32, 48, 64, 128, 256)]
    big.save(ICONS / "ganvas.ico", sizes=ico_sizes)
    # Pillow writes every standard .icns size (16 … 1024, @2x included) from the largest image
    big.save(ICONS / "ganvas.icns")
    for name in ("ganvas.png", "ganvas.ico", "ganvas.icns"):
        print(f"{ICONS / name}  {(ICONS / name).stat().st_size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
