"""Image-quality metrics that need no downloaded weights: SWD, variety, nearest neighbours, PSNR,
SSIM.

torch + numpy only (no Qt, no scipy) so they run headless, in tests and in the training loop.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch
import torch.nn.functional as F

# ProGAN's 5x5 kernel is the outer product of this binomial (= cv2.pyrDown's), applied with
# scipy's 'mirror' borders, which is torch's 'reflect' padding (edge pixel not repeated).
_BINOMIAL = torch.tensor([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0

_NHOOD = 7  # patch size
_NHOODS_PER_IMAGE = 128
_DIR_REPEATS = 4
_DIRS_PER_REPEAT = 128
_MIN_RES = 16
_CHUNK = 256  # images per pyramid pass, bounds memory like ProGAN's minibatches


def _blur(x: torch.Tensor, gain: float = 1.0) -> torch.Tensor:
    """Separable 5x5 binomial blur with mirror borders (2x faster than a 25-tap conv2d)."""
    n, c, h, w = x.shape
    p = F.pad(x.reshape(n * c, 1, h, w), (2, 2, 2, 2), mode="reflect").reshape(n, c, h + 4, w + 4)
    y = sum(t * p[..., i : i + w] for i, t in enumerate(_BINOMIAL.tolist()))
    return sum(t * gain * y[..., i : i + h, :] for i, t in enumerate(_BINOMIAL.tolist()))


def _pyr_down(x: torch.Tensor) -> torch.Tensor:
    return _blur(x)[:, :, ::2, ::2]


def _pyr_up(x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    n, c, h, w = x.shape
    up = x.new_zeros(n, c, h * 2, w * 2)
    up[:, :, ::2, ::2] = x
    return _blur(up, gain=4.0)[:, :, : size[0], : size[1]]  # crop handles odd sizes


def _laplacian_pyramid(x: torch.Tensor, levels: int) -> list[torch.Tensor]:
    pyramid = [x]
    for _ in range(1, levels):
        pyramid.append(_pyr_down(pyramid[-1]))
        pyramid[-2] = pyramid[-2] - _pyr_up(pyramid[-1], pyramid[-2].shape[-2:])
    return pyramid  # band-pass levels, finest first; the last one is the low-pass residual


def _patches(level: torch.Tensor, per_image: int, gen: torch.Generator) -> torch.Tensor:
    """Random 7x7 neighbourhoods [n * per_image, C, 7, 7], centres as ProGAN's randint(H, S - H)."""
    n, c, h, w = level.shape
    r, count = _NHOOD // 2, n * per_image
    # Draw on the CPU generator so results do not depend on the device.
    cy = torch.randint(r, h - r, (count,), generator=gen).to(level.device)
    cx = torch.randint(r, w - r, (count,), generator=gen).to(level.device)
    img = torch.arange(count, device=level.device) // per_image
    windows = level.unfold(2, _NHOOD, 1).unfold(3, _NHOOD, 1)  # [n, c, h-6, w-6, 7, 7], a view
    return windows.permute(0, 2, 3, 1, 4, 5)[img, cy - r, cx - r]


def _descriptors(images: torch.Tensor, levels: int, gen: torch.Generator) -> list[torch.Tensor]:
    per_level: list[list[torch.Tensor]] = [[] for _ in range(levels)]
    for start in range(0, images.shape[0], _CHUNK):
        chunk = images[start : start + _CHUNK].float()  # ProGAN works on raw 0..255 values
        for i, level in enumerate(_laplacian_pyramid(chunk, levels)):
            per_level[i].append(_patches(level, _NHOODS_PER_IMAGE, gen))
    out = []
    for parts in per_level:
        # finalize_descriptors: per-channel standardisation over this set's descriptors.
        d = torch.cat(parts)
        var, mean = torch.var_mean(d, dim=(0, 2, 3), keepdim=True, correction=0)  # as np.std
        d = (d - mean) / var.sqrt()
        out.append(d.reshape(d.shape[0], -1))
    return out


def _sorted_l1(proj_a: torch.Tensor, proj_b: torch.Tensor) -> float:
    """Mean |sort(a) - sort(b)| along rows: the 1-D Wasserstein-1 distance per direction."""
    if proj_a.device.type != "cpu":
        return (proj_a.sort(dim=1).values - proj_b.sort(dim=1).values).abs().mean().item()
    # These sorts dominate SWD's run time. numpy's sort is ~3x faster than torch's on CPU and
    # releases the GIL, so threads sort and reduce disjoint row blocks in place.
    a, b = proj_a.contiguous().numpy(), proj_b.contiguous().numpy()

    def block_sum(rows: np.ndarray) -> float:
        x, y = a[rows[0] : rows[-1] + 1], b[rows[0] : rows[-1] + 1]
        x.sort(axis=1)
        y.sort(axis=1)
        return float(np.abs(x - y).sum(dtype=np.float64))

    blocks = np.array_split(np.arange(a.shape[0]), max(1, min(torch.get_num_threads(), a.shape[0])))
    with ThreadPoolExecutor(len(blocks)) as pool:
        return sum(pool.map(block_sum, blocks)) / a.size


