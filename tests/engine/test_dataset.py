"""engine.dataset: formats, orientation, alpha, crop modes, hostile files, report, fingerprint."""

from __future__ import annotations

import json
import os
import struct
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from engine.config import DataConfig
from engine.dataset import (
    Dataset,
    DatasetError,
    ImageSkipped,
    iter_image_files,
    load_image,
    scan_folder,
)

RED, GREEN, BLUE = (255, 0, 0), (0, 255, 0), (0, 0, 255)
BG = (10, 200, 30)


def cfg(**kw) -> DataConfig:
    return DataConfig(**{"resolution": 16, "background": BG, **kw})


def px(a: np.ndarray, x: int, y: int) -> tuple[int, ...]:
    return tuple(int(v) for v in a[y, x])


def close(a: tuple[int, ...], b: tuple[int, ...], tol: int = 12) -> bool:
    return len(a) == len(b) and all(abs(p - q) <= tol for p, q in zip(a, b, strict=True))


def solid(path: Path, mode: str = "RGB", color=RED, size=(32, 32), **save) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, size, color).save(path, **save)
    return path


def noise_image(path: Path, size=(64, 64), **save) -> Path:
    arr = np.random.default_rng(0).integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    Image.fromarray(arr).save(path, **save)
    return path


def opened(path: Path, attr: str):
    with Image.open(path) as im:
        return getattr(im, attr)


