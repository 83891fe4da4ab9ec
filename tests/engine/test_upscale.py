"""Upscaler files: Ganvas's own, ESRGAN-family through spandrel, and files that must be refused."""

from __future__ import annotations

import pickle
import zipfile

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors.torch import save_file

from engine.upscale import DetailNet, UpscalerError, load_upscaler, save_upscaler


@pytest.fixture
def ganvas_file(tmp_path):
    torch.manual_seed(0)
    path = tmp_path / "mine.safetensors"
    save_upscaler(path, DetailNet(channels=8, blocks=1), {"name": "tiny"})
    return path


def tiny_esrgan_state() -> dict[str, torch.Tensor]:
    from spandrel.architectures.ESRGAN import ESRGAN

    torch.manual_seed(0)
    return ESRGAN(num_filters=8, num_blocks=1, scale=4).state_dict()


def test_own_upscaler_round_trips_and_enlarges(ganvas_file):
    up = load_upscaler(ganvas_file)
    assert (up.name, up.kind, up.scale) == ("tiny", "ganvas", 4)
    assert up.describe() == {"name": "tiny", "kind": "ganvas", "scale": 4}
    img = np.random.default_rng(0).integers(0, 256, (16, 16, 3), dtype=np.uint8)
    assert up.upscale(img, 4).shape == (64, 64, 3) and up.upscale(img, 4).dtype == np.uint8
    assert up.upscale(img, 2).shape == (32, 32, 3)
    assert up.upscale(img, 1) is img
    rgba = np.dstack([img, np.full((16, 16), 200, np.uint8)])
    out = up.upscale(rgba[None], 4)  # a batch, with alpha enlarged alongside
    assert out.shape == (1, 64, 64, 4) and (out[0, ..., 3] == 200).all()


def test_untrained_detail_net_is_a_bilinear_enlargement():
    # the global skip: with a zero tail the network adds nothing to the bilinear image
    net = DetailNet(channels=8, blocks=1)
    torch.nn.init.zeros_(net.tail.weight)
    torch.nn.init.zeros_(net.tail.bias)
    x = torch.rand(1, 3, 8, 8)
    expected = torch.nn.functional.interpolate(x, scale_factor=4, mode="bilinear")
    torch.testing.assert_close(net(x), expected)


@pytest.mark.parametrize("suffix", [".safetensors", ".pth"])
def test_esrgan_family_files_load_through_spandrel(tmp_path, suffix):
    state = tiny_esrgan_state()
    path = tmp_path / f"4x-tiny{suffix}"
    if suffix == ".pth":
        torch.save({"params_ema": state}, path)  # the BasicSR wrapper Real-ESRGAN files use
    else:
        save_file(state, str(path))
    up = load_upscaler(path)
    assert up.scale == 4 and up.kind == "ESRGAN" and up.name == "4x-tiny"
    img = np.full((8, 8, 3), 128, np.uint8)
    assert up.upscale(img, 4).shape == (32, 32, 3)


def test_a_file_that_is_no_upscaler_is_refused_in_one_line(tmp_path):
    path = tmp_path / "weights.safetensors"
    save_file({"layer.weight": torch.zeros(3, 3)}, str(path))
    with pytest.raises(UpscalerError, match="not an upscaler architecture Ganvas knows") as exc:
        load_upscaler(path)
    assert "\n" not in str(exc.value)
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(UpscalerError, match="use a .safetensors or .pth"):
        load_upscaler(text)
    with pytest.raises(UpscalerError, match="not found"):
        load_upscaler(tmp_path / "missing.pth")


class Boom:
    def __reduce__(self):
        return (exec, ("import pathlib; pathlib.Path('PWNED').write_text('x')",))


def test_a_pickle_that_runs_code_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "evil.pth"
    torch.save({"params": {"w": torch.zeros(1)}, "payload": Boom()}, path)
    with pytest.raises(UpscalerError, match="more than plain weights"):
        load_upscaler(path)
    assert not (tmp_path / "PWNED").exists()
    raw = tmp_path / "raw.pth"
    raw.write_bytes(pickle.dumps(Boom()))  # not even a zip archive
    with pytest.raises(UpscalerError):
        load_upscaler(raw)
    assert not (tmp_path / "PWNED").exists()


def test_a_zip_bomb_is_refused_before_unpacking(tmp_path):
    path = tmp_path / "bomb.pth"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("archive/data.pkl", b"\0" * (64 << 20))  # 64 MiB of zeros in a tiny file
    with pytest.raises(UpscalerError, match="refusing to unpack"):
        load_upscaler(path)


def test_a_damaged_own_file_is_refused(ganvas_file, tmp_path):
    from safetensors import safe_open

    with safe_open(str(ganvas_file), framework="pt") as f:
        meta = f.metadata()
        state = {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118
    state["head.weight"] = torch.zeros(1)
    bad = tmp_path / "bad.safetensors"
    save_file(state, str(bad), metadata=meta)
    with pytest.raises(UpscalerError, match="wrong shape"):
        load_upscaler(bad)
    meta["ganvas_upscaler"] = meta["ganvas_upscaler"].replace('"channels": 8', '"channels": 9999')
    save_file(state, str(bad), metadata=meta)
    with pytest.raises(UpscalerError, match="architecture record is invalid"):
        load_upscaler(bad)


def test_exports_enlarge_with_the_chosen_upscaler_and_record_it(ganvas_file, tmp_path):
    from engine.export import make_record, read_record, save_image
    from engine.latent import Latent

    up = load_upscaler(ganvas_file)
    pixels = np.random.default_rng(1).integers(0, 256, (16, 16, 3), dtype=np.uint8)
    record = make_record("m", "0" * 64, Latent(seed=3))
    learned = save_image(tmp_path / "a.png", pixels, record, scale=4, upscaler=up)
    assert read_record(learned)["upscale"] == {
        "name": "tiny",
        "kind": "ganvas",
        "scale": 4,
        "factor": 4,
    }
    with Image.open(learned) as im:
        assert im.size == (64, 64)
        assert np.array_equal(np.asarray(im), up.upscale(pixels, 4))
    plain = save_image(tmp_path / "b.png", pixels, record, scale=2, upscaler="lanczos")
    assert read_record(plain)["upscale"] == {"name": "Lanczos", "kind": "lanczos", "factor": 2}
    native = save_image(tmp_path / "c.png", pixels, record)
    assert "upscale" not in read_record(native) and "upscale" not in record


def test_animation_frames_are_enlarged_by_the_upscaler(ganvas_file, tmp_path):
    from engine.animation import write_animation

    up = load_upscaler(ganvas_file)
    frames = np.random.default_rng(2).integers(0, 256, (3, 8, 8, 3), dtype=np.uint8)
    path = write_animation(tmp_path / "loop.gif", frames, fps=10, scale=4, upscaler=up)
    with Image.open(path) as im:
        assert im.size == (32, 32) and im.n_frames == 3
