"""Training loop: events, run folder, exact resume (also after kill -9), NaN rollback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from helpers import make_blob_images, tiny_train_config

from engine.checkpoint import load_checkpoint, save_checkpoint
from engine.config import DataConfig, TrainConfig
from engine.dataset import scan_folder
from engine.modelfile import load_model, save_model
from engine.networks import Generator
from engine.render import render_seeds
from engine.training import TrainingError, train

ROOT = Path(__file__).resolve().parents[2]


def weights(run: Path) -> dict[str, torch.Tensor]:
    return load_checkpoint(run / "checkpoints" / "latest.pt")["G_ema"]


def logged_steps(stats: Path) -> list[int]:
    complete = stats.read_text().split("\n")[:-1]  # the last piece may be half-written
    return [json.loads(line)["step"] for line in complete]


def assert_same_weights(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), f"{k} differs"


def test_run_folder_and_events(blob_folder, tmp_path):
    run = tmp_path / "run"
    events = list(train(tiny_train_config(blob_folder, run)))
    kinds = {e["kind"] for e in events}
    assert {"status", "progress", "preview", "snapshot", "done"} <= kinds
    progress = [e for e in events if e["kind"] == "progress"]
    assert progress[-1]["step"] == 20 and progress[-1]["kimg"] == pytest.approx(0.08)
    assert all(k in progress[-1] for k in ("img_per_s", "eta_s", "loss_G", "loss_D", "aug_p"))
    preview = next(e for e in events if e["kind"] == "preview")["image"]
    assert preview.dtype.name == "uint8" and preview.shape[-1] == 3 and preview.std() > 0
    for name in ("run.json", "stats.jsonl", "dataset-report.json", "checkpoints/latest.pt"):
        assert (run / name).is_file(), name
    assert list((run / "previews").glob("*.png"))
    run_json = json.loads((run / "run.json").read_text())
    assert run_json["dataset"]["images"] == 24 and "torch" in run_json["versions"]
    lines = [json.loads(x) for x in (run / "stats.jsonl").read_text().splitlines()]
    assert [x["step"] for x in lines] == [5, 10, 15, 20]
    model = load_model(events[-1]["snapshot"], with_discriminator=True)
    assert model.D is not None and model.metadata["training"]["step"] == 20


def stop_at_step_10(data, run, make=tiny_train_config, **overrides):
    gen = train(make(data, run, **overrides))
    for event in gen:
        if event["kind"] == "progress" and event["step"] == 10:
            gen.close()  # like the GUI's stop button: saves a checkpoint at step 10


def test_exact_resume_after_close(blob_folder, tmp_path):
    straight = tmp_path / "straight"
    list(train(tiny_train_config(blob_folder, straight)))

    halves = tmp_path / "halves"
    stop_at_step_10(blob_folder, halves)
    assert load_checkpoint(halves / "checkpoints" / "latest.pt")["step"] == 10
    list(train(tiny_train_config(blob_folder, halves)))
    assert_same_weights(weights(straight), weights(halves))


def test_a_resume_takes_the_new_learning_rate(blob_folder, tmp_path):
    run = tmp_path / "run"
    stop_at_step_10(blob_folder, run)
    list(train(tiny_train_config(blob_folder, run, lr_g=0.001, lr_d=0.0005)))
    state = load_checkpoint(run / "checkpoints" / "latest.pt")
    assert state["step"] == 20
    assert [g["lr"] for g in state["opt_G"]["param_groups"]] == [0.001]
    assert [g["lr"] for g in state["opt_D"]["param_groups"]] == [0.0005]


def test_a_run_from_before_a_new_architecture_field_resumes(blob_folder, tmp_path):
    run = tmp_path / "run"
    stop_at_step_10(blob_folder, run)
    ckpt = run / "checkpoints" / "latest.pt"
    state = load_checkpoint(ckpt)
    del state["config"]["model"]["d_channel_min"]  # as written by an older Ganvas
    save_checkpoint(ckpt, state)
    list(train(tiny_train_config(blob_folder, run)))
    assert load_checkpoint(ckpt)["step"] == 20


def test_exact_resume_after_kill_9(blob_folder, tmp_path):
    """A real training process killed with SIGKILL resumes to identical weights."""
    run = tmp_path / "killed"
    args = [sys.executable, str(ROOT / "main.py"), "train", "--data", str(blob_folder)]
    args += ["--out", str(run), "--resolution", "16", "--batch", "4", "--kimg", "4"]
    args += ["--channel-base", "256", "--channel-max", "32", "--threads", "1"]
    args += ["--log-every", "5", "--checkpoint-every", "10", "--metric-every", "0"]
    args += ["--preview-every", "1000", "--snapshot-every", "1000"]
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stats = run / "stats.jsonl"
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        if stats.exists() and max(logged_steps(stats), default=0) >= 25:
            break
        time.sleep(0.05)
    assert proc.poll() is None, proc.stderr.read().decode()
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    saved = load_checkpoint(run / "checkpoints" / "latest.pt")
    k = saved["step"]
    assert k >= 20 and k % 10 == 0

    resumed = TrainConfig.from_dict(saved["config"])
    resumed.kimg = (k + 10) * 4 / 1000
    list(train(resumed))

    straight = TrainConfig.from_dict(saved["config"])
    straight.run_dir = str(tmp_path / "straight")
    straight.kimg = resumed.kimg
    list(train(straight))
    assert load_checkpoint(run / "checkpoints" / "latest.pt")["step"] == k + 10
    assert_same_weights(weights(tmp_path / "straight"), weights(run))


def test_nan_rolls_back_then_stops(blob_folder, tmp_path, monkeypatch):
    import engine.training as training

    real_loss = training.generator_loss
    calls = {"n": 0}

    def flaky(kind, logits):
        calls["n"] += 1
        loss = real_loss(kind, logits)
        return loss * float("nan") if calls["n"] in (7, 8) else loss

    monkeypatch.setattr(training, "generator_loss", flaky)
    events = list(train(tiny_train_config(blob_folder, tmp_path / "run")))
    messages = [e for e in events if e["kind"] == "message"]
    assert len(messages) == 2 and "rolled back" in messages[0]["text"]
    assert events[-1]["kind"] == "done"
    state = load_checkpoint(tmp_path / "run" / "checkpoints" / "latest.pt")
    assert state["lr_scale"] == 0.25 and state["rollbacks"] == 2

    monkeypatch.setattr(training, "generator_loss", lambda kind, x: x.mean() * float("nan"))
    with pytest.raises(TrainingError, match="numerically unstable"):
        list(train(tiny_train_config(blob_folder, tmp_path / "run2")))


@pytest.mark.parametrize("loss", ["hinge", "wgan-gp"])
def test_other_losses_train(blob_folder, tmp_path, loss):
    events = list(train(tiny_train_config(blob_folder, tmp_path / loss, loss=loss, kimg=0.02)))
    assert events[-1]["kind"] == "done"


def test_rgba_training(tmp_path):
    data = make_blob_images(tmp_path / "images")
    cfg = tiny_train_config(data, tmp_path / "run", kimg=0.02)
    cfg.data.rgba = True
    events = list(train(cfg))
    assert next(e for e in events if e["kind"] == "preview")["image"].shape[-1] == 4
    assert load_model(events[-1]["snapshot"]).config.img_channels == 4


def test_fine_tune_freezes_d_and_checks_architecture(blob_folder, tmp_path, tiny_model_file):
    cfg = tiny_train_config(blob_folder, tmp_path / "ft", base_model=str(tiny_model_file))
    cfg.freeze_d, cfg.kimg = 1, 0.02
    base = load_model(tiny_model_file, with_discriminator=True)
    list(train(cfg))
    state = load_checkpoint(tmp_path / "ft" / "checkpoints" / "latest.pt")
    for key in ("fromrgb.weight", "blocks.0.conv0.weight"):
        assert torch.equal(state["D"][key], base.D.state_dict()[key]), key  # frozen
    assert not torch.equal(state["D"]["out.weight"], base.D.state_dict()["out.weight"])
    assert not torch.equal(
        state["G"]["mapping.layers.0.weight"], base.G.state_dict()["mapping.layers.0.weight"]
    )

    bad = tiny_train_config(blob_folder, tmp_path / "bad", base_model=str(tiny_model_file))
    bad.data.resolution = 64  # 2x grows the model; 4x is refused
    with pytest.raises(TrainingError, match="16 px RGB.*64 px"):
        list(train(bad))


def test_keep_variety_fine_tune_logs_and_resumes_exactly(blob_folder, tmp_path, tiny_model_file):
    fine_tune = {"base_model": str(tiny_model_file), "keep_variety": 100.0}
    events = list(train(tiny_train_config(blob_folder, tmp_path / "straight", **fine_tune)))
    variety = [e["variety"] for e in events if e["kind"] == "progress"]
    assert len(variety) == 4 and variety[-1] > 0  # the generator moved away from its base

    halves = tmp_path / "halves"
    stop_at_step_10(blob_folder, halves, **fine_tune)
    list(train(tiny_train_config(blob_folder, halves, **fine_tune)))
    assert_same_weights(weights(tmp_path / "straight"), weights(halves))


def test_mapping_lr_scales_only_the_mapping_and_resumes_exactly(
    blob_folder, tmp_path, tiny_model_file
):
    base = load_model(tiny_model_file).G.state_dict()

    def moved(run: Path, **fine_tune) -> tuple[float, float]:
        """How far the mapping and the synthesis moved from the base, relative to the base."""
        cfg = tiny_train_config(blob_folder, run, base_model=str(tiny_model_file), **fine_tune)
        list(train(cfg))
        g = load_checkpoint(run / "checkpoints" / "latest.pt")["G"]
        mapping = [k for k in base if k.startswith("mapping.") and k != "mapping.w_avg"]
        synthesis = [k for k in base if k.startswith("synthesis.")]
        return tuple(
            float(sum((g[k] - base[k]).norm() for k in keys) / sum(base[k].norm() for k in keys))
            for keys in (mapping, synthesis)
        )

    frozen_map, frozen_syn = moved(tmp_path / "m0", mapping_lr=0.0)
    plain_map, plain_syn = moved(tmp_path / "m1")
    fast_map, fast_syn = moved(tmp_path / "m30", mapping_lr=30.0)
    assert frozen_map == 0 and frozen_syn > 0  # a factor 0 freezes the mapping, nothing else
    assert plain_map > 0 and fast_map > 5 * plain_map
    assert 0.5 < fast_syn / plain_syn < 2  # the synthesis keeps its learning rate

    halves = tmp_path / "halves"
    stop_at_step_10(blob_folder, halves, base_model=str(tiny_model_file), mapping_lr=30.0)
    list(
        train(
            tiny_train_config(blob_folder, halves, base_model=str(tiny_model_file), mapping_lr=30.0)
        )
    )
    assert_same_weights(weights(tmp_path / "m30"), weights(halves))


def test_lecam_changes_training_and_resumes_exactly(blob_folder, tmp_path):
    events = list(train(tiny_train_config(blob_folder, tmp_path / "straight", lecam=0.3)))
    lecam = [e["lecam"] for e in events if e["kind"] == "progress"]
    assert len(lecam) == 4 and all(x >= 0 for x in lecam) and max(lecam) > 0
    list(train(tiny_train_config(blob_folder, tmp_path / "plain")))
    plain, straight = weights(tmp_path / "plain"), weights(tmp_path / "straight")
    assert any(not torch.equal(plain[k], straight[k]) for k in plain)

    halves = tmp_path / "halves"
    stop_at_step_10(blob_folder, halves, lecam=0.3)
    list(train(tiny_train_config(blob_folder, halves, lecam=0.3)))
    assert_same_weights(straight, weights(halves))


def test_apa_is_inert_at_p_0_changes_training_above_and_resumes_exactly(blob_folder, tmp_path):
    # a target D never exceeds (sign mean ≤ 1) keeps APA's share at 0: exactly plain training
    list(train(tiny_train_config(blob_folder, tmp_path / "plain")))
    list(train(tiny_train_config(blob_folder, tmp_path / "idle", apa_target=1.0)))
    plain = weights(tmp_path / "plain")
    assert_same_weights(plain, weights(tmp_path / "idle"))

    # a target below anything D shows, and a fast controller: pseudo-reals from the first steps
    apa = {"apa_target": -1.0, "ada_kimg": 0.01}
    events = list(train(tiny_train_config(blob_folder, tmp_path / "straight", **apa)))
    shares = [e["apa_p"] for e in events if e["kind"] == "progress"]
    assert len(shares) == 4 and shares[-1] == 1.0
    straight = weights(tmp_path / "straight")
    ada_only = tmp_path / "ada-only"
    list(train(tiny_train_config(blob_folder, ada_only, ada_kimg=0.01)))
    assert any(not torch.equal(straight[k], weights(ada_only)[k]) for k in straight)

    halves = tmp_path / "halves"
    stop_at_step_10(blob_folder, halves, **apa)
    assert load_checkpoint(halves / "checkpoints" / "latest.pt")["apa"]["p"] == 1.0
    list(train(tiny_train_config(blob_folder, halves, **apa)))
    assert_same_weights(straight, weights(halves))


def test_pseudo_reals_replace_the_share_apa_p_of_the_batch(blob_folder, tmp_path):
    from engine.training import Trainer

    cfg = tiny_train_config(blob_folder, tmp_path / "run", apa_target=0.6, batch=64)
    trainer = Trainer(cfg, scan_folder(blob_folder, cfg.data), torch.device("cpu"))
    reals, fakes = torch.zeros(64, 3, 16, 16), torch.ones(64, 3, 16, 16)
    assert trainer._pseudo_reals(reals, fakes)[0] is reals  # p starts at 0
    trainer.apa.p = 0.5
    mixed, keep = trainer._pseudo_reals(reals, fakes)
    assert 16 < int(keep.sum()) < 48  # about half, at random
    assert torch.equal(mixed[keep], reals[keep]) and torch.equal(mixed[~keep], fakes[~keep])


def coarse_config(data, run, **overrides):
    cfg = tiny_train_config(data, run, **overrides)
    cfg.data.resolution = 32  # the coarse discriminator judges 16 px: it needs more
    return cfg


def test_the_coarse_discriminator_starts_as_ds_low_end(blob_folder, tmp_path):
    from engine.training import Trainer

    cfg = coarse_config(blob_folder, tmp_path / "run", coarse_d=1.0)
    trainer = Trainer(cfg, scan_folder(blob_folder, cfg.data), torch.device("cpu"))
    D, coarse = trainer.D, trainer.D_coarse
    assert len(D.blocks) == 3 and len(coarse.blocks) == 2  # 32→16→8→4 and 16→8→4
    with torch.no_grad():
        x = torch.randn(4, D.blocks[1].conv0.weight.shape[1], 16, 16)  # D's own 16 px features
        ours = coarse.head(coarse.blocks[1](coarse.blocks[0](x)))
        theirs = D.head(D.blocks[2](D.blocks[1](x)))
    assert torch.equal(ours, theirs)
    with pytest.raises(TrainingError, match="more than 16 px"):
        Trainer(
            tiny_train_config(blob_folder, tmp_path / "small", coarse_d=1.0),
            scan_folder(blob_folder, DataConfig(resolution=16)),
            torch.device("cpu"),
        )


def test_coarse_discriminator_changes_training_and_resumes_exactly(blob_folder, tmp_path):
    list(train(coarse_config(blob_folder, tmp_path / "plain")))
    plain = load_checkpoint(tmp_path / "plain" / "checkpoints" / "latest.pt")
    assert plain["D_coarse"] == {}  # off by default: nothing built
    events = list(train(coarse_config(blob_folder, tmp_path / "straight", coarse_d=1.0)))
    coarse = [e["coarse_D"] for e in events if e["kind"] == "progress"]
    assert len(coarse) == 4 and all(x > 0 for x in coarse)
    straight = weights(tmp_path / "straight")
    assert any(not torch.equal(plain["G_ema"][k], straight[k]) for k in straight)

    halves = tmp_path / "halves"
    stop_at_step_10(blob_folder, halves, coarse_config, coarse_d=1.0)
    list(train(coarse_config(blob_folder, halves, coarse_d=1.0)))
    assert_same_weights(straight, weights(halves))


def grow_config(data, run, base, **overrides):
    cfg = tiny_train_config(data, run, base_model=str(base), fade_kimg=0.06, **overrides)
    cfg.data.resolution = 32  # the tiny base makes 16 px images
    return cfg


def test_a_grown_model_starts_as_its_base_at_twice_the_size(blob_folder, tmp_path, tiny_model_file):
    from engine.training import Trainer

    cfg = grow_config(blob_folder, tmp_path / "grow", tiny_model_file, freeze_d=2)
    dataset = scan_folder(blob_folder, cfg.data)
    trainer = Trainer(cfg, dataset, torch.device("cpu"))
    base = load_model(tiny_model_file, with_discriminator=True)
    assert trainer.growing and trainer.fade_alpha() == 0.0
    assert all(p.requires_grad for p in trainer.D.parameters())  # its new input side learns
    trainer._apply_fade()
    z = torch.randn(4, base.config.z_dim, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        small, grown = base.G(z), trainer.G_ema(z)
        assert grown.shape[-1] == 32
        # at alpha 0 the top block is off and the base's image is nearest-upsampled, so a 2x2
        # box filter gives it back; only float rounding of the blend remains
        torch.testing.assert_close(F.avg_pool2d(grown, 2), small, atol=1e-6, rtol=0)
        # the discriminator sees the big image through the base's own fromRGB at half size
        img = torch.rand(4, 3, 32, 32) * 2 - 1
        torch.testing.assert_close(
            trainer.D(img, trainer.grow), base.D(F.avg_pool2d(img, 2)), atol=1e-5, rtol=1e-5
        )
    assert torch.equal(trainer.G.w_avg, base.G.w_avg)


def test_growing_resumes_exactly_mid_fade_and_the_model_opens(
    blob_folder, tmp_path, tiny_model_file
):
    straight = tmp_path / "straight"
    events = list(train(grow_config(blob_folder, straight, tiny_model_file)))
    halves = tmp_path / "halves"
    gen = train(grow_config(blob_folder, halves, tiny_model_file))
    for event in gen:
        if event["kind"] == "progress" and event["step"] == 10:
            gen.close()  # alpha 2/3 here: 40 of the 60 fade-in images seen
    assert load_checkpoint(halves / "checkpoints" / "latest.pt")["step"] == 10
    list(train(grow_config(blob_folder, halves, tiny_model_file)))
    assert_same_weights(weights(straight), weights(halves))

    mid = load_model(straight / "snapshots" / "snapshot-0000010.safetensors")
    assert mid.config.resolution == 32 and mid.G.synthesis.fade == pytest.approx(2 / 3)
    done = load_model(events[-1]["snapshot"], with_discriminator=True)
    assert done.G.synthesis.fade == 1.0 and done.D is not None
    assert render_seeds(done.G, [0, 1]).shape == (2, 32, 32, 3)


def test_self_supervised_discriminator_learns_to_redraw_and_resumes_exactly(blob_folder, tmp_path):
    from engine.training import Trainer

    recon = {"recon": 1.0}
    events = list(train(tiny_train_config(blob_folder, tmp_path / "straight", **recon)))
    losses = [e["recon"] for e in events if e["kind"] == "progress"]
    assert len(losses) == 4 and losses[-1] < losses[0]  # the decoder learns to redraw reals
    state = load_checkpoint(tmp_path / "straight" / "checkpoints" / "latest.pt")
    assert state["decoder"] and state["config"]["recon"] == 1.0
    list(train(tiny_train_config(blob_folder, tmp_path / "plain")))
    plain = weights(tmp_path / "plain")
    assert any(not torch.equal(plain[k], weights(tmp_path / "straight")[k]) for k in plain)
    halves = tmp_path / "halves"
    stop_at_step_10(blob_folder, halves, **recon)
    list(train(tiny_train_config(blob_folder, halves, **recon)))
    assert_same_weights(weights(tmp_path / "straight"), weights(halves))
    # off by default: no decoder, nothing in the discriminator's optimiser for it
    cfg = tiny_train_config(blob_folder, tmp_path / "off")
    trainer = Trainer(cfg, scan_folder(blob_folder, cfg.data), torch.device("cpu"))
    assert trainer.decoder is None and len(trainer.d_params) == len(list(trainer.D.parameters()))


def test_no_usable_images_fails_before_training(tmp_path):
    from engine.dataset import DatasetError

    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.jpg").write_text("not an image")
    with pytest.raises(DatasetError, match="no usable images"):
        list(train(tiny_train_config(tmp_path / "empty", tmp_path / "run")))
    assert not (tmp_path / "run" / "checkpoints" / "latest.pt").exists()


def test_model_file_roundtrip(tmp_path):
    from engine.config import ModelConfig

    cfg = ModelConfig(resolution=16, z_dim=16, w_dim=16, channel_base=128, channel_max=16)
    G = Generator(cfg)
    save_model(tmp_path / "m.safetensors", G, info={"name": "tiny"})
    loaded = load_model(tmp_path / "m.safetensors")
    assert loaded.name == "tiny" and loaded.config == cfg
    z = torch.randn(2, 16)
    assert torch.equal(loaded.G(z), G.eval()(z))
