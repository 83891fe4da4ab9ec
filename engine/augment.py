"""DiffAugment (Zhao et al. 2020) applied per sample with an ADA-style adaptive probability.

Every op is differentiable, so the same augmentation runs on real and generated images and the
generator is trained through it; each op is applied to a sample with probability p.
"""

from __future__ import annotations

import torch


def _rand(x: torch.Tensor, *shape: int, gen: torch.Generator | None) -> torch.Tensor:
    return torch.rand(x.shape[0], *shape, device=x.device, generator=gen, dtype=torch.float32)


def _color(x: torch.Tensor, gen) -> torch.Tensor:
    rgb = x[:, :3]
    rgb = rgb + (_rand(x, 1, 1, 1, gen=gen) - 0.5).to(x.dtype)  # brightness
    mean = rgb.mean(dim=1, keepdim=True)
    rgb = (rgb - mean) * (_rand(x, 1, 1, 1, gen=gen) * 2).to(x.dtype) + mean  # saturation
    mean = rgb.mean(dim=(1, 2, 3), keepdim=True)
    rgb = (rgb - mean) * (_rand(x, 1, 1, 1, gen=gen) + 0.5).to(x.dtype) + mean  # contrast
    return torch.cat([rgb, x[:, 3:]], dim=1)


def _translation(x: torch.Tensor, gen, ratio: float = 0.125) -> torch.Tensor:
    b, _, h, w = x.shape
    sx, sy = int(w * ratio + 0.5), int(h * ratio + 0.5)
    tx = (_rand(x, gen=gen) * (2 * sx + 1)).floor() - sx
    ty = (_rand(x, gen=gen) * (2 * sy + 1)).floor() - sy
    gy, gx = torch.meshgrid(
        torch.arange(h, device=x.device), torch.arange(w, device=x.device), indexing="ij"
    )
    src_x = gx[None] - tx.long()[:, None, None]
    src_y = gy[None] - ty.long()[:, None, None]
    inside = (src_x >= 0) & (src_x < w) & (src_y >= 0) & (src_y < h)
    flat = (src_y.clamp(0, h - 1) * w + src_x.clamp(0, w - 1)).reshape(b, 1, -1)
    out = x.reshape(b, x.shape[1], -1).gather(2, flat.expand(-1, x.shape[1], -1))
    return out.reshape_as(x) * inside[:, None].to(x.dtype)


def _cutout(x: torch.Tensor, gen, ratio: float = 0.5) -> torch.Tensor:
    _, _, h, w = x.shape
    ch, cw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    cy = (_rand(x, gen=gen) * (h + 1 - ch % 2)).long()
    cx = (_rand(x, gen=gen) * (w + 1 - cw % 2)).long()
    gy = torch.arange(h, device=x.device)[None, :, None]
    gx = torch.arange(w, device=x.device)[None, None, :]
    hole = ((gy - cy[:, None, None]).abs() < ch // 2 + ch % 2) & (
        (gx - cx[:, None, None]).abs() < cw // 2 + cw % 2
    )
    return x * (~hole)[:, None].to(x.dtype)


OPS = {"color": _color, "translation": _translation, "cutout": _cutout}


def parse_policy(policy: str) -> list[str]:
    names = [p.strip() for p in policy.split(",") if p.strip()]
    unknown = [n for n in names if n not in OPS]
    if unknown:
        raise ValueError(f"unknown augmentation {unknown[0]!r}; choose from {', '.join(OPS)}")
    return names


def augment(
    x: torch.Tensor, policy: list[str], p: float, gen: torch.Generator | None = None
) -> torch.Tensor:
    """Apply each op in `policy` to each sample independently with probability p."""
    if p <= 0 or not policy:
        return x
    for name in policy:
        y = OPS[name](x, gen)
        if p < 1:
            keep = _rand(x, 1, 1, 1, gen=gen) < p
            y = torch.where(keep, y, x)
        x = y
    return x


class AdaptiveProbability:
    """ADA's controller: raise p while D is overconfident on reals (E[sign D(real)] > target)."""

    def __init__(self, p: float, target: float | None, speed_kimg: float, interval: int = 4):
        self.p, self.target, self.speed_kimg, self.interval = p, target, speed_kimg, interval
        self.sign_sum, self.count = 0.0, 0

    def observe(self, real_logits: torch.Tensor) -> None:
        self.sign_sum += float(real_logits.detach().sign().sum())
        self.count += real_logits.numel()

    def step(self, images_since: int) -> None:
        """Call every `interval` steps with the number of images seen since the last call."""
        if self.target is None or self.count == 0:
            return
        rt = self.sign_sum / self.count
        adjust = (1 if rt > self.target else -1) * images_since / (self.speed_kimg * 1000)
        self.p = min(max(self.p + adjust, 0.0), 1.0)
        self.sign_sum, self.count = 0.0, 0

    @property
    def rt(self) -> float | None:
        return self.sign_sum / self.count if self.count else None

    def state_dict(self) -> dict:
        return {"p": self.p, "sign_sum": self.sign_sum, "count": self.count}

    def load_state_dict(self, state: dict) -> None:
        self.p, self.sign_sum, self.count = state["p"], state["sign_sum"], state["count"]
