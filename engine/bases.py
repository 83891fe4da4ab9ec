"""Which bundled model a fine-tune starts from: the one whose drawings are closest to the folder.

A base that already draws something like the artist's images has less to unlearn (Ojha et al.
2021 and the transfer literature: the nearer the source domain, the better a short fine-tune).
"Closest" is measured, not guessed: samples of each candidate against the folder's images by
SWD (engine.metrics), at the candidate's own size or half of it, so a model can also be grown.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F

from .modelfile import ModelFileError, load_model, read_header
from .paths import resources_dir

SAMPLES = 128  # images per side: enough to rank bases, ~1 s each at 64 px on a CPU


@dataclass
class BaseChoice:
    path: Path
    name: str
    distances: dict[str, float]  # candidate name → SWD to the folder (lower is closer)

    @property
    def reason(self) -> str:
        """One sentence an artist can read: which model, and why."""
        if len(self.distances) <= 1:
            return f"{self.name}: the only bundled model that fits this size"
        others = ", ".join(
            f"{name} {d:.0f}" for name, d in sorted(self.distances.items()) if name != self.name
        )
        return (
            f"{self.name}: its pictures are the closest to your images "
            f"(distance {self.distances[self.name]:.0f}; {others}; lower is closer)"
        )


def bundled_bases(folder: Path | None = None) -> list[Path]:
    """Every GAN model shipped in resources/models (not the upscaler), by name."""
    folder = folder or resources_dir() / "models"
    found = []
    for path in sorted(folder.glob("*.safetensors")):
        try:
            meta = read_header(path).get("__metadata__") or {}
        except (OSError, ModelFileError):
            continue
        if "ganvas" in meta:
            found.append(path)
    return found


def _record(path: Path) -> dict:
    return json.loads(read_header(path)["__metadata__"]["ganvas"])


def _model_resolution(path: Path) -> int:
    return int(_record(path)["model"]["resolution"])


def model_name(path: Path) -> str:
    """A bundled model's display name, from its header alone (as LoadedModel.name)."""
    return _record(path).get("name") or path.stem


@torch.no_grad()
def folder_distance(path: Path, images: torch.Tensor, n: int = SAMPLES) -> float:
    """SWD between `n` samples of the model and `n` of the folder's images (uint8 [N, C, R, R]),
    at the smaller of the two sizes."""
    from .metrics import sliced_wasserstein_distance
    from .render import render_seeds

    model = load_model(path)
    n = min(n, len(images))
    samples = torch.from_numpy(render_seeds(model.G, range(n))).permute(0, 3, 1, 2)[:, :3]
    reals = images[torch.randperm(len(images), generator=torch.Generator().manual_seed(0))[:n]]
    reals = reals[:, :3]
    size = min(samples.shape[-1], reals.shape[-1])

    def at(x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] == size:
            return x
        return F.interpolate(x.float(), size=(size, size), mode="area").round().to(torch.uint8)

    return sliced_wasserstein_distance(at(reals), at(samples))["swd_mean"]


def choose_base(
    images: torch.Tensor, resolution: int | None = None, candidates: list[Path] | None = None
) -> BaseChoice:
    """The candidate closest to the folder's images; with `resolution`, only models that
    train at it (their own size, or half of it: grown). Raises ValueError when none fits."""
    candidates = bundled_bases() if candidates is None else candidates
    if resolution is not None:
        candidates = [
            p for p in candidates if _model_resolution(p) in (resolution, resolution // 2)
        ]
    if not candidates:
        size = f" for {resolution} px" if resolution else ""
        raise ValueError(f"no bundled model to fine-tune{size}; train from scratch instead")
    names = {p: model_name(p) for p in candidates}
    if len(candidates) == 1:
        only = candidates[0]
        return BaseChoice(only, names[only], {names[only]: float("nan")})
    distances = {p: folder_distance(p, images) for p in candidates}
    best = min(distances, key=distances.get)
    return BaseChoice(best, names[best], {names[p]: d for p, d in distances.items()})
