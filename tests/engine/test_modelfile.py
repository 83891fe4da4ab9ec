"""Model files and checkpoints: anything malformed or malicious is refused in plain words."""

from __future__ import annotations

import json
import struct
import zipfile
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from engine.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from engine.config import ModelConfig
from engine.modelfile import ModelFileError, load_model, save_model
from engine.networks import Generator

CFG = ModelConfig(resolution=16, z_dim=16, w_dim=16, mapping_layers=2, channel_base=128)


@pytest.fixture
def good(tmp_path) -> Path:
    path = tmp_path / "good.safetensors"
    save_model(path, Generator(CFG))
    return path


def refuse(path: Path, match: str) -> None:
    with pytest.raises(ModelFileError, match=match):
        load_model(path)


def test_garbage_and_truncated(tmp_path, good):
    (tmp_path / "text.safetensors").write_text("hello, I am not a model")
    refuse(tmp_path / "text.safetensors", "not a safetensors file")
    (tmp_path / "empty.safetensors").write_bytes(b"")
    refuse(tmp_path / "empty.safetensors", "too short")
    data = good.read_bytes()
    (tmp_path / "cut.safetensors").write_bytes(data[: len(data) // 2])
    refuse(tmp_path / "cut.safetensors", "damaged")
    refuse(tmp_path / "missing.safetensors", "not found")


def test_header_lies_about_its_length(tmp_path):
    path = tmp_path / "huge.safetensors"
    path.write_bytes(struct.pack("<Q", 1 << 40) + b"{}")
    refuse(path, "bad header length")


def test_pickle_is_never_loaded(tmp_path):
    """A pickle renamed to .safetensors is rejected without being unpickled."""
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (Path.touch, (marker,))

    import pickle

    path = tmp_path / "evil.safetensors"
    path.write_bytes(pickle.dumps(Evil()))
    refuse(path, "not a safetensors file|damaged")
    assert not marker.exists()


def test_foreign_safetensors_and_bad_metadata(tmp_path):
    path = tmp_path / "foreign.safetensors"
    save_file({"x": torch.zeros(3)}, str(path))
    refuse(path, "no Ganvas metadata")
    bad = CFG.to_dict() | {"channel_max": 10**6}
    save_file({"x": torch.zeros(3)}, str(path), metadata={"ganvas": json.dumps({"model": bad})})
    refuse(path, "invalid channel_max")
    bad = CFG.to_dict() | {"resolution": 48}
    save_file({"x": torch.zeros(3)}, str(path), metadata={"ganvas": json.dumps({"model": bad})})
    refuse(path, "power of two")


def test_wrong_shapes_missing_tensors_and_nan(tmp_path, good):
    from safetensors.torch import load_file

    tensors = load_file(str(good))
    meta = {"ganvas": json.dumps({"format": 1, "model": CFG.to_dict()})}
    path = tmp_path / "m.safetensors"
    broken = dict(tensors)
    broken["G.mapping.layers.0.weight"] = torch.zeros(3, 3)
    save_file(broken, str(path), metadata=meta)
    refuse(path, "has shape")
    broken = {k: v for k, v in tensors.items() if "torgb" not in k}
    save_file(broken, str(path), metadata=meta)
    refuse(path, "do not match")
    broken = dict(tensors)
    broken["G.synthesis.blocks.0.const"] = torch.full_like(
        tensors["G.synthesis.blocks.0.const"], float("nan")
    )
    save_file(broken, str(path), metadata=meta)
    refuse(path, "NaN")


def test_newer_format_is_refused(tmp_path):
    path = tmp_path / "new.safetensors"
    meta = {"ganvas": json.dumps({"format": 99, "model": CFG.to_dict()})}
    save_file({"x": torch.zeros(1)}, str(path), metadata=meta)
    refuse(path, "newer Ganvas")


def test_checkpoint_roundtrip_and_zip_bomb(tmp_path):
    state = {k: torch.zeros(2) for k in ("G", "D", "G_ema", "opt_G", "opt_D")}
    state |= {"step": 3, "config": {"a": 1}}
    save_checkpoint(tmp_path / "latest.pt", state)
    assert load_checkpoint(tmp_path / "latest.pt")["step"] == 3

    bomb = tmp_path / "bomb.pt"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("archive/data.pkl", b"\0" * (64 << 20))  # 64 MiB of zeros → ~64 KiB
    assert bomb.stat().st_size < 1 << 20
    with pytest.raises(CheckpointError, match="refusing to unpack"):
        load_checkpoint(bomb)
    (tmp_path / "junk.pt").write_bytes(b"junk")
    with pytest.raises(CheckpointError, match="not a readable checkpoint"):
        load_checkpoint(tmp_path / "junk.pt")
