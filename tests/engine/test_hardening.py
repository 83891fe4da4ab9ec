"""Issue #16: one-line errors (exit 2), no partial files on full or read-only disks, checked CLI
values, divergence caught, and the run list surviving a bad run folder."""

from __future__ import annotations

import errno
import json
import logging
import os
import subprocess
import sys
import uuid
from collections import deque
from pathlib import Path

import pytest
import torch
from helpers import tiny_train_config
from PIL import Image

from engine.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from engine.errors import user_message
from engine.files import NEW_FILE_MODE, WriteError, write_atomic, write_text_atomic
from engine.training import TrainingError, _divergence, train

ROOT = Path(__file__).resolve().parents[2]
TINY = ["--resolution", "16", "--batch", "4", "--channel-base", "256", "--channel-max", "32"]
QUIET = ["--metric-every", "0", "--threads", "1"]


def ganvas(*args: str) -> subprocess.CompletedProcess:
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, str(ROOT / "main.py"), *args]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=240, env=env)


def assert_one_line_error(result: subprocess.CompletedProcess, reason: str = "") -> str:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    lines = [x for x in result.stderr.strip().splitlines() if x.startswith("error:")]
    assert len(lines) == 1 and reason in lines[0], result.stderr
    assert result.stderr.strip().splitlines()[-1] == lines[0], result.stderr
    return lines[0]


def leftovers(folder: Path) -> list[Path]:
    """Temp files or empty files a failed write left behind."""
    return [
        p for p in folder.rglob("*") if p.is_file() and (p.suffix == ".tmp" or not p.stat().st_size)
    ]


# --- hostile CLI values ---------------------------------------------------------------------

HOSTILE = [
    (["train", "--kimg", "inf"], "finite"),
    (["train", "--kimg", "nan"], "finite"),
    (["train", "--kimg", "-1"], "greater than 0"),
    (["train", "--kimg", "0"], "greater than 0"),
    (["train", "--batch", "0"], "--batch"),
    (["train", "--batch", "-4"], "--batch"),
    (["train", "--batch", "2.5"], "whole number"),
    (["train", "--channel-base", "0"], "--channel-base"),
    (["train", "--channel-max", "4"], "--channel-max"),
    (["train", "--lr", "0"], "--lr"),
    (["train", "--lr", "nan"], "--lr"),
    (["train", "--seed", "-1"], "--seed"),
    (["train", "--threads", "0"], "--threads"),
    (["train", "--log-every", "-1"], "--log-every"),
    (["train", "--keep-variety", "-1"], "--keep-variety"),
    (["train", "--resolution", "48"], "power of two"),
    (["train", "--out", "FILE"], "is a file"),
    (["train", "--data", "FILE"], "is a file"),
    (["interpolate", "--fps", "0"], "--fps"),
    (["interpolate", "--fps", "-3"], "--fps"),
    (["interpolate", "--fps", "nan"], "--fps"),
    (["interpolate", "--frames", "1"], "--frames"),
    (["interpolate", "--truncation", "nan"], "--truncation"),
    (["interpolate", "--out", "FOLDER"], "is a folder"),
    (["generate", "--truncation", "nan"], "--truncation"),
    (["generate", "--truncation", "inf"], "--truncation"),
    (["generate", "--out", "FILE"], "is a file"),
    (["project", "IMAGE", "--steps", "0"], "--steps"),
    (["metrics", "--n", "0"], "--n"),
    (["metrics", "--data", "FILE"], "not a folder"),
    (["project", "/nonexistent.png"], "cannot use /nonexistent.png"),
]
BASE = {
    "train": ["--data", "DATA", "--out", "RUN", *TINY, *QUIET],
    "interpolate": ["--model", "MODEL", "--seeds", "1,2", "--out", "OUT/loop.gif"],
    "generate": ["--model", "MODEL", "--out", "OUT"],
    "project": ["--model", "MODEL", "--out", "OUT/p.png"],
    "metrics": ["--model", "MODEL", "--data", "DATA"],
}


@pytest.mark.parametrize("args, reason", HOSTILE, ids=[" ".join(a) for a, _ in HOSTILE])
def test_hostile_values_exit_2_with_one_line(args, reason, tmp_path, blob_folder, tiny_model_file):
    (tmp_path / "file").write_text("x")
    (tmp_path / "folder").mkdir()
    subs = {
        "DATA": blob_folder,
        "RUN": tmp_path / "run",
        "OUT": tmp_path / "out",
        "MODEL": tiny_model_file,
        "FILE": tmp_path / "file",
        "FOLDER": tmp_path / "folder",
        "IMAGE": blob_folder / "img000.png",
    }
    command, extra = args[0], args[1:]
    # a typed value replaces the base's (argparse keeps the last one)
    argv = [command, *BASE[command], *extra]
    result = ganvas(*[str(subs.get(a, a)) for a in argv])
    assert_one_line_error(result, reason)
    assert not (tmp_path / "run").exists(), "a failed train left a run folder"
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_bugs_keep_their_traceback():
    assert user_message(KeyError("x")) is None
    assert user_message(RuntimeError("boom")) is None
    assert user_message(TrainingError("diverged")) == "diverged"
    assert user_message(OSError(errno.ENOSPC, "No space", "/x/y")) == (
        "could not write /x/y: the disk is full"
    )


