"""Model blending by layer: the ends of the swap give A or B exactly, mixtures in between."""

from __future__ import annotations

import shutil

import pytest
import torch

from engine.blend import blend_models, share_of_b
from engine.modelfile import load_model, save_model
from engine.networks import Generator


@pytest.fixture
def pair(tiny_model_file, tmp_path):
    """The tiny model (A) and a perturbed copy of it standing in for its fine-tune (B)."""
    a = load_model(tiny_model_file)
    G = Generator(a.config)
    G.load_state_dict(a.G.state_dict())
    with torch.no_grad():
        for p in G.parameters():
            p.add_(0.3 * torch.randn_like(p))
    save_model(tmp_path / "b.safetensors", G, info={"name": "B"})
    return a, load_model(tmp_path / "b.safetensors")


def same(x: Generator, y: Generator) -> bool:
    sx, sy = x.state_dict(), y.state_dict()
    return sx.keys() == sy.keys() and all(torch.equal(sx[k], sy[k]) for k in sx)


def test_swapping_below_the_lowest_layer_is_b_and_above_the_top_is_a(pair):
    a, b = pair  # 16 px: blocks at 4, 8, 16
    assert same(blend_models(a, b, swap_at=2), b.G)
    assert same(blend_models(a, b, swap_at=4), b.G)
    assert same(blend_models(a, b, swap_at=32), a.G)
    middle = blend_models(a, b, swap_at=8).state_dict()
    assert torch.equal(
        middle["synthesis.blocks.0.conv1.weight"],
        a.G.state_dict()["synthesis.blocks.0.conv1.weight"],
    )
    assert torch.equal(
        middle["synthesis.blocks.2.conv1.weight"],
        b.G.state_dict()["synthesis.blocks.2.conv1.weight"],
    )
    assert torch.equal(middle["mapping.w_avg"], a.G.state_dict()["mapping.w_avg"])


def test_a_smooth_crossover_mixes_neighbouring_layers():
    shares = [share_of_b(r, 16, 1.0) for r in (4, 8, 16, 32)]
    assert shares == sorted(shares) and 0 < shares[0] < 0.5 < shares[2] < shares[3] < 1
    assert share_of_b(8, 16, 0) == 0 and share_of_b(16, 16, 0) == 1


def test_other_families_are_refused_in_one_line(pair, tmp_path):
    a, _ = pair
    cfg = a.config.from_dict(a.config.to_dict() | {"channel_base": 512})
    save_model(tmp_path / "other.safetensors", Generator(cfg))
    with pytest.raises(ValueError, match="built differently \\(channel_base 256 vs 512\\)"):
        blend_models(a, load_model(tmp_path / "other.safetensors"), 8)


def test_blend_command_writes_a_model_naming_both_parents(pair, tmp_path, capsys):
    from engine import cli

    a, b = pair
    src = tmp_path / "a.safetensors"
    shutil.copy(a.path, src)
    out = tmp_path / "c.safetensors"
    argv = ["blend", str(src), str(b.path), "--out", str(out), "--swap-at", "8"]
    assert cli.main(argv) == 0
    c = load_model(out)
    assert c.metadata["blend"]["a"]["sha256"] == a.sha256
    assert c.metadata["blend"]["b"]["name"] == "B" and c.metadata["blend"]["swap_at"] == 8
    assert same(c.G, blend_models(a, b, 8))
    assert out.with_name(out.name + ".directions.json").is_file()
    with pytest.raises(SystemExit) as stop:  # argparse's one-line error, exit 2
        cli.main([*argv[:-2], "--swap-at", "12"])
    assert stop.value.code == 2
    assert "power of two" in capsys.readouterr().err


def test_a_grown_model_blends_with_its_base(pair, tmp_path):
    import dataclasses

    from engine.networks import grown_state

    a, _ = pair  # 16 px
    big = Generator(dataclasses.replace(a.config, resolution=32))
    state, _, _ = grown_state(a.G.state_dict(), None)
    big.load_state_dict(state, strict=False)
    with torch.no_grad():
        for p in big.parameters():
            p.add_(0.1)  # trained further at 32 px
    save_model(tmp_path / "grown.safetensors", big, info={"name": "grown"})
    grown = load_model(tmp_path / "grown.safetensors")
    mixed = blend_models(a, grown, swap_at=16).state_dict()  # base's 4/8 px, grown's 16/32 px
    for key, value in mixed.items():
        block = int(key.split(".")[2]) if key.startswith("synthesis.blocks.") else 0
        source = grown.G if block >= 2 else a.G
        assert torch.equal(value, source.state_dict()[key]), key
    assert load_model(tmp_path / "grown.safetensors").config.resolution == 32
