"""The frozen-weight cache must never serve stale weights."""

from __future__ import annotations

import torch

from engine.config import ModelConfig
from engine.networks import Discriminator, Generator


def _pair():
    torch.manual_seed(0)
    cfg = ModelConfig(resolution=16, channel_base=256, channel_max=32, z_dim=16, w_dim=16)
    return Generator(cfg), Discriminator(cfg)


def test_frozen_networks_match_trainable_ones():
    G, D = _pair()
    ws = G.map(torch.randn(3, 16)).detach()
    img_train, score_train = G.synthesis(ws), D(G.synthesis(ws))
    G.requires_grad_(False), D.requires_grad_(False)
    for _ in range(2):  # first call fills the cache, second reads it
        torch.testing.assert_close(G.synthesis(ws), img_train)
        torch.testing.assert_close(D(G.synthesis(ws)), score_train)


def test_cache_follows_in_place_updates_and_loads():
    G, _ = _pair()
    G.requires_grad_(False)
    ws = G.map(torch.randn(2, 16)).detach()
    before = G.synthesis(ws)
    other = Generator(G.cfg)
    other.load_state_dict(G.state_dict())
    with torch.no_grad():
        for p in G.parameters():
            p.mul_(1.1)  # what an optimiser, EMA or load_state_dict does: in place
    after = G.synthesis(ws)
    assert not torch.allclose(before, after)
    G.load_state_dict(other.state_dict())
    torch.testing.assert_close(G.synthesis(ws), before)


def test_gradients_reach_the_latent_through_frozen_layers():
    G, D = _pair()
    G.requires_grad_(False), D.requires_grad_(False)
    ws = G.map(torch.randn(1, 16)).detach().requires_grad_(True)
    for _ in range(2):
        ws.grad = None
        D(G.synthesis(ws)).sum().backward()
        assert ws.grad is not None and ws.grad.abs().sum() > 0
    with torch.inference_mode():  # never caches inference tensors autograd cannot save
        G.synthesis(ws.detach())
    D(G.synthesis(ws)).sum().backward()


def test_the_discriminator_channel_floor_widens_only_the_discriminator():
    cfg = ModelConfig(resolution=16, channel_base=64, channel_max=32, z_dim=16, w_dim=16)
    narrow, wide = (
        Discriminator(cfg),
        Discriminator(ModelConfig(**{**cfg.to_dict(), "d_channel_min": 24})),
    )
    assert narrow.fromrgb.weight.shape[0] == 8 and wide.fromrgb.weight.shape[0] == 24
    assert wide(torch.zeros(2, 3, 16, 16)).shape == (2, 1)
