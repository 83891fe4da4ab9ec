"""GAN losses: non-saturating (+ lazy R1), hinge, WGAN-GP; LeCam regularisation; distance
consistency for fine-tunes."""

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
    fakes = fakes.detach().to(reals.dtype)  # bf16/fp16 when made under autocast
    mixed = reals.detach().lerp(fakes, t).requires_grad_(True)
    (grad,) = torch.autograd.grad(D(mixed).sum(), mixed, create_graph=True)
    return (grad.flatten(1).norm(dim=1) - 1).square().mean()


def lecam_penalty(
    real_logits: torch.Tensor, fake_logits: torch.Tensor, ema_real: float, ema_fake: float
) -> torch.Tensor:
    """LeCam regularisation (Tseng et al. 2021, GANs under limited data): pull D's outputs on
    reals towards its running mean on fakes and vice versa (only where they have crossed over),
    which keeps a discriminator that sees few images from drifting into overconfidence."""
    return (
        F.relu(real_logits - ema_fake).square().mean()
        + F.relu(ema_real - fake_logits).square().mean()
    )


class LogitAverages:
    """Running means of D's outputs on reals and fakes, the anchors of the LeCam penalty."""

    def __init__(self, decay: float = 0.99):
        self.decay, self.real, self.fake = decay, 0.0, 0.0

    def update(self, real_logits: torch.Tensor, fake_logits: torch.Tensor) -> None:
        d = self.decay
        self.real = d * self.real + (1 - d) * float(real_logits.detach().mean())
        self.fake = d * self.fake + (1 - d) * float(fake_logits.detach().mean())

    def state_dict(self) -> dict:
        return {"real": self.real, "fake": self.fake}

    def load_state_dict(self, state: dict) -> None:
        self.real, self.fake = state["real"], state["fake"]


def _similarities(f: torch.Tensor) -> torch.Tensor:
    """Cosine similarity of each sample to every other one in the batch: [n, n - 1]."""
    n = f.shape[0]
    f = F.normalize(f.flatten(1).float(), dim=1)
    off_diagonal = ~torch.eye(n, dtype=torch.bool, device=f.device)
    return (f @ f.t())[off_diagonal].view(n, n - 1)


def distance_consistency(source: list[torch.Tensor], target: list[torch.Tensor]) -> torch.Tensor:
    """Cross-domain distance consistency (Ojha et al. 2021, few-shot adaptation).

    For one batch of latents, each sample's softmaxed cosine similarities to the others, layer by
    layer, should stay what they were in the base model: a fine-tune on a few images then keeps the
    base model's variety instead of collapsing onto one or two of the training images' modes.
    """
    total = torch.zeros((), device=target[0].device)
    for s, t in zip(source, target):
        total = total + F.kl_div(
            F.log_softmax(_similarities(t), dim=1),
            F.softmax(_similarities(s), dim=1),
            reduction="batchmean",
        )
    return total / len(target)
