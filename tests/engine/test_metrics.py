"""Metrics: SWD behaves like a distance between image distributions; PSNR/SSIM/nearest are exact."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from engine.metrics import (
    _laplacian_pyramid,
    nearest_training_images,
    psnr,
    sliced_wasserstein_distance,
    ssim,
    variety,
)


@pytest.fixture(autouse=True, scope="module")
def single_thread():
    # Inputs here are tiny: intra-op threads only add wake-up stalls on a busy CI runner.
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def smooth_images(n: int, seed: int, size: int = 32) -> torch.Tensor:
    """Smooth colour fields: 4x4 random colours upsampled bicubically (uint8)."""
    g = torch.Generator().manual_seed(seed)
    low = torch.rand(n, 3, 4, 4, generator=g)
    return (F.interpolate(low, size=size, mode="bicubic").clamp(0, 1) * 255).round().to(torch.uint8)


def noise_images(n: int, seed: int, size: int = 32) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, (n, 3, size, size), dtype=torch.uint8, generator=g)


def add_noise(x: torch.Tensor, sigma: float, seed: int = 9) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return (x.float() + sigma * torch.randn(x.shape, generator=g)).clamp(0, 255).round().byte()


def test_swd_keys_follow_pyramid_levels():
    out = sliced_wasserstein_distance(smooth_images(8, 0, 64), smooth_images(8, 1, 64))
    assert list(out) == ["swd64", "swd32", "swd16", "swd_mean"]
    assert out["swd_mean"] == pytest.approx((out["swd64"] + out["swd32"] + out["swd16"]) / 3)


def test_swd_separates_distributions():
    a, b, noise = smooth_images(64, 1), smooth_images(64, 2), noise_images(64, 3)
    self_d = sliced_wasserstein_distance(a, a)["swd_mean"]
    same = sliced_wasserstein_distance(a, b)["swd_mean"]
    different = sliced_wasserstein_distance(a, noise)["swd_mean"]
    # self is not 0: real and fake patches are drawn independently; few images -> sampling noise
    assert self_d < same < 0.5 * different


def test_swd_deterministic_given_seed():
    a, b = smooth_images(16, 1), noise_images(16, 2)
    assert sliced_wasserstein_distance(a, b, seed=3) == sliced_wasserstein_distance(a, b, seed=3)
    assert sliced_wasserstein_distance(a, b, seed=3) != sliced_wasserstein_distance(a, b, seed=4)


def test_swd_grows_with_noise():
    a, b = smooth_images(64, 1), smooth_images(64, 2)
    curve = [sliced_wasserstein_distance(a, add_noise(b, s))["swd_mean"] for s in (0, 4, 16, 64)]
    assert curve == sorted(curve), curve


def test_swd_accepts_rgba_and_unequal_counts_rejects_float():
    a = smooth_images(12, 1)
    rgba = torch.cat([smooth_images(20, 2), torch.full((20, 1, 32, 32), 255, dtype=torch.uint8)], 1)
    assert set(sliced_wasserstein_distance(a, rgba)) == {"swd32", "swd16", "swd_mean"}
    with pytest.raises(ValueError):
        sliced_wasserstein_distance(a.float(), a.float())


def test_laplacian_pyramid_matches_scipy_mirror_convolution():
    ndimage = pytest.importorskip("scipy.ndimage")
    k = np.outer([1, 4, 6, 4, 1], [1, 4, 6, 4, 1]).astype(np.float64)[None, None] / 256
    x = noise_images(2, 0).double().numpy()
    low = ndimage.convolve(x, k, mode="mirror")[:, :, ::2, ::2]
    up = np.zeros_like(x)
    up[:, :, ::2, ::2] = low
    band = x - ndimage.convolve(up, 4 * k, mode="mirror")
    got = _laplacian_pyramid(torch.from_numpy(x), 2)
    np.testing.assert_allclose(got[1].numpy(), low, atol=1e-9)
    np.testing.assert_allclose(got[0].numpy(), band, atol=1e-9)


def test_nearest_finds_exact_copy():
    train = smooth_images(50, 1, size=64)
    gen = torch.cat([train[7:8], noise_images(2, 5, size=64), add_noise(train[3:4], 3)])
    dist, idx = nearest_training_images(gen, train, k=3, batch=2)
    assert dist.shape == idx.shape == (4, 3)
    assert idx[0, 0] == 7 and dist[0, 0] == 0
    assert idx[3, 0] == 3 and dist[3, 0] < 0.05
    assert torch.all(dist[:, 1:] >= dist[:, :-1])
    # brute force at the same 32 px resolution agrees
    small = [F.interpolate(t.float() / 255, size=32, mode="area").flatten(1) for t in (gen, train)]
    brute = torch.cdist(small[0].double(), small[1].double()) / math.sqrt(small[0].shape[1])
    ref = brute.topk(3, dim=1, largest=False)
    assert torch.equal(idx, ref.indices)
    torch.testing.assert_close(dist.double(), ref.values, atol=1e-5, rtol=0)


def test_variety_sees_one_layout_in_many_colourings():
    reals = smooth_images(40, 1, size=64)
    # every "sample" is the same picture in a different tint and brightness: collapsed
    tints = torch.linspace(0.5, 1.0, 40)[:, None, None, None]
    collapsed = (reals[:1].float() * tints).round().byte()
    same = variety(reals, reals)
    assert same["spread_real"] == same["spread_samples"] > 0.5 and same["coverage"] < 1e-3
    low = variety(reals, collapsed)
    assert low["spread_samples"] < 0.01 and low["coverage"] > 0.5
    assert variety(reals[:20], reals[20:])["coverage"] < low["coverage"]


def test_psnr_known_values():
    a = torch.zeros(2, 3, 16, 16)
    assert torch.isinf(psnr(a, a)).all()
    torch.testing.assert_close(psnr(a, a + 0.1), torch.full((2,), 20.0))


def test_ssim_known_values():
    g = torch.Generator().manual_seed(0)
    a, b = torch.rand(4, 3, 32, 32, generator=g), torch.rand(4, 3, 32, 32, generator=g)
    torch.testing.assert_close(ssim(a, a), torch.ones(4))
    assert ssim(a, b).abs().max() < 0.05
    mild, strong = ((a + s * torch.randn(a.shape, generator=g)).clamp(0, 1) for s in (0.05, 0.3))
    assert (ssim(a, mild) > ssim(a, strong)).all()
