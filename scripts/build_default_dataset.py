"""Build the default model's training set: every emoji glyph of Noto Color Emoji as a PNG.

Licence facts (Debian fonts-noto-color-emoji 2.042, /usr/share/doc/fonts-noto-color-emoji/copyright;
Debian rebuilds the font from source, upstream's prebuilt fonts/*.ttf are excluded):
  - Files: fonts/* (NotoColorEmoji.ttf): Copyright 2013-2017 Google Inc., Arjen Nienhuis;
    License: SIL-1.1 - "This Font Software is licensed under the SIL Open Font License,
    Version 1.1." The OFL adds: "The requirement for fonts to remain under this license does
    not apply to any document created using the fonts or their derivatives."
  - Files: * (the emoji artwork sources and tools): same holders; License: Apache-2.0 -
    "Licensed under the Apache License, Version 2.0".
  So the PNGs made here are documents rendered with an OFL font from Apache-2.0 artwork;
  ship them (and models trained on them) with that attribution and the Apache-2.0 notice.

Pillow only, no fontTools: candidate codepoints come from the emoji blocks below and we keep
those the font draws (unmapped codepoints render empty in this font). Single codepoints only;
with --skin-tones also base + U+1F3FB..1F3FF where the font has that ligature.

    python scripts/build_default_dataset.py [--out data/emoji] [--size 128] [--skin-tones]
        [--subset faces]
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT_NAME = "NotoColorEmoji.ttf"
STRIKE = 109  # CBDT bitmap font: FreeType only loads it at its one bitmap strike size
CANVAS, ORIGIN = 400, 40  # wide enough for a base + an unjoined modifier side by side
SKIN_TONES = range(0x1F3FB, 0x1F400)

# Blocks where emoji live (Unicode emoji-data); the font decides which ones exist.
CANDIDATE_RANGES = [
    (0x00A9, 0x00AE),  # (c) (r)
    (0x2000, 0x206F),  # double exclamation, interrobang
    (0x2100, 0x214F),  # tm, information
    (0x2190, 0x21FF),  # arrows
    (0x2300, 0x23FF),  # watch, hourglass, keyboard, media controls
    (0x2460, 0x24FF),  # circled M
    (0x25A0, 0x25FF),  # squares, play buttons
    (0x2600, 0x27BF),  # misc symbols, dingbats
    (0x2900, 0x297F),  # curved arrows
    (0x2B00, 0x2BFF),  # stars, big arrows, circles
    (0x3000, 0x303F),  # wavy dash, part alternation mark
    (0x3290, 0x329F),  # circled ideographs
    (0x1F000, 0x1F2FF),  # mahjong, cards, enclosed alphanumerics/ideographs
    (0x1F300, 0x1FAFF),  # pictographs, emoticons, transport, supplemental, extended-A
]
# Unicode's "Smileys & Emotion" faces (smiling, affectionate, tongue, hand, neutral, sleepy,
# unwell, hat, glasses, concerned, negative, costume) and cat faces: one coherent subject that a
# small CPU-trained model learns to draw recognisably (--subset faces).
FACE_RANGES = [
    (0x263A, 0x263A),  # smiling face
    (0x2639, 0x2639),  # frowning face
    (0x1F479, 0x1F47B),  # ogre, goblin, ghost
    (0x1F47D, 0x1F47F),  # alien, alien monster, imp
    (0x1F480, 0x1F480),  # skull
    (0x1F4A9, 0x1F4A9),  # pile of poo
    (0x1F600, 0x1F644),  # emoticons: faces and cat faces
    (0x1F910, 0x1F917),  # zipper-mouth .. hugging, robot (0x1F918.. are hands)
    (0x1F920, 0x1F925),  # cowboy, clown, nauseated, rolling, drooling, lying
    (0x1F927, 0x1F92F),  # sneezing .. exploding head (0x1F926 is a person)
    (0x1F970, 0x1F976),  # smiling with hearts .. cold face
    (0x1F978, 0x1F97A),  # disguised, holding back tears, pleading
    (0x1F9D0, 0x1F9D0),  # monocle
    (0x1FAE0, 0x1FAE5),  # melting .. dotted-line face
    (0x1FAE8, 0x1FAE8),  # shaking face (0x1FAE6-7 are lips and bubbles)
]
SUBSETS = {"all": CANDIDATE_RANGES, "faces": FACE_RANGES}
# Components, not emoji on their own: flag halves, skin-tone swatches, keycap frame.
COMPONENTS = {*range(0x1F1E6, 0x1F200), *SKIN_TONES, 0x20E3}


def find_font(explicit: Path | None) -> Path:
    if explicit:
        return explicit
    for _attempt in range(2):
        found = sorted(Path("/usr/share/fonts").rglob(FONT_NAME))
        if found:
            return found[0]
        print(f"{FONT_NAME} not found; installing fonts-noto-color-emoji with apt-get")
        try:
            subprocess.run(["apt-get", "install", "-y", "fonts-noto-color-emoji"], check=True)
        except (OSError, subprocess.CalledProcessError) as exc:
            sys.exit(f"could not install the font ({exc}); pass --font PATH")
    sys.exit(f"{FONT_NAME} still missing after install; pass --font PATH")


def render(font: ImageFont.FreeTypeFont, text: str) -> Image.Image:
    im = Image.new("RGBA", (CANVAS, CANVAS // 2), (0, 0, 0, 0))
    ImageDraw.Draw(im).text((ORIGIN, ORIGIN), text, font=font, embedded_color=True)
    return im


def to_square(glyph: Image.Image, size: int, margin: float) -> Image.Image:
    """Trim to the alpha bounding box, centre on a transparent square with a margin, resize."""
    glyph = glyph.crop(glyph.getbbox())
    side = max(glyph.size)
    side += 2 * round(side * margin)
    square = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    square.paste(glyph, ((side - glyph.width) // 2, (side - glyph.height) // 2))
    return square.resize((size, size), Image.Resampling.LANCZOS)  # Pillow premultiplies alpha


def held_out_skin_tones(count: int) -> list[Path]:
    """`count` skin-tone variants, spread over the set: images the default model (trained on the
    plain emoji only) never saw. Rendered once into the temp folder."""
    out = Path(tempfile.gettempdir()) / "ganvas-heldout-emoji"
    if not out.is_dir():
        main(["--out", str(out), "--skin-tones"])
    tones = sorted(p for p in out.glob("*.png") if "_1f3f" in p.name)  # base_tone files only
    return tones[:: max(1, len(tones) // count)][:count]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=Path("data/emoji"))
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--margin", type=float, default=0.06, help="padding per side, of the glyph")
    ap.add_argument("--font", type=Path, help=f"path to {FONT_NAME} (default: search, install)")
    ap.add_argument("--skin-tones", action="store_true", help="also base + 5 skin-tone variants")
    ap.add_argument("--subset", choices=sorted(SUBSETS), default="all", help="which emoji")
    args = ap.parse_args(argv)

    start = time.perf_counter()
    font = ImageFont.truetype(str(find_font(args.font)), STRIKE)
    blank = render(font, "\U0010fffd").tobytes()  # what an unmapped codepoint (tofu) looks like
    args.out.mkdir(parents=True, exist_ok=True)
    seen: set[bytes] = set()
    saved = duplicates = 0

    def keep(name: str, glyph: Image.Image) -> None:
        nonlocal saved, duplicates
        image = to_square(glyph, args.size, args.margin)
        digest = hashlib.sha256(image.tobytes()).digest()
        if digest in seen:  # several codepoints can share one glyph
            duplicates += 1
            return
        seen.add(digest)
        image.save(args.out / f"emoji_{name}.png", optimize=True)
        saved += 1

    for lo, hi in SUBSETS[args.subset]:
        for cp in range(lo, hi + 1):
            if cp in COMPONENTS:
                continue
            try:
                glyph = render(font, chr(cp))
            except RuntimeError:  # raqm refuses some separators (U+2029); none are emoji
                continue
            bbox = glyph.getbbox()
            if bbox is None or glyph.tobytes() == blank:
                continue
            keep(f"{cp:x}", glyph)
            if not args.skin_tones:
                continue
            for tone in SKIN_TONES:
                toned = render(font, chr(cp) + chr(tone))
                tbox = toned.getbbox()
                # With the ligature the font draws one glyph as wide as the base; without it,
                # the base is followed by a separate swatch.
                if tbox and tbox[2] - tbox[0] < 1.3 * (bbox[2] - bbox[0]):
                    keep(f"{cp:x}_{tone:x}", toned)

    print(
        f"{saved} emoji saved to {args.out} ({duplicates} duplicate renders dropped) "
        f"in {time.perf_counter() - start:.1f} s"
    )


if __name__ == "__main__":
    main()
