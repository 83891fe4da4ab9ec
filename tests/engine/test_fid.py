"""FID: the Fréchet distance is right, weights come only from a local file and are never
unpickled, and `main.py metrics` reports SWD with its references (and FID when asked)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from engine.cli import main as cli_main
from engine.fid import FIDError, fid, frechet_distance, inception_features, load_inception


def needs_torchvision() -> None:
    pytest.importorskip("torchvision", reason="FID's network needs the `fid` extra")


def test_frechet_distance_matches_an_independent_computation():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(400, 6)) @ rng.normal(size=(6, 6))
    b = rng.normal(1.0, 2.0, size=(300, 6)) @ rng.normal(size=(6, 6))
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    # tr(sqrt(Σa Σb)) from the (real, non-negative) eigenvalues of the non-symmetric product
    cross = np.sqrt(np.linalg.eigvals(cov_a @ cov_b).real.clip(min=0)).sum()
    mean = a.mean(0) - b.mean(0)
    expected = mean @ mean + np.trace(cov_a) + np.trace(cov_b) - 2 * cross
    assert frechet_distance(a, b) == pytest.approx(expected, rel=1e-6)
    assert frechet_distance(b, a) == pytest.approx(expected, rel=1e-6)
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)
    shift = np.array([3.0, 0, 0, 4.0, 0, 0])
    assert frechet_distance(a, a + shift) == pytest.approx(25.0, rel=1e-6)  # |shift|²
    with pytest.raises(FIDError, match="at least 2"):
        frechet_distance(a[:1], b)


@pytest.fixture(scope="module")
def inception_file(tmp_path_factory):
    """Randomly initialised Inception-v3 weights in a local file (a user would bring trained
    ones; the arithmetic and the loading path are the same)."""
    needs_torchvision()
    from safetensors.torch import save_file
    from torchvision.models import inception_v3

    torch.manual_seed(0)
    net = inception_v3(weights=None, aux_logits=True, init_weights=True)
    path = tmp_path_factory.mktemp("inception") / "inception_v3.safetensors"
    save_file({k: v.contiguous() for k, v in net.state_dict().items()}, str(path))
    return path


def test_features_and_fid_from_a_local_weights_file(inception_file):
    net = load_inception(inception_file)
    g = torch.Generator().manual_seed(0)
    flat = torch.full((4, 4, 32, 32), 128, dtype=torch.uint8)  # RGBA: alpha is dropped
    noise = torch.randint(0, 256, (4, 3, 32, 32), dtype=torch.uint8, generator=g)
    feats = inception_features(net, flat)
    assert feats.shape == (4, 2048) and feats.dtype == np.float64
    assert np.allclose(feats, feats[0])  # identical images, identical features
    apart = fid(net, flat[:, :3], noise)
    assert apart > 0
    assert abs(fid(net, noise, noise)) < 1e-6 * apart
    with pytest.raises(ValueError, match="uint8"):
        inception_features(net, noise.float())


def test_weights_that_are_not_inception_or_are_a_pickle_are_refused(tmp_path):
    needs_torchvision()
    from safetensors.torch import save_file

    other = tmp_path / "other.safetensors"
    save_file({"weight": torch.zeros(3)}, str(other))
    with pytest.raises(FIDError, match="does not hold torchvision Inception-v3 weights"):
        load_inception(other)

    sentinel = tmp_path / "pickle-ran"

    class Bomb:
        def __reduce__(self):
            return (Path.touch, (sentinel,))

    bomb = tmp_path / "inception.pth"
    torch.save({"fc.weight": Bomb()}, bomb)
    with pytest.raises(FIDError, match="could not be loaded"):
        load_inception(bomb)
    assert not sentinel.exists()
    with pytest.raises(FIDError, match="not found"):
        load_inception(tmp_path / "missing.pth")


def test_metrics_command_reports_swd_with_its_references(tiny_model_file, capsys):
    data = tiny_model_file.parents[2] / "images"  # what the tiny model was trained on
    assert cli_main(["metrics", "--model", str(tiny_model_file), "--data", str(data)]) == 0
    numbers = json.loads(capsys.readouterr().out)
    assert numbers["n"] == numbers["images"] // 2
    assert 0 < numbers["swd_floor"] < numbers["swd_untrained"]
    assert numbers["swd_model"] > 0 and numbers["nearest_rms_min"] >= 0
    assert numbers["spread_real"] > 0 and numbers["coverage_floor"] > 0
    assert "fid_model" not in numbers  # only with --inception

    code = cli_main(["metrics", "--model", str(tiny_model_file), "--data", str(data),
                     "--inception", str(data / "none.pth")])  # fmt: skip
    assert code == 2
    assert "Inception weights not found" in capsys.readouterr().err
