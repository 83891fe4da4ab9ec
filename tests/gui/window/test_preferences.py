"""Edit → Preferences…: the settings file, the dialog, and what each choice changes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import QTranslator
from PySide6.QtGui import QKeySequence, QPalette
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from gui.core.errors import ErrorReporter
from gui.core.settings import Preferences, Settings
from gui.export import dialogs
from gui.train.state import build_config
from gui.widgets import style
from gui.window.main_window import MainWindow


@pytest.fixture
def config(tmp_path: Path, monkeypatch) -> Path:
    """A config folder of the test's own (the preferences written there vanish with it)."""
    monkeypatch.setenv("GANVAS_CONFIG_DIR", str(tmp_path / "config"))
    return tmp_path / "config"


@pytest.fixture
def window(config, empty_window):
    """The main window, opened after the config folder is the test's own."""
    return empty_window


def lightness(role: QPalette.ColorRole) -> float:
    return QApplication.palette().color(role).lightnessF()


def test_preferences_are_saved_as_json_and_read_back(tmp_path: Path):
    path = tmp_path / "cfg" / "settings.json"
    settings = Settings(path)
    assert settings.values == Preferences()  # no file yet: the defaults
    seen = []
    settings.changed.connect(seen.append)
    settings.update(theme="light", threads=3, template="{model}-{seed:06d}.webp")
    assert json.loads(path.read_text())["theme"] == "light"
    again = Settings(path).values
    assert (again.theme, again.threads, again.template) == ("light", 3, "{model}-{seed:06d}.webp")
    assert len(seen) == 1
    settings.update(theme="light")  # no change: nothing written, nothing said
    assert len(seen) == 1
    assert not list(path.parent.glob("*.tmp*"))  # written through a temp file, renamed


def test_a_damaged_file_or_a_bad_value_falls_back_to_its_default(tmp_path: Path):
    path = tmp_path / "settings.json"
    for damage in ("{not json", "[1, 2]", '"dark"'):
        path.write_text(damage)
        assert Settings(path).values == Preferences()
    path.write_text(
        json.dumps({"theme": "purple", "threads": -4, "device": "cuda", "template": "{nope}.png"})
    )
    values = Settings(path).values
    assert (values.theme, values.threads, values.template) == ("system", 0, Preferences().template)
    assert values.device == "cuda"  # a good value next to bad ones is kept
    with pytest.raises(ValueError):
        Settings(path).update(template="no-suffix")


def test_edit_menu_opens_preferences_with_the_standard_key(window):
    action = window.host.action("preferences")
    assert action in window.host.menu("edit").actions()
    assert QKeySequence("Ctrl+,") in action.shortcuts()
    dialog = window.preferences_menu.open()
    assert dialog.isVisible() and dialog.windowTitle() == "Preferences"
    assert window.preferences_menu.open() is dialog  # a second Ctrl+, raises it
    devices = [dialog.device.itemData(i) for i in range(dialog.device.count())]
    assert devices[:2] == ["auto", "cpu"]
    dialog.reject()


def test_the_theme_changes_at_once_and_follows_the_system(window, qapp, keep_look, monkeypatch):
    dialog = window.preferences_menu.open()
    dialog.theme.setCurrentIndex(dialog.theme.findData("light"))
    dialog.apply_button.click()
    assert window.studio.settings.values.theme == "light"
    assert lightness(QPalette.ColorRole.Window) > 0.7
    assert lightness(QPalette.ColorRole.WindowText) < 0.3
    assert "#1b1e23" not in qapp.styleSheet()  # the dark background is gone from the sheet
    dialog.theme.setCurrentIndex(dialog.theme.findData("dark"))
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert not dialog.isVisible()
    assert lightness(QPalette.ColorRole.Window) < 0.3 and "#1b1e23" in qapp.styleSheet()

    monkeypatch.setattr(style, "system_look", lambda app: "light")
    assert style.apply_theme(qapp, "system") == "light"
    monkeypatch.setattr(style, "system_look", lambda app: None)  # the system does not say
    assert style.apply_theme(qapp, "system") == "dark"


