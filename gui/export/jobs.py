"""The export jobs: plain generator functions that run on a worker thread (gui.core.jobs).

Each takes one plain request dataclass (what the dialog chose: latents, paths, sizes — all
JSON-friendly), yields progress dicts `{"done", "total", "text"[, "image"]}` and returns its
result. torch and the engine's heavy parts are imported here, on the worker, never at module
import. Every write goes through the engine's atomic writers, so a failure or a cancel never
leaves a partial file under the real name.

Jobs load their own copy of the model from its file (as the directions loader does) and check
that it is still the file the browser opened (same SHA-256), so they never touch the render
thread's model.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine import naming
from engine.latent import Latent

from ..core.images import array_to_qimage
from ..core.models import ModelRef, job_model

if TYPE_CHECKING:
    import numpy as np

    from engine.modelfile import LoadedModel
    from engine.upscale import Upscaler


Progress = dict[str, Any]

LANCZOS = "lanczos"
DEFAULT_TEMPLATE = naming.DEFAULT_TEMPLATE
check_template = naming.check_template


@dataclass(frozen=True)
class Item:
    """One image of a batch: its latent and a short label (file names, sheet captions)."""

    latent: Latent
    label: str = ""


def render_one(model: LoadedModel, latent: Latent) -> np.ndarray:
    """The latent's pixels, rendered alone (as the preview and `main.py restore` do), so a
    re-render of an exported image gives the very same bytes."""
    from engine.render import render_latents

    return render_latents(model.G, [latent])[0]


# --- file names (engine.naming: one template for single and batch export) -------------------


def file_name(template: str, ref: ModelRef, item: Item, index: int) -> str:
    return naming.file_name(template, ref.name, ref.sha256, item.latent, index, item.label)


# --- requests -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImageExport:
    model: ModelRef
    latent: Latent
    path: str
    scale: int = 1
    quality: int = 95
    upscaler: str | None = None  # see job_upscaler


@dataclass(frozen=True)
class BatchExport:
    model: ModelRef
    items: tuple[Item, ...]
    folder: str
    template: str = DEFAULT_TEMPLATE
    scale: int = 1
    quality: int = 95
    upscaler: str | None = None  # see job_upscaler


@dataclass(frozen=True)
class SheetExport:
    model: ModelRef
    items: tuple[Item, ...]
    path: str
    cols: int = 4
    pad: int = 4
    labels: bool = False
    scale: int = 1
    upscaler: str | None = None  # see job_upscaler


@dataclass(frozen=True)
class AnimationExport:
    model: ModelRef
    keys: tuple[Latent, ...]
    path: str
    frames: int = 48
    fps: float = 24.0
    scale: int = 1
    mode: str = "z"  # "z": slerp between seeds; "w": lerp in w (always for edited images)
    upscaler: str | None = None  # see job_upscaler


@dataclass(frozen=True)
class ModelExport:
    model: ModelRef
    path: str
    name: str = ""
    note: str = ""
    with_discriminator: bool = True


@dataclass
class Written:
    """What a job wrote: the files, and a one-line summary for the status bar."""

    paths: list[Path] = field(default_factory=list)
    summary: str = ""


# --- jobs -----------------------------------------------------------------------------------


def _record(ref: ModelRef, latent: Latent) -> dict:
    from engine.export import make_record

    return make_record(ref.name, ref.sha256, latent)


def job_upscaler(choice: str | None) -> Upscaler | str | None:
    """What enlarges a job's images: None → the bundled learned upscaler, "lanczos", or an
    upscaler file's path, loaded here on the worker (a bad file fails the job with one plain
    sentence, engine.upscale.UpscalerError)."""
    if choice is None or choice == LANCZOS:
        return choice
    from engine.upscale import load_upscaler

    return load_upscaler(choice)


def _size_text(path: Path) -> str:
    size = path.stat().st_size
    return f"{size / 1024:.0f} KB" if size < 1 << 20 else f"{size / (1 << 20):.1f} MB"


def export_image_job(req: ImageExport) -> Iterator[Progress]:
    from engine.export import save_image

    yield {"done": 0, "total": 1, "text": "Rendering…"}
    model = job_model(req.model)
    pixels = render_one(model, req.latent)
    upscaler = job_upscaler(req.upscaler) if req.scale > 1 else None
    path = save_image(
        req.path,
        pixels,
        _record(req.model, req.latent),
        scale=req.scale,
        quality=req.quality,
        upscaler=upscaler,
    )
    yield {"done": 1, "total": 1, "text": f"Wrote {path.name}"}
    return Written([path], f"Exported {path.name} ({_size_text(path)})")


def batch_export_job(req: BatchExport) -> Iterator[Progress]:
    from engine.export import save_image, unique_path

    check_template(req.template)
    folder = Path(req.folder)
    total = len(req.items)
    yield {"done": 0, "total": total, "text": "Loading the model…"}
    model = job_model(req.model)
    upscaler = job_upscaler(req.upscaler) if req.scale > 1 else None
    written: list[Path] = []
    for i, item in enumerate(req.items):
        name = file_name(req.template, req.model, item, i)
        path = unique_path(folder / name)  # never overwrite: name (2).png, …
        pixels = render_one(model, item.latent)
        record = _record(req.model, item.latent)
        save_image(path, pixels, record, scale=req.scale, quality=req.quality, upscaler=upscaler)
        written.append(path)
        yield {"done": i + 1, "total": total, "text": f"Wrote {path.name}", "path": str(path)}
    return Written(written, f"Exported {len(written)} images to {folder}")


def render_items(model: LoadedModel, items: Sequence[Item]) -> Iterator[Progress]:
    """Render items in small batches, yielding progress; → [N, H, W, C] uint8."""
    import numpy as np

    from engine.render import render_latents

    out = []
    for start in range(0, len(items), 8):
        chunk = items[start : start + 8]
        out.append(render_latents(model.G, [it.latent for it in chunk]))
        done = start + len(chunk)
        yield {"done": done, "total": len(items), "text": f"Rendered {done} of {len(items)}"}
    return np.concatenate(out)


def contact_sheet_job(req: SheetExport) -> Iterator[Progress]:
    from engine.export import contact_sheet, save_image
    from engine.upscale import enlarge

    if not req.items:
        raise ValueError("there are no images to put on the sheet")
    yield {"done": 0, "total": len(req.items), "text": "Loading the model…"}
    model = job_model(req.model)
    images = yield from render_items(model, req.items)
    labels = [it.label for it in req.items] if req.labels else None
    if req.scale > 1:  # enlarge the cells, not the sheet: captions stay crisp
        yield {"done": len(req.items), "total": len(req.items), "text": "Enlarging…"}
        images = enlarge(images, req.scale, job_upscaler(req.upscaler))[0]
    pad = max(0, req.pad) * req.scale
    sheet = contact_sheet(images, max(1, req.cols), pad=pad, labels=labels)
    path = save_image(req.path, sheet, None)
    h, w = sheet.shape[:2]
    size = f"{w}×{h} px"
    return Written([path], f"Saved the sheet {path.name} ({size}, {_size_text(path)})")


def _loop_ws(model: LoadedModel, keys: Sequence[Latent], frames: int, mode: str):
    from engine.animation import loop_ws

    return loop_ws(model.G, list(keys), frames, mode)


def animation_frame_job(req: AnimationExport, frame: int) -> Iterator[Progress]:
    """One frame of the loop, for the dialog's preview; → QImage."""
    from engine.render import render_ws

    yield {"done": 0, "total": 1, "text": "Rendering a preview frame…"}
    model = job_model(req.model)
    ws = _loop_ws(model, req.keys, req.frames, req.mode)
    pixels = render_ws(model.G, ws[min(max(frame, 0), req.frames - 1)][None])[0]
    return array_to_qimage(pixels)


