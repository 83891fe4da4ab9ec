"""What the About page says: the version, the libraries Ganvas is built on and their licences,
and the licences of the bundled models (read from their cards, so the two never disagree)."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from . import __version__
from .paths import resources_dir

LICENCE = "Apache-2.0"


@dataclass(frozen=True)
class Library:
    name: str  # as people know it
    distribution: str  # the package name pip knows
    module: str  # the name it is imported by
    licence: str  # SPDX, or words where one expression would mislead
    use: str  # what Ganvas uses it for, in plain words
    optional: bool = False  # listed only when installed


LIBRARIES = [
    Library("Qt and Qt for Python (PySide6)", "pyside6-essentials", "PySide6", "LGPL-3.0",
            "windows, menus and buttons"),
    Library("PyTorch", "torch", "torch", "BSD-3-Clause", "the neural networks"),
    Library("torchvision", "torchvision", "torchvision", "BSD-3-Clause",
            "needed by spandrel", optional=True),
    Library("NumPy", "numpy", "numpy", "BSD-3-Clause", "arrays of pixels"),
    Library("Pillow", "pillow", "PIL", "MIT-CMU (HPND)", "reading and writing images"),
    Library("safetensors", "safetensors", "safetensors", "Apache-2.0", "model files"),
    Library("superqt", "superqt", "superqt", "BSD-3-Clause", "extra widgets"),
    Library("spandrel", "spandrel", "spandrel", "MIT", "opening upscaler files"),
    Library("platformdirs", "platformdirs", "platformdirs", "MIT",
            "finding your settings and log folders"),
    Library("tqdm", "tqdm", "tqdm", "MPL-2.0 AND MIT", "progress bars on the command line"),
    Library("imageio-ffmpeg", "imageio-ffmpeg", "imageio_ffmpeg", "BSD-2-Clause",
            "finding ffmpeg for videos", optional=True),
    Library("pillow-heif", "pillow-heif", "pillow_heif", "BSD-3-Clause (libheif: LGPL-3.0)",
            "HEIC photos", optional=True),
    Library("ONNX", "onnx", "onnx", "Apache-2.0", "ONNX export", optional=True),
    Library("ONNX Runtime", "onnxruntime", "onnxruntime", "MIT", "checking ONNX exports",
            optional=True),
]  # fmt: skip


def installed(lib: Library) -> bool:
    return importlib.util.find_spec(lib.module) is not None


def version_of(lib: Library) -> str:
    """Its version, or "" when neither the package data nor a loaded module tells it (a bundle
    may drop package data; importing torch here just for its version would take seconds)."""
    try:
        return importlib.metadata.version(lib.distribution)
    except importlib.metadata.PackageNotFoundError:
        module = sys.modules.get(lib.module)
        return str(getattr(module, "__version__", "")) if module is not None else ""


def libraries() -> list[tuple[Library, str]]:
    """(library, version) for the required ones and the optional ones that are installed."""
    return [(lib, version_of(lib)) for lib in LIBRARIES if not lib.optional or installed(lib)]


def ffmpeg_licence(exe: str | Path, timeout_s: float = 5.0) -> str:
    """ffmpeg's licence depends on how it was built: LGPL by default, GPL when GPL parts were
    compiled in; its `-version` output lists the build options. "" when it does not run."""
    try:
        out = subprocess.run(
            [str(exe), "-hide_banner", "-version"],
            capture_output=True, text=True, timeout=timeout_s, check=False,
        ).stdout  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return ""
    return licence_from_configuration(out)


def licence_from_configuration(version_text: str) -> str:
    """The licence FFmpeg's own `configure` assigns for these build options."""
    if "configuration:" not in version_text:
        return ""
    options = set(version_text.split("configuration:", 1)[1].split("\n", 1)[0].split())
    if "--enable-nonfree" in options:
        return "not redistributable (built with non-free parts)"
    version3 = "--enable-version3" in options
    if "--enable-gpl" in options:
        return "GPL-3.0-or-later" if version3 else "GPL-2.0-or-later"
    return "LGPL-3.0-or-later" if version3 else "LGPL-2.1-or-later"


def bundled_ffmpeg() -> tuple[str, str] | None:
    """(path, licence) of the ffmpeg that imageio-ffmpeg provides, or None without one."""
    if importlib.util.find_spec("imageio_ffmpeg") is None:
        return None
    try:
        import imageio_ffmpeg

        exe = imageio_ffmpeg.get_ffmpeg_exe()
    except Exception:  # noqa: BLE001 - no binary for this platform, or not runnable
        return None
    return exe, ffmpeg_licence(exe)


@dataclass(frozen=True)
class ModelCard:
    file: str  # e.g. "default.safetensors"
    title: str
    licence: str  # the card's own words (Markdown) about its data and licence


def model_cards(folder: Path | None = None) -> list[ModelCard]:
    """The bundled models' cards (resources/models/*.md), with the parts about licences."""
    folder = resources_dir() / "models" if folder is None else folder
    cards = []
    for path in sorted(folder.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        title = next((ln[2:].strip() for ln in text.splitlines() if ln.startswith("# ")), path.stem)
        cards.append(ModelCard(f"{path.stem}.safetensors", title, licence_text(text)))
    return cards


def licence_text(card: str) -> str:
    """The blocks of a card that speak of licences: a section whose heading names it, and any
    other paragraph or list item that does (with a table that belongs to it)."""
    units: list[list[str]] = []  # a block, and the table that follows it
    for block in _blocks(card):
        if block.startswith("|") and units and not units[-1][0].startswith("#"):
            units[-1].append(block)
        else:
            units.append([block])
    kept: list[str] = []
    in_section = False
    for unit in units:
        if unit[0].startswith("#"):
            in_section = "licen" in unit[0].lower()
        elif in_section or any("licen" in block.lower() for block in unit):
            kept += unit
    return "\n\n".join(kept)


def _blocks(text: str) -> list[str]:
    """Headings, paragraphs, tables and top-level list items, each a block. A table indented
    under a list item becomes a block of its own: Markdown shows it only unindented."""
    blocks: list[str] = []
    current: list[str] = []

    def close() -> None:
        if current:
            blocks.append("\n".join(current))
            current.clear()

    for line in text.splitlines():
        stripped = line.strip()
        table = stripped.startswith("|")
        in_table = bool(current) and current[-1].startswith("|")
        if not stripped or line.startswith(("#", "- ", "* ")) or table != in_table:
            close()
        if stripped:
            current.append(stripped if table or line.startswith("  ") else line)
        if line.startswith("#"):
            close()
    close()
    return blocks


def version() -> str:
    return __version__
