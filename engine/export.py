"""Exported images carry what made them (like AUTOMATIC1111's `parameters` chunk), so dropping
one back into Ganvas — or `main.py restore` — renders the very same pixels.

PNG: `ganvas` (JSON) and `parameters` (readable) text chunks. JPEG/WebP: EXIF UserComment.
"""

from __future__ import annotations

import base64
import functools
import json
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageCms, ImageDraw, ImageFont, PngImagePlugin

from . import __version__
from .files import WriteError, write_atomic
from .latent import Latent
from .render import tile
from .upscale import Upscaler, enlarge

RECORD_KEY = "ganvas"
EXIF_IFD, USER_COMMENT = 0x8769, 0x9286
FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP"}


class ExportError(ValueError):
    pass


def make_record(model_name: str, model_sha256: str, latent: Latent) -> dict[str, Any]:
    latent_dict = latent.to_dict()
    ws = latent_dict.pop("ws")
    if ws is not None:  # float32 bytes, base64: exact and small enough for EXIF's 64 KiB
        latent_dict["ws_b64"] = base64.b64encode(np.asarray(ws, "<f4").tobytes()).decode()
        latent_dict["ws_shape"] = list(np.shape(ws))
    return {
        "app": "Ganvas",
        "version": __version__,
        "model": {"name": model_name, "sha256": model_sha256},
        "latent": latent_dict,
    }


def record_latent(record: dict[str, Any]) -> Latent:
    data = dict(record.get("latent") or {})
    if "ws_b64" in data:
        raw = np.frombuffer(base64.b64decode(data.pop("ws_b64")), "<f4")
        data["ws"] = raw.reshape(data.pop("ws_shape")).tolist()
    return Latent.from_dict(data)


def describe(record: dict[str, Any]) -> str:
    lat = record["latent"]
    parts = [f"Model: {record['model']['name']} ({record['model']['sha256'][:12]})"]
    parts.append("Latent: edited w" if "ws_b64" in lat else f"Seed: {lat['seed']}")
    parts.append(f"Truncation: {lat['psi']}")
    if lat.get("mix"):
        parts.append(f"Style mix: seed {lat['mix']['seed']} on layers {lat['mix']['layers']}")
    if lat.get("edits"):
        parts.append(
            "Edits: "
            + ", ".join(f"{e['name'] or 'direction'} {e['amount']:+.2f}" for e in lat["edits"])
        )
    return ", ".join(parts) + f", Ganvas {record['version']}"


def image_format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ExportError(f"cannot save {path.name}: use .png, .jpg or .webp")
    return fmt


@functools.cache
def srgb_icc() -> bytes:
    """An sRGB ICC profile: exports say what their pixels are, so other apps show them right."""
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def save_image(
    path: Path | str,
    pixels: np.ndarray,
    record: dict | None,
    *,
    scale: int = 1,
    quality: int = 95,
    upscaler: Upscaler | str | None = None,
) -> Path:
    """Write pixels (H×W×C uint8) with the record embedded; atomic, never half-written.

    scale > 1 enlarges with `upscaler` (engine.upscale.enlarge: the bundled learned one by
    default, "lanczos" for Lanczos); the record then says which, so a restore re-applies it."""
    path = Path(path)
    fmt = image_format(path)
    big, how = enlarge(pixels, scale, upscaler)
    img = Image.fromarray(big)
    if record and how:
        record = record | {"upscale": how}
    if fmt == "JPEG" and img.mode == "RGBA":  # JPEG has no alpha: flatten onto white
        flat = Image.new("RGB", img.size, (255, 255, 255))
        flat.paste(img, mask=img.getchannel("A"))
        img = flat
    options: dict[str, Any] = {"format": fmt, "icc_profile": srgb_icc()}
    if fmt == "PNG":
        info = PngImagePlugin.PngInfo()
        if record:
            info.add_text(RECORD_KEY, json.dumps(record))
            info.add_text("parameters", describe(record))
        options["pnginfo"] = info
    else:
        # WebP is written lossless so an exported image matches its re-render exactly
        options |= {"lossless": True} if fmt == "WEBP" else {"quality": quality}
        if record:
            exif = Image.Exif()
            payload = json.dumps({RECORD_KEY: record}, ensure_ascii=True).encode()
            exif.get_ifd(EXIF_IFD)[USER_COMMENT] = b"ASCII\0\0\0" + payload
            options["exif"] = exif.tobytes()
    try:
        write_atomic(path, lambda tmp: img.save(tmp, **options))
    except WriteError as exc:
        raise ExportError(str(exc)) from None
    return path


