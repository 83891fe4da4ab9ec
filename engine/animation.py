"""Seamless loops through keyframes: slerp in z (seeds) or lerp in w, written as GIF/WebP/MP4."""

from __future__ import annotations

import errno
import functools
import os
import re
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from .bending import bent
from .files import write_atomic
from .latent import Latent, latent_ws
from .networks import Generator
from .render import render_ws, z_from_seed
from .upscale import enlarge

ANIMATION_FORMATS = (".gif", ".webp", ".mp4")


def slerp(a: torch.Tensor, b: torch.Tensor, t: float) -> torch.Tensor:
    """Spherical interpolation; Gaussian z live near a sphere, so this keeps samples typical."""
    an, bn = a / a.norm(), b / b.norm()
    omega = torch.arccos((an * bn).sum().clamp(-1, 1))
    if omega.abs() < 1e-6:
        return a.lerp(b, t)
    so = torch.sin(omega)
    return (torch.sin((1 - t) * omega) / so) * a + (torch.sin(t * omega) / so) * b


def loop_ws(G: Generator, keys: Sequence[Latent], frames: int, mode: str = "z") -> torch.Tensor:
    """ws for `frames` frames visiting every keyframe and wrapping back to the first."""
    if len(keys) < 2:
        raise ValueError("an animation needs at least two keyframes")
    if mode not in ("z", "w"):
        raise ValueError("interpolation mode must be 'z' (slerp) or 'w' (lerp)")
    if mode == "z" and any(k.ws is not None or k.edits or k.mix for k in keys):
        mode = "w"  # edited latents only exist in w
    out = []
    for f in range(frames):
        pos = f * len(keys) / frames
        i, t = int(pos), pos - int(pos)
        a, b = keys[i], keys[(i + 1) % len(keys)]
        if mode == "z":
            z = slerp(z_from_seed(a.seed, G.cfg.z_dim), z_from_seed(b.seed, G.cfg.z_dim), t)
            out.append(G.map(z[None].to(G.w_avg.device), a.psi + (b.psi - a.psi) * t)[0])
        else:
            out.append(latent_ws(G, a).lerp(latent_ws(G, b), t))
    return torch.stack(out)


@torch.no_grad()
def render_loop(
    G: Generator,
    keys: Sequence[Latent],
    frames: int,
    mode: str = "z",
    progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    ws = loop_ws(G, keys, frames, mode)
    with bent(G, keys[0].bends):  # the first keyframe's bends, on every frame
        return _render_frames(G, ws, frames, progress)


def _render_frames(
    G: Generator, ws: torch.Tensor, frames: int, progress: Callable[[int, int], None] | None
) -> np.ndarray:
    chunks = []
    for start in range(0, frames, 16):
        chunks.append(render_ws(G, ws[start : start + 16]))
        if progress:
            progress(min(start + 16, frames), frames)
    return np.concatenate(chunks)


def write_animation(
    path: Path | str, frames: np.ndarray, fps: float = 24, scale: int = 1, upscaler=None
) -> Path:
    """Frames to a GIF/WebP/MP4 loop, enlarged `scale`× by `upscaler` (engine.upscale.enlarge)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in ANIMATION_FORMATS:
        raise ValueError(f"cannot write {path.name}: use .gif, .webp or .mp4")
    if scale > 1:
        frames = np.concatenate(
            [enlarge(frames[i : i + 16], scale, upscaler)[0] for i in range(0, len(frames), 16)]
        )
    images = [Image.fromarray(f).convert("RGB") for f in frames]
    duration = round(1000 / fps)

    def save(tmp: Path) -> None:
        if suffix == ".mp4":
            _write_mp4(tmp, images, fps)
            return
        fmt = {"format": "GIF"} if suffix == ".gif" else {"format": "WEBP", "quality": 90}
        images[0].save(
            tmp, save_all=True, append_images=images[1:], duration=duration, loop=0, **fmt
        )

    write_atomic(path, save)
    return path


@functools.lru_cache(maxsize=1)
def mp4_available() -> bool:
    """Whether MP4 export works here: a tiny clip is actually encoded, through the same path
    a real export takes (imageio-ffmpeg's binary with libx264), once per run. An `ffmpeg` on
    PATH does not count: export never uses it, and one without libx264 would fail anyway."""
    frames = [Image.new("RGB", (16, 16), (i * 80, 0, 0)) for i in range(2)]
    with tempfile.TemporaryDirectory(prefix="ganvas-mp4-") as folder:
        probe = Path(folder) / "probe.mp4"
        try:
            _write_mp4(probe, frames, 2)
        except (OSError, ValueError, RuntimeError):
            return False
        return probe.is_file() and probe.stat().st_size > 0


def _write_mp4(path: Path, images: list[Image.Image], fps: float) -> None:
    """H.264 through ffmpeg, checking its exit status: it reports a full disk only on stderr
    ("Error writing trailer") and would otherwise leave a file that does not play."""
    try:
        import imageio_ffmpeg
    except ImportError:
        raise ValueError(
            "MP4 needs the optional imageio-ffmpeg package (pip install "
            "'ganvas[video]'); GIF and WebP work without it"
        ) from None
    w, h = images[0].size
    pad_w, pad_h = w + w % 2, h + h % 2  # H.264 wants even sizes
    cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error"]
    cmd += ["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{pad_w}x{pad_h}", "-r", f"{fps:g}"]
    cmd += ["-i", "-", "-an", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-f", "mp4", str(path)]
    frames = []
    for im in images:
        if (pad_w, pad_h) != (w, h):
            canvas = Image.new("RGB", (pad_w, pad_h))
            canvas.paste(im)
            im = canvas
        frames.append(im.tobytes())
    try:
        done = subprocess.run(cmd, input=b"".join(frames), capture_output=True, check=False)
    except OSError as exc:
        raise ValueError(f"could not run ffmpeg to write the MP4: {exc}") from None
    if done.returncode != 0:
        text = done.stderr.decode("utf-8", "replace").strip()
        m = re.search(r"No space left on device|Read-only file system|Permission denied", text)
        if m:  # the disk's fault: becomes a WriteError naming the reason (files.writing)
            code = {"No": errno.ENOSPC, "Re": errno.EROFS, "Pe": errno.EACCES}[m[0][:2]]
            raise OSError(code, os.strerror(code), str(path))
        last = text.splitlines()[-1] if text else f"exit status {done.returncode}"
        raise ValueError(f"ffmpeg could not write the MP4: {last}")
