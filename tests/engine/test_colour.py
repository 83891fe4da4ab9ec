"""Colour: pictures with an embedded profile are turned into sRGB when read; exports say sRGB."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms

from engine.config import DataConfig
from engine.dataset import load_image
from engine.export import make_record, read_record, record_latent, save_image
from engine.latent import Latent

# Adobe RGB (1998) primaries adapted to D50, gamma 563/256: wider than sRGB in the greens
ADOBE_RGB = {
    b"rXYZ": (0.60974, 0.31111, 0.01947),
    b"gXYZ": (0.20528, 0.62567, 0.06087),
    b"bXYZ": (0.14919, 0.06322, 0.74457),
}
D50 = (0.9642, 1.0, 0.8249)


def _s15(values: tuple[float, ...]) -> bytes:
    return b"".join(struct.pack(">i", round(v * 65536)) for v in values)


def adobe_rgb_like_profile() -> bytes:
    """A small ICC v2 matrix/TRC display profile, written out byte by byte: Pillow can make
    only sRGB, LAB and XYZ profiles itself, and the test must not depend on system files."""
    name = b"Adobe RGB-like test profile"
    desc = b"desc" + bytes(4) + struct.pack(">I", len(name) + 1) + name + b"\0"
    desc += bytes(4 + 4 + 2 + 1 + 67)  # no Unicode or ScriptCode description
    curve = b"curv" + bytes(4) + struct.pack(">IH", 1, 563) + bytes(2)
    tags = [(b"desc", desc), (b"wtpt", b"XYZ " + bytes(4) + _s15(D50))]
    tags += [(sig, b"XYZ " + bytes(4) + _s15(xyz)) for sig, xyz in ADOBE_RGB.items()]
    tags += [(sig, curve) for sig in (b"rTRC", b"gTRC", b"bTRC")]
    tags.append((b"cprt", b"text" + bytes(4) + b"No copyright, a test profile\0"))
    offset = 128 + 4 + 12 * len(tags)
    table, data = struct.pack(">I", len(tags)), b""
    for sig, body in tags:
        body += bytes(-len(body) % 4)
        table += sig + struct.pack(">II", offset + len(data), len(body))
        data += body
    size = offset + len(data)
    header = struct.pack(">I", size) + bytes(4) + struct.pack(">I", 0x02100000)
    header += b"mntrRGB XYZ " + bytes(12) + b"acsp" + bytes(24) + struct.pack(">I", 0)
    header += _s15(D50) + bytes(128 - 80)
    return header + table + data


@pytest.fixture(scope="module")
def profile() -> bytes:
    data = adobe_rgb_like_profile()
    parsed = ImageCms.ImageCmsProfile(io.BytesIO(data))
    assert "Adobe RGB-like" in ImageCms.getProfileDescription(parsed)
    return data


def pixels() -> np.ndarray:
    """Four 8×8 patches: mid grey, a saturated green, a saturated red, a blue; alpha varies."""
    a = np.zeros((16, 16, 4), np.uint8)
    a[:8, :8, :3], a[:8, 8:, :3] = (128, 128, 128), (40, 200, 40)
    a[8:, :8, :3], a[8:, 8:, :3] = (200, 40, 40), (40, 40, 200)
    a[..., 3] = np.arange(16, dtype=np.uint8)[None, :] * 16 + 15
    return a


def expected_srgb(rgb: tuple[int, int, int], profile: bytes) -> np.ndarray:
    source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
    im = Image.new("RGB", (1, 1), rgb)
    srgb = ImageCms.createProfile("sRGB")
    return np.asarray(ImageCms.profileToProfile(im, source, srgb, outputMode="RGB"))[0, 0]


@pytest.mark.parametrize("mode", ["RGBA", "RGB"])
def test_an_embedded_profile_is_turned_into_srgb_and_alpha_is_kept(
    tmp_path: Path, profile: bytes, mode: str
) -> None:
    src = pixels() if mode == "RGBA" else pixels()[..., :3]
    path = tmp_path / f"wide-{mode}.png"
    Image.fromarray(src, mode).save(path, icc_profile=profile)
    plain = tmp_path / "plain.png"
    Image.fromarray(src, mode).save(plain)

    cfg = DataConfig(resolution=16, rgba=mode == "RGBA")
    out = load_image(path, cfg)
    assert np.array_equal(load_image(plain, cfg), src)  # no profile: the pixels as they are
    assert out.shape == src.shape
    # each patch is what LittleCMS makes of it; saturated colours move, grey barely does
    for (y, x), rgb in [((2, 2), (128, 128, 128)), ((2, 12), (40, 200, 40)),
                        ((12, 2), (200, 40, 40)), ((12, 12), (40, 40, 200))]:  # fmt: skip
        assert np.abs(out[y, x, :3].astype(int) - expected_srgb(rgb, profile)).max() <= 1
    assert np.abs(out[2, 2, :3].astype(int) - 128).max() <= 3
    green = out[2, 12, :3].astype(int)
    assert green[0] < 40 - 10  # Adobe RGB's green is more saturated than sRGB's
    if mode == "RGBA":
        assert np.array_equal(out[..., 3], src[..., 3])  # alpha untouched


def test_srgb_or_broken_profiles_leave_the_pixels_alone(tmp_path: Path, profile: bytes) -> None:
    src = pixels()[..., :3]
    cfg = DataConfig(resolution=16)
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    for name, icc in [("srgb", srgb), ("broken", b"not a profile"), ("cut", profile[:100])]:
        path = tmp_path / f"{name}.png"
        Image.fromarray(src).save(path, icc_profile=icc)
        assert np.array_equal(load_image(path, cfg), src), name
    grey = tmp_path / "grey-with-rgb-profile.png"  # the profile does not fit the mode
    Image.fromarray(src[..., 0], "L").save(grey, icc_profile=profile)
    assert np.array_equal(load_image(grey, cfg)[..., 0], src[..., 0])


@pytest.mark.parametrize("suffix", [".png", ".jpg", ".webp"])
def test_exports_carry_an_srgb_profile_and_keep_their_record(tmp_path: Path, suffix: str) -> None:
    record = make_record("emoji", "ab" * 32, Latent(seed=7))
    path = save_image(tmp_path / f"out{suffix}", pixels()[..., :3], record)
    with Image.open(path) as im:
        icc = im.info.get("icc_profile")
        assert icc, "no colour profile"
        description = ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(icc)))
        assert "sRGB" in description
        if suffix != ".jpg":
            assert np.array_equal(np.asarray(im.convert("RGB")), pixels()[..., :3])
    assert read_record(path) == record
    assert record_latent(read_record(path)) == Latent(seed=7)
    # read back for training, it is taken as it is (sRGB already)
    if suffix == ".png":
        assert np.array_equal(load_image(path, DataConfig(resolution=16)), pixels()[..., :3])
