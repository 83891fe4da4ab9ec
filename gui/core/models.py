"""Which model file a background job uses, and the jobs' own shared copy of it.

Jobs (export, projection, likes) load their own copy of the model from its file and check that
it is still the file the browser opened (same SHA-256), so they never touch the render
thread's model.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.modelfile import LoadedModel

    from .state import ModelInfo

MODEL_FILTER = "Ganvas models (*.safetensors);;All files (*)"  # file dialogs for model files


@dataclass(frozen=True)
class ModelRef:
    """Which model file a job uses: its path, and the SHA-256/name the browser knows it by."""

    path: str
    sha256: str
    name: str

    @classmethod
    def from_info(cls, info: ModelInfo) -> ModelRef:
        return cls(info.path, info.sha256, info.name)

    @property
    def short_sha(self) -> str:
        return self.sha256[:12]


# --- the jobs' own model copy --------------------------------------------------------------

_lock = threading.Lock()
_cache: dict[tuple[str, str], LoadedModel] = {}


def job_model(ref: ModelRef, *, with_discriminator: bool = True) -> LoadedModel:
    """The model at ref.path on the CPU, loaded once and shared by later jobs (with its
    discriminator when the file has one: projection uses it)."""
    from engine.modelfile import load_model

    key = (ref.path, ref.sha256)
    with _lock:  # held only to look up: loading waits for no one (forget_models runs on the UI)
        model = _cache.get(key)
    if model is None:
        model = load_model(ref.path, with_discriminator=with_discriminator)
        if model.sha256 != ref.sha256:
            raise ValueError(
                f"{Path(ref.path).name} has changed on disk since it was opened; "
                "open it again (File → Open model…) and retry"
            )
        with _lock:
            _cache.clear()  # one model at a time: they can be large
            _cache[key] = model
    return model


def forget_models() -> None:
    with _lock:
        _cache.clear()
