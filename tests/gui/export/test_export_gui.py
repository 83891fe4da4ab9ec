"""Export and reproducibility in the GUI: export → drop back → the same pixels, a plain message
for another model's image, batch export without overwriting, contact sheets, animations,
model files, and failed writes reaching the reporter with nothing partial left."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from helpers import drop_on
from PIL import Image

from engine.export import caption_height, make_record, read_record, record_latent, save_image
from engine.latent import Latent, StyleMix, latent_ws
from engine.modelfile import load_model
from gui.core.images import qimage_to_bytes
from gui.export.dialogs import SOURCE_AROUND, SOURCE_FAVOURITES, SOURCE_GRID, SOURCE_SEEDS
from gui.window.main_window import MainWindow

WAIT_MS = 30_000

pytestmark = pytest.mark.usefixtures("private_data", "one_torch_thread")


@pytest.fixture
def window(make_model_window) -> MainWindow:
    return make_model_window()


@pytest.fixture(autouse=True)
def fresh_session(monkeypatch):
    """Export choices are remembered for the session: each test starts a new one."""
    from gui.export import dialogs

    monkeypatch.setattr(dialogs, "session", dialogs.Session())


def preview_pixels(qtbot, window: MainWindow) -> np.ndarray:
    """Wait until the preview shows exactly the current image; → its RGB pixels."""
    browse = window.browse
    qtbot.waitUntil(browse.shows_current, timeout=WAIT_MS)
    image = browse.preview_result.images[0]
    return np.frombuffer(qimage_to_bytes(image), np.uint8).reshape(image.height(), image.width(), 3)


def run_dialog(qtbot, dialog) -> None:
    job = dialog.start()
    assert job is not None, dialog.status.text()
    qtbot.waitUntil(lambda: not job.running, timeout=WAIT_MS)


def no_temp_files(folder: Path) -> bool:
    return not [p for p in folder.rglob("*") if p.name.endswith(".tmp")]


@pytest.mark.parametrize("suffix", [".png", ".webp"])
def test_exported_image_dropped_back_restores_the_latent_and_the_same_pixels(
    window, qtbot, tmp_path, suffix
):
    s, history = window.state, window.browser.history
    edited = Latent(seed=s.seeds[3], psi=0.55, mix=StyleMix(seed=77, layers=[0, 1]))
    history.apply(edited, "test edit")
    shown = preview_pixels(qtbot, window).copy()

    dialog = window.exports.export_image()
    dialog.format_box.setCurrentIndex(dialog.format_box.findData(suffix))
    dialog.path.set_text(str(tmp_path / f"out{suffix}"))
    run_dialog(qtbot, dialog)
    out = tmp_path / f"out{suffix}"
    assert out.is_file(), dialog.status.text()
    assert "Exported" in dialog.status.text()
    record = read_record(out)
    assert record["model"]["sha256"] == s.model.sha256
    assert record_latent(record) == edited
    saved = np.asarray(Image.open(out).convert("RGB"))
    assert np.array_equal(saved, shown)  # lossless: the file holds the pixels on screen

    history.apply(Latent(seed=s.seeds[9], psi=0.7), "elsewhere")
    preview_pixels(qtbot, window)
    assert drop_on(window, out).isAccepted()
    assert s.current == edited
    assert np.array_equal(preview_pixels(qtbot, window), saved)
    assert window.reporter.history == []
    history.undo()  # opening an image is one undoable step
    assert s.current == Latent(seed=s.seeds[9], psi=0.7)


def test_explicit_w_jpeg_and_upscaled_exports_keep_the_record(window, qtbot, tmp_path):
    s = window.state
    G = load_model(s.model.path).G
    ws = latent_ws(G, Latent(seed=5, psi=0.8)) * 0.9
    projected = Latent(seed=0, psi=1.0, ws=ws.tolist())
    window.browser.history.apply(projected, "explicit w")
    dialog = window.exports.export_image()
    dialog.format_box.setCurrentIndex(dialog.format_box.findData(".jpg"))
    dialog.scale.setCurrentIndex(dialog.scale.findData(4))
    assert dialog.path.text().endswith(".jpg") and dialog.quality.isEnabled()
    dialog.path.set_text(str(tmp_path / "big.jpg"))
    run_dialog(qtbot, dialog)
    with Image.open(tmp_path / "big.jpg") as im:
        assert im.size == (4 * s.model.resolution,) * 2
    restored = record_latent(read_record(tmp_path / "big.jpg"))
    assert np.array_equal(np.asarray(restored.ws, np.float32), ws.numpy())  # exact, not rounded

    window.browser.history.apply(Latent(seed=1, psi=0.7), "elsewhere")
    window.projection.open_image(tmp_path / "big.jpg")  # File → Open image… does this
    assert s.current.ws == projected.ws


def test_an_image_from_another_model_names_the_model_it_needs(window, qtbot, tmp_path):
    before = window.state.current
    pixels = np.zeros((16, 16, 3), np.uint8)
    record = make_record("sunset-faces", "ab12" * 16, Latent(seed=3, psi=0.7))
    path = save_image(tmp_path / "foreign.png", pixels, record)
    assert drop_on(window, path).isAccepted()
    assert window.state.current == before
    title, message = window.reporter.history[-1]
    assert "different model" in title.lower()
    assert "sunset-faces" in message and "ab12ab12ab12" in message
    assert window.state.model.name in message  # and which one is open now


def test_batch_export_writes_every_image_and_never_overwrites(window, qtbot, tmp_path):
    out = tmp_path / "batch"
    dialog = window.exports.batch_export()
    dialog.source.set_kind(SOURCE_SEEDS)
    dialog.source.seeds.setText("10-13")
    dialog.template.setText("{model}-{seed:06d}.png")
    dialog.folder.set_text(str(out))
    assert "000010.png" in dialog.example.text()
    run_dialog(qtbot, dialog)
    first = sorted(p.name for p in out.iterdir())
    name = window.state.model.name
    assert first == [f"{name}-{s:06d}.png" for s in range(10, 14)]
    original = (out / first[0]).read_bytes()
    assert record_latent(read_record(out / first[0])) == Latent(seed=10, psi=window.state.psi)

    run_dialog(qtbot, dialog)  # the same names again: suffixed, not replaced
    names = sorted(p.name for p in out.iterdir())
    assert len(names) == 8
    assert f"{name}-000010 (2).png" in names
    assert (out / first[0]).read_bytes() == original
    assert "Exported 4 images" in dialog.status.text()

    dialog.template.setText("{nope}.png")  # a bad template is explained, not run
    assert dialog.start() is None
    assert "{nope}" in dialog.status.text()


def test_batch_sources_favourites_and_variations_around_the_current_image(window, qtbot, tmp_path):
    browser = window.browser
    qtbot.waitUntil(lambda: browser.directions.cached is not None, timeout=WAIT_MS)
    for seed in (4, 8):
        browser.library.add_favourite(Latent(seed=seed, psi=0.6))
    dialog = window.exports.batch_export()
    dialog.source.set_kind(SOURCE_FAVOURITES)
    dialog.template.setText("fav-{index}.webp")
    dialog.folder.set_text(str(tmp_path / "favs"))
    run_dialog(qtbot, dialog)
    assert sorted(p.name for p in (tmp_path / "favs").iterdir()) == ["fav-0.webp", "fav-1.webp"]

    dialog.source.set_kind(SOURCE_AROUND)
    dialog.source.size.setValue(3)
    items = dialog.source.items()
    assert len(items) == 9
    assert items[4].latent == window.state.current  # the centre is the current image itself
    corner = items[0].latent.edits
    assert {e.name for e in corner} == {"PC1", "PC2"} and all(e.amount < 0 for e in corner)


def test_contact_sheet_has_rows_columns_padding_and_captions(window, qtbot, tmp_path):
    res = window.state.model.resolution
    dialog = window.exports.sheet()
    dialog.source.set_kind(SOURCE_GRID)
    dialog.cols.setValue(4)
    assert dialog.rows.value() == 4
    dialog.rows.setValue(2)
    dialog.pad.setValue(3)
    dialog.labels.setChecked(True)
    dialog.path.set_text(str(tmp_path / "sheet.png"))
    run_dialog(qtbot, dialog)
    band = caption_height([f"seed {x}" for x in window.state.seeds[:8]], res)
    with Image.open(tmp_path / "sheet.png") as im:
        assert im.size == (4 * res + 3 * 3, 2 * (res + band) + 3)
    assert f"8 images · sheet {im.width}×{im.height} px" in dialog.size_note.text()


@pytest.mark.parametrize("suffix", [".gif", ".webp", ".mp4"])
def test_animation_loops_through_keyframes(window, qtbot, tmp_path, suffix):
    if suffix == ".mp4":
        pytest.importorskip("imageio_ffmpeg")
    dialog = window.exports.animation()
    dialog.keys_box.setCurrentIndex(dialog.keys_box.findData("seeds"))
    dialog.seeds.setText("1, 2, 3")
    dialog.frames.setValue(6)
    dialog.fps.setValue(12)
    dialog.format_box.setCurrentIndex(dialog.format_box.findData(suffix))
    dialog.frame_slider.setValue(2)
    qtbot.waitUntil(lambda: dialog.preview_image() is not None, timeout=WAIT_MS)
    dialog.path.set_text(str(tmp_path / f"loop{suffix}"))
    run_dialog(qtbot, dialog)
    out = tmp_path / f"loop{suffix}"
    assert out.is_file() and out.stat().st_size > 0, dialog.status.text()
    if suffix != ".mp4":
        with Image.open(out) as im:
            assert im.n_frames == 6
            assert im.size == (window.state.model.resolution,) * 2
    assert "6 frames" in dialog.status.text()


def test_save_model_as_and_export_onnx(window, qtbot, tmp_path):
    dialog = window.exports.save_model()
    dialog.name.setText("my emoji")
    dialog.path.set_text(str(tmp_path / "copy.safetensors"))
    run_dialog(qtbot, dialog)
    copy = load_model(tmp_path / "copy.safetensors", with_discriminator=True)
    assert copy.name == "my emoji" and copy.D is not None
    original = load_model(window.state.model.path)
    for a, b in zip(copy.G.state_dict().values(), original.G.state_dict().values(), strict=True):
        assert torch.equal(a, b)

    pytest.importorskip("onnx")
    dialog = window.exports.export_onnx()
    dialog.path.set_text(str(tmp_path / "g.onnx"))
    run_dialog(qtbot, dialog)
    assert (tmp_path / "g.onnx").stat().st_size > 0, dialog.status.text()


def test_blend_models_dialog_writes_a_model_naming_both_parents(window, qtbot, tmp_path):
    from engine.blend import blend_models

    original = load_model(window.state.model.path)
    dialog = window.exports.blend_models()
    assert [dialog.swap.itemData(i) for i in range(dialog.swap.count())] == [8, 16]
    dialog.other.set_text(window.state.model.path)  # blending a model with itself: A == B
    dialog.swap.setCurrentIndex(dialog.swap.findData(8))
    # the live preview draws the blend of the chosen settings
    qtbot.waitUntil(lambda: not dialog.previews[-1].pixmap().isNull(), timeout=20_000)
    assert dialog.previews[0].pixmap().width() == 16
    dialog.path.set_text(str(tmp_path / "blend.safetensors"))
    run_dialog(qtbot, dialog)
    blend = load_model(tmp_path / "blend.safetensors")
    assert blend.metadata["blend"]["swap_at"] == 8
    assert blend.metadata["blend"]["a"]["sha256"] == original.sha256
    expected = blend_models(original, original, 8).state_dict()
    for key, value in blend.G.state_dict().items():
        assert torch.equal(value, expected[key]), key
    assert (tmp_path / "blend.safetensors.directions.json").is_file()


def test_a_failed_write_reaches_the_reporter_and_leaves_nothing(window, qtbot, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder should be")
    dialog = window.exports.export_image()
    dialog.path.set_text(str(blocker / "out.png"))
    run_dialog(qtbot, dialog)
    title, message = window.reporter.history[-1]
    assert "Export image" in title and "could not write" in message.lower()
    assert "Failed" in dialog.status.text()
    assert dialog.go_button.text() == "Export"  # ready to try again


def test_a_full_disk_in_the_middle_of_a_batch_keeps_what_was_written(
    window, qtbot, tmp_path, monkeypatch
):
    out = tmp_path / "full"
    real_save = Image.Image.save
    calls = []

    def save(self, fp, *args, **kwargs):
        calls.append(fp)
        if len(calls) == 3:
            Path(fp).write_bytes(b"partial")  # half a file, then the disk is full
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_save(self, fp, *args, **kwargs)

    monkeypatch.setattr(Image.Image, "save", save)
    dialog = window.exports.batch_export()
    dialog.source.seeds.setText("0-5")
    dialog.folder.set_text(str(out))
    run_dialog(qtbot, dialog)
    title, message = window.reporter.history[-1]
    assert message.endswith("run-000002.png: the disk is full")  # the CLI's sentence
    assert len(list(out.iterdir())) == 2  # the two finished images; no partial third
    assert no_temp_files(out)
    for path in out.iterdir():
        assert read_record(path) is not None


def test_cancel_stops_a_batch_between_images(window, qtbot, tmp_path):
    out = tmp_path / "cancelled"
    dialog = window.exports.batch_export()
    dialog.source.seeds.setText("0-400")
    dialog.folder.set_text(str(out))
    job = dialog.start()
    qtbot.waitUntil(lambda: out.exists() and any(out.iterdir()), timeout=WAIT_MS)
    dialog.go_button.click()  # Cancel
    qtbot.waitUntil(lambda: not job.running, timeout=WAIT_MS)
    assert job.outcome == "cancelled"
    assert 0 < len(list(out.iterdir())) < 401
    assert no_temp_files(out)
    assert "Cancelled" in dialog.status.text()
    assert window.reporter.history == []


def test_the_dialog_follows_the_current_image_and_the_record_is_readable(window, qtbot, tmp_path):
    dialog = window.exports.export_image()
    window.browser.show_seed(123)  # the open dialog follows the current image
    assert dialog.latent == window.state.current
    assert Path(dialog.path.text()).name.endswith("-000123.png")
    assert "Seed 123" in dialog.what.text()
    dialog.path.set_text(str(tmp_path / "r.png"))
    run_dialog(qtbot, dialog)
    with Image.open(tmp_path / "r.png") as im:
        text = im.info["ganvas"]
        assert "Seed: 123" in im.info["parameters"]
    assert json.loads(text)["model"]["name"] == window.state.model.name


def test_single_and_batch_export_name_files_by_one_template(window, qtbot, tmp_path):
    s = window.state
    seed = s.current.seed
    single = window.exports.export_image()
    batch = window.exports.batch_export()
    batch.source.seeds.setText(str(seed))
    batch.folder.set_text(str(tmp_path))
    run_dialog(qtbot, batch)
    (written,) = batch.last_result.paths
    assert Path(single.path.text()).name == written.name
    assert " " not in written.name and written.name.endswith(f"-{seed:06d}.png")

    # an edited template is the session's: the next single export follows it
    batch.template.setText("{seed} by {model}.webp")
    run_dialog(qtbot, batch)
    single = window.exports.export_image()
    assert Path(single.path.text()).name == batch.last_result.paths[0].name
    assert single.format_box.currentData() == ".webp"


@pytest.mark.parametrize("how", ["learned", "lanczos", "file"])
def test_an_enlarged_export_names_the_chosen_upscaler(window, qtbot, tmp_path, how):
    from engine.upscale import DetailNet, save_upscaler

    res = window.state.model.resolution
    dialog = window.exports.export_image()
    assert not dialog.enlarge.isEnabled()  # native size: nothing to enlarge
    dialog.scale.setCurrentIndex(dialog.scale.findData(4))
    assert dialog.enlarge.isEnabled() and dialog.enlarge.choice() is None  # learned by default
    if how == "lanczos":
        dialog.enlarge.setCurrentIndex(dialog.enlarge.findData("lanczos"))
    elif how == "file":
        save_upscaler(tmp_path / "mine.safetensors", DetailNet(8, 1), {"name": "My upscaler"})
        dialog.enlarge.use_file(str(tmp_path / "mine.safetensors"))
    dialog.path.set_text(str(tmp_path / "big.png"))
    run_dialog(qtbot, dialog)
    with Image.open(tmp_path / "big.png") as im:
        assert im.size == (4 * res, 4 * res)
    upscale = read_record(tmp_path / "big.png")["upscale"]
    assert upscale["factor"] == 4
    assert upscale["kind"] == {"learned": "ganvas", "lanczos": "lanczos", "file": "ganvas"}[how]
    if how == "file":
        assert upscale["name"] == "My upscaler"
        again = window.exports.batch_export()  # remembered for the session, in every dialog
        assert again.enlarge.choice() == str(tmp_path / "mine.safetensors")


def test_a_bad_upscaler_file_reaches_the_reporter(window, qtbot, tmp_path):
    bad = tmp_path / "broken.pth"
    bad.write_bytes(b"not an upscaler")
    dialog = window.exports.sheet()
    dialog.scale.setCurrentIndex(dialog.scale.findData(2))
    dialog.enlarge.use_file(str(bad))
    dialog.path.set_text(str(tmp_path / "sheet.png"))
    run_dialog(qtbot, dialog)
    title, message = window.reporter.history[-1]
    assert "broken.pth cannot be used as an upscaler" in message.lower()
    assert not (tmp_path / "sheet.png").exists()


def test_save_as_paths_show_whole(window, qtbot):
    for dialog in (window.exports.sheet(), window.exports.animation(), window.exports.save_model()):
        edit = dialog.path.edit
        needed = edit.fontMetrics().horizontalAdvance(edit.text())
        assert edit.width() >= min(needed, 600), type(dialog).__name__
        assert edit.toolTip() == edit.text()
