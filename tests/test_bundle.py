"""The PyInstaller bundle starts, renders a grid and runs the command line (issue 8).

Slow, and skipped unless `python build/build.py` has left a bundle in build/dist, so CI (which
runs `pytest` without `-m slow` and builds no bundle) never runs it. Run it after a build:

    python build/build.py && QT_QPA_PLATFORM=offscreen python -m pytest -m slow tests/test_bundle.py
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytest.importorskip("tomllib", reason="build/build.py (bundles) needs Python 3.11+")


def _load_build_script():
    path = ROOT / "build" / "build.py"
    spec = importlib.util.spec_from_file_location("ganvas_build_script", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build_script = _load_build_script()
EXE = build_script.bundle_executable()

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not EXE.is_file(), reason=f"no bundle at {EXE}; run build/build.py"),
]


def bundled_default_model() -> Path | None:
    return next(build_script.bundle_dir().rglob("default.safetensors"), None)


@pytest.fixture(scope="module")
def model_args(tmp_path_factory) -> list[str]:
    """No --model when the bundle carries the default model; else a small untrained one."""
    if bundled_default_model() is not None:
        return []
    from engine.config import ModelConfig
    from engine.modelfile import save_model
    from engine.networks import Generator

    path = tmp_path_factory.mktemp("model") / "m32.safetensors"
    save_model(path, Generator(ModelConfig(resolution=32, channel_base=256, channel_max=64)))
    return ["--model", str(path)]


def run_bundle(args: list[str], timeout: float = 240) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    if sys.platform.startswith("linux") and not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
        env["QT_QPA_PLATFORM"] = "offscreen"
    env.pop("PYTHONPATH", None)  # the bundle must not lean on this checkout's sources
    return subprocess.run(
        [str(EXE), *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def test_bundle_renders_the_first_grid(tmp_path: Path, model_args: list[str]) -> None:
    shot = tmp_path / "bundle.png"
    proc = run_bundle(["--screenshot", str(shot), *model_args])
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "first grid on screen" in proc.stderr
    assert build_script.screenshot_problem(shot) is None


def test_bundle_runs_the_command_line(tmp_path: Path, model_args: list[str]) -> None:
    model = model_args[1] if model_args else str(bundled_default_model())
    info = run_bundle(["info", model])
    assert info.returncode == 0, info.stderr[-3000:]
    out = tmp_path / "gen"
    gen = run_bundle(["generate", "--model", model, "--seeds", "0-1", "--out", str(out)])
    assert gen.returncode == 0, gen.stderr[-3000:]
    assert len(list(out.glob("*.png"))) == 2
