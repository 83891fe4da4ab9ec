"""Directions in w worth moving along: GANSpace's PCA of the mapping network's output.

`iter_directions` samples w for many random z, takes the top-k principal components and yields
progress dicts, the last one holding the `Directions`. The result is cached by the model's
SHA-256: beside the model (`<model>.directions.json`) when that folder is writable, otherwise
in the user cache folder (a bundled, read-only model). A later open reads the cache.

Named directions (a vector, its std and a layer range the user liked) are saved as JSON with
`save_named_directions` and read back with `load_named_directions`; a model's own set can sit
beside it (`named_directions_path`). `direction_between` makes one from two images' w,
`rename_direction` and `add_direction` keep names unique, and `clamp_strength` keeps a slider
inside the ±MAX_STRENGTH std the PCA samples cover.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .files import write_text_atomic

if TYPE_CHECKING:  # saved directions are plain data; torch is imported to compute them
    import torch

    from .networks import Generator

CACHE_VERSION = 1
DEFAULT_COMPONENTS = 8
DEFAULT_SAMPLES = 10_000
CHUNK = 1_000
# Beyond ±3 std along a direction there are almost no samples of w (0.3 % for a normal
# distribution): the generator never saw such w, so the picture breaks up there.
MAX_STRENGTH = 3.0


@dataclass
class Directions:
    """Orthonormal unit vectors in w (rows), with the std of w along each: one slider unit."""

    vectors: list[list[float]]
    stds: list[float]
    mean: list[float]
    explained: list[float]  # fraction of the total variance each component explains
    samples: int
    seed: int
    model_sha256: str
    version: int = CACHE_VERSION

    @property
    def count(self) -> int:
        return len(self.vectors)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Directions:
        d = cls(
            vectors=[[float(v) for v in row] for row in data["vectors"]],
            stds=[float(s) for s in data["stds"]],
            mean=[float(v) for v in data["mean"]],
            explained=[float(v) for v in data["explained"]],
            samples=int(data["samples"]),
            seed=int(data["seed"]),
            model_sha256=str(data["model_sha256"]),
            version=int(data.get("version", 0)),
        )
        if not (len(d.vectors) == len(d.stds) == len(d.explained)):
            raise ValueError("directions file is inconsistent")
        return d


@dataclass
class NamedDirection:
    """A direction the user named: unit vector, std (slider unit) and default layer range."""

    name: str
    vector: list[float]
    std: float
    start: int = 0
    end: int | None = None
    note: str = ""
    tags: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NamedDirection:
        name = str(data["name"]).strip()
        if not name:
            raise ValueError("a saved direction needs a name")
        end = data.get("end")
        return cls(
            name=name,
            vector=[float(v) for v in data["vector"]],
            std=float(data.get("std", 1.0)),
            start=int(data.get("start", 0)),
            end=None if end is None else int(end),
            note=str(data.get("note", "")),
            tags=[str(t) for t in data.get("tags", [])],
        )


def sample_ws(G: Generator, samples: int, seed: int = 0) -> Iterator[torch.Tensor]:
    """Untruncated w [chunk, w_dim] for `samples` random z, CHUNK at a time (reproducible)."""
    import torch

    gen = torch.Generator().manual_seed(seed)
    done = 0
    while done < samples:
        n = min(CHUNK, samples - done)
        z = torch.randn(n, G.cfg.z_dim, generator=gen).to(G.w_avg.device)
        with torch.no_grad():
            yield G.mapping(z).float().cpu()
        done += n


def principal_components(w: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """→ (components [k, D] orthonormal rows, std [k]) of the samples w [N, D].

    Each component's sign is fixed so its largest-magnitude entry is positive, so the same
    samples always give the same directions.
    """
    import torch

    w = w.double()
    centred = w - w.mean(0)
    cov = centred.T @ centred / max(len(w) - 1, 1)
    evals, evecs = torch.linalg.eigh(cov)  # ascending
    order = torch.argsort(evals, descending=True)[:k]
    comps = evecs[:, order].T.contiguous()  # [k, D]
    idx = comps.abs().argmax(1)
    signs = torch.sign(comps[torch.arange(len(comps)), idx])
    comps = comps * signs[:, None]
    return comps, evals[order].clamp_min(0).sqrt()


def compute_directions(
    G: Generator,
    sha256: str,
    k: int = DEFAULT_COMPONENTS,
    samples: int = DEFAULT_SAMPLES,
    seed: int = 0,
) -> Iterator[dict[str, Any]]:
    """Yield {'step', 'total'} while sampling, then {'directions': Directions}."""
    import torch

    k = min(k, G.cfg.w_dim)
    chunks, done = [], 0
    yield {"step": 0, "total": samples}
    for chunk in sample_ws(G, samples, seed):
        chunks.append(chunk)
        done += len(chunk)
        yield {"step": done, "total": samples}
    w = torch.cat(chunks)
    comps, std = principal_components(w, k)
    total_var = w.double().var(0).sum().item()
    yield {
        "directions": Directions(
            vectors=comps.float().tolist(),
            stds=std.tolist(),
            mean=w.mean(0).tolist(),
            explained=(std.square() / max(total_var, 1e-12)).tolist(),
            samples=samples,
            seed=seed,
            model_sha256=sha256,
        )
    }


def user_cache_dir() -> Path:
    """GANVAS_CACHE_DIR when set (tests), else the platform's user cache folder."""
    override = os.environ.get("GANVAS_CACHE_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_cache_dir("Ganvas", appauthor=False))


def cache_paths(model_path: Path | str, sha256: str) -> list[Path]:
    """Where a model's directions may be cached, in the order they are tried."""
    model_path = Path(model_path)
    beside = model_path.with_name(model_path.name + ".directions.json")
    return [beside, user_cache_dir() / "directions" / f"{sha256}.json"]


def read_cached(model_path: Path | str, sha256: str, k: int, samples: int) -> Directions | None:
    """Cached directions for exactly this model (same SHA-256), enough of them, or None."""
    for path in cache_paths(model_path, sha256):
        try:
            d = Directions.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError):
            continue  # missing, unreadable or from an older format: ignore it
        ok = d.version == CACHE_VERSION and d.model_sha256 == sha256 and d.samples == samples
        if ok and d.count >= k:
            return d
    return None


