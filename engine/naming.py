"""Export file names: one template for single and batch export, safe on every system.

A template is a Python format string over a few fields, e.g. the default `{model}-{id}.png`
→ `Ganvas-default-(emoji-faces,-64-px)-000042.png`. Whatever the fields hold, the result is a
name Windows, macOS and Linux all accept: no forbidden characters, no trailing dots or spaces,
no reserved device names (CON, NUL, COM1, …), not too long.
"""

from __future__ import annotations

import re
import string
from pathlib import PurePath
from typing import Any

from .latent import Latent

DEFAULT_TEMPLATE = "{model}-{id}.png"
FIELDS = ("model", "id", "seed", "index", "psi", "sha", "name")
FIELD_HELP = (
    "{model} the model's name, {id} the seed (or a short code for an edited image), "
    "{seed} (e.g. {seed:06d}), {index} (its number in a batch), {psi}, {sha} (the model's "
    "short fingerprint), {name} (a favourite's name)"
)
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")
MAX_NAME = 150  # characters: far below every system's limit, leaving room for the folder

_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]+')  # Windows' list; "/" everywhere
_SUFFIX = re.compile(r"(.*?)(\.[A-Za-z0-9]{1,5})?", re.DOTALL)
_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {f"{d}{i}" for d in ("COM", "LPT") for i in range(10)}


def safe_file_name(text: str) -> str:
    """`text` as a file name every system accepts (the suffix, if any, is kept)."""
    name = _FORBIDDEN.sub("_", text).strip()
    stem, suffix = _SUFFIX.fullmatch(name).groups(default="")
    stem = stem.strip().rstrip(". ") or "image"
    # Windows reserves CON, NUL, … in any case and with any suffix ("con.tar.png" too)
    if stem.split(".")[0].strip().upper() in _RESERVED:
        stem = "_" + stem
    stem = stem[: MAX_NAME - len(suffix)].rstrip(". ") or "image"
    return stem + suffix


def field_text(text: str) -> str:
    """A name put into a file name: safe, and with dashes for spaces."""
    return "-".join(safe_file_name(text).split())


def latent_code(latent: Latent) -> str:
    """A plain seed as six digits or more (`000042`); an edited, bred or mixed image as six hex
    digits of its content hash, so different edits of one seed get different names."""
    if latent.ws is None and not latent.edits and latent.mix is None:
        return f"{latent.seed:06d}"
    from .breeding import latent_id

    return f"{latent_id(latent) & 0xFFFFFF:06x}"


def name_fields(
    model_name: str, model_sha256: str, latent: Latent, index: int = 0, label: str = ""
) -> dict[str, Any]:
    return {
        "model": field_text(model_name),
        "id": latent_code(latent),
        "seed": latent.seed,
        "index": index,
        "psi": latent.psi,
        "sha": model_sha256[:12],
        "name": field_text(label) if label else f"{index:04d}",
    }


def file_name(
    template: str,
    model_name: str,
    model_sha256: str,
    latent: Latent,
    index: int = 0,
    label: str = "",
) -> str:
    """The file name `template` gives this image (checked with check_template first)."""
    fields = name_fields(model_name, model_sha256, latent, index, label)
    return safe_file_name(template.strip().format(**fields))


def check_template(template: str) -> str:
    """The template if it can name image files, else a ValueError in plain words."""
    template = template.strip()
    if not template:
        raise ValueError("the file name template is empty")
    try:
        names = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
    except ValueError as exc:
        raise ValueError(f"cannot read the file name template: {exc}") from None
    unknown = [n for n in names if n.split(".")[0].split("[")[0] not in FIELDS]
    if unknown:
        fields = ", ".join("{" + f + "}" for f in FIELDS)
        raise ValueError(f"unknown field {{{unknown[0]}}} in the file name; use {fields}")
    try:
        name = template.format(**name_fields("model", "0" * 64, Latent(seed=1)))
    except (ValueError, KeyError, IndexError, AttributeError) as exc:
        raise ValueError(f"cannot use the file name template: {exc}") from None
    if "/" in name or "\\" in name:
        raise ValueError("the file name template may not contain folders")
    if PurePath(name).suffix.lower() not in IMAGE_SUFFIXES:
        raise ValueError("the file name must end in .png, .jpg or .webp")
    return template