def _sliced_wasserstein(a: torch.Tensor, b: torch.Tensor, gen: torch.Generator) -> float:
    results = []
    for _ in range(_DIR_REPEATS):
        dirs = torch.randn(a.shape[1], _DIRS_PER_REPEAT, generator=gen).to(a.device)
        dirs = dirs / dirs.norm(dim=0, keepdim=True)
        # Project as [direction, descriptor] so each sort runs along a contiguous row.
        results.append(_sorted_l1(dirs.T @ a.T, dirs.T @ b.T))
    return sum(results) / len(results)


def sliced_wasserstein_distance(
    real: torch.Tensor, fake: torch.Tensor, *, seed: int = 0
) -> dict[str, float]:
    """Sliced Wasserstein distance x 1e3 per Laplacian-pyramid level, as ProGAN reports it.

    Follows Karras et al. 2018 (progressive_growing_of_gans, metrics/sliced_wasserstein.py):
    uint8 [N, 3, H, W] images (RGBA: first 3 channels; grey: repeated), as raw 0..255 floats
    -> Laplacian pyramid with the 5x5 binomial pyr_down/pyr_up (mirror borders) from H down
    to 16 px -> 128 random 7x7 patches per image per level -> descriptors standardised per
    channel over all patches of that level of that set (finalize_descriptors, np.std) -> per
    level, 4 repeats of 128 unit-length random directions; both projected sets are sorted and
    the mean absolute difference taken -> averaged over directions and repeats, x 1e3.
    Unequal set sizes are subsampled (without replacement) to the smaller size. ProGAN draws
    from numpy's global RNG; here one CPU torch.Generator seeded with `seed` makes the result
    deterministic (also across devices: CUDA inputs are computed on the GPU).

    Returns {"swd<res>": ...} for each level, finest first, plus "swd_mean" over levels.
    """
    gen = torch.Generator().manual_seed(seed)
    sets = []
    for x in (real, fake):
        if x.dtype != torch.uint8 or x.ndim != 4 or x.shape[1] not in (1, 3, 4):
            raise ValueError(f"expected uint8 [N, 1|3|4, H, W], got {x.dtype} {list(x.shape)}")
        sets.append(x[:, :3] if x.shape[1] == 4 else x.expand(-1, 3, -1, -1))
    if sets[0].shape[1:] != sets[1].shape[1:]:
        raise ValueError(f"image shapes differ: {list(real.shape)} vs {list(fake.shape)}")
    n = min(s.shape[0] for s in sets)
    sets = [
        s if s.shape[0] == n else s[torch.randperm(s.shape[0], generator=gen)[:n]] for s in sets
    ]
    h, w = sets[0].shape[-2:]
    if min(h, w) < _MIN_RES or n < 2:
        raise ValueError(f"need >= 2 images of >= {_MIN_RES} px, got {n} of {h}x{w}")
    resolutions = []
    res = min(h, w)  # ProGAN assumes square images; key levels by their shorter side
    while res >= _MIN_RES:
        resolutions.append(res)
        res //= 2
    desc_real, desc_fake = (_descriptors(s, len(resolutions), gen) for s in sets)
    out = {
        f"swd{r}": _sliced_wasserstein(a, b, gen) * 1e3
        for r, a, b in zip(resolutions, desc_real, desc_fake, strict=True)
    }
    out["swd_mean"] = sum(out.values()) / len(out)
    return out


def _to_unit_float(x: torch.Tensor) -> torch.Tensor:
    return x.float() / 255.0 if x.dtype == torch.uint8 else x.float()


