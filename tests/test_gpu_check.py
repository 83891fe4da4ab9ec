"""benchmarks/gpu_check.py in its CPU mode, so that the GPU check never rots: it trains with bf16
autocast and channels_last on a tiny model, renders, projects and exports ONNX."""

from __future__ import annotations

import math

import numpy as np
import onnxruntime as ort

from benchmarks import gpu_check


def test_gpu_check_tiny_on_cpu(tmp_path, capsys, one_torch_thread):
    r = gpu_check.main(["--device", "cpu", "--tiny", "--no-record", "--out", str(tmp_path)])
    table = capsys.readouterr().out
    rows = [line.split(" | ")[0].strip("| ") for line in table.splitlines() if line.startswith("|")]
    assert rows[2:] == ["train", "MFU", "peak memory", "render", "projection", "ONNX"]
    assert r["amp"] == "bfloat16"  # the CPU ran the GPU's mixed-precision path
    assert r["img_per_s"] > 0 and r["timed_steps"] >= 16 and 0 < r["mfu"] < 1
    assert r["peak_mem_gib"] is None  # CUDA only
    assert r["render_img_per_s"] > 0 and r["render_std"] > 0
    assert math.isfinite(r["psnr"]) and math.isfinite(r["ssim"])
    assert r["onnx_max_diff"] < 1e-3
    session = ort.InferenceSession(r["onnx_path"], providers=["CPUExecutionProvider"])
    z = np.random.default_rng(0).standard_normal((3, 32), np.float32)
    image = session.run(None, {"z": z, "psi": np.ones(1, np.float32)})[0]
    assert image.shape == (3, 3, 32, 32) and np.isfinite(image).all()
