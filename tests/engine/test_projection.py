"""Projection recovers images the model made; preference fitting recovers a known direction."""

from __future__ import annotations

import pytest
import torch

from engine.latent import Latent, latent_ws
from engine.modelfile import load_model
from engine.preference import fit_preference
from engine.projection import ProjectionConfig, project
from engine.render import render_ws, z_from_seeds


@pytest.fixture(scope="module")
def model(tiny_model_file):
    return load_model(tiny_model_file, with_discriminator=True)


def test_projection_recovers_a_generated_image(model):
    torch.set_num_threads(1)
    G = model.G
    target = render_ws(G, latent_ws(G, Latent(seed=4242, psi=0.7))[None])[0]
    # the best starting seed alone is the baseline the optimisation must clearly beat
    start = next(project(G, target, ProjectionConfig(steps=1, preview_every=0)))
    events = list(project(G, target, ProjectionConfig(steps=150, preview_every=50), model.D))
    done = events[-1]
    assert done["kind"] == "done" and done["ws"].shape == (G.num_ws, G.cfg.w_dim)
    assert sum("image" in e for e in events if e["kind"] == "progress") == 3
    losses = [e["loss"] for e in events if e["kind"] == "progress"]
    assert losses[-1] < losses[0] * 0.5 and start["loss"] > losses[-1]
    # the best of 32 start seeds scores ~12.5 dB / SSIM 0.63 here; 22 dB is < 8 % RMS error,
    # the same picture to the eye at 16 px (150 steps reach ~25 dB / 0.98 on this model)
    assert done["psnr"] > 22 and done["ssim"] > 0.95
    restored = render_ws(G, done["ws"][None])[0]
    assert abs(restored.astype(int) - done["image"].astype(int)).max() <= 1


def test_projection_checks_the_size(model):
    import numpy as np

    with pytest.raises(ValueError, match="16×16"):
        next(project(model.G, np.zeros((32, 32, 3), np.uint8)))


def test_preference_recovers_a_known_direction(model):
    G = model.G
    with torch.no_grad():
        w = G.mapping(z_from_seeds(range(300), G.cfg.z_dim))
    truth = torch.randn(G.cfg.w_dim, generator=torch.Generator().manual_seed(3))
    truth /= truth.norm()
    score = w @ truth
    liked, disliked = w[score > score.median()], w[score <= score.median()]
    pref = fit_preference(liked, disliked)
    assert torch.dot(pref.direction, truth) >= 0.9
    assert pref.accuracy is not None and pref.accuracy > 0.85
    assert (pref.likes, pref.dislikes) == (150, 150)


def test_preference_needs_a_few_labels(model):
    w = torch.randn(4, model.G.cfg.w_dim)
    with pytest.raises(ValueError, match="at least 3"):
        fit_preference(w[:2], w[2:])
