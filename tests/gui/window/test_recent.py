"""File → Open recent: a small JSON list of models, folders and exported images."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from PySide6.QtWidgets import QWidget

from gui.core.errors import ErrorReporter
from gui.core.recent import MAX_RECENT, RecentFiles
from gui.core.state import BrowseState
from gui.window.recent_menu import RecentMenu


def touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    return path


def test_the_list_keeps_the_last_ten_newest_first_without_doubles(tmp_path):
    store = tmp_path / "config" / "recent.json"
    recent = RecentFiles(store)
    files = [touch(tmp_path / f"m{i}.safetensors") for i in range(12)]
    for f in files:
        recent.add(f, "model")
    recent.add(files[5], "model")
    paths = [p for _, p in RecentFiles(store).entries()]  # read back from the file
    assert len(paths) == MAX_RECENT
    assert paths[0] == files[5] and paths[1] == files[11] and paths.count(files[5]) == 1
    assert json.loads(store.read_text())["recent"][0]["kind"] == "model"


def test_gone_files_are_dropped_and_a_damaged_file_is_ignored(tmp_path):
    store = tmp_path / "recent.json"
    recent = RecentFiles(store)
    kept, gone = touch(tmp_path / "a.png"), touch(tmp_path / "b.png")
    recent.add(kept, "image")
    recent.add(gone, "image")
    gone.unlink()
    assert recent.entries() == [("image", kept)]
    for damage in ("{not json", '{"recent": 3}', "[1, 2]", '{"recent": [{"kind": "x"}]}'):
        store.write_text(damage)
        assert RecentFiles(store).entries() == []
    store.write_bytes(b"\xff\xfe\x00garbage")
    again = RecentFiles(store)
    again.add(kept, "image")  # and it is written anew
    assert RecentFiles(store).entries() == [("image", kept)]


def test_the_menu_lists_opens_and_clears(qtbot, tmp_path):
    parent = QWidget()
    qtbot.addWidget(parent)
    recent = RecentFiles(tmp_path / "recent.json")
    opened: list[tuple[str, Path]] = []
    openers = {k: (lambda p, k=k: opened.append((k, p))) for k in ("model", "folder", "image")}
    menu = RecentMenu(recent, openers, parent)
    assert [a.text() for a in menu.menu.actions() if a.text()] == ["Nothing opened yet", "Clear"]
    model, folder = touch(tmp_path / "faces.safetensors"), tmp_path / "cats"
    folder.mkdir()
    recent.add(model, "model")
    recent.add(folder, "folder")
    menu.menu.aboutToShow.emit()
    entries = [a for a in menu.menu.actions() if a.text() and a is not menu.clear_action]
    assert [a.text() for a in entries] == ["&1 cats", "&2 faces.safetensors"]
    entries[1].trigger()
    entries[0].trigger()
    assert opened == [("model", model), ("folder", folder)]
    menu.clear_action.trigger()
    assert recent.entries() == []


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("GANVAS_CONFIG_DIR", str(tmp_path / "config"))
    from gui.window.main_window import MainWindow

    w = MainWindow(
        state=BrowseState(rng=random.Random(0)), reporter=ErrorReporter(interactive=False)
    )
    qtbot.addWidget(w)
    yield w
    w.close()


def test_open_recent_sits_under_open_model_in_the_file_menu(window, tmp_path):
    actions = window.host.menu("file").actions()
    i = actions.index(window.open_action)
    assert actions[i + 1].menu() is window.recent_menu.menu
    assert window.studio.recent.path == tmp_path / "config" / "recent.json"
    folder = tmp_path / "images"
    folder.mkdir()
    window.train.panel.state.folder = str(folder)  # choosing a folder to train on
    assert window.studio.recent.entries() == [("folder", folder)]
