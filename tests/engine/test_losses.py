"""Distance consistency: zero for an unchanged generator, large for a collapsed one."""

from __future__ import annotations

import torch

from engine.losses import distance_consistency


def test_distance_consistency_measures_lost_variety():
    g = torch.Generator().manual_seed(0)
    base = [torch.randn(8, 4, 4, 4, generator=g), torch.randn(8, 2, 8, 8, generator=g)]
    assert distance_consistency(base, [f.clone() for f in base]) < 1e-6
    # nearly the same sample for every latent: every pairwise similarity near 1
    collapsed = [f[:1].expand_as(f) + 0.05 * torch.randn(f.shape, generator=g) for f in base]
    drifted = [f + 0.05 * torch.randn(f.shape, generator=g) for f in base]
    assert distance_consistency(base, collapsed) > 10 * distance_consistency(base, drifted)


def test_distance_consistency_pushes_samples_apart():
    g = torch.Generator().manual_seed(1)
    base = [torch.randn(6, 16, generator=g)]
    target = (base[0][:1] + 0.01 * torch.randn(6, 16, generator=g)).requires_grad_(True)
    before = distance_consistency(base, [target])
    before.backward()
    with torch.no_grad():
        stepped = target - 0.5 * target.grad / target.grad.norm()
    assert distance_consistency(base, [stepped]) < before
