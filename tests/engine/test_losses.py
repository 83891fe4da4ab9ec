"""Distance consistency: zero for an unchanged generator, large for a collapsed one. LeCam: inert
while D has not crossed its running means, pulls crossed outputs back."""

from __future__ import annotations

import torch

from engine.losses import LogitAverages, distance_consistency, lecam_penalty


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


def test_lecam_is_inert_until_outputs_cross_the_other_sides_mean():
    # reals scored below the fakes' running mean, fakes above the reals': nothing to pull back
    real, fake = torch.tensor([-0.5, 0.1]), torch.tensor([0.6, 1.2])
    assert lecam_penalty(real, fake, ema_real=0.2, ema_fake=0.3) == 0


def test_lecam_pulls_an_overconfident_discriminator_back():
    real = torch.tensor([4.0, 6.0], requires_grad=True)
    fake = torch.tensor([-5.0, -3.0], requires_grad=True)
    penalty = lecam_penalty(real, fake, ema_real=2.0, ema_fake=-2.0)
    assert penalty == torch.tensor((36.0 + 64.0) / 2 + (49.0 + 25.0) / 2)
    penalty.backward()
    assert (real.grad > 0).all() and (fake.grad < 0).all()  # descent lowers reals, raises fakes


def test_logit_averages_follow_and_round_trip():
    avg = LogitAverages(decay=0.5)
    avg.update(torch.tensor([2.0, 2.0]), torch.tensor([-4.0]))
    assert (avg.real, avg.fake) == (1.0, -2.0)
    copy = LogitAverages()
    copy.load_state_dict(avg.state_dict())
    assert (copy.real, copy.fake) == (1.0, -2.0)