def test_cli_sets_torch_threads_deliberately(monkeypatch):
    from engine import cli
    from engine.config import default_threads

    calls: list[int] = []
    monkeypatch.setattr(torch, "set_num_threads", calls.append)
    cli._set_threads(cli.build_parser().parse_args(["info", "x"]))
    cli._set_threads(cli.build_parser().parse_args(["train", "--out", "r", "--threads", "3"]))
    assert calls == [default_threads(), 3]


# --- the atomic writer -----------------------------------------------------------------------


def test_write_atomic_turns_disk_errors_into_one_sentence_and_keeps_the_old_file(tmp_path):
    path = tmp_path / "model.bin"
    path.write_text("old")

    def full(tmp: Path) -> None:
        tmp.write_text("half")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with pytest.raises(WriteError, match="the disk is full") as info:
        write_atomic(path, full)
    assert info.value.errno == errno.ENOSPC and isinstance(info.value, OSError)
    assert path.read_text() == "old" and sorted(tmp_path.iterdir()) == [path]


@pytest.mark.parametrize(
    "raise_it",
    [
        # torch.save through a file object: a RuntimeError whose context is the OSError
        "torch",
        # safetensors (Rust) names the OS error only in its message
        "rust",
    ],
)
def test_wrapped_disk_errors_are_recognised(tmp_path, raise_it):
    def write(tmp: Path) -> None:
        if raise_it == "rust":
            raise RuntimeError("Error while serializing: I/O error: Read-only (os error 30)")
        try:
            raise OSError(errno.ENOSPC, "No space left on device")
        except OSError:
            raise RuntimeError("[enforce fail at inline_container.cc:672] unexpected pos")  # noqa: B904

    with pytest.raises(WriteError, match="full|read-only"):
        write_atomic(tmp_path / "x", write)
    assert not list(tmp_path.iterdir())


def test_a_bug_in_a_writer_stays_a_bug(tmp_path):
    with pytest.raises(KeyError):
        write_atomic(tmp_path / "x", lambda tmp: {}["missing"])
    assert not list(tmp_path.iterdir())


def test_fsync_failure_leaves_nothing(tmp_path, monkeypatch):
    import engine.files as files

    def no_space(path: Path) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files, "_fsync", no_space)
    ckpt = tmp_path / "checkpoints" / "latest.pt"
    with pytest.raises(WriteError, match="disk is full"):
        save_checkpoint(ckpt, {"step": 1})
    assert not list(ckpt.parent.iterdir())


def test_new_files_get_the_usual_mode(tmp_path, blob_folder):
    from engine.config import DataConfig
    from engine.dataset import scan_folder

    report = tmp_path / "dataset-report.json"
    scan_folder(blob_folder, DataConfig(resolution=16)).report.write(report)
    write_text_atomic(tmp_path / "t.txt", "x")
    assert report.stat().st_mode & 0o777 == NEW_FILE_MODE
    assert (tmp_path / "t.txt").stat().st_mode & 0o777 == NEW_FILE_MODE


# --- real full and read-only disks (tmpfs; skipped where mounting is not allowed) -------------


@pytest.fixture
def tmpfs(tmp_path):
    """→ mount(size, ro=False): a fresh tmpfs folder, unmounted after the test."""
    mounted: list[Path] = []

    def mount(size: str, ro: bool = False) -> Path:
        where = tmp_path / f"fs-{uuid.uuid4().hex[:6]}"
        where.mkdir()
        opts = f"{'ro,' if ro else ''}size={size}"
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(where)], capture_output=True
        )
        if done.returncode != 0:
            pytest.skip("cannot mount a tmpfs here (needs root)")
        mounted.append(where)
        return where

    yield mount
    for where in mounted:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


