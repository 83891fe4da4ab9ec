"""The engine's GPU-only decisions (engine/devices.py), each run on the CPU where torch allows:
autocast in bf16 and fp16, GradScaler, channels_last and the distributed backend."""

from __future__ import annotations

import math

import pytest
import torch
from helpers import tiny_train_config

from engine import cli
from engine.config import ModelConfig
from engine.dataset import scan_folder
from engine.devices import (
    autocast_dtype,
    distributed_backend,
    grad_scaler,
    images_on_device,
    use_channels_last,
)
from engine.modelfile import load_model
from engine.networks import Discriminator, Generator
from engine.training import Trainer, train

CPU, CUDA, MPS = torch.device("cpu"), torch.device("cuda"), torch.device("mps")
CL = torch.channels_last


@pytest.mark.parametrize("bf16_gpu", [True, False])
def test_autocast_dtype(monkeypatch, bf16_gpu):
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: bf16_gpu)
    assert autocast_dtype(CUDA, "auto") == (torch.bfloat16 if bf16_gpu else torch.float16)
    assert autocast_dtype(CUDA, "bf16") == torch.bfloat16
    assert autocast_dtype(CUDA, "fp16") == torch.float16
    assert autocast_dtype(CUDA, "fp32") is None
    # a CPU keeps fp32 unless asked: then it runs the GPU's mixed-precision code
    assert autocast_dtype(CPU, "auto") is None and autocast_dtype(CPU, "fp32") is None
    assert autocast_dtype(CPU, "bf16") == torch.bfloat16
    assert autocast_dtype(CPU, "fp16") == torch.float16
    assert autocast_dtype(MPS, "bf16") is None


def test_grad_scaler_only_for_fp16():
    assert not grad_scaler(CPU, None).is_enabled()
    assert not grad_scaler(CPU, torch.bfloat16).is_enabled()
    scaler = grad_scaler(CPU, torch.float16)
    assert scaler.is_enabled()
    # the enabled path on a CPU: an overflowing step is skipped and the scale backs off
    w = torch.nn.Parameter(torch.ones(3))
    opt = torch.optim.SGD([w], lr=0.1)
    scale = scaler.get_scale()
    scaler.scale((w * math.inf).sum()).backward()
    scaler.step(opt)
    scaler.update()
    assert torch.equal(w.detach(), torch.ones(3)) and scaler.get_scale() < scale
    opt.zero_grad()
    scaler.scale(w.sum()).backward()
    scaler.step(opt)
    scaler.update()
    assert torch.allclose(w.detach(), torch.full((3,), 0.9))  # unscaled before the step


def test_channels_last_choice():
    assert use_channels_last(CUDA) and not use_channels_last(CPU)
    assert use_channels_last(CPU, force=True) and not use_channels_last(CUDA, force=False)


def test_channels_last_networks_match_contiguous_ones():
    torch.manual_seed(0)
    cfg = ModelConfig(resolution=32, z_dim=32, w_dim=32, mapping_layers=2, channel_base=512)
    G, D = Generator(cfg), Discriminator(cfg)
    G_cl = Generator(cfg).to(memory_format=CL)
    D_cl = Discriminator(cfg).to(memory_format=CL)
    G_cl.load_state_dict(G.state_dict())
    D_cl.load_state_dict(D.state_dict())
    convs = [p for p in D_cl.parameters() if p.dim() == 4 and p.shape[-1] > 1]
    assert convs and all(p.is_contiguous(memory_format=CL) and not p.is_contiguous() for p in convs)
    z = torch.randn(4, cfg.z_dim)
    with torch.no_grad():
        img, img_cl = G(z), G_cl(z)
        assert torch.allclose(img, img_cl, atol=1e-5)
        assert torch.allclose(D(img), D_cl(img_cl), atol=1e-5)


@pytest.mark.parametrize(
    "precision, loss", [("bf16", "ns"), ("bf16", "hinge"), ("bf16", "wgan-gp"), ("fp16", "ns")]
)
def test_mixed_precision_channels_last_training_steps_on_cpu(
    blob_folder, tmp_path, one_torch_thread, precision, loss
):
    torch.set_flush_denormal(True)  # as train() does on a CPU: denormals slow it 100-fold
    cfg = tiny_train_config(blob_folder, tmp_path / "run", loss=loss, lecam=0.1)
    cfg.precision, cfg.channels_last, cfg.r1_interval = precision, True, 2
    t = Trainer(cfg, scan_folder(blob_folder, cfg.data), CPU)
    assert t.amp == {"bf16": torch.bfloat16, "fp16": torch.float16}[precision]
    assert t.scaler.is_enabled() == (precision == "fp16")
    convs = [p for p in t.D.parameters() if p.dim() == 4 and p.shape[-1] > 1]
    assert convs and all(p.is_contiguous(memory_format=CL) for p in convs)
    for _ in range(4):  # two lazy R1 steps included
        losses = t.train_step()
        assert losses and all(math.isfinite(v) for v in losses.values()), losses
    assert t.step == 4  # every step applied (fp16's scaler may skip an update, never a step)
    assert all(p.dtype == torch.float32 for p in t.G.parameters())
    assert t.preview().std() > 0


def test_bf16_channels_last_run_saves_and_resumes(blob_folder, tmp_path):
    """The whole loop as a GPU runs it: snapshots of channels_last weights, exact resume."""
    run = tmp_path / "run"
    overrides = {"precision": "bf16", "channels_last": True, "kimg": 0.04}
    events = list(train(tiny_train_config(blob_folder, run, **overrides)))
    snapshot = next(e for e in reversed(events) if e["kind"] == "done")["snapshot"]
    assert load_model(snapshot).G.cfg.resolution == 16
    more = list(train(tiny_train_config(blob_folder, run, **overrides | {"kimg": 0.06})))
    assert any(e.get("text") == "Resumed at step 10" for e in more)
    assert more[-1]["kind"] == "done" and more[-1]["step"] == 15


def test_images_stay_on_the_host_only_when_large():
    assert images_on_device(CUDA, 1 << 30)
    assert not images_on_device(CUDA, 3 << 30)
    assert images_on_device(CPU, 3 << 30)


def test_distributed_backend_follows_the_device(monkeypatch):
    assert distributed_backend(CUDA) == "nccl"
    assert distributed_backend(torch.device("cuda", 1)) == "nccl"
    assert distributed_backend(CPU) == "gloo" and distributed_backend(MPS) == "gloo"
    # the CLI's torchrun set-up, with the process group and the GPU faked
    calls: list = []
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("LOCAL_RANK", "1")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "set_device", lambda i: calls.append(("set_device", i)))
    monkeypatch.setattr(
        torch.distributed, "init_process_group", lambda backend: calls.append(backend)
    )
    cli._init_distributed("cuda")
    assert calls == [("set_device", 1), "nccl"]
    calls.clear()
    cli._init_distributed("cpu")  # --device cpu on a GPU machine: gloo, no GPU claimed
    assert calls == ["gloo"]
