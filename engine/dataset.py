"""Turn a folder of images into a uint8 tensor cache, skipping hostile files with plain reasons.

Every file is decoded once into `Dataset.images` ([N, C, R, R] uint8); augmentation happens later
on the device. Nothing here may crash on a bad file: each problem becomes a `FileEntry` reason.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import io
import json
import os
import re
import stat
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from engine.config import DataConfig
from engine.files import write_text_atomic

_SYSTEM_NAMES = {
    ".ds_store",
    "thumbs.db",
    "ehthumbs.db",
    "desktop.ini",
    "__macosx",
    "$recycle.bin",
    "system volume information",
    "icon\r",
}
_WIN_HIDDEN_OR_SYSTEM = 0x2 | 0x4  # FILE_ATTRIBUTE_HIDDEN | FILE_ATTRIBUTE_SYSTEM
_VECTOR_FORMATS = {"EPS", "WMF", "EMF"}  # need Ghostscript / Windows to rasterise
_SIZE_BUCKETS = [(64, "<64"), (128, "64-127"), (256, "128-255"), (512, "256-511")]
_SIZE_BUCKETS += [(1024, "512-1023"), (None, ">=1024")]


class DatasetError(ValueError):
    """Plain-words error; has .report (DatasetReport | None)."""

    def __init__(self, message: str, report: DatasetReport | None = None) -> None:
        super().__init__(message)
        self.report = report


class ImageSkipped(DatasetError):
    """One file that cannot be used; str(error) is the plain reason."""


@dataclass
class FileEntry:
    path: str  # relative to root, posix
    status: str  # "accepted" | "skipped"
    reason: str | None = None
    width: int | None = None  # as displayed, i.e. after EXIF orientation
    height: int | None = None
    mode: str | None = None  # original PIL mode


@dataclass
class DatasetReport:
    root: str
    files: list[FileEntry]
    accepted: int
    skipped: int
    skip_reasons: dict[str, int]
    size_histogram: dict[str, int]
    aspect_warning: bool
    cache_bytes: int
    fingerprint: str

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def write(self, path: Path) -> None:
        # atomic, with the usual file mode (mkstemp alone left it 0600)
        write_text_atomic(path, json.dumps(self.to_dict(), indent=1, ensure_ascii=False))


@dataclass
class Dataset:
    images: torch.Tensor  # uint8 [N, C, R, R]
    report: DatasetReport


def _category(reason: str) -> str:
    """'too small (12×9 px, minimum 16)' -> 'too small'; used to count reasons."""
    return re.split(r" \(|:", reason, maxsplit=1)[0]


@functools.cache
def _register_optional_openers() -> None:
    with contextlib.suppress(ImportError):  # HEIC/HEIF from phones, if pillow-heif is installed
        import pillow_heif

        pillow_heif.register_heif_opener()


def _is_hidden(name: str, st: os.stat_result) -> bool:
    attrs = getattr(st, "st_file_attributes", 0)  # Windows only
    return (
        name.startswith(".") or name.lower() in _SYSTEM_NAMES or bool(attrs & _WIN_HIDDEN_OR_SYSTEM)
    )


def iter_image_files(root: Path) -> Iterator[tuple[Path, str | None]]:
    """Walk `root` (following folder symlinks), yielding (path, skip reason or None) per entry.

    Hidden/system entries, symlink loops and special files come out with a reason instead of
    being silently dropped, so the report can account for every name in the folder.
    """
    root = Path(root)
    real = os.path.normcase(os.path.realpath(root))
    stack: list[tuple[Path, str, frozenset[str]]] = [(root, real, frozenset({real}))]
    seen: set[str] = set()
    while stack:
        folder, key, ancestors = stack.pop()
        if key in seen:  # marked when walked, not when found, so DFS name order decides
            yield folder, "folder already scanned (linked twice)"
            continue
        seen.add(key)
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except PermissionError:
            yield folder, "unreadable: permission denied"
            continue
        except OSError as e:
            yield folder, f"unreadable: {e.strerror or e}"
            continue
        subfolders = []
        for entry in entries:
            path = Path(entry.path)
            try:
                lst = entry.stat(follow_symlinks=False)
                if _is_hidden(entry.name, lst):
                    is_dir = entry.is_dir()
                    yield path, "hidden/system folder" if is_dir else "hidden/system file"
                    continue
                st = entry.stat()  # follows symlinks
            except FileNotFoundError:
                yield path, "broken link"
                continue
            except PermissionError:
                yield path, "unreadable: permission denied"
                continue
            except OSError as e:  # ELOOP: a link pointing at itself
                yield path, "symlink loop" if entry.is_symlink() else f"unreadable: {e.strerror}"
                continue
            if stat.S_ISDIR(st.st_mode):
                real = os.path.normcase(os.path.realpath(path))
                if real in ancestors:
                    yield path, "symlink loop"
                else:
                    subfolders.append((path, real, ancestors | {real}))
            elif stat.S_ISREG(st.st_mode):
                yield path, None
            else:  # FIFOs would block on open, devices never end
                yield path, "not a regular file"
        stack.extend(reversed(subfolders))  # depth-first in name order


def _open(path: Path) -> Image.Image:
    """Open a file and read only its header; raise ImageSkipped with the plain reason."""
    try:
        if path.stat().st_size == 0:
            raise ImageSkipped("empty file (0 bytes)")
        with warnings.catch_warnings():
            # Pillow's global warning threshold is not ours: cfg.max_pixels decides below
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            im = Image.open(path)
    except Image.DecompressionBombError as e:
        m = re.search(r"\((\d+) pixels\)", str(e))
        raise ImageSkipped(
            f"decompression bomb ({int(m[1]):,} pixels)" if m else "decompression bomb"
        ) from None
    except UnidentifiedImageError:
        raise ImageSkipped("not an image") from None
    except PermissionError:
        raise ImageSkipped("unreadable: permission denied") from None
    except ImageSkipped:
        raise
    except OSError as e:
        raise ImageSkipped(f"unreadable: {e.strerror or e}") from None
    except Exception:  # noqa: BLE001 - a broken header can raise nearly anything in a plugin
        raise ImageSkipped("truncated or corrupt") from None
    if im.format in _VECTOR_FORMATS:
        im.close()
        raise ImageSkipped(f"unsupported format ({im.format})")
    return im


def _header_problem(im: Image.Image, cfg: DataConfig) -> str | None:
    """Checks that need only the header, so bombs and tiny files are never decoded."""
    w, h = im.size
    if w * h > cfg.max_pixels:
        return f"decompression bomb ({w * h:,} pixels, limit {cfg.max_pixels:,})"
    if min(w, h) < cfg.min_size:
        return f"too small ({w}×{h} px, minimum {cfg.min_size})"
    return None


def _orientation(im: Image.Image) -> int:
    try:
        return int(im.getexif().get(0x0112, 1))
    except Exception:  # noqa: BLE001 - unreadable EXIF is no reason to drop a picture
        return 1


def _displayed_size(im: Image.Image) -> tuple[int, int]:
    w, h = im.size
    return (h, w) if _orientation(im) in (5, 6, 7, 8) else (w, h)


def _to_8bit(im: Image.Image) -> Image.Image:
    """16-bit / int / float greyscale -> 8-bit 'L' by scaling the range, not by clipping."""
    a = np.asarray(im)
    if im.mode.startswith("I;16") or (im.mode == "I" and a.min() >= 0 and a.max() <= 65535):
        out = (a.astype(np.uint32) + 128) // 257  # 0..65535 -> 0..255 exactly
    else:
        a = np.nan_to_num(a.astype(np.float64))
        lo, hi = (
            (0.0, 1.0) if im.mode == "F" and a.min() >= 0 and a.max() <= 1 else (a.min(), a.max())
        )
        out = np.round((a - lo) * (255.0 / max(hi - lo, 1e-12)))
    return Image.fromarray(np.clip(out, 0, 255).astype(np.uint8), "L")


_ICC_MODES = ("RGB", "RGBA", "L", "LA", "CMYK", "P")


@functools.cache
def _srgb_profile() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def _to_srgb(im: Image.Image, icc: bytes | None) -> Image.Image:
    """Pixels in an embedded colour profile (Adobe RGB, Display P3, a printer's CMYK …) become
    sRGB, which the model learns and every export declares; alpha is kept as it is. A broken
    profile, or one that does not fit the image's mode, is ignored: the pixels are used as-is."""
    if not icc or im.mode not in _ICC_MODES:
        return im
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        if "srgb" in ImageCms.getProfileDescription(source).lower():
            return im  # already sRGB (most photos): skip the transform's cost
        if im.mode == "P":
            im = im.convert("RGBA" if im.has_transparency_data else "RGB")
        alpha = im.getchannel("A") if im.mode in ("RGBA", "LA") else None
        if alpha is not None:
            im = im.convert(im.mode[:-1])  # the colour bands alone, not composited
        out = ImageCms.profileToProfile(im, source, _srgb_profile(), outputMode="RGB")
    except (ImageCms.PyCMSError, OSError, ValueError):
        return im
    if alpha is not None:
        out.putalpha(alpha)
    return out


def _to_rgb_or_rgba(im: Image.Image) -> Image.Image:
    if im.mode.startswith("I") or im.mode == "F":
        im = _to_8bit(im)
    if im.mode in ("RGB", "RGBA"):
        pass
    elif im.mode == "LAB":  # Pillow's plain convert() would copy L,a,b bands as if they were RGB
        lab, srgb = ImageCms.createProfile("LAB"), ImageCms.createProfile("sRGB")
        im = ImageCms.applyTransform(im, ImageCms.buildTransform(lab, srgb, "LAB", "RGB"))
    elif im.mode in ("LA", "PA", "La", "RGBa") or im.has_transparency_data:
        im = im.convert("RGBA")  # palette/grey transparency becomes a real alpha channel
    else:
        im = im.convert("RGB")  # L, 1, P, CMYK, YCbCr, RGBX ...
    return im


def _fit(im: Image.Image, cfg: DataConfig) -> Image.Image:
    """Crop/pad/stretch to R×R with Lanczos; returns RGB or RGBA at cfg.resolution."""
    r, (w, h) = cfg.resolution, im.size
    lanczos = Image.Resampling.LANCZOS
    if cfg.rgba and im.mode != "RGBA":
        im = im.convert("RGBA")  # no alpha in the file: fully opaque
    if cfg.crop == "center":
        s = min(w, h)
        box = ((w - s) // 2, (h - s) // 2, (w - s) // 2 + s, (h - s) // 2 + s)
        im = im.resize((r, r), lanczos, box=box, reducing_gap=3.0)
    elif cfg.crop == "stretch":
        im = im.resize((r, r), lanczos, reducing_gap=3.0)
    elif cfg.crop == "pad":
        nw, nh = max(1, round(w * r / max(w, h))), max(1, round(h * r / max(w, h)))
        im = im.resize((nw, nh), lanczos, reducing_gap=3.0)
    else:
        raise DatasetError(f"unknown crop mode {cfg.crop!r} (use center, pad or stretch)")
    # Pillow resizes RGBA premultiplied, so compositing after the resize equals doing it before
    # and costs R×R instead of the full image.
    if im.mode == "RGBA" and not cfg.rgba:
        bg = Image.new("RGBA", im.size, (*cfg.background, 255))
        im = Image.alpha_composite(bg, im).convert("RGB")
    if im.size != (r, r):  # letterbox bars: background colour, transparent when keeping alpha
        canvas = Image.new(im.mode, (r, r), (*cfg.background, 0) if cfg.rgba else cfg.background)
        canvas.paste(im, ((r - im.width) // 2, (r - im.height) // 2))
        im = canvas
    return im


def load_image(path: Path, cfg: DataConfig) -> np.ndarray:
    """Decode one file to an R×R×C uint8 array, or raise ImageSkipped with the plain reason."""
    _register_optional_openers()
    with _open(Path(path)) as im:
        if problem := _header_problem(im, cfg):
            raise ImageSkipped(problem)
        try:
            # JPEG only: let libjpeg decode at 1/2../1/8 scale, still ≥ R on both sides
            im.draft(None, (cfg.resolution, cfg.resolution))
            im.load()  # first frame only for animations; truncated data raises here
            icc = im.info.get("icc_profile")
            if _orientation(im) != 1:  # skip the full-size copy exif_transpose makes otherwise
                im = ImageOps.exif_transpose(im)
            im = _to_rgb_or_rgba(_to_srgb(im, icc))
            out = np.asarray(_fit(im, cfg))
        except MemoryError:
            raise ImageSkipped("too large to decode (out of memory)") from None
        except DatasetError:
            raise
        except ValueError as e:
            if "conversion" in str(e):
                raise ImageSkipped(f"unsupported colour mode ({im.mode})") from None
            raise ImageSkipped("truncated or corrupt") from None
        except Exception:  # noqa: BLE001 - 'image file is truncated', zlib/struct errors ...
            raise ImageSkipped("truncated or corrupt") from None
    return np.ascontiguousarray(out)


def _size_bucket(shortest: int) -> str:
    return next(label for limit, label in _SIZE_BUCKETS if limit is None or shortest < limit)


def scan_folder(
    root: Path | str, cfg: DataConfig, progress: Callable[[int, int], None] | None = None
) -> Dataset:
    """Decode every usable image under `root` into one uint8 tensor plus a report of all files.

    Two passes: a cheap header pass sizes the cache exactly (no list of arrays, no torch.stack,
    so peak memory is ~one cache), then each candidate is decoded once straight into it.
    """
    root = Path(root)
    if not root.exists():
        raise DatasetError(f"folder not found: {root}")
    if not root.is_dir():
        raise DatasetError(f"{root} is not a folder")
    _register_optional_openers()

    found = [(p.relative_to(root).as_posix(), p, why) for p, why in iter_image_files(root)]
    found.sort(key=lambda t: t[0])  # deterministic order => deterministic tensor & fingerprint
    entries, candidates = [], []
    for rel, path, why in found:
        entry = FileEntry(rel, "skipped", why)
        entries.append(entry)
        if why is not None:
            continue
        try:
            with _open(path) as im:
                (entry.width, entry.height), entry.mode = _displayed_size(im), im.mode
                entry.reason = _header_problem(im, cfg)
        except ImageSkipped as e:
            entry.reason = str(e)
        if entry.reason is None:
            candidates.append((entry, path))

    r, c = cfg.resolution, cfg.channels
    per_image = c * r * r
    max_images = cfg.max_cache_mb * 2**20 // per_image
    cache = np.empty((min(len(candidates), max_images), c, r, r), np.uint8)
    n, total = 0, len(entries)
    done = total - len(candidates)
    if progress:
        progress(done, total)
    for entry, path in candidates:
        if n >= max_images:
            entry.reason = f"cache limit reached ({cfg.max_cache_mb} MB)"
        else:
            try:
                cache[n] = load_image(path, cfg).transpose(2, 0, 1)
                entry.status, n = "accepted", n + 1
            except ImageSkipped as e:
                entry.reason = str(e)
        done += 1
        if progress:
            progress(done, total)
    if n < len(cache):  # some failed to decode: shrink in place (realloc) instead of copying
        cache.resize((n, c, r, r), refcheck=False)

    digest = hashlib.sha256(
        json.dumps({"resolution": r, "crop": cfg.crop, "rgba": cfg.rgba}).encode()
    )
    digest.update(cache)
    accepted = [e for e in entries if e.status == "accepted"]
    skipped = [e for e in entries if e.status == "skipped"]
    hist = {label: 0 for _, label in _SIZE_BUCKETS}
    n_oblong = 0
    for e in accepted:
        lo, hi = sorted((e.width or 1, e.height or 1))
        hist[_size_bucket(lo)] += 1
        n_oblong += hi / lo > 1.25
    reasons = Counter(_category(e.reason or "") for e in skipped)
    report = DatasetReport(
        root=str(root.absolute()),
        files=entries,
        accepted=len(accepted),
        skipped=len(skipped),
        skip_reasons=dict(reasons.most_common()),
        size_histogram=hist,
        aspect_warning=bool(accepted) and n_oblong > 0.2 * len(accepted),
        cache_bytes=int(cache.nbytes),
        fingerprint=digest.hexdigest(),
    )
    if n == 0:
        detail = ", ".join(f"{count} {why}" for why, count in reasons.most_common())
        why = f"{len(skipped)} files skipped ({detail})" if skipped else "the folder is empty"
        raise DatasetError(f"no usable images in {root}: {why}", report)
    return Dataset(torch.from_numpy(cache), report)