@pytest.mark.parametrize(
    "command",
    [
        ["generate", "--seeds", "0-7", "--out", "DISK/gen"],
        ["interpolate", "--seeds", "1,2", "--frames", "4", "--out", "DISK/loop.gif"],
        ["export-onnx", "--out", "DISK/g.onnx"],
        ["restore", "IMAGE", "--out", "DISK/r.png"],
    ],
)
def test_read_only_disk_is_one_line(command, tmpfs, tiny_model_file, tmp_path):
    if command[0] == "export-onnx":
        pytest.importorskip("onnx")
    disk = tmpfs("1m", ro=True)
    image = tmp_path / "img.png"
    if command[0] == "restore":
        from engine.export import make_record, save_image
        from engine.latent import Latent
        from engine.modelfile import load_model

        model = load_model(tiny_model_file)
        pixels = torch.zeros(16, 16, 3, dtype=torch.uint8).numpy()
        save_image(image, pixels, make_record(model.name, model.sha256, Latent(seed=1)))
    argv = [a.replace("DISK", str(disk)).replace("IMAGE", str(image)) for a in command]
    result = ganvas(*argv, "--model", str(tiny_model_file))
    assert_one_line_error(result, "the disk is read-only")


def test_generate_on_a_filling_disk_leaves_only_whole_images(tmpfs, tiny_model_file):
    disk = tmpfs("12k")
    result = ganvas(
        "generate", "--model", str(tiny_model_file), "--seeds", "0-99", "--out", str(disk / "gen")
    )
    assert_one_line_error(result, "the disk is full")
    assert not leftovers(disk)
    for png in (disk / "gen").glob("*.png"):
        Image.open(png).load()  # every file under its real name is complete


def test_mp4_on_a_full_disk_is_an_error_and_leaves_nothing(tmpfs, tiny_model_file):
    pytest.importorskip("imageio_ffmpeg")
    disk = tmpfs("4k")
    out = disk / "x.mp4"
    args = ["--seeds", "1,2,3", "--frames", "90", "--scale", "4", "--truncation", "1"]
    result = ganvas("interpolate", "--model", str(tiny_model_file), *args, "--out", str(out))
    assert_one_line_error(result, "the disk is full")
    assert not out.exists() and not leftovers(disk)


def test_disk_filling_during_training_keeps_the_run(tmpfs, blob_folder):
    disk = tmpfs("4m")  # room for the first checkpoint and a snapshot, not for more
    run = disk / "run"
    every = ["--checkpoint-every", "5", "--snapshot-every", "5", "--preview-every", "5"]
    result = ganvas(
        "train", "--data", str(blob_folder), "--out", str(run), "--kimg", "1", *every, *TINY, *QUIET
    )
    line = assert_one_line_error(result, "the disk is full")
    assert "the run is kept" in line
    state = load_checkpoint(run / "checkpoints" / "latest.pt")  # still whole
    assert state["step"] >= 0 and not [p for p in run.rglob("*.tmp")]


# --- checkpoints and the run list ------------------------------------------------------------


def pickle_checkpoint(run: Path, data: Path | None = None) -> Path:
    """A run whose latest.pt is a torch zip holding an arbitrary Python object."""
    import argparse

    ckpt = run / "checkpoints" / "latest.pt"
    ckpt.parent.mkdir(parents=True)
    if data is not None:
        cfg = tiny_train_config(data, run)
        (run / "run.json").write_text(json.dumps({"config": cfg.to_dict()}))
    torch.save({"step": 1, "config": argparse.Namespace(kimg=1)}, ckpt)
    return ckpt


def test_a_pickle_checkpoint_is_refused_in_one_plain_line(tmp_path, blob_folder):
    ckpt = pickle_checkpoint(tmp_path / "bad", blob_folder)
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(ckpt)
    text = str(info.value)
    assert "\n" not in text and "weights_only" not in text and "not a Ganvas checkpoint" in text
    result = ganvas("train", "--out", str(tmp_path / "bad"), *QUIET)
    assert_one_line_error(result, "not a Ganvas checkpoint")


def test_run_list_skips_a_bad_run_and_reports_it_once(tmp_path, blob_folder, caplog):
    from engine.runs import list_runs, read_run, unfinished_runs

    good = tmp_path / "good"
    stop = train(tiny_train_config(blob_folder, good))
    next(e for e in stop if e["kind"] == "progress")
    stop.close()
    pickle_checkpoint(tmp_path / "bad")
    (tmp_path / "junk" / "checkpoints").mkdir(parents=True)
    (tmp_path / "junk" / "checkpoints" / "latest.pt").write_text("not a zip")
    with caplog.at_level(logging.WARNING, logger="ganvas"):
        assert read_run(tmp_path / "bad") is None
        assert [r.path for r in unfinished_runs(tmp_path)] == [good]
        assert [r.path for r in list_runs(tmp_path)] == [good]
    warned = [r.message for r in caplog.records if "skipping run" in r.message]
    assert len(warned) == 2, warned  # bad and junk, once each


# --- model files -----------------------------------------------------------------------------