def grab_lightness(widget) -> float:
    image = widget.grab().toImage()
    w, h = image.width(), image.height()
    points = [(w * (i + 0.5) / 8, h * (j + 0.5) / 8) for i in range(8) for j in range(8)]
    return sum(image.pixelColor(int(x), int(y)).lightnessF() for x, y in points) / len(points)


def test_a_theme_switch_repaints_the_painted_widgets_of_the_open_window(window, keep_look):
    """The grid's cells, the seed pad and the preview turn light and back at once: the window
    stays open all along."""
    dialog = window.preferences_menu.open()
    browse = window.browse
    painted = {"grid cell": browse.grid.cells[0], "seed pad": browse.pad, "preview": browse.preview}
    window.browse.preview.set_message("Loading…")
    for look in ("light", "dark"):
        dialog.theme.setCurrentIndex(dialog.theme.findData(look))
        dialog.apply_button.click()
        for name, widget in painted.items():
            value = grab_lightness(widget)
            assert (value > 0.6) if look == "light" else (value < 0.3), (look, name, value)
    dialog.close()


def test_a_bad_file_name_template_cannot_be_stored(window):
    dialog = window.preferences_menu.open()
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    dialog.template.setText("{model}-{colour}.png")
    assert not ok.isEnabled() and "colour" in dialog.template_hint.text()
    dialog.template.setText("{model}-{seed}.jpg")
    assert ok.isEnabled() and dialog.template_hint.text().endswith("my-model-42.jpg")
    dialog.show_values(Preferences(theme="dark", threads=2))
    restore = dialog.buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults)
    restore.click()
    assert dialog.values() == Preferences()
    dialog.reject()


def test_export_folder_names_threads_and_device_reach_exports_training_and_rendering(
    make_model_window, config, qtbot, tmp_path
):
    w = make_model_window()
    folder = tmp_path / "my exports"
    with qtbot.waitSignal(w.renderer.model_loaded, timeout=30_000):  # the model moves
        w.studio.settings.update(
            export_folder=str(folder),
            template="{model}-{seed:06d}.webp",
            threads=2,
            device="auto",
        )
    assert w.renderer.device == "auto"
    dialog = w.exports.export_image()
    path = Path(dialog.path.text())
    assert path.parent == folder and path.name.endswith(f"{w.state.current.seed:06d}.webp")
    dialog.close()
    batch = w.exports.batch_export()
    assert Path(batch.folder.text()) == folder
    assert batch.template.text() == "{model}-{seed:06d}.webp"
    batch.close()
    panel = w.train_panel
    assert panel.threads == 2
    assert build_config(panel.state, threads=panel.threads).threads == 2
    assert panel.state.device == "auto"
    w.studio.settings.update(device="cpu")
    assert panel.state.device == "cpu"
    w.studio.settings.update(export_folder="")  # back to the Pictures folder
    assert dialogs.session.folder is None


class Shouting(QTranslator):
    """A stand-in translation: every Ganvas string of these contexts in capitals."""

    def translate(self, context, source, disambiguation=None, n=-1):
        if context in ("Ganvas", "MainWindow", "PreferencesDialog", "PreferencesMenu"):
            return source.upper()
        return None


def test_menus_dock_titles_and_preferences_go_through_translation(qtbot, qapp, config):
    translator = Shouting()
    qapp.installTranslator(translator)
    try:
        w = MainWindow(reporter=ErrorReporter(interactive=False))
        qtbot.addWidget(w)
        titles = [a.text() for a in w.menuBar().actions()]
        assert titles[:2] == ["&FILE", "&EDIT"]
        assert w.host.dock("directions").windowTitle() == "DIRECTIONS"
        assert w.open_action.text() == "OPEN MODEL…"
        assert w.host.action("preferences").text() == "PREFERENCES…"
        dialog = w.preferences_menu.open()
        assert dialog.windowTitle() == "PREFERENCES"
        assert dialog.theme.itemText(0) == "FOLLOW THE SYSTEM"
        dialog.reject()
        w.close()
    finally:
        qapp.removeTranslator(translator)
