"""Preference feedback: a linear direction in w separating liked from disliked images.

Logistic regression on w (L2-regularised, fitted with L-BFGS); its cross-validated accuracy
tells the artist whether the direction means anything yet.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

MIN_EACH = 3  # labels of each kind before a direction is fitted


@dataclass
class Preference:
    direction: torch.Tensor  # unit vector in w
    accuracy: float | None  # cross-validated, None when too few labels to cross-validate
    likes: int
    dislikes: int


def _fit(x: torch.Tensor, y: torch.Tensor, l2: float) -> tuple[torch.Tensor, torch.Tensor]:
    w = torch.zeros(x.shape[1], requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    opt = torch.optim.LBFGS([w, b], max_iter=200, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(x @ w + b, y)
        loss = loss + l2 * w.square().sum()
        loss.backward()
        return loss

    opt.step(closure)
    return w.detach(), b.detach()


def fit_preference(liked: torch.Tensor, disliked: torch.Tensor, l2: float = 1e-3) -> Preference:
    """liked/disliked: [n, w_dim] (the w of each labelled image)."""
    if len(liked) < MIN_EACH or len(disliked) < MIN_EACH:
        raise ValueError(f"rate at least {MIN_EACH} images up and {MIN_EACH} down first")
    x = torch.cat([liked, disliked]).float()
    y = torch.cat([torch.ones(len(liked)), torch.zeros(len(disliked))])
    mean, std = x.mean(0), x.std(0) + 1e-6
    xs = (x - mean) / std  # standardise so L2 treats every w component alike
    w, _ = _fit(xs, y, l2)
    direction = w / std  # back to raw w coordinates
    direction = direction / direction.norm().clamp_min(1e-12)
    folds = min(5, len(liked), len(disliked))
    accuracy = None
    if folds >= 2:
        order = torch.randperm(len(x), generator=torch.Generator().manual_seed(0))
        correct = 0
        for k in range(folds):
            test = order[k::folds]
            train = torch.tensor([i for i in order.tolist() if i not in set(test.tolist())])
            m, s = x[train].mean(0), x[train].std(0) + 1e-6
            fw, fb = _fit((x[train] - m) / s, y[train], l2)
            pred = ((x[test] - m) / s @ fw + fb) > 0
            correct += int((pred == y[test].bool()).sum())
        accuracy = correct / len(x)
    return Preference(direction, accuracy, len(liked), len(disliked))