def test_a_tiny_file_declaring_a_huge_model_is_refused_before_allocating(tmp_path, monkeypatch):
    from safetensors.torch import save_file

    import engine.modelfile as modelfile
    from engine.config import MODEL_LIMITS, ModelConfig

    big = {k: hi for k, (_, hi) in MODEL_LIMITS.items()} | {"resolution": 1024}
    cfg = ModelConfig(**big)
    path = tmp_path / "big.safetensors"
    meta = {"ganvas": json.dumps({"format": 1, "model": cfg.to_dict()})}
    save_file({"G.x": torch.zeros(1)}, str(path), metadata=meta)
    assert path.stat().st_size < 2000
    real = modelfile.Generator

    def only_on_meta(c):
        assert torch.empty(0).device.type == "meta", "built for real before the check"
        return real(c)

    monkeypatch.setattr(modelfile, "Generator", only_on_meta)
    with pytest.raises(modelfile.ModelFileError, match="do not match"):
        modelfile.load_model(path)


# --- training: divergence, stats, ETA, finished runs -----------------------------------------


def test_divergence_check():
    recent: deque[float] = deque(maxlen=5)
    for _ in range(5):
        assert _divergence({"loss_G": 1.0, "loss_D": 0.7}, recent) is None
    assert "NaN" in _divergence({"loss_G": float("nan")}, recent)
    assert "1e+11" in _divergence({"loss_G": 1.0, "D_real": 1e11}, recent)
    assert "grew" in _divergence({"loss_G": 5000.0}, recent)
    assert _divergence({"loss_G": 5.0}, recent) is None  # noisy but not exploding


def exploding(monkeypatch, at: set[int] | None):
    """generator_loss ×1e8 at those calls (None: always)."""
    import engine.training as training

    real_loss = training.generator_loss
    calls = {"n": 0}

    def loss(kind, logits):
        calls["n"] += 1
        out = real_loss(kind, logits)
        return out * 1e8 if at is None or calls["n"] in at else out

    monkeypatch.setattr(training, "generator_loss", loss)


def test_divergence_without_nan_rolls_back_then_stops(blob_folder, tmp_path, monkeypatch):
    exploding(monkeypatch, {7, 8})
    run = tmp_path / "run"
    events = list(train(tiny_train_config(blob_folder, run, log_every=1)))
    messages = [e["text"] for e in events if e["kind"] == "message"]
    assert len(messages) == 2 and all("diverged" in m for m in messages), messages
    assert events[-1]["kind"] == "done"
    assert load_checkpoint(run / "checkpoints" / "latest.pt")["lr_scale"] == 0.25
    # one line per step although steps 1-6 were replayed twice; rollbacks are marked
    records = [json.loads(x) for x in (run / "stats.jsonl").read_text().splitlines()]
    steps = [r["step"] for r in records if "img_per_s" in r]
    assert steps == list(range(1, 21))
    assert [r["kind"] for r in records if "kind" in r] == ["rollback", "rollback"]
    # the ETA right after a rollback is sane, and never negative
    etas = [e["eta_s"] for e in events if e["kind"] == "progress"]
    assert all(eta is None or 0 <= eta < 3600 for eta in etas), etas

    exploding(monkeypatch, None)
    with pytest.raises(TrainingError, match="numerically unstable.*as large as"):
        list(train(tiny_train_config(blob_folder, tmp_path / "run2")))


def test_resume_after_a_crash_keeps_one_line_per_step(blob_folder, tmp_path):
    run = tmp_path / "run"
    gen = train(tiny_train_config(blob_folder, run))
    for e in gen:
        if e["kind"] == "progress" and e["step"] == 10:
            gen.close()
    with open(run / "stats.jsonl", "a") as f:  # what a kill -9 after step 15 leaves
        f.write(json.dumps({"step": 15, "kimg": 0.06, "img_per_s": 1.0}) + '\n{"step": 1')
    list(train(tiny_train_config(blob_folder, run)))
    steps = [json.loads(x)["step"] for x in (run / "stats.jsonl").read_text().splitlines()]
    assert steps == [5, 10, 15, 20]


def test_a_finished_run_names_its_model_and_reports_skipped_files(blob_folder, tmp_path):
    (blob_folder / "broken.png").write_bytes(b"not a png")
    run = tmp_path / "run"
    events = list(train(tiny_train_config(blob_folder, run)))
    status = " ".join(e["text"] for e in events if e["kind"] == "status")
    assert "1 file skipped" in status and str(run / "dataset-report.json") in status
    again = list(train(tiny_train_config(blob_folder, run)))
    done = again[-1]
    assert done["kind"] == "done" and done["snapshot"] and Path(done["snapshot"]).is_file()
