"""FID, only from an Inception-v3 weights file the user already has (nothing is ever downloaded).

The network is torchvision's `inception_v3` (the optional `fid` extra); the file is its state
dict, as `.safetensors` or as a `.pth`/`.pt` loaded with `torch.load(weights_only=True)` after
the zip-bomb check. Features are the 2048-d pool output for 299 px inputs with ImageNet
normalisation. These numbers compare Ganvas models with each other; they are not the
TF-Inception FID of papers (a slightly different network and resize).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from .checkpoint import CheckpointError, check_archive_sizes

_MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
_STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
INPUT_SIZE = 299


class FIDError(ValueError):
    """FID cannot be computed; the message says why in plain words."""


def _read_state_dict(path: Path) -> dict[str, torch.Tensor]:
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        try:
            return load_file(str(path))
        except Exception as exc:  # safetensors raises its own types for malformed headers
            raise FIDError(f"{path.name} is not a readable safetensors file ({exc})") from None
    try:
        check_archive_sizes(path)
        state = torch.load(path, map_location="cpu", weights_only=True)
    except CheckpointError as exc:
        raise FIDError(str(exc)) from None
    except Exception as exc:  # torch raises many types for malformed archives
        raise FIDError(f"{path.name} could not be loaded: {exc}") from None
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise FIDError(f"{path.name} is not a state dict of tensors")
    return state


def load_inception(path: Path | str) -> torch.nn.Module:
    """torchvision's Inception-v3 with the weights in `path`, returning 2048-d pool features."""
    path = Path(path)
    if not path.is_file():
        raise FIDError(f"Inception weights not found: {path}")
    try:
        from torchvision.models import inception_v3
    except ImportError:
        raise FIDError("FID needs torchvision: pip install 'ganvas[fid]'") from None
    net = inception_v3(weights=None, aux_logits=True, init_weights=False, transform_input=True)
    state = _read_state_dict(path)
    try:
        net.load_state_dict(state)
    except RuntimeError as exc:
        first = str(exc).splitlines()[0]
        raise FIDError(
            f"{path.name} does not hold torchvision Inception-v3 weights ({first})"
        ) from None
    net.fc = torch.nn.Identity()
    return net.eval().requires_grad_(False)


@torch.inference_mode()
def inception_features(net: torch.nn.Module, images: torch.Tensor, chunk: int = 32) -> np.ndarray:
    """uint8 [N, C, H, W] (RGB or RGBA; alpha is dropped) → float64 [N, 2048]."""
    if images.dtype != torch.uint8:
        raise ValueError("inception_features expects uint8 images")
    feats = []
    for batch in images[:, :3].split(chunk):
        x = batch.float() / 255.0
        x = F.interpolate(x, size=(INPUT_SIZE, INPUT_SIZE), mode="bilinear", align_corners=False)
        feats.append(net((x - _MEAN) / _STD).double())
    return torch.cat(feats).numpy()


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets [N, D] (N ≥ 2 each).

    tr(sqrt(Σa Σb)) is computed as the sum of square roots of the eigenvalues of
    sqrt(Σa) Σb sqrt(Σa), which is symmetric, so only `eigh` is needed (no scipy).
    """
    if len(a) < 2 or len(b) < 2:
        raise FIDError("FID needs at least 2 images on each side")
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    vals, vecs = np.linalg.eigh(cov_a)
    root_a = (vecs * np.sqrt(vals.clip(min=0))) @ vecs.T
    cross = np.linalg.eigvalsh(root_a @ cov_b @ root_a).clip(min=0)
    diff = mu_a - mu_b
    return float(diff @ diff + np.trace(cov_a) + np.trace(cov_b) - 2 * np.sqrt(cross).sum())


def fid(net: torch.nn.Module, real: torch.Tensor, fake: torch.Tensor) -> float:
    """FID between two uint8 image sets with the Inception network from `load_inception`."""
    return frechet_distance(inception_features(net, real), inception_features(net, fake))
