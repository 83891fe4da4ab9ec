"""Style-based generator and residual discriminator, StyleGAN2-shaped but sized for CPUs.

Modulation is applied to activations around an ordinary shared-weight convolution (StyleGAN2's
non-fused path), so every conv is a plain batched conv2d that runs well on CPU, CUDA and MPS.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .config import ModelConfig

SQRT2 = math.sqrt(2.0)


def frozen(module: nn.Module, fn):
    """fn(module.weight), kept while that weight is frozen and unchanged (projection, rendering:
    recomputing scaled weights every step was ~8 % of a projection step); training recomputes."""
    weight = module.weight
    if weight.requires_grad or torch.is_inference_mode_enabled():
        return fn(weight)
    # every in-place update (optimiser, EMA, load_state_dict) bumps _version; writes through
    # `.data` would not, and nothing here makes them
    key = (weight._version, weight.data_ptr(), weight.dtype)
    cached = module.__dict__.get("_frozen")
    if cached is None or cached[0] != key:
        cached = module.__dict__["_frozen"] = (key, fn(weight))
    return cached[1]


def lrelu(x: torch.Tensor) -> torch.Tensor:
    # gain sqrt(2) keeps activations' variance stable through the equalised layers
    return F.leaky_relu(x, 0.2) * SQRT2


class EqualLinear(nn.Module):
    """Linear layer with equalised learning rate (weights scaled at run time)."""

    def __init__(self, in_f: int, out_f: int, *, bias_init: float = 0.0, lr_mul: float = 1.0):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_f, in_f) / lr_mul)
        self.bias = nn.Parameter(torch.full((out_f,), float(bias_init)))
        self.weight_gain = lr_mul / math.sqrt(in_f)
        self.lr_mul = lr_mul

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        weight = frozen(self, lambda w: w * self.weight_gain)
        return F.linear(x, weight, self.bias * self.lr_mul)


class EqualConv2d(nn.Module):
    def __init__(self, in_ch: int, out_ch: int, k: int, *, bias: bool = True):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_ch, in_ch, k, k))
        self.bias = nn.Parameter(torch.zeros(out_ch)) if bias else None
        self.weight_gain = 1.0 / math.sqrt(in_ch * k * k)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w = frozen(self, lambda w: w * self.weight_gain)
        return F.conv2d(x, w, self.bias, padding=self.weight.shape[-1] // 2)


class MappingNetwork(nn.Module):
    """z → w through an MLP; tracks w_avg, the centre that truncation pulls towards."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        dims = [cfg.z_dim] + [cfg.w_dim] * cfg.mapping_layers
        self.layers = nn.ModuleList(
            EqualLinear(a, b, lr_mul=0.01) for a, b in zip(dims[:-1], dims[1:])
        )
        self.register_buffer("w_avg", torch.zeros(cfg.w_dim))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        x = z * torch.rsqrt(z.square().mean(1, keepdim=True) + 1e-8)
        for layer in self.layers:
            x = lrelu(layer(x))
        return x