def read_record(path: Path | str) -> dict[str, Any] | None:
    """The embedded Ganvas record of an image, or None when it has none."""
    try:
        with Image.open(path) as img:
            text = img.info.get(RECORD_KEY) if img.format == "PNG" else None
            if text is None:
                comment = img.getexif().get_ifd(EXIF_IFD).get(USER_COMMENT)
                if isinstance(comment, bytes):
                    comment = comment[8:].decode("ascii", "replace")
                if comment:
                    text = json.dumps(json.loads(comment.strip("\0 ")).get(RECORD_KEY))
    except (OSError, ValueError, AttributeError):
        return None
    try:
        record = json.loads(text) if text else None
    except json.JSONDecodeError:
        return None
    ok = isinstance(record, dict) and isinstance(record.get("latent"), dict)
    return record if ok and isinstance(record.get("model"), dict) else None


def unique_path(path: Path) -> Path:
    """`name.png`, else `name (2).png`, … — exports never overwrite silently."""
    if not path.exists():
        return path
    n = 2
    while (candidate := path.with_name(f"{path.stem} ({n}){path.suffix}")).exists():
        n += 1
    return candidate


CAPTION_FONT_PX = 10
MAX_CAPTION_LINES = 3
_CAPTION_MARGIN = 2  # px around a caption's text, inside its cell


def caption_font() -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    """Pillow's own font (no system fonts: the same sheet on every computer)."""
    return ImageFont.load_default(CAPTION_FONT_PX)


def _line_height(font) -> int:
    return font.getbbox("Ag")[3] + 1


def fit_caption(label: str, width: int, font=None) -> list[str]:
    """`label` wrapped into lines at most `width` px wide: at spaces, inside a word only when the
    word alone is too wide (a 10-digit seed keeps its digits); beyond MAX_CAPTION_LINES the
    last line ends in an ellipsis."""
    font = font or caption_font()

    def fits(text: str) -> bool:
        return font.getlength(text) <= width

    lines: list[str] = []
    line = ""
    for word in label.split():
        if fits(f"{line} {word}" if line else word):
            line = f"{line} {word}" if line else word
            continue
        if line:
            lines.append(line)
        while not fits(word) and len(word) > 1:  # the longest piece that fits, at least 1
            n = next((k for k in range(len(word) - 1, 1, -1) if fits(word[:k])), 1)
            lines.append(word[:n])
            word = word[n:]
        line = word
    if line:
        lines.append(line)
    if len(lines) > MAX_CAPTION_LINES:
        last = lines[MAX_CAPTION_LINES - 1]
        while last and not fits(last + "…"):
            last = last[:-1]
        lines = lines[: MAX_CAPTION_LINES - 1] + [last + "…"]
    return lines


def caption_height(labels: list[str] | None, width: int) -> int:
    """The caption band under every cell of a sheet `width` px wide per cell (0 without)."""
    if not labels:
        return 0
    font = caption_font()
    inner = max(1, width - 2 * _CAPTION_MARGIN)
    lines = max(len(fit_caption(label, inner, font)) for label in labels)
    return max(1, lines) * _line_height(font) + 2 * _CAPTION_MARGIN


def contact_sheet(
    images: np.ndarray, cols: int, *, pad: int = 4, labels: list[str] | None = None
) -> np.ndarray:
    """A grid of images with optional captions under each cell (a sprite sheet without).

    Captions are wrapped to their cell (never spilling into a neighbour's) and the band under
    the cells grows to the longest one. Draw the sheet at its final size: text enlarged
    afterwards turns blurry."""
    if not labels:
        return tile(images, cols=cols, pad=pad)
    n, h, w, c = images.shape
    caption = caption_height(labels, w)
    cells = np.full((n, h + caption, w, c), 255, np.uint8)
    cells[:, :h] = images
    sheet = Image.fromarray(tile(cells, cols=cols, pad=pad))
    draw = ImageDraw.Draw(sheet)
    font, line_h = caption_font(), _line_height(caption_font())
    inner = max(1, w - 2 * _CAPTION_MARGIN)
    ink = (0, 0, 0, 255)[:c] if c > 1 else 0
    for i, label in enumerate(labels[:n]):
        r, q = divmod(i, cols)
        x0, y0 = q * (w + pad), r * (h + caption + pad) + h + _CAPTION_MARGIN
        for k, line in enumerate(fit_caption(label, inner, font)):
            x = x0 + max(_CAPTION_MARGIN, (w - font.getlength(line)) / 2)
            draw.text((x, y0 + k * line_h), line, fill=ink, font=font)
    return np.asarray(sheet)
