"""The command line: train/generate/info, plain one-line errors, torchrun with 2 CPU ranks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from engine.export import read_record

ROOT = Path(__file__).resolve().parents[2]
TINY = ["--resolution", "16", "--batch", "4", "--channel-base", "256", "--channel-max", "32"]
QUIET = ["--metric-every", "0", "--threads", "1"]


def ganvas(*args: str, launcher: list[str] | None = None) -> subprocess.CompletedProcess:
    cmd = (launcher or [sys.executable]) + [str(ROOT / "main.py"), *args]
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=240, env=env)


def test_train_generate_info(blob_folder, tmp_path):
    run = tmp_path / "run"
    done = ganvas(
        "train", "--data", str(blob_folder), "--out", str(run), "--kimg", "0.02", *TINY, *QUIET
    )
    assert done.returncode == 0, done.stderr
    snapshot = sorted((run / "snapshots").glob("*.safetensors"))[-1]

    again = ganvas("train", "--out", str(run), "--kimg", "0.04", *QUIET)  # resume and extend
    assert again.returncode == 0, again.stderr
    assert "Resumed at step 5" in again.stdout + again.stderr
    assert json.loads((run / "stats.jsonl").read_text().splitlines()[-1])["step"] == 10

    out = tmp_path / "gen"
    gen = ganvas(
        "generate",
        "--model",
        str(snapshot),
        "--seeds",
        "0-3,9",
        "--out",
        str(out),
        "--truncation",
        "0.7",
    )
    assert gen.returncode == 0, gen.stderr
    files = sorted(p.name for p in out.glob("*.png"))
    assert files == [f"seed{s:06d}.png" for s in (0, 1, 2, 3, 9)]
    assert Image.open(out / files[0]).size == (16, 16)
    # each image carries its record, so `restore` re-renders it (as for a File-menu export)
    restored = tmp_path / "restored.png"
    back = ganvas(
        "restore", str(out / "seed000009.png"), "--model", str(snapshot), "--out", str(restored)
    )
    assert back.returncode == 0, back.stderr
    record = read_record(restored)
    assert (record["latent"]["seed"], record["latent"]["psi"]) == (9, 0.7)
    original = np.asarray(Image.open(out / "seed000009.png"), np.int16)
    assert np.abs(np.asarray(Image.open(restored), np.int16) - original).max() <= 1

    info = ganvas("info", str(snapshot))
    assert info.returncode == 0
    meta = json.loads(info.stdout)
    assert meta["model"]["resolution"] == 16 and len(meta["sha256"]) == 64


@pytest.mark.parametrize(
    "args, reason",
    [
        (["train", "--data", "/nonexistent/folder", "--out", "RUN"], "folder not found"),
        (["train", "--out", "RUN"], "--data is required"),
        (["generate", "--model", "/nope.safetensors", "--out", "OUT"], "model file not found"),
        (["generate", "--model", "BAD", "--out", "OUT"], "not a safetensors file"),
        (["generate", "--model", "BAD", "--seeds", "x-y", "--out", "OUT"], "cannot read seeds"),
        (["train", "--data", "EMPTY", "--out", "RUN"], "no usable images"),
        (["train", "--data", "EMPTY", "--out", "RUN", "--resolution", "48"], "power of two"),
    ],
)
def test_bad_input_exits_nonzero_with_one_line(tmp_path, args, reason):
    (tmp_path / "bad.safetensors").write_text("this is not a model at all")
    (tmp_path / "empty").mkdir()
    subs = {
        "RUN": tmp_path / "run",
        "OUT": tmp_path / "out",
        "BAD": tmp_path / "bad.safetensors",
        "EMPTY": tmp_path / "empty",
    }
    result = ganvas(*[str(subs.get(a, a)) for a in args])
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and reason in lines[0], result.stderr


def test_torchrun_two_cpu_ranks_agree(blob_folder, tmp_path):
    run = tmp_path / "ddp"
    launcher = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2"]
    result = ganvas(
        "train",
        "--data",
        str(blob_folder),
        "--out",
        str(run),
        "--kimg",
        "0.04",
        "--device",
        "cpu",
        *TINY,
        *QUIET,
        launcher=launcher,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = [json.loads(x) for x in (run / "stats.jsonl").read_text().splitlines()]
    ddp = next(x for x in lines if x.get("kind") == "ddp")
    assert ddp["world"] == 2 and ddp["checksums"][0] == ddp["checksums"][1]
    progress = [x for x in lines if "img_per_s" in x]
    # global batch is 2 ranks × 4 images: 40 images → 5 steps, logged once by rank 0 only
    assert progress[-1]["step"] == 5 and progress[-1]["kimg"] == 0.04


def test_ctrl_c_saves_a_checkpoint_and_resumes(blob_folder, tmp_path):
    import signal
    import time

    run = tmp_path / "run"
    cmd = [sys.executable, str(ROOT / "main.py"), "train", "--data", str(blob_folder)]
    cmd += ["--out", str(run), "--kimg", "10", "--log-every", "5", "--checkpoint-every", "1000"]
    proc = subprocess.Popen([*cmd, *TINY, *QUIET], cwd=ROOT, stderr=subprocess.PIPE, text=True)
    stats = run / "stats.jsonl"
    deadline = time.time() + 120
    while time.time() < deadline and not (stats.exists() and stats.read_text().count("\n") >= 2):
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "stopped and saved" in err
    from engine.checkpoint import load_checkpoint

    last = json.loads(stats.read_text().splitlines()[-1])["step"]
    assert load_checkpoint(run / "checkpoints" / "latest.pt")["step"] == last >= 10


def test_training_events_parse_into_typed_events():
    from engine import events

    progress = events.parse(
        {
            "kind": "progress",
            "step": 5,
            "kimg": 0.04,
            "img_per_s": 9.5,
            "loss_G": 1.5,
            "aug_p": 0.0,
            "total_kimg": 0.2,
            "time": 1.0,
        }
    )
    assert isinstance(progress, events.Progress)
    assert progress.step == 5 and progress.loss_G == 1.5 and progress.loss_D is None
    metric = events.parse({"kind": "metric", "step": 10, "kimg": 0.08, "swd_mean": 3.0})
    assert isinstance(metric, events.Metric) and metric.swd_mean == 3.0
    assert events.parse({"kind": "message", "text": "NaN"}) == events.Message("NaN", "info")
    assert events.stats_record({"step": 5, "kimg": 0.04}).kimg == 0.04
    assert events.stats_record({"kind": "ddp", "world": 2}) is None


def test_a_new_fine_tune_freezes_the_default_d_blocks_unless_told(blob_folder, tmp_path):
    from engine.cli import _train_config, build_parser
    from engine.config import FINE_TUNE_FREEZE_D

    def config(*extra):
        args = build_parser().parse_args(["train", "--data", str(blob_folder), *extra])
        return _train_config(args)

    base = str(Path(__file__).parents[2] / "resources" / "models" / "default.safetensors")
    assert config("--out", str(tmp_path / "a"), "--base", base).freeze_d == FINE_TUNE_FREEZE_D > 0
    told = config("--out", str(tmp_path / "b"), "--base", base, "--freeze-d", "0")
    assert told.freeze_d == 0
    assert config("--out", str(tmp_path / "c")).freeze_d == 0  # from scratch nothing is frozen
