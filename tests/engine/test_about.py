"""About's facts: the libraries' licences, ffmpeg's by its build, the model cards' licences; the
LICENSE file that pyproject names and the bundle carries."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import about
from engine.paths import license_file

ROOT = Path(__file__).resolve().parents[2]


def _pyproject() -> dict:
    tomllib = pytest.importorskip("tomllib", reason="Python 3.11+ reads TOML")
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_the_required_libraries_are_listed_with_their_licences() -> None:
    listed = {lib.distribution: (lib, version) for lib, version in about.libraries()}
    for name, licence in [
        ("pyside6-essentials", "LGPL-3.0"), ("torch", "BSD-3-Clause"), ("numpy", "BSD-3-Clause"),
        ("pillow", "MIT-CMU (HPND)"), ("safetensors", "Apache-2.0"), ("superqt", "BSD-3-Clause"),
        ("spandrel", "MIT"), ("platformdirs", "MIT"),
    ]:  # fmt: skip
        lib, version = listed[name]
        assert lib.licence == licence
        assert version  # installed here, so its version is known
    # every dependency pyproject names is on the page
    project = _pyproject()
    required = {d.split(">")[0].split("<")[0].split("=")[0] for d in project["dependencies"]}
    assert required - {"shiboken6"} <= set(listed)  # shiboken6 is part of PySide6


def test_ffmpeg_licence_follows_its_build_options() -> None:
    def text(options: str) -> str:
        return f"ffmpeg version 7\nconfiguration: --prefix=/x {options}\nlibavutil 59\n"

    assert about.licence_from_configuration(text("")) == "LGPL-2.1-or-later"
    assert about.licence_from_configuration(text("--enable-version3")) == "LGPL-3.0-or-later"
    assert about.licence_from_configuration(text("--enable-gpl")) == "GPL-2.0-or-later"
    both = text("--enable-gpl --enable-version3 --enable-libx264")
    assert about.licence_from_configuration(both) == "GPL-3.0-or-later"
    assert "not redistributable" in about.licence_from_configuration(text("--enable-nonfree"))
    assert about.licence_from_configuration("not ffmpeg") == ""
    assert about.ffmpeg_licence(ROOT / "no-such-ffmpeg") == ""


def test_model_cards_give_the_licence_parts(tmp_path: Path) -> None:
    (tmp_path / "m.md").write_text(
        "# My model\n\nIntro about nothing.\n\n## Data and licence\n\nTrained on X (CC0).\n\n"
        "## Recipe\n\nAdam.\n\n- **Data** (two sources):\n  | source | licence |\n  |---|---|\n"
        "  | a | MIT |\n- **Numbers**: good\n- **Licence of the weights**: MIT.\n",
        encoding="utf-8",
    )
    (card,) = about.model_cards(tmp_path)
    assert card.title == "My model" and card.file == "m.safetensors"
    assert card.licence == (
        "Trained on X (CC0).\n\n- **Data** (two sources):\n\n| source | licence |\n|---|---|\n"
        "| a | MIT |\n\n- **Licence of the weights**: MIT."
    )


def test_the_bundled_cards_name_their_training_data_licences() -> None:
    cards = {card.file: card.licence for card in about.model_cards()}
    assert "Apache-2.0" in cards["default.safetensors"]
    assert "OFL-1.1" in cards["default.safetensors"]
    for words in ("GPL-2+", "CC-BY-SA-3.0", "public domain", "Apache-2.0"):
        assert words in cards["upscaler-x4.safetensors"]


def test_the_licence_file_is_the_apache_text_named_and_bundled() -> None:
    assert license_file() == ROOT / "LICENSE"
    text = license_file().read_text(encoding="utf-8")
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text
    project = _pyproject()
    assert project["license"] == about.LICENCE == "Apache-2.0"
    assert project["license-files"] == ["LICENSE"]
    spec = (ROOT / "build" / "ganvas.spec").read_text(encoding="utf-8")
    assert '(str(ROOT / "LICENSE"), ".")' in spec  # beside resources/, as license_file() expects
    assert '(str(RESOURCES), "resources")' in spec  # help/help.md and the model cards too
