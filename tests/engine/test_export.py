"""Exports carry their record; restore renders identical pixels; animations; ONNX parity."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from engine.animation import loop_ws, render_loop, slerp, write_animation
from engine.export import (
    ExportError,
    caption_height,
    contact_sheet,
    fit_caption,
    make_record,
    read_record,
    record_latent,
    save_image,
    unique_path,
)
from engine.latent import Edit, Latent, StyleMix, latent_ws
from engine.modelfile import load_model
from engine.render import render_ws

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def model(tiny_model_file):
    return load_model(tiny_model_file)


def edited_latent(model) -> Latent:
    G = model.G
    vec = torch.randn(G.cfg.w_dim, generator=torch.Generator().manual_seed(1))
    return Latent(
        seed=5,
        psi=0.6,
        mix=StyleMix(seed=9, layers=[3, 4, 5]),
        edits=[Edit(vector=vec.tolist(), amount=1.5, start=1, end=4, name="pose")],
    )


def render(model, latent: Latent) -> np.ndarray:
    return render_ws(model.G, latent_ws(model.G, latent)[None])[0]


@pytest.mark.parametrize("suffix", [".png", ".webp", ".jpg"])
def test_record_roundtrip_every_format(model, tmp_path, suffix):
    latent = edited_latent(model)
    bred = Latent(ws=latent_ws(model.G, latent).tolist(), parents=[1, 2])
    for lat in (latent, bred):
        record = make_record(model.name, model.sha256, lat)
        path = save_image(tmp_path / f"img{suffix}", render(model, lat), record, scale=2)
        back = read_record(path)
        assert back["model"] == {"name": model.name, "sha256": model.sha256}
        assert torch.equal(latent_ws(model.G, record_latent(back)), latent_ws(model.G, lat))
        assert Image.open(path).size == (32, 32)  # 2× upscale of a 16 px model


def test_png_has_readable_parameters(model, tmp_path):
    record = make_record(model.name, model.sha256, edited_latent(model))
    path = save_image(tmp_path / "a.png", render(model, edited_latent(model)), record)
    text = Image.open(path).info["parameters"]
    assert "Seed: 5" in text and "Truncation: 0.6" in text and "pose +1.50" in text


@pytest.mark.parametrize("suffix", [".png", ".webp"])
def test_export_restore_identical_pixels(model, tmp_path, suffix):
    latent = edited_latent(model)
    pixels = render(model, latent)
    exported = save_image(
        tmp_path / f"x{suffix}", pixels, make_record(model.name, model.sha256, latent)
    )
    assert np.array_equal(np.asarray(Image.open(exported).convert("RGB")), pixels)
    out = tmp_path / "restored.png"
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, str(ROOT / "main.py"), "restore", str(exported), "--out", str(out)]
    done = subprocess.run(
        [*cmd, "--model", str(model.path)], capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stderr
    assert np.array_equal(np.asarray(Image.open(out).convert("RGB")), pixels)
    assert read_record(out) == read_record(exported)


def test_restore_names_the_missing_model(model, tmp_path):
    record = make_record("someone else's model", "ab" * 32, Latent(seed=1))
    path = save_image(tmp_path / "x.png", render(model, Latent(seed=1)), record)
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    cmd = [
        sys.executable,
        str(ROOT / "main.py"),
        "restore",
        str(path),
        "--out",
        str(tmp_path / "o.png"),
    ]
    done = subprocess.run(
        [*cmd, "--model", str(model.path)], capture_output=True, text=True, env=env
    )
    assert done.returncode == 2 and "someone else's model" in done.stderr


def test_images_without_record(tmp_path):
    Image.new("RGB", (8, 8)).save(tmp_path / "plain.png")
    assert read_record(tmp_path / "plain.png") is None
    (tmp_path / "junk.png").write_bytes(b"junk")
    assert read_record(tmp_path / "junk.png") is None


def test_failed_write_leaves_no_partial_file(model, tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with pytest.raises(ExportError, match="could not write"):
        save_image(blocker / "a.png", render(model, Latent()), None)

    def full_disk(self, fp, *args, **kwargs):
        Path(fp).write_bytes(b"partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Image.Image, "save", full_disk)
    with pytest.raises(ExportError, match="b.png: the disk is full"):
        save_image(tmp_path / "b.png", render(model, Latent()), None)
    assert list(tmp_path.iterdir()) == [blocker]


@pytest.mark.skipif(os.name == "nt", reason="POSIX permission bits")
def test_written_files_get_the_usual_mode_not_the_temp_files(model, tmp_path):
    umask = os.umask(0)
    os.umask(umask)
    out = save_image(tmp_path / "shared.png", render(model, Latent()), None)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask  # as `open()` would make it, not 0600
    out.chmod(0o640)  # a replaced file keeps its mode
    save_image(out, render(model, Latent(seed=1)), None)
    assert out.stat().st_mode & 0o777 == 0o640


def test_unique_path_never_overwrites(tmp_path):
    p = tmp_path / "seed.png"
    assert unique_path(p) == p
    p.write_text("x")
    assert unique_path(p).name == "seed (2).png"
    (tmp_path / "seed (2).png").write_text("x")
    assert unique_path(p).name == "seed (3).png"


def test_contact_sheet_layout():
    imgs = np.zeros((5, 8, 8, 3), np.uint8)
    assert contact_sheet(imgs, cols=3, pad=2).shape == (18, 28, 3)
    band = caption_height(list("abcde"), 8)
    assert contact_sheet(imgs, cols=3, pad=2, labels=list("abcde")).shape == (
        2 * (8 + band) + 2,
        28,
        3,
    )


@pytest.mark.parametrize("cell", [16, 32, 64])
def test_contact_sheet_captions_stay_inside_their_cells(cell):
    """10-digit seeds (what New seeds draws) wrap inside their cell: no ink in the gaps between
    cells, none outside the caption band, and every caption has some."""
    n, cols, pad = 6, 3, 4
    labels = [f"seed {2_000_000_000 + 12345 * i}" for i in range(n)]
    sheet = contact_sheet(np.full((n, cell, cell, 3), 255, np.uint8), cols, pad=pad, labels=labels)
    band = caption_height(labels, cell)
    ink = sheet.min(axis=2) < 128
    for q in range(cols - 1):  # the gutters between columns
        assert not ink[:, q * (cell + pad) + cell : (q + 1) * (cell + pad)].any()
    for i in range(n):
        r, q = divmod(i, cols)
        top, left = r * (cell + band + pad), q * (cell + pad)
        assert not ink[top : top + cell, left : left + cell].any()  # the image itself
        assert ink[top + cell : top + cell + band, left : left + cell].any()
    if cell >= 64:  # wide enough: the whole seed, on its own line
        assert fit_caption(labels[0], cell - 4) == ["seed", "2000000000"]


def test_slerp_endpoints():
    a, b = torch.randn(8), torch.randn(8)
    assert torch.allclose(slerp(a, b, 0), a, atol=1e-6) and torch.allclose(
        slerp(a, b, 1), b, atol=1e-5
    )


def test_loop_is_seamless_and_writes_every_format(model, tmp_path):
    keys = [Latent(seed=s, psi=0.7) for s in (1, 2, 3)]
    ws = loop_ws(model.G, keys, 12)
    assert torch.allclose(ws[0], latent_ws(model.G, keys[0]), atol=1e-5)
    assert torch.allclose(ws[4], latent_ws(model.G, keys[1]), atol=1e-5)
    # the step from the last frame back to the first is no bigger than a normal step
    steps = (ws.roll(-1, 0) - ws).norm(dim=(1, 2))
    assert steps[-1] < steps.max() * 1.5
    frames = render_loop(model.G, keys, 12)
    assert frames.shape == (12, 16, 16, 3)
    for suffix in (".gif", ".webp", ".mp4"):
        path = write_animation(tmp_path / f"loop{suffix}", frames, fps=12, scale=2)
        assert path.stat().st_size > 0
        if suffix != ".mp4":
            assert Image.open(path).n_frames == 12
            assert Image.open(path).size == (32, 32)


def test_onnx_matches_torch(model, tmp_path):
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    from engine.onnx_export import export_onnx

    path = export_onnx(model.G, tmp_path / "g.onnx")
    z = torch.randn(3, model.config.z_dim, generator=torch.Generator().manual_seed(0))
    psi = 0.7
    expected = model.G(z, psi).numpy()
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = session.run(None, {"z": z.numpy(), "psi": np.array([psi], np.float32)})[0]
    assert np.abs(got - expected).max() <= 1e-3
    json.dumps({"onnx_bytes": path.stat().st_size})


@pytest.mark.parametrize("how", ["bundled", "file", "lanczos"])
def test_restore_enlarges_again_with_the_recorded_upscaler(model, tmp_path, how, capsys):
    from engine import cli
    from engine.upscale import DetailNet, bundled_upscaler, load_upscaler, save_upscaler

    chosen = {"bundled": None, "lanczos": "lanczos"}.get(how)
    extra = []
    if how == "file":
        save_upscaler(tmp_path / "mine.safetensors", DetailNet(8, 1), {"name": "mine"})
        chosen = load_upscaler(tmp_path / "mine.safetensors")
        extra = ["--upscaler", str(tmp_path / "mine.safetensors")]
    elif how == "bundled":
        assert bundled_upscaler() is not None  # resources/models/upscaler-x4.safetensors
    latent = edited_latent(model)
    record = make_record(model.name, model.sha256, latent)
    exported = save_image(
        tmp_path / "x.png", render(model, latent), record, scale=4, upscaler=chosen
    )
    out = tmp_path / "restored.png"
    argv = ["restore", str(exported), "--out", str(out), "--model", str(model.path), *extra]
    assert cli.main(argv) == 0
    assert np.array_equal(np.asarray(Image.open(out)), np.asarray(Image.open(exported)))
    assert read_record(out) == read_record(exported)
    if how == "file":  # without the file, one line says which upscaler is needed
        assert cli.main(argv[:-2]) == 2
        assert "'mine'" in capsys.readouterr().err


def test_upscale_command_keeps_the_record(model, tmp_path, capsys):
    from engine import cli

    latent = edited_latent(model)
    native = save_image(
        tmp_path / "x.png", render(model, latent), make_record(model.name, model.sha256, latent)
    )
    out = tmp_path / "big.png"
    assert cli.main(["upscale", str(native), "--out", str(out), "--scale", "2"]) == 0
    assert Image.open(out).size == (32, 32)
    record = read_record(out)
    assert record["latent"] == read_record(native)["latent"]
    assert record["upscale"]["factor"] == 2 and record["upscale"]["kind"] == "ganvas"
    plain = tmp_path / "plain.png"
    Image.new("RGBA", (8, 8), (10, 20, 30, 128)).save(plain)
    out2 = tmp_path / "plain4.png"
    assert cli.main(["upscale", str(plain), "--out", str(out2), "--upscaler", "lanczos"]) == 0
    assert Image.open(out2).size == (32, 32) and Image.open(out2).mode == "RGBA"
    junk = tmp_path / "junk.png"
    junk.write_text("not an image")
    assert cli.main(["upscale", str(junk), "--out", str(tmp_path / "j.png")]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_mp4_is_offered_only_when_encoding_actually_works(monkeypatch, tmp_path):
    import importlib.util

    from engine import animation

    fake_ffmpeg = tmp_path / "ffmpeg"  # a plain ffmpeg on PATH: export never uses it
    fake_ffmpeg.write_text("#!/bin/sh\nexit 0\n")
    fake_ffmpeg.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ.get('PATH', '')}")
    try:
        animation.mp4_available.cache_clear()
        monkeypatch.setitem(sys.modules, "imageio_ffmpeg", None)  # not installed
        assert animation.mp4_available() is False
        animation.mp4_available.cache_clear()

        class Broken:  # installed, but its binary cannot encode (no libx264, wrong platform)
            @staticmethod
            def get_ffmpeg_exe() -> str:
                return str(fake_ffmpeg)

        monkeypatch.setitem(sys.modules, "imageio_ffmpeg", Broken)
        assert animation.mp4_available() is False
        assert animation.mp4_available() is False  # cached: asked once
    finally:
        monkeypatch.undo()
        animation.mp4_available.cache_clear()
    if importlib.util.find_spec("imageio_ffmpeg") is not None:
        assert animation.mp4_available() is True
