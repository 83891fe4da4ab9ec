"""Plain words where an artist reads them: the export dialogs, the Projection dock and the Train
panel's Snapshots page show no GAN jargon in their labels, buttons and choices (the jargon may
stay in tooltips, in brackets)."""

from __future__ import annotations

import pytest
from helpers import jargon_in
from PySide6.QtWidgets import QLabel

from engine.latent import Latent

pytestmark = pytest.mark.usefixtures("private_data", "one_torch_thread")


def test_the_jargon_finder_finds_jargon(qapp):
    label = QLabel("Truncation ψ 0.7 · move w by 1σ")
    found = {word.lower() for word, _ in jargon_in(label)}
    assert found == {"truncation", "ψ", "w", "σ"}
    assert jargon_in(QLabel("Variety 0.7 · 4×4 sheet · 256×256 px (2×) · WebP")) == []


@pytest.fixture
def window(make_model_window):
    return make_model_window()


def test_export_dialogs_speak_plainly(window, qtbot):
    ex = window.exports
    window.studio.keyframes = (Latent(seed=1), Latent(seed=2))
    dialogs = {
        "export image": ex.export_image(),
        "batch": ex.batch_export(),
        "contact sheet": ex.sheet(),
        "animation": ex.animation(),
        "save model": ex.save_model(),
        "blend": ex.blend_models(),
        "onnx": ex.export_onnx(),
    }
    batch = dialogs["batch"]
    for i in range(batch.source.kind.count()):  # each source shows its own fields
        batch.source.kind.setCurrentIndex(i)
        assert jargon_in(batch) == [], batch.source.kind.itemText(i)
    problems = {name: jargon_in(d) for name, d in dialogs.items()}
    for d in dialogs.values():
        d.close()
    assert {k: v for k, v in problems.items() if v} == {}


def test_projection_dock_speaks_plainly_before_and_after(window, qtbot, tmp_path):
    from PIL import Image

    panel = window.projection.panel
    assert jargon_in(panel) == []
    image = tmp_path / "photo.png"
    Image.new("RGB", (24, 24), (200, 60, 40)).save(image)
    panel.steps.setValue(2)
    window.projection.project(image)
    qtbot.waitUntil(lambda: not panel.running, timeout=30_000)
    assert panel.metrics.text()  # the result's quality is shown …
    assert jargon_in(panel) == []  # … in plain words (the numbers' names in the tooltip)
    assert "PSNR" in panel.metrics.toolTip()


def test_snapshots_page_speaks_plainly(window, qtbot, tiny_model_file, tmp_path):
    page = window.train_panel.snapshots
    assert jargon_in(page) == []