def write_cache(model_path: Path | str, d: Directions) -> Path:
    """Write beside the model when possible, else into the user cache; → where it went."""
    text = json.dumps(d.to_dict())
    last_error: OSError | None = None
    for path in cache_paths(model_path, d.model_sha256):
        try:
            write_text_atomic(path, text)
            return path
        except OSError as exc:  # read-only model folder: try the next place
            last_error = exc
    assert last_error is not None
    raise last_error


def iter_directions(
    model_path: Path | str,
    k: int = DEFAULT_COMPONENTS,
    samples: int = DEFAULT_SAMPLES,
    seed: int = 0,
    *,
    G: Generator | None = None,
    sha256: str | None = None,
) -> Iterator[dict[str, Any]]:
    """The model's directions from the cache, or computed (with progress) and then cached.

    The last dict holds 'directions', 'cached' (read from the cache) and 'path' (the cache
    file, or None when it could not be written anywhere).
    """
    from .modelfile import load_model, sha256_of

    model_path = Path(model_path)
    sha256 = sha256 or sha256_of(model_path)
    cached = read_cached(model_path, sha256, k, samples)
    if cached is not None:
        cached.vectors, cached.stds, cached.explained = (
            cached.vectors[:k],
            cached.stds[:k],
            cached.explained[:k],
        )
        yield {"directions": cached, "cached": True, "path": None}
        return
    if G is None:
        G = load_model(model_path).G
    for event in compute_directions(G, sha256, k, samples, seed):
        if "directions" not in event:
            yield event
            continue
        try:
            path: Path | None = write_cache(model_path, event["directions"])
        except OSError:
            path = None  # nowhere writable: still usable, computed again next time
        yield {"directions": event["directions"], "cached": False, "path": path}


def save_named_directions(path: Path | str, directions: list[NamedDirection]) -> None:
    payload = {"version": 1, "directions": [d.to_dict() for d in directions]}
    write_text_atomic(path, json.dumps(payload, indent=1))


def load_named_directions(path: Path | str) -> list[NamedDirection]:
    """The saved directions in a file ([] when it does not exist); bad entries are skipped."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot read saved directions {Path(path).name}: {exc}") from None
    out = []
    for item in data.get("directions", []) if isinstance(data, dict) else []:
        try:
            out.append(NamedDirection.from_dict(item))
        except (KeyError, TypeError, ValueError):
            continue
    return out


def clamp_strength(value: float) -> float:
    """A slider value (in std along its direction) kept within ±MAX_STRENGTH."""
    return max(-MAX_STRENGTH, min(MAX_STRENGTH, float(value)))


def named_directions_path(model_path: Path | str) -> Path:
    """Where a model's named directions go beside it: MODEL.safetensors.named-directions.json."""
    model_path = Path(model_path)
    return model_path.with_name(model_path.name + ".named-directions.json")


def unique_name(name: str, taken: list[str] | set[str]) -> str:
    """`name`, or "name 2", "name 3", … when that is taken."""
    name = name.strip()
    if name not in taken:
        return name
    n = 2
    while f"{name} {n}" in taken:
        n += 1
    return f"{name} {n}"


def rename_direction(directions: list[NamedDirection], old: str, new: str) -> list[NamedDirection]:
    """A copy of `directions` with `old` called `new`; ValueError on an empty or taken name."""
    new = new.strip()
    if not new:
        raise ValueError("a direction needs a name")
    if new != old and any(d.name == new for d in directions):
        raise ValueError(f"there is already a direction called {new}")
    if not any(d.name == old for d in directions):
        raise ValueError(f"there is no direction called {old}")
    return [replace(d, name=new) if d.name == old else d for d in directions]


def add_direction(directions: list[NamedDirection], new: NamedDirection) -> list[NamedDirection]:
    """A copy with `new` appended, renamed "name 2" etc. when its name is taken."""
    name = unique_name(new.name, {d.name for d in directions})
    return [*directions, replace(new, name=name)]


def direction_between(
    w_from: Sequence[float] | Sequence[Sequence[float]],
    w_to: Sequence[float] | Sequence[Sequence[float]],
    name: str,
) -> NamedDirection:
    """The direction from one image to another: the difference of their w (per-layer w are
    averaged first). Its std is the distance between them, so strength 1 goes from the
    first image exactly to the second."""

    def mean_w(w: Sequence[float] | Sequence[Sequence[float]]) -> list[float]:
        rows = [w] if isinstance(w[0], (int, float)) else w  # one w, or one per layer
        rows = [[float(v) for v in r] for r in rows]  # type: ignore[union-attr]
        return [sum(col) / len(rows) for col in zip(*rows, strict=True)]

    a, b = mean_w(w_from), mean_w(w_to)
    if len(a) != len(b):
        raise ValueError("the two images come from different models")
    diff = [y - x for x, y in zip(a, b, strict=True)]
    norm = math.sqrt(sum(v * v for v in diff))
    if norm < 1e-8:
        raise ValueError("the two images are the same, so there is no direction between them")
    return NamedDirection(name.strip() or "A to B", [v / norm for v in diff], norm)