def _small(x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    x = _to_unit_float(x)
    if x.shape[-2:] != size:
        x = F.interpolate(x, size=size, mode="area")  # box filter: cheap and alias-free
    return x.flatten(1)


def _layouts(images: torch.Tensor) -> torch.Tensor:
    """Tone-free 16×16 grey layout of each image's centre, unit length: what differs between two
    expressions of a face, not between two colourings of one (SWD's patches see the latter)."""
    x = _to_unit_float(images)[:, :3].mean(1, keepdim=True)
    h, w = x.shape[-2:]
    x = F.adaptive_avg_pool2d(x[..., h // 8 : h - h // 8, w // 8 : w - w // 8], 16).flatten(1)
    return F.normalize(x - x.mean(1, keepdim=True), dim=1)


@torch.no_grad()
def variety(reals: torch.Tensor, samples: torch.Tensor) -> dict[str, float]:
    """Mode collapse in numbers, for [N, C, H, W] images (uint8 or [0, 1] floats).

    spread: mean distance between two images' layouts (about 1.1 for the emoji faces, lower when
    every seed draws the same picture); coverage: mean distance from each real image to the
    nearest sample (lower is better; compare with two halves of the real images).
    """
    a, b = _layouts(reals), _layouts(samples)

    def spread(x: torch.Tensor) -> float:
        return float(torch.cdist(x, x).sum() / (len(x) * (len(x) - 1)))

    coverage = float(torch.cdist(a, b).min(1).values.mean())
    return {"spread_real": spread(a), "spread_samples": spread(b), "coverage": coverage}


@torch.no_grad()
def nearest_training_images(
    generated: torch.Tensor, training: torch.Tensor, k: int = 3, batch: int = 256
) -> tuple[torch.Tensor, torch.Tensor]:
    """k nearest training images for each generated one, for a memorisation check.

    Both [N, C, H, W] (uint8, or float in [0, 1]) are box-downsampled so the longer side is
    <= 32 px; distance is the RMS pixel difference there. Returns (distances [G, k],
    indices [G, k]), nearest first. Memory stays around batch x len(training) floats.
    """
    if generated.shape[1] != training.shape[1]:
        raise ValueError(f"channel counts differ: {generated.shape[1]} vs {training.shape[1]}")
    th, tw = training.shape[-2:]
    scale = min(1.0, 32 / max(th, tw))
    size = (max(1, round(th * scale)), max(1, round(tw * scale)))
    chunks = [_small(training[i : i + batch], size) for i in range(0, len(training), batch)]
    train = torch.cat(chunks)
    train_sq = (train * train).sum(1)
    k = min(k, train.shape[0])
    dists, indices = [], []
    for i in range(0, generated.shape[0], batch):
        g = _small(generated[i : i + batch], size).to(train.device)
        # ||g - t||^2 via one matmul to pick candidates, then exact distances for the winners
        # so an exact copy reports 0 rather than float cancellation noise.
        d2 = (g * g).sum(1, keepdim=True) + train_sq - 2 * g @ train.T
        idx = d2.topk(k, dim=1, largest=False).indices
        exact = (g[:, None] - train[idx]).pow(2).mean(-1).sqrt()
        exact, order = exact.sort(dim=1)
        dists.append(exact)
        indices.append(idx.gather(1, order))
    return torch.cat(dists), torch.cat(indices)


def psnr(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Per-image PSNR in dB of float images in [0, 1], [N, C, H, W]; identical images give inf."""
    mse = (a.float() - b.float()).pow(2).flatten(1).mean(1)
    return 10 * torch.log10(1.0 / mse)


def ssim(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Per-image SSIM (Wang et al. 2004) of float images in [0, 1], [N, C, H, W].

    11x11 gaussian window (sigma 1.5), K1 = 0.01, K2 = 0.03, 'valid' windows only, averaged
    over channels and positions.
    """
    a, b = a.float(), b.float()
    n, c, h, w = a.shape
    if min(h, w) < 11:
        raise ValueError(f"SSIM needs images >= 11 px, got {h}x{w}")
    g = torch.exp(-((torch.arange(11, dtype=torch.float32) - 5) ** 2) / (2 * 1.5**2))
    g = g / g.sum()
    win = torch.outer(g, g).expand(5 * c, 1, 11, 11).to(a)
    # the five local statistics in one depthwise convolution (one call is faster than five)
    stats = F.conv2d(torch.cat([a, b, a * a, b * b, a * b], 1), win, groups=5 * c)
    mu_a, mu_b, sq_a, sq_b, ab = stats.chunk(5, dim=1)
    var_a = sq_a - mu_a**2
    var_b = sq_b - mu_b**2
    cov = ab - mu_a * mu_b
    c1, c2 = 0.01**2, 0.03**2
    num = (2 * mu_a * mu_b + c1) * (2 * cov + c2)
    return (num / ((mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2))).flatten(1).mean(1)


__all__ = ["nearest_training_images", "psnr", "sliced_wasserstein_distance", "ssim"]