class ModulatedConv(nn.Module):
    def __init__(self, in_ch: int, out_ch: int, k: int, w_dim: int, *, demod=True, up=False):
        super().__init__()
        self.affine = EqualLinear(w_dim, in_ch, bias_init=1.0)
        self.weight = nn.Parameter(torch.randn(out_ch, in_ch, k, k))
        self.bias = nn.Parameter(torch.zeros(out_ch))
        self.weight_gain = 1.0 / math.sqrt(in_ch * k * k)
        self.demod, self.up = demod, up

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        styles = self.affine(w)  # [B, in_ch]
        weight, wsq_t = frozen(self, self._scaled)
        x = x * styles[:, :, None, None].to(x.dtype)
        if self.up:
            x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
        x = F.conv2d(x, weight, padding=weight.shape[-1] // 2)
        if self.demod:
            # per-sample output norm of the modulated weight, without materialising it
            d = torch.rsqrt(styles.square() @ wsq_t + 1e-8)  # [B, out]
            x = x * d[:, :, None, None].to(x.dtype)
        return x + self.bias[None, :, None, None].to(x.dtype)

    def _scaled(self, weight: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        weight = weight * self.weight_gain
        return weight, weight.square().sum(dim=(2, 3)).t()  # [out, in, k, k], [in, out]


class SynthesisBlock(nn.Module):
    def __init__(self, in_ch: int, out_ch: int, w_dim: int, img_ch: int, *, first: bool):
        super().__init__()
        if first:
            self.const = nn.Parameter(torch.randn(out_ch, 4, 4))
            self.conv0 = None
        else:
            self.conv0 = ModulatedConv(in_ch, out_ch, 3, w_dim, up=True)
        self.conv1 = ModulatedConv(out_ch, out_ch, 3, w_dim)
        self.torgb = ModulatedConv(out_ch, img_ch, 1, w_dim, demod=False)
        self.num_ws = 2 if first else 3  # ws consumed, the last one shared with the next block

    def forward(self, x, img, ws, bend=None):
        """`bend`, when given, transforms the block's features before they go on (network
        bending: engine/bending.py)."""
        if self.conv0 is None:
            x = self.const[None].expand(ws.shape[0], -1, -1, -1)
            x = lrelu(self.conv1(x, ws[:, 0]))
        else:
            x = lrelu(self.conv0(x, ws[:, 0]))
            x = lrelu(self.conv1(x, ws[:, 1]))
        if bend is not None:
            x = bend(x)
        y = self.torgb(x, ws[:, -1])
        if img is not None:
            img = F.interpolate(img, scale_factor=2, mode="bilinear", align_corners=False)
            y = y + img
        return x, y


class SynthesisNetwork(nn.Module):
    """Per-layer ws [B, num_ws, w_dim] → image in about [-1, 1]."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.resolutions = [2**i for i in range(2, cfg.resolution.bit_length())]
        blocks, prev = [], 0
        for res in self.resolutions:
            ch = cfg.channels_at(res)
            blocks.append(SynthesisBlock(prev, ch, cfg.w_dim, cfg.img_channels, first=res == 4))
            prev = ch
        self.blocks = nn.ModuleList(blocks)
        self.num_ws = cfg.num_ws
        # growing (ProGAN): the top block's share of the image, 0..1; below 1 the rest is the
        # previous resolution's image, nearest-upsampled, so at 0 the output is exactly the
        # smaller model's image at twice the size. Not a weight: set from the images seen.
        self.fade = 1.0
        # network bending while rendering: block index → a function of its features (set for
        # the duration of a render by engine.bending.bent; empty otherwise)
        self.bends: dict = {}

    def forward(self, ws: torch.Tensor, features: list | None = None) -> torch.Tensor:
        """`features`, when given, receives each block's activations (for fine-tuning losses)."""
        x = img = None
        i = 0
        for n, block in enumerate(self.blocks):
            below = img
            x, img = block(x, img, ws[:, i : i + block.num_ws], self.bends.get(n))
            if features is not None:
                features.append(x)
            i += block.num_ws - 1
            if self.fade < 1 and n == len(self.blocks) - 1 and below is not None:
                img = torch.lerp(
                    F.interpolate(below, scale_factor=2, mode="nearest"), img, self.fade
                )
        return img


class Generator(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        self.mapping = MappingNetwork(cfg)
        self.synthesis = SynthesisNetwork(cfg)
        self.num_ws = cfg.num_ws

    @property
    def w_avg(self) -> torch.Tensor:
        return self.mapping.w_avg

    def map(self, z: torch.Tensor, psi: float = 1.0) -> torch.Tensor:
        """z [B, z_dim] → ws [B, num_ws, w_dim] with truncation ψ around w_avg."""
        w = self.mapping(z)
        if psi != 1.0:
            w = self.w_avg.lerp(w, psi)
        return w[:, None, :].expand(-1, self.num_ws, -1)

    def forward(self, z: torch.Tensor, psi: float = 1.0) -> torch.Tensor:
        return self.synthesis(self.map(z, psi))


class ReconstructionDecoder(nn.Module):
    """FastGAN's self-supervision (Liu et al. 2021): a small decoder that redraws the image, at
    32 px, from the discriminator's 8x8 features. Trained with D on real images only, it makes
    D keep features that describe the whole picture, not just what tells real from fake, which
    is what a discriminator that sees a few hundred images lacks."""

    def __init__(self, in_ch: int, img_ch: int, ch: int = 32):
        super().__init__()
        self.net = nn.Sequential(
            nn.Upsample(scale_factor=2, mode="nearest"),
            nn.Conv2d(in_ch, 2 * ch, 3, padding=1),
            nn.LeakyReLU(0.2),
            nn.Upsample(scale_factor=2, mode="nearest"),
            nn.Conv2d(2 * ch, ch, 3, padding=1),
            nn.LeakyReLU(0.2),
            nn.Conv2d(ch, img_ch, 3, padding=1),
            nn.Tanh(),
        )

    def forward(self, features_8x8: torch.Tensor) -> torch.Tensor:
        return self.net(features_8x8)


class Fade:
    """A discriminator's fade-in while it grows: the smaller model's fromRGB and the new top
    block's share (alpha, 0..1)."""

    def __init__(self, fromrgb: EqualConv2d, alpha: float = 0.0):
        self.fromrgb, self.alpha = fromrgb, alpha


def grown_state(G_state: dict, D_state: dict | None) -> tuple[dict, dict | None, dict | None]:
    """A model's weights renamed for the same model grown to twice the resolution.

    The generator keeps every key (its new top block is appended); the discriminator's blocks
    shift one place up (the new block sits nearest the image) and its old fromRGB is returned
    apart, as the fade-in path's input. → (G weights, D weights, old fromRGB weights)."""
    if D_state is None:
        return dict(G_state), None, None
    D_new, low = {}, {}
    for key, value in D_state.items():
        if key.startswith("fromrgb."):
            low[key.removeprefix("fromrgb.")] = value
        elif key.startswith("blocks."):
            _, index, rest = key.split(".", 2)
            D_new[f"blocks.{int(index) + 1}.{rest}"] = value
        else:
            D_new[key] = value
    return dict(G_state), D_new, low


class DiscriminatorBlock(nn.Module):
    def __init__(self, in_ch: int, out_ch: int):
        super().__init__()
        self.conv0 = EqualConv2d(in_ch, in_ch, 3)
        self.conv1 = EqualConv2d(in_ch, out_ch, 3)
        self.skip = EqualConv2d(in_ch, out_ch, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skip = self.skip(F.avg_pool2d(x, 2))
        x = lrelu(self.conv0(x))
        x = F.avg_pool2d(lrelu(self.conv1(x)), 2)
        return (x + skip) / SQRT2


class Discriminator(nn.Module):
    """Residual discriminator; `blocks[0]` is nearest the image (FreezeD freezes from there)."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        res = cfg.resolution
        self.fromrgb = EqualConv2d(cfg.img_channels, cfg.d_channels_at(res), 1)
        blocks = []
        while res > 4:
            blocks.append(DiscriminatorBlock(cfg.d_channels_at(res), cfg.d_channels_at(res // 2)))
            res //= 2
        self.blocks = nn.ModuleList(blocks)
        ch = cfg.d_channels_at(4)
        self.mbstd_group = cfg.mbstd_group
        self.conv = EqualConv2d(ch + 1, ch, 3)
        self.fc = EqualLinear(ch * 16, ch)
        self.out = EqualLinear(ch, 1)

    def features(self, img: torch.Tensor, grow: Fade | None = None) -> list[torch.Tensor]:
        """Activations after each block, for feature-matching losses (projection).

        `grow` while a new top block fades in: the input, halved, also enters the old
        resolution through the smaller model's fromRGB, blended with the new block's output."""
        x = lrelu(self.fromrgb(img))
        feats = []
        for n, block in enumerate(self.blocks):
            x = block(x)
            if n == 0 and grow is not None and grow.alpha < 1:
                below = lrelu(grow.fromrgb(F.avg_pool2d(img, 2)))
                x = torch.lerp(below, x, grow.alpha)
            feats.append(x)
        return feats

    def forward(
        self, img: torch.Tensor, grow: Fade | None = None, features: list | None = None
    ) -> torch.Tensor:
        """Logits; `features`, when given, receives each block's activations (the
        self-supervised decoder reads one of them)."""
        feats = self.features(img, grow)
        if features is not None:
            features.extend(feats)
        return self.head(feats[-1])

    def head(self, x: torch.Tensor) -> torch.Tensor:
        """The 4x4 features → logits."""
        x = self._minibatch_std(x)
        x = lrelu(self.conv(x))
        x = lrelu(self.fc(x.flatten(1)))
        return self.out(x)

    def _minibatch_std(self, x: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        g = min(self.mbstd_group, b)
        while b % g:
            g -= 1
        y = x.float().reshape(g, -1, c, h, w)
        y = (y - y.mean(0)).square().mean(0).add(1e-8).sqrt()  # std over each group
        y = y.mean(dim=(1, 2, 3)).reshape(-1, 1, 1, 1).repeat(g, 1, h, w)
        return torch.cat([x, y.to(x.dtype)], dim=1)

    def freeze_blocks(self, n: int) -> None:
        """FreezeD: keep fromRGB and the first n blocks fixed while fine-tuning."""
        frozen = [self.fromrgb, *self.blocks[:n]] if n > 0 else []
        for module in frozen:
            module.requires_grad_(False)

    def trainable_parameters(self) -> list[nn.Parameter]:
        return [p for p in self.parameters() if p.requires_grad]
