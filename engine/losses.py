"""GAN losses: non-saturating (+ lazy R1), hinge, WGAN-GP."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F


def generator_loss(kind: str, fake_logits: torch.Tensor) -> torch.Tensor:
    if kind == "ns":
        return F.softplus(-fake_logits).mean()
    return -fake_logits.mean()  # hinge and WGAN share the generator objective


def discriminator_loss(
    kind: str, real_logits: torch.Tensor, fake_logits: torch.Tensor
) -> torch.Tensor:
    if kind == "ns":
        return F.softplus(fake_logits).mean() + F.softplus(-real_logits).mean()
    if kind == "hinge":
        return F.relu(1 - real_logits).mean() + F.relu(1 + fake_logits).mean()
    if kind == "wgan-gp":
        # small drift term keeps the critic's outputs from wandering off (ProGAN)
        return fake_logits.mean() - real_logits.mean() + 1e-3 * real_logits.square().mean()
    raise ValueError(f"unknown loss {kind!r}: use ns, hinge or wgan-gp")


def r1_penalty(D: Callable, reals: torch.Tensor) -> torch.Tensor:
    """Mean squared gradient norm of D at the real images (Mescheder et al. 2018)."""
    reals = reals.detach().requires_grad_(True)
    logits = D(reals)
    (grad,) = torch.autograd.grad(logits.sum(), reals, create_graph=True)
    return grad.square().sum(dim=(1, 2, 3)).mean()


def gradient_penalty(
    D: Callable, reals: torch.Tensor, fakes: torch.Tensor, gen: torch.Generator | None = None
) -> torch.Tensor:
    """WGAN-GP: (‖∇D(x̂)‖ − 1)² on random interpolates of real and fake."""
    t = torch.rand(reals.shape[0], 1, 1, 1, device=reals.device, generator=gen)
    mixed = reals.detach().lerp(fakes.detach(), t).requires_grad_(True)
    (grad,) = torch.autograd.grad(D(mixed).sum(), mixed, create_graph=True)
    return (grad.flatten(1).norm(dim=1) - 1).square().mean()