def png_header_only(path: Path, w: int, h: int) -> Path:
    """A tiny PNG whose IHDR declares w×h pixels (a decompression-bomb lookalike)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b""))
    return path


# --- accepted formats --------------------------------------------------------------------------


@pytest.mark.parametrize("suffix,save", [(".png", {}), (".bmp", {}), (".webp", {"lossless": True})])
def test_lossless_formats_exact(tmp_path, suffix, save):
    a = load_image(solid(tmp_path / f"a{suffix}", color=(12, 34, 56), **save), cfg())
    assert a.shape == (16, 16, 3) and a.dtype == np.uint8
    assert (a == (12, 34, 56)).all()


def test_jpeg(tmp_path):
    a = load_image(solid(tmp_path / "a.jpg", color=(200, 100, 50), quality=95), cfg())
    assert close(px(a, 8, 8), (200, 100, 50), 4)


def test_huge_jpeg_uses_draft(tmp_path):
    # 4000×3000 would take long at full scale; draft decodes at 1/8 and still yields R×R
    solid(tmp_path / "big.jpg", color=BLUE, size=(4000, 3000), quality=80)
    a = load_image(tmp_path / "big.jpg", cfg(resolution=64))
    assert a.shape == (64, 64, 3) and close(px(a, 32, 32), BLUE, 8)


def test_animated_gif_first_frame(tmp_path):
    frames = [Image.new("RGB", (24, 24), c) for c in (RED, BLUE, GREEN)]
    frames[0].save(tmp_path / "anim.gif", save_all=True, append_images=frames[1:], duration=50)
    assert opened(tmp_path / "anim.gif", "n_frames") == 3
    assert close(px(load_image(tmp_path / "anim.gif", cfg()), 8, 8), RED, 2)


def test_tiff_16bit_scaled_not_clipped(tmp_path):
    arr = np.zeros((32, 32), np.uint16)
    arr[:, :16], arr[:, 16:] = 16448, 49344  # 64 and 192 in 8-bit (×257)
    Image.fromarray(arr).save(tmp_path / "deep.tif")
    assert opened(tmp_path / "deep.tif", "mode").startswith("I;16")
    a = load_image(tmp_path / "deep.tif", cfg(resolution=32))
    assert px(a, 4, 16) == (64, 64, 64) and px(a, 28, 16) == (192, 192, 192)


def test_float_tiff_scaled(tmp_path):
    arr = np.full((32, 32), 0.5, np.float32)
    Image.fromarray(arr, "F").save(tmp_path / "f.tif")
    assert close(px(load_image(tmp_path / "f.tif", cfg()), 8, 8), (128, 128, 128), 1)


def test_cmyk_jpeg(tmp_path):
    solid(tmp_path / "cmyk.jpg", "CMYK", (0, 255, 255, 0), quality=95)
    assert opened(tmp_path / "cmyk.jpg", "mode") == "CMYK"
    assert close(px(load_image(tmp_path / "cmyk.jpg", cfg()), 8, 8), RED, 16)


def test_palette_with_transparency(tmp_path):
    im = Image.new("P", (32, 32), 0)
    im.putpalette([0, 0, 0, *BLUE] + [0] * 762)
    im.paste(1, (16, 0, 32, 32))  # right half opaque blue, left half index 0 = transparent
    im.save(tmp_path / "pal.png", transparency=0)
    a = load_image(tmp_path / "pal.png", cfg(resolution=32))
    assert px(a, 4, 16) == BG and px(a, 28, 16) == BLUE
    b = load_image(tmp_path / "pal.png", cfg(resolution=32, rgba=True))
    assert px(b, 4, 16)[3] == 0 and px(b, 28, 16) == (*BLUE, 255)


@pytest.mark.parametrize("mode,color,want", [("L", 77, (77,) * 3), ("1", 1, (255,) * 3)])
def test_grayscale_and_bilevel(tmp_path, mode, color, want):
    assert px(load_image(solid(tmp_path / "g.png", mode, color), cfg()), 8, 8) == want


def test_la_composited_and_kept(tmp_path):
    im = Image.new("LA", (32, 32), (100, 0))
    im.paste((200, 255), (16, 0, 32, 32))
    im.save(tmp_path / "la.png")
    a = load_image(tmp_path / "la.png", cfg(resolution=32))
    assert px(a, 4, 16) == BG and px(a, 28, 16) == (200, 200, 200)
    b = load_image(tmp_path / "la.png", cfg(resolution=32, rgba=True))
    assert b.shape == (32, 32, 4) and px(b, 28, 16) == (200, 200, 200, 255) and b[16, 4, 3] == 0


# --- orientation, alpha, crop ------------------------------------------------------------------


def test_exif_orientation_rotates(tmp_path):
    im = Image.new("RGB", (40, 20), RED)
    im.paste(BLUE, (20, 0, 40, 20))  # stored: left red, right blue
    exif = Image.Exif()
    exif[0x0112] = 6  # display rotated 90° clockwise: left side ends up on top
    im.save(tmp_path / "rot.jpg", exif=exif.tobytes(), quality=95)
    a = load_image(tmp_path / "rot.jpg", cfg(crop="stretch"))
    assert close(px(a, 3, 2), RED) and close(px(a, 12, 2), RED)
    assert close(px(a, 3, 13), BLUE) and close(px(a, 12, 13), BLUE)
    entry = scan_folder(tmp_path, cfg()).report.files[0]
    assert (entry.width, entry.height) == (20, 40)


def test_alpha_composited_on_background_or_kept(tmp_path):
    im = Image.new("RGBA", (16, 16), (*RED, 0))  # colour under full transparency must vanish
    im.paste((*BLUE, 255), (8, 0, 16, 16))
    im.save(tmp_path / "a.png")
    a = load_image(tmp_path / "a.png", cfg())
    assert px(a, 2, 8) == BG and px(a, 13, 8) == BLUE
    b = load_image(tmp_path / "a.png", cfg(rgba=True))
    assert b.shape == (16, 16, 4) and b[8, 2, 3] == 0 and px(b, 13, 8) == (*BLUE, 255)
    c = load_image(solid(tmp_path / "rgb.png", color=GREEN), cfg(rgba=True))
    assert (c[..., 3] == 255).all()  # no alpha in the file: opaque


@pytest.fixture
def stripes(tmp_path) -> Path:
    """64×32: red | green green | blue quarters."""
    im = Image.new("RGB", (64, 32), GREEN)
    im.paste(RED, (0, 0, 16, 32))
    im.paste(BLUE, (48, 0, 64, 32))
    im.save(tmp_path / "stripes.png")
    return tmp_path / "stripes.png"


def test_crop_center(stripes):
    a = load_image(stripes, cfg(resolution=32, crop="center"))
    assert all(px(a, x, y) == GREEN for x in (1, 30) for y in (1, 30))


def test_crop_stretch(stripes):
    a = load_image(stripes, cfg(resolution=32, crop="stretch"))
    assert close(px(a, 2, 16), RED) and close(px(a, 16, 16), GREEN) and close(px(a, 29, 16), BLUE)


def test_crop_pad(stripes):
    a = load_image(stripes, cfg(resolution=32, crop="pad"))
    assert px(a, 16, 2) == BG and px(a, 16, 29) == BG  # letterbox bars top and bottom
    assert close(px(a, 2, 16), RED) and close(px(a, 29, 16), BLUE)
    b = load_image(stripes, cfg(resolution=32, crop="pad", rgba=True))
    assert b[2, 16, 3] == 0 and b[29, 16, 3] == 0 and b[16, 16, 3] == 255


# --- hostile files -----------------------------------------------------------------------------


def test_load_image_reasons(tmp_path):
    (tmp_path / "empty.png").write_bytes(b"")
    (tmp_path / "text.jpg").write_text("hello, not a picture")
    solid(tmp_path / "ok.png", size=(64, 64))
    cases = {
        "empty.png": (cfg(), "empty file (0 bytes)"),
        "text.jpg": (cfg(), "not an image"),
        "ok.png": (cfg(max_pixels=1000), "decompression bomb (4,096 pixels, limit 1,000)"),
    }
    for name, (c, reason) in cases.items():
        with pytest.raises(ImageSkipped) as info:
            load_image(tmp_path / name, c)
        assert str(info.value) == reason
        assert isinstance(info.value, DatasetError)


@pytest.fixture
def hostile(tmp_path) -> Path:
    root = tmp_path / "data"
    solid(root / "good.png", color=RED)
    solid(root / "sub" / "good2.jpg", color=BLUE)
    (root / "empty.png").write_bytes(b"")
    data = noise_image(root / "trunc.png").read_bytes()
    (root / "trunc.png").write_bytes(data[: len(data) // 2])
    data = noise_image(root / "trunc.jpg", quality=90).read_bytes()
    (root / "trunc.jpg").write_bytes(data[: len(data) // 2])
    (root / "notes.jpg").write_text("definitely not a jpeg\n" * 10)
    png_header_only(root / "bomb.png", 100_000, 100_000)
    solid(root / "tiny.png", size=(12, 9))
    (root / ".DS_Store").write_bytes(b"\0" * 64)
    (root / "Thumbs.db").write_bytes(b"\0" * 64)
    solid(root / ".hidden.png")
    solid(root / "__MACOSX" / "._good.png")
    if hasattr(os, "symlink"):
        os.symlink(root, root / "sub" / "loop", target_is_directory=True)
        os.symlink(root / "missing.png", root / "dangling.png")
    return root


EXPECTED = {
    "good.png": None,
    "sub/good2.jpg": None,
    "empty.png": "empty file (0 bytes)",
    "trunc.png": "truncated or corrupt",
    "trunc.jpg": "truncated or corrupt",
    "notes.jpg": "not an image",
    "bomb.png": "decompression bomb (10,000,000,000 pixels)",
    "tiny.png": "too small (12×9 px, minimum 16)",
    ".DS_Store": "hidden/system file",
    "Thumbs.db": "hidden/system file",
    ".hidden.png": "hidden/system file",
    "__MACOSX": "hidden/system folder",
}
LINKS = {"sub/loop": "symlink loop", "dangling.png": "broken link"}


def test_hostile_folder(hostile):
    calls: list[tuple[int, int]] = []
    ds = scan_folder(hostile, cfg(), lambda d, t: calls.append((d, t)))
    assert isinstance(ds, Dataset) and ds.images.shape == (2, 3, 16, 16)
    got = {e.path: e.reason for e in ds.report.files}
    want = EXPECTED | (LINKS if hasattr(os, "symlink") else {})
    assert got == want
    assert ds.report.accepted == 2 and ds.report.skipped == len(want) - 2
    assert ds.report.skip_reasons["truncated or corrupt"] == 2
    assert ds.report.skip_reasons["hidden/system file"] == 3
    assert calls[-1] == (len(want), len(want)) and all(d <= t for d, t in calls)
    tiny = next(e for e in ds.report.files if e.path == "tiny.png")
    assert (tiny.width, tiny.height, tiny.mode, tiny.status) == (12, 9, "RGB", "skipped")


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_iter_image_files_symlink_loop_terminates(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    solid(tmp_path / "a" / "b" / "x.png")
    os.symlink(tmp_path / "a", tmp_path / "a" / "b" / "up", target_is_directory=True)
    os.symlink(tmp_path / "a" / "self", tmp_path / "a" / "self")  # link to itself: ELOOP
    os.symlink(tmp_path / "a" / "b", tmp_path / "b_again", target_is_directory=True)
    got = {p.relative_to(tmp_path).as_posix(): why for p, why in iter_image_files(tmp_path)}
    assert got["a/b/up"] == "symlink loop" and got["a/self"] == "symlink loop"
    assert got["a/b/x.png"] is None and got["b_again"] == "folder already scanned (linked twice)"
    assert len(got) == 4


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_is_not_opened(tmp_path):
    os.mkfifo(tmp_path / "pipe.png")  # opening it would block forever
    solid(tmp_path / "ok.png")
    files = {e.path: e.reason for e in scan_folder(tmp_path, cfg()).report.files}
    assert files == {"ok.png": None, "pipe.png": "not a regular file"}


@pytest.mark.skipif(
    sys.platform == "win32" or os.geteuid() == 0, reason="root (or Windows) ignores chmod 000"
)
def test_unreadable_file(tmp_path):
    solid(tmp_path / "ok.png")
    locked = solid(tmp_path / "locked.png")
    locked.chmod(0)
    try:
        files = {e.path: e.reason for e in scan_folder(tmp_path, cfg()).report.files}
    finally:
        locked.chmod(0o644)
    assert files == {"ok.png": None, "locked.png": "unreadable: permission denied"}


def test_permission_error_is_a_reason(tmp_path, monkeypatch):
    # the same path as chmod 000, reachable when tests run as root
    import engine.dataset

    def deny(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(engine.dataset.Image, "open", deny)
    with pytest.raises(ImageSkipped, match=r"^unreadable: permission denied$"):
        load_image(solid(tmp_path / "a.png"), cfg())


def test_lab_tiff_converted_to_srgb(tmp_path):
    Image.new("LAB", (32, 32), (128, 128, 128)).save(tmp_path / "lab.tif")  # mid grey in Lab
    r, g, b = px(load_image(tmp_path / "lab.tif", cfg()), 8, 8)
    assert 100 < r < 140 and abs(r - g) < 8 and abs(r - b) < 8


def test_no_usable_images(tmp_path):
    (tmp_path / "a.jpg").write_text("nope")
    (tmp_path / "b.txt").write_text("nope")
    solid(tmp_path / "c.png", size=(8, 8))
    with pytest.raises(DatasetError) as info:
        scan_folder(tmp_path, cfg())
    msg = str(info.value)
    assert msg.startswith("no usable images in ") and "3 files skipped" in msg
    assert "2 not an image" in msg and "1 too small" in msg
    assert info.value.report is not None and len(info.value.report.files) == 3


def test_folder_errors(tmp_path):
    with pytest.raises(DatasetError, match="folder not found"):
        scan_folder(tmp_path / "nope", cfg())
    with pytest.raises(DatasetError, match="is not a folder"):
        scan_folder(solid(tmp_path / "a.png"), cfg())
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetError, match="the folder is empty") as info:
        scan_folder(tmp_path / "empty", cfg())
    assert info.value.report is not None and info.value.report.files == []


# --- report, order, fingerprint, cache limit ---------------------------------------------------


def test_report_json_and_order(hostile, tmp_path):
    solid(hostile / "a0.png", color=GREEN)  # sorts first: lands at index 0 of the tensor
    ds = scan_folder(hostile, cfg())
    assert ds.images.dtype.is_floating_point is False and tuple(ds.images[0, :, 8, 8]) == GREEN
    assert [e.path for e in ds.report.files] == sorted(e.path for e in ds.report.files)
    ds.report.write(tmp_path / "dataset-report.json")
    data = json.loads((tmp_path / "dataset-report.json").read_text(encoding="utf-8"))
    assert {f["path"] for f in data["files"]} == {e.path for e in ds.report.files}
    assert data["accepted"] == 3 and data["cache_bytes"] == 3 * 3 * 16 * 16
    assert data["size_histogram"]["<64"] == 3 and data["aspect_warning"] is False
    assert set(data["files"][0]) == {"path", "status", "reason", "width", "height", "mode"}
    assert not list(tmp_path.glob("*.tmp"))  # atomic write left no temp file behind


def test_aspect_warning(tmp_path):
    solid(tmp_path / "a.png", size=(64, 32))
    solid(tmp_path / "b.png", size=(32, 32))
    assert scan_folder(tmp_path, cfg()).report.aspect_warning is True


def test_fingerprint(tmp_path):
    solid(tmp_path / "a.png", color=RED)
    solid(tmp_path / "b.png", color=BLUE)
    one, two = scan_folder(tmp_path, cfg()).report, scan_folder(tmp_path, cfg()).report
    assert one.fingerprint == two.fingerprint and len(one.fingerprint) == 64
    assert scan_folder(tmp_path, cfg(crop="pad")).report.fingerprint != one.fingerprint
    solid(tmp_path / "b.png", color=(0, 0, 254))
    assert scan_folder(tmp_path, cfg()).report.fingerprint != one.fingerprint


def test_cache_limit(tmp_path):
    for name in "abc":
        solid(tmp_path / f"{name}.png", size=(16, 16))
    ds = scan_folder(tmp_path, cfg(resolution=512, max_cache_mb=1))  # 768 KiB per image
    assert ds.images.shape == (1, 3, 512, 512) and ds.report.cache_bytes == 3 * 512 * 512
    assert [e.reason for e in ds.report.files] == [None] + ["cache limit reached (1 MB)"] * 2
    assert ds.report.skip_reasons == {"cache limit reached": 2}