def animation_job(req: AnimationExport) -> Iterator[Progress]:
    import numpy as np

    from engine.animation import write_animation
    from engine.render import render_ws

    if len(req.keys) < 2:
        raise ValueError("an animation needs at least two keyframes")
    if req.frames < 2:
        raise ValueError("an animation needs at least two frames")
    total = req.frames + 1  # the last step writes the file
    yield {"done": 0, "total": total, "text": "Loading the model…"}
    model = job_model(req.model)
    ws = _loop_ws(model, req.keys, req.frames, req.mode)
    chunks = []
    for start in range(0, req.frames, 8):
        chunks.append(render_ws(model.G, ws[start : start + 8]))
        done = min(start + 8, req.frames)
        yield {"done": done, "total": total, "text": f"Rendered frame {done} of {req.frames}"}
    yield {"done": req.frames, "total": total, "text": "Encoding…"}
    upscaler = job_upscaler(req.upscaler) if req.scale > 1 else None
    frames = np.concatenate(chunks)
    path = write_animation(req.path, frames, req.fps, req.scale, upscaler=upscaler)
    return Written([path], f"Saved {path.name} ({req.frames} frames, {_size_text(path)})")


def save_model_job(req: ModelExport) -> Iterator[Progress]:
    from engine.modelfile import load_model, save_model

    yield {"done": 0, "total": 2, "text": "Reading the model…"}
    model = load_model(req.model.path, with_discriminator=req.with_discriminator)
    if model.sha256 != req.model.sha256:
        raise ValueError(f"{Path(req.model.path).name} has changed on disk since it was opened")
    info = {k: v for k, v in model.metadata.items() if k not in ("format", "app_version", "model")}
    if req.name.strip():
        info["name"] = req.name.strip()
    if req.note.strip():
        info["note"] = req.note.strip()
    info["saved_from"] = {"name": req.model.name, "sha256": req.model.sha256}
    yield {"done": 1, "total": 2, "text": "Writing…"}
    path = Path(req.path)
    save_model(path, model.G, model.D if req.with_discriminator else None, info=info)
    return Written([path], f"Saved the model as {path.name} ({_size_text(path)})")


