"""Test helpers importable from any test module (conftest is not importable)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

if TYPE_CHECKING:
    from PySide6.QtGui import QDropEvent
    from PySide6.QtWidgets import QWidget

    from gui.window.main_window import MainWindow


def make_blob_images(folder: Path, n: int = 24, size: int = 24, seed: int = 0) -> Path:
    """Coloured discs on white: a tiny dataset with real structure."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:size, :size]
    for i in range(n):
        img = np.full((size, size, 3), 255, np.uint8)
        r = rng.integers(size // 6, size // 3)
        cx, cy = rng.integers(size // 3, 2 * size // 3, 2)
        img[(yy - cy) ** 2 + (xx - cx) ** 2 < r * r] = rng.integers(0, 255, 3)
        Image.fromarray(img).save(folder / f"img{i:03d}.png")
    return folder


def tiny_train_config(data: Path, run: Path, **overrides):
    from engine.config import DataConfig, ModelConfig, TrainConfig

    cfg = TrainConfig(
        data_dir=str(data),
        run_dir=str(run),
        data=DataConfig(resolution=16),
        model=ModelConfig(z_dim=32, w_dim=32, mapping_layers=2, channel_base=256, channel_max=32),
        batch=4,
        kimg=0.08,  # 20 steps of 4 images
        log_every=5,
        preview_every=10,
        checkpoint_every=10,
        snapshot_every=10,
        metric_every=0,
        preview_seeds=4,
        threads=1,
    )
    for key, value in overrides.items():
        setattr(cfg, key, value)
    return cfg


def drop_on(window: MainWindow, path: Path) -> QDropEvent:
    """Drop a local file or folder on the window as a file manager would; → the event (accepted
    when the window took it)."""
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDropEvent

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(
        QPointF(20, 20),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(event)
    return event


# --- plain words: GAN jargon an artist should not have to read (tooltips may name it) ---------

JARGON = (
    "ψ", "σ", "kimg", "swd", "latent", "truncation", "psnr", "ssim", "lpips", "fid",
    "slerp", "lerp", "discriminator", "generator", "ganspace", "pca", "ema", "ada",
    "gan", "rms", "checkpoint", "mapping network", "w space", "z space",
)  # fmt: skip
_JARGON = re.compile(
    r"(?<![a-z])("
    + "|".join(re.escape(j) for j in JARGON)
    + r")(?![a-z])|(?<![\w.-])[wz](?![\w-])",
    re.IGNORECASE,
)


def visible_texts(root: QWidget) -> list[str]:
    """Every text an artist can read in `root` without hovering: labels, buttons, choices,
    field suffixes, titles."""
    from PySide6.QtWidgets import (
        QAbstractButton,
        QAbstractSpinBox,
        QComboBox,
        QDoubleSpinBox,
        QGroupBox,
        QLabel,
        QLineEdit,
        QSpinBox,
        QTabWidget,
        QWidget,
    )

    texts = [root.windowTitle()]
    for w in [root, *root.findChildren(QWidget)]:
        if isinstance(w, QLabel):
            texts.append(re.sub(r"<[^>]+>", "", w.text()))
        elif isinstance(w, QAbstractButton):
            texts.append(w.text())
        elif isinstance(w, QComboBox):
            texts += [w.itemText(i) for i in range(w.count())]
        elif isinstance(w, QGroupBox):
            texts.append(w.title())
        elif isinstance(w, QTabWidget):
            texts += [w.tabText(i) for i in range(w.count())]
        elif isinstance(w, QLineEdit):
            texts.append(w.placeholderText())
        if isinstance(w, (QSpinBox, QDoubleSpinBox)):
            texts += [w.prefix(), w.suffix(), w.specialValueText()]
        if isinstance(w, QAbstractSpinBox):
            texts.append(w.text())
    return [t for t in texts if t]


def jargon_in(root: QWidget) -> list[tuple[str, str]]:
    """(word, the text it is in) for each jargon word an artist would read."""
    found = []
    for text in visible_texts(root):
        for match in _JARGON.finditer(text.replace("&", "")):
            found.append((match.group(0), text))
    return found
