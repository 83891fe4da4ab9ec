"""The Help menu: the offline help page (F1), shortcuts read from the actions, About, the log."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence

from engine import __version__, logfile
from gui.help.window import ANYWHERE, PAGES, shortcut_rows
from gui.window.main_window import MainWindow

NATIVE = QKeySequence.SequenceFormat.NativeText


@pytest.fixture
def window(empty_window):
    return empty_window


def keys(sequence: str | QKeySequence.StandardKey) -> str:
    return QKeySequence(sequence).toString(NATIVE)


def test_help_is_the_last_menu_and_f1_opens_the_help_page(window: MainWindow) -> None:
    titles = [a.text() for a in window.menuBar().actions()]
    assert titles[-1] == "&Help"
    entries = [a.text() for a in window.host.menu("help").actions() if not a.isSeparator()]
    assert entries == [
        "Ganvas help", "Keyboard shortcuts", "Open log folder", "About Ganvas", "About Qt"
    ]  # fmt: skip
    assert window.help.help_action.shortcut() == QKeySequence(QKeySequence.StandardKey.HelpContents)
    assert window.help.help_action in window.actions()  # F1 works wherever the focus is

    window.help.help_action.trigger()
    dialog = window.help.window
    assert dialog is not None and dialog.isVisible()
    assert PAGES[dialog.tabs.currentIndex()] == "help"
    text = dialog.help_page.toPlainText()
    for heading in ("Browse", "Train on your folder", "Export", "Tips"):
        assert heading in text


def test_the_shortcuts_list_is_read_from_the_actions(window: MainWindow) -> None:
    rows = shortcut_rows(window)
    assert ("File", "Open model", keys(QKeySequence.StandardKey.Open)) in rows
    assert ("Images", "New seeds", keys("Ctrl+R")) in rows
    redo = next(k for where, name, k in rows if (where, name) == ("Edit", "Redo"))
    assert redo.startswith(f"{keys('Ctrl+Shift+Z')} or {keys('Ctrl+Y')}")  # then the platform's
    assert ("Help", "Ganvas help", keys(QKeySequence.StandardKey.HelpContents)) in rows
    assert all(k for _, _, k in rows)  # only actions that have a shortcut

    dialog = window.help.show_page("shortcuts")
    shown = {
        (dialog.shortcuts.topLevelItem(i).text(0), item.text(0), item.text(1))
        for i in range(dialog.shortcuts.topLevelItemCount())
        for item in (dialog.shortcuts.topLevelItem(i).child(j) for j in
                     range(dialog.shortcuts.topLevelItem(i).childCount()))
    }  # fmt: skip
    assert shown == set(rows)

    # a new action, a changed shortcut: the list follows when it is shown again
    sharpen = QAction("Sharpen…", window)
    sharpen.setShortcut(QKeySequence("Ctrl+Alt+S"))
    window.host.add_to_menu("images", [sharpen])
    hidden = QAction("Secret", window)
    hidden.setShortcut(QKeySequence("Ctrl+Alt+H"))
    window.addAction(hidden)
    window.new_seeds_action.setShortcut(QKeySequence("Ctrl+N"))
    dialog.tabs.setCurrentIndex(PAGES.index("help"))
    dialog.tabs.setCurrentIndex(PAGES.index("shortcuts"))
    texts = {
        (item.text(0), item.text(1))
        for i in range(dialog.shortcuts.topLevelItemCount())
        for item in (dialog.shortcuts.topLevelItem(i).child(j) for j in
                     range(dialog.shortcuts.topLevelItem(i).childCount()))
    }  # fmt: skip
    assert ("Sharpen", keys("Ctrl+Alt+S")) in texts
    assert ("Secret", keys("Ctrl+Alt+H")) in texts
    assert ("New seeds", keys("Ctrl+N")) in texts and ("New seeds", keys("Ctrl+R")) not in texts
    assert (ANYWHERE, "Secret", keys("Ctrl+Alt+H")) in shortcut_rows(window)


def test_about_names_the_version_the_licences_and_the_models(window: MainWindow) -> None:
    window.help.about_action.trigger()
    dialog = window.help.window
    assert PAGES[dialog.tabs.currentIndex()] == "about"
    text = dialog.about_page.toPlainText()
    assert f"Ganvas {__version__}" in text
    for words in ("Apache-2.0", "LGPL-3.0", "PyTorch", "BSD-3-Clause", "Pillow", "spandrel",
                  "platformdirs", "safetensors", "superqt", "NumPy"):  # fmt: skip
        assert words in text
    # the bundled models' cards: what they were trained on, under which licences
    assert "default.safetensors" in text and "upscaler-x4.safetensors" in text
    for words in ("Noto Color Emoji", "OFL-1.1", "GPL-2+", "CC-BY-SA-3.0", "public domain"):
        assert words in text
    assert str(logfile.log_dir()) in text
    licence = dialog.licence_page.toPlainText()
    assert "Apache License" in licence and "Version 2.0, January 2004" in licence


def test_open_log_folder_shows_the_log_folder(window: MainWindow, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv(logfile.LOG_DIR_ENV, str(tmp_path / "logs"))
    opened: list[Path] = []

    def open_url(url) -> bool:
        opened.append(Path(url.toLocalFile()))
        return True

    monkeypatch.setattr(QDesktopServices, "openUrl", open_url)
    window.help.log_action.trigger()
    assert opened == [tmp_path / "logs"]
    assert (tmp_path / "logs").is_dir()

    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: False)
    assert not window.help.open_log_folder()
    title, message = window.reporter.history[-1]
    assert title == "Could not open the log folder" and str(tmp_path / "logs") in message
