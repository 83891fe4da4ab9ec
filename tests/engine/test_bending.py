"""Network bending: inert at strength 0, visible otherwise, exact through records and restore."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.bending import OPS, Bend, apply_bend, bent
from engine.export import make_record, read_record, record_latent, save_image
from engine.latent import Latent
from engine.modelfile import load_model
from engine.render import render_latents


@pytest.fixture
def model(tiny_model_file):
    return load_model(tiny_model_file)


@pytest.mark.parametrize("op", OPS)
def test_every_bend_is_inert_at_zero_and_changes_features_otherwise(op):
    x = torch.randn(2, 4, 8, 8, generator=torch.Generator().manual_seed(0))
    assert apply_bend(x, Bend(0, op, 0.0)) is x
    y = apply_bend(x, Bend(0, op, 0.5))
    assert y.shape == x.shape and not torch.allclose(y, x)


def test_bends_change_the_picture_only_while_applied(model):
    plain = Latent(seed=3, psi=1.0)
    bent_latent = plain.replace(bends=[Bend(1, "rotate", 0.5), Bend(0, "invert", 1.0)])
    zero = plain.replace(bends=[Bend(1, "rotate", 0.0)])
    a, b, c = render_latents(model.G, [plain, bent_latent, zero])
    assert np.array_equal(a, c) and not np.array_equal(a, b)
    assert not model.G.synthesis.bends  # nothing left behind after the render
    with bent(model.G, [Bend(99, "mute", 1.0)]):  # a layer the model lacks: ignored
        assert not model.G.synthesis.bends


def test_a_record_with_bends_restores_bit_exactly(model, tmp_path):
    from engine import cli

    latent = Latent(seed=5, psi=0.8, bends=[Bend(2, "dilate", 0.7), Bend(1, "scale", -0.3)])
    pixels = render_latents(model.G, [latent])[0]
    exported = save_image(tmp_path / "x.png", pixels, make_record(model.name, model.sha256, latent))
    assert record_latent(read_record(exported)).bends == latent.bends
    out = tmp_path / "restored.png"
    argv = ["restore", str(exported), "--out", str(out), "--model", str(model.path)]
    assert cli.main(argv) == 0
    from PIL import Image

    assert np.array_equal(np.asarray(Image.open(out)), pixels)


def test_bad_bends_in_a_record_are_refused_in_plain_words():
    with pytest.raises(ValueError, match="unknown bend 'melt'"):
        Latent.from_dict({"seed": 1, "bends": [{"layer": 0, "op": "melt", "strength": 1}]})
    with pytest.raises(ValueError, match="strength must be a number"):
        Latent.from_dict({"bends": [{"layer": 0, "op": "mute", "strength": "nan"}]})
    big = Latent.from_dict({"bends": [{"layer": 0, "op": "scale", "strength": 1e9}]})
    assert big.bends[0].strength == 4.0  # clamped to a range that still renders


def test_generate_bends_on_the_command_line_and_restore_repeats_them(model, tmp_path, capsys):
    from PIL import Image

    from engine import cli

    out = tmp_path / "gen"
    argv = ["generate", "--model", str(model.path), "--seeds", "3", "--out", str(out)]
    assert cli.main([*argv, "--bend", "1:rotate:0.5", "--bend", "0:invert:1"]) == 0
    image = out / "seed000003.png"
    bends = record_latent(read_record(image)).bends
    assert bends == [Bend(1, "rotate", 0.5), Bend(0, "invert", 1.0)]
    again = tmp_path / "again.png"
    assert cli.main(["restore", str(image), "--out", str(again), "--model", str(model.path)]) == 0
    assert np.array_equal(np.asarray(Image.open(again)), np.asarray(Image.open(image)))
    with pytest.raises(SystemExit):  # argparse's one line, exit 2
        cli.main([*argv, "--bend", "1:melt:0.5"])
    assert "unknown bend 'melt'" in capsys.readouterr().err
