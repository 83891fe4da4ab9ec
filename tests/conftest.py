"""Shared fixtures: tiny image folders made in the test, tiny models, offscreen Qt."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from helpers import make_blob_images, tiny_train_config

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# never read or write the real user folders from tests (favourites, caches, runs)
_scratch = Path(tempfile.mkdtemp(prefix="ganvas-tests-"))
os.environ.setdefault("GANVAS_DATA_DIR", str(_scratch / "data"))
os.environ.setdefault("GANVAS_CACHE_DIR", str(_scratch / "cache"))


@pytest.fixture
def blob_folder(tmp_path: Path) -> Path:
    return make_blob_images(tmp_path / "images")


@pytest.fixture(scope="session")
def tiny_model_file(tmp_path_factory) -> Path:
    """A small trained-for-a-few-steps model, shared by tests that need a real file."""
    from engine.training import train

    root = tmp_path_factory.mktemp("tinymodel")
    data = make_blob_images(root / "images")
    cfg = tiny_train_config(data, root / "run", kimg=0.04)
    events = list(train(cfg))
    return Path(events[-1]["snapshot"])
