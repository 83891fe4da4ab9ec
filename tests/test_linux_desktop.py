"""The Linux tarball carries a menu entry (ganvas.desktop), its icon and the script that
installs them; checked without building a bundle (a fake one stands in)."""

from __future__ import annotations

import configparser
import importlib.util
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytest.importorskip("tomllib", reason="build/build.py (bundles) needs Python 3.11+")


def _load_build_script():
    path = ROOT / "build" / "build.py"
    spec = importlib.util.spec_from_file_location("ganvas_build_script_desktop", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build_script = _load_build_script()


def desktop_entry(text: str) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read_string(text)
    return parser["Desktop Entry"]


def test_the_desktop_entry_follows_the_spec() -> None:
    entry = desktop_entry((ROOT / "build" / "linux" / "ganvas.desktop").read_text("utf-8"))
    name, _ = build_script.project()
    assert entry["Type"] == "Application" and entry["Name"] == name
    assert entry["Exec"] == name  # the bundle's program; the install script makes it absolute
    assert entry["Icon"] == "ganvas"  # ganvas.png, and the desktop file name gui/app.py sets
    assert entry["Terminal"] == "false"
    assert "Graphics" in entry["Categories"].split(";")
    assert entry["Categories"].endswith(";") and entry["Keywords"].endswith(";")
    validate = shutil.which("desktop-file-validate")
    if validate:
        subprocess.run([validate, str(ROOT / "build" / "linux" / "ganvas.desktop")], check=True)


@pytest.fixture
def tarball(tmp_path: Path) -> Path:
    dist = tmp_path / "dist"
    bundle = build_script.bundle_dir(dist)
    (bundle / "_internal").mkdir(parents=True)
    (bundle / build_script.project()[0]).write_text("#!/bin/sh\n")
    return build_script.wrap_linux("", dist)


def test_the_linux_tarball_carries_the_entry_icon_and_installer(tarball: Path) -> None:
    name, _ = build_script.project()
    with tarfile.open(tarball) as tar:
        members = {m.name: m for m in tar.getmembers()}
        for _, inside, mode in build_script.linux_desktop_files():
            member = members[f"{name}/{inside}"]
            assert member.isfile() and member.mode == mode
        assert members[f"{name}/install-desktop-entry.sh"].mode & 0o111
        icon = tar.extractfile(f"{name}/ganvas.png").read()
    assert icon == (ROOT / "resources" / "icons" / "ganvas.png").read_bytes()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a Linux install script")
def test_the_install_script_adds_the_entry_with_the_full_path(
    tarball: Path, tmp_path: Path
) -> None:
    unpacked = tmp_path / "my apps"  # a space in the path, as people's folders have
    with tarfile.open(tarball) as tar:
        tar.extractall(unpacked, filter="data")
    name, _ = build_script.project()
    folder = unpacked / name
    share = tmp_path / "share"
    env = dict(os.environ, XDG_DATA_HOME=str(share), HOME=str(tmp_path))
    subprocess.run([str(folder / "install-desktop-entry.sh")], env=env, check=True,
                   capture_output=True)  # fmt: skip
    entry = desktop_entry((share / "applications" / "ganvas.desktop").read_text("utf-8"))
    assert entry["Exec"] == f'"{folder / name}"'
    assert (share / "icons" / "hicolor" / "256x256" / "apps" / "ganvas.png").is_file()