@dataclass(frozen=True)
class BlendExport:
    """File → Blend models…: A's coarse layers, B's fine ones (engine/blend.py)."""

    model: ModelRef  # A: the open model
    other: str  # B: a model file
    path: str
    swap_at: int
    smooth: float = 0.0


def blend_job(req: BlendExport) -> Iterator[Progress]:
    from engine.blend import blend_info, blend_models
    from engine.directions import iter_directions
    from engine.modelfile import load_model, save_model

    yield {"done": 0, "total": 3, "text": "Reading both models…"}
    a, b = load_model(req.model.path), load_model(req.other)
    if a.sha256 != req.model.sha256:
        raise ValueError(f"{Path(req.model.path).name} has changed on disk since it was opened")
    yield {"done": 1, "total": 3, "text": "Blending…"}
    path = Path(req.path)
    save_model(
        path,
        blend_models(a, b, req.swap_at, req.smooth),
        info=blend_info(a, b, req.swap_at, req.smooth),
    )
    yield {"done": 2, "total": 3, "text": "Finding its directions…"}
    for _ in iter_directions(path):  # cached beside it, as for every bundled model
        pass
    return Written([path], f"Saved the blend as {path.name} ({_size_text(path)})")


PREVIEW_SEEDS = (0, 1, 2, 3)


def blend_preview(a_path: str, b_path: str, swap_at: int, smooth: float):
    """The blend of two model files on a few fixed seeds (uint8 N×H×W×C), for the dialog's
    live preview; the files are read once and kept while the dialog asks again."""
    from engine.blend import blend_models
    from engine.render import render_seeds

    G = blend_models(_cached_model(a_path), _cached_model(b_path), swap_at, smooth)
    return render_seeds(G, PREVIEW_SEEDS, psi=0.7)


@functools.lru_cache(maxsize=2)
def _cached_model(path: str):
    from engine.modelfile import load_model

    return load_model(path)


def onnx_job(req: ModelExport) -> Iterator[Progress]:
    from engine.modelfile import load_model
    from engine.onnx_export import export_onnx

    yield {"done": 0, "total": 2, "text": "Reading the model…"}
    model = load_model(req.model.path)  # a copy of its own: the exporter moves it to the CPU
    if model.sha256 != req.model.sha256:
        raise ValueError(f"{Path(req.model.path).name} has changed on disk since it was opened")
    yield {"done": 1, "total": 2, "text": "Converting to ONNX…"}
    path = export_onnx(model.G, req.path)
    return Written([path], f"Exported {path.name} ({_size_text(path)})")
