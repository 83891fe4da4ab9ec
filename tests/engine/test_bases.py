"""Choosing a base model for a folder: measured closeness, size compatibility, one readable line."""

from __future__ import annotations

import pytest
import torch

from engine.bases import BaseChoice, bundled_bases, choose_base, folder_distance
from engine.modelfile import load_model
from engine.render import render_seeds


def samples_of(path, n=32) -> torch.Tensor:
    return torch.from_numpy(render_seeds(load_model(path).G, range(500, 500 + n))).permute(
        0, 3, 1, 2
    )


def test_the_closest_base_wins_and_says_why(two_bases):
    folder, trained = two_bases
    assert [p.name for p in bundled_bases(folder)] == [
        "trained.safetensors",
        "untrained.safetensors",
    ]
    images = samples_of(trained)  # a folder that looks like what the trained model draws
    choice = choose_base(images, candidates=bundled_bases(folder))
    assert choice.path.name == "trained.safetensors"
    assert choice.distances["noise"] > choice.distances[choice.name]
    assert "closest" in choice.reason and "noise" in choice.reason
    assert folder_distance(trained, images) < folder_distance(
        folder / "untrained.safetensors", images
    )


def test_only_models_of_a_fitting_size_are_candidates(two_bases):
    folder, trained = two_bases  # both 16 px
    images = samples_of(trained)
    assert choose_base(images, 32, bundled_bases(folder)).path.parent == folder  # grown 16 → 32
    with pytest.raises(ValueError, match="no bundled model to fine-tune for 64 px"):
        choose_base(images, 64, bundled_bases(folder))
    one = choose_base(images, 16, [trained])
    assert isinstance(one, BaseChoice) and "only bundled model" in one.reason


def test_train_base_auto_on_the_command_line(blob_folder, tmp_path, capsys):
    from engine import cli

    argv = ["train", "--data", str(blob_folder), "--out", str(tmp_path / "run"), "--base", "auto"]
    # the bundled models are 64 px or larger: nothing fits 16 px, said in one line
    assert cli.main([*argv, "--resolution", "16"]) == 2
    assert "no bundled model to fine-tune for 16 px" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()
