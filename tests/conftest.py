"""Shared fixtures: tiny image folders made in the test, tiny models, offscreen Qt."""

from __future__ import annotations

import os
import random
import tempfile
from pathlib import Path

import pytest
from helpers import make_blob_images, tiny_train_config

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# never read or write the real user folders from tests (favourites, caches, runs)
_scratch = Path(tempfile.mkdtemp(prefix="ganvas-tests-"))
os.environ.setdefault("GANVAS_DATA_DIR", str(_scratch / "data"))
os.environ.setdefault("GANVAS_CACHE_DIR", str(_scratch / "cache"))
os.environ.setdefault("GANVAS_CONFIG_DIR", str(_scratch / "config"))
os.environ.setdefault("GANVAS_LOG_DIR", str(_scratch / "log"))
MODEL_WAIT_MS = 30_000  # a test window shows the tiny model's first grid within this


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


@pytest.fixture
def two_bases(tiny_model_file, tmp_path):
    """The tiny trained model and an untrained one of the same shape (draws noise)."""
    import shutil

    import torch

    from engine.modelfile import load_model, save_model
    from engine.networks import Generator
    from engine.upscale import DetailNet, save_upscaler

    folder = tmp_path / "models"
    folder.mkdir()
    trained = shutil.copy(tiny_model_file, folder / "trained.safetensors")
    model = load_model(tiny_model_file)
    torch.manual_seed(1)
    save_model(folder / "untrained.safetensors", Generator(model.config), info={"name": "noise"})
    save_upscaler(folder / "upscaler.safetensors", DetailNet(8, 1))  # not a GAN: never a base
    return folder, trained


@pytest.fixture
def private_data(tmp_path: Path, monkeypatch) -> Path:
    """Per-test user data and cache folders (favourites, ratings, caches start empty); → the
    data folder."""
    monkeypatch.setenv("GANVAS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("GANVAS_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "data"


@pytest.fixture
def one_torch_thread():
    """torch on one thread during the test (the thread count is restored after it)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def make_model_window(qtbot, tiny_model_file):
    """→ make(): a shown main window (seeded seeds, a non-interactive error reporter) with the
    tiny model open and its first grid rendered; all of them are closed at teardown."""
    from gui.core.errors import ErrorReporter
    from gui.core.state import BrowseState
    from gui.window.main_window import MainWindow

    windows = []

    def make() -> MainWindow:
        w = MainWindow(
            state=BrowseState(rng=random.Random(0)), reporter=ErrorReporter(interactive=False)
        )
        qtbot.addWidget(w)
        w.show()
        w.open_model(tiny_model_file)
        qtbot.waitUntil(lambda: w.browse.result is not None, timeout=MODEL_WAIT_MS)
        windows.append(w)
        return w

    yield make
    for w in windows:
        w.close()
