"""Training presets, the interactive schedule, the measured speed, and run-folder discovery."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import torch
from helpers import tiny_train_config

from engine import runs
from engine.config import TrainConfig
from engine.presets import (
    PRESETS,
    apply_preset,
    matching_preset,
    measure_seconds_per_kimg,
    schedule,
)


def test_presets_set_length_batch_augmentation_and_loss():
    quick, best = apply_preset(TrainConfig(), "quick"), apply_preset(TrainConfig(), "best")
    assert quick.kimg < best.kimg and quick.batch < best.batch
    assert quick.loss == "hinge" and "cutout" not in quick.augment
    for key, preset in PRESETS.items():
        assert set(preset.values) == {"kimg", "batch", "loss", "augment"}
        assert matching_preset(preset.values | {"other": 1}) == key
    assert matching_preset(PRESETS["quick"].values | {"kimg": 3.0}) is None


def test_schedule_logs_about_once_a_second_and_snapshots_ten_times():
    cfg = TrainConfig(kimg=100, batch=16)  # 6250 steps
    fast = schedule(cfg, seconds_per_step=0.01)
    assert fast["log_every"] == 50 and fast["snapshot_every"] == 625
    slow = schedule(cfg, seconds_per_step=2.0)
    assert slow["log_every"] == 1 and slow["preview_every"] >= slow["log_every"]
    assert schedule(cfg)["log_every"] == 10  # no measurement: 0.1 s per step assumed


def test_measured_speed_is_positive_and_writes_nothing(tmp_path):
    torch.set_num_threads(1)
    cfg = tiny_train_config(tmp_path / "none", tmp_path / "run")
    spk = measure_seconds_per_kimg(cfg, steps=2)
    assert 0 < spk < 600
    assert not (tmp_path / "run").exists()


def _fake_run(root: Path, name: str, nimg: int, kimg: float) -> Path:
    run = root / name
    (run / "checkpoints").mkdir(parents=True)
    cfg = TrainConfig(kimg=kimg, run_dir=str(run)).to_dict()
    torch.save({"step": nimg // 4, "nimg": nimg, "config": cfg}, run / runs.CHECKPOINT)
    return run


def test_runs_dir_honours_the_override_and_finds_unfinished_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("GANVAS_DATA_DIR", str(tmp_path / "data"))
    root = runs.runs_dir()
    assert root == tmp_path / "data" / "runs"
    assert runs.unfinished_runs() == []
    done = _fake_run(root, "done", nimg=80, kimg=0.08)
    half = _fake_run(root, "half", nimg=40, kimg=0.08)
    (root / "broken" / "checkpoints").mkdir(parents=True)
    (root / "broken" / runs.CHECKPOINT).write_bytes(b"not a checkpoint")
    assert {r.path for r in runs.list_runs()} == {done, half}
    [info] = runs.unfinished_runs()
    assert info.path == half and info.step == 10 and info.kimg == 0.04 and not info.finished


def test_new_run_dirs_are_unique_and_readable(tmp_path):
    now = dt.datetime(2025, 1, 2, 3, 4)
    first = runs.new_run_dir("My Cats (2024)", tmp_path, now)
    assert first.name == "my-cats-2024-20250102-0304"
    first.mkdir()
    assert runs.new_run_dir("My Cats (2024)", tmp_path, now).name.endswith("-2")


def test_read_stats_skips_torn_lines_and_steps_after_the_checkpoint(tmp_path):
    lines = [{"step": s, "kimg": s * 0.004, "loss_G": 1.0} for s in (5, 10, 15)]
    text = "\n".join(json.dumps(x) for x in lines) + '\n{"step": 20, "kimg"'
    (tmp_path / "stats.jsonl").write_text(text)
    assert [r["step"] for r in runs.read_stats(tmp_path)] == [5, 10, 15]
    assert [r["step"] for r in runs.read_stats(tmp_path, up_to_step=10)] == [5, 10]
    assert runs.read_stats(tmp_path / "missing") == []


@pytest.mark.parametrize(
    "name, step",
    [("snapshot-0000120.safetensors", 120), ("step-0000000.png", 0), ("x.png", None)],
)
def test_step_of(name, step):
    assert runs.step_of(name) == step
