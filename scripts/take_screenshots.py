"""Take the README's screenshots: the app driven as a person would, offscreen, saved to docs/.

    python scripts/take_screenshots.py [--model M.safetensors] [--out docs] [--only browser,...]

- screenshot.png   the first window on the model (what `python main.py` shows)
- browser.png      a direction pushed, style mixing and children in the Mix & breed dock
- train-panel.png  fine-tuning the model on a folder of emoji it never saw, mid-run
- projection.png   one of those emoji projected into the model
- train-setup.png  the train panel's Setup page on that folder
- bend.png         a network bend (a turn at the 16 px layer) on the current picture
- blend.png        File → Blend models… with its live preview

    python scripts/take_screenshots.py --ui --out /tmp/shots [--sizes 1280x720,1440x900]

`--ui` instead captures every part of the window for a look at clipped text (kept outside git):
the main window, each dock and each dialog (export image, batch, contact sheet, animation, save
model, blend, ONNX, preferences, help, about), once per window size, as
<size>-<name>.png.

    python scripts/take_screenshots.py --ui --theme light --out /tmp/shots-light

`--theme light|dark|system` takes them in that theme (default: system, which is dark where the
system says nothing, as offscreen).

The "folder of the artist's own images" is emoji with skin tones (the default model was trained
on the plain ones), rendered by scripts/build_default_dataset.py --skin-tones.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtWidgets import QApplication  # noqa: E402

from engine.paths import startup_model_path  # noqa: E402
from gui.core.errors import ErrorReporter  # noqa: E402
from gui.core.state import BrowseState  # noqa: E402
from gui.train.state import Phase  # noqa: E402
from gui.widgets.style import THEMES, apply_theme  # noqa: E402
from gui.window.main_window import MainWindow  # noqa: E402
from scripts.build_default_dataset import held_out_skin_tones  # noqa: E402

SHOTS = ("screenshot", "browser", "train-setup", "train-panel", "projection", "bend", "blend")
UI_SIZES = "1280x720,1440x900"
UI_DOCKS = ("directions", "breeding", "library", "bending", "interpolation", "projection", "train")


def wait_until(app: QApplication, done: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not done():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out after {timeout_s:.0f} s waiting for {what}")
        app.processEvents()
        time.sleep(0.01)


def pause(app: QApplication, seconds: float) -> None:
    end = time.monotonic() + seconds
    wait_until(app, lambda: time.monotonic() > end, seconds + 5, "a pause")


def skin_tone_folder(count: int) -> Path:
    """`count` skin-tone emoji in a folder of their own (made once, in the temp dir)."""
    folder = Path(tempfile.gettempdir()) / f"ganvas-skin-tones-{count}"
    folder.mkdir(exist_ok=True)
    for path in held_out_skin_tones(count):
        target = folder / path.name
        if not target.exists():
            target.write_bytes(path.read_bytes())
    return folder


class Session:
    def __init__(self, app: QApplication, model: Path, out: Path):
        self.app, self.model, self.out = app, model, out
        self.window = MainWindow(
            state=BrowseState(rng=random.Random(7)), reporter=ErrorReporter(interactive=False)
        )
        self.window.resize(1440, 900)
        self.window.show()
        self.window.open_model(model)
        self.wait(lambda: self.window.browse.result is not None, 120, "the first grid")

    def wait(self, done: Callable[[], bool], timeout_s: float, what: str) -> None:
        wait_until(self.app, done, timeout_s, what)

    def settle(self) -> None:
        browser = self.window.browser
        self.wait(browser.is_settled, 60, "the renders to settle")
        pause(self.app, 0.5)

    def save(self, name: str) -> None:
        path = self.out / f"{name}.png"
        if not self.window.grab().save(str(path)):
            raise SystemExit(f"could not write {path}")
        print(f"saved {path}")

    def shoot_first_window(self) -> None:
        self.settle()
        self.save("screenshot")

    def shoot_browser(self) -> None:
        browser = self.window.browser
        self.window.state.selected = 5
        self.wait(lambda: browser.directions.cached is not None, 300, "the PCA directions")
        browser.directions.row("PC2").slider.setValue(1.5)
        browser.breeding_dock.raise_()
        browser.make_children()
        self.settle()
        self.save("browser")

    def shoot_train_setup(self) -> None:
        panel = self.window.train_panel
        self.window.train.reveal()
        panel.set_folder(skin_tone_folder(96))
        self.wait(lambda: panel.state.phase is Phase.READY, 120, "the folder scan")
        self.wait(lambda: panel.setup.base_reason, 120, "the choice of a bundled model")
        pause(self.app, 1.0)
        self.save("train-setup")

    def shoot_train_panel(self, seconds: float) -> None:
        panel = self.window.train_panel
        folder = skin_tone_folder(96)
        self.window.train.reveal()
        panel.set_folder(folder)
        self.wait(lambda: panel.state.phase is Phase.READY, 120, "the folder scan")
        panel.state.output_dir = str(Path(tempfile.mkdtemp(prefix="ganvas-shot-run-")))
        if not panel.start():
            raise SystemExit("the train panel refused: " + panel.status_label.text())
        end = time.monotonic() + seconds
        self.wait(lambda: time.monotonic() > end, seconds + 60, "training")
        self.save("train-panel")
        panel.stop()
        self.wait(lambda: not panel.state.phase.busy, 120, "the run to stop")

    def shoot_bend(self) -> None:
        bending = self.window.browser.bending
        self.window.browser.bending_dock.raise_()
        bending.add_effect()
        bending.strength.setValue(60)
        self.settle()
        self.save("bend")

    def shoot_blend(self) -> None:
        dialog = self.window.exports.blend_models()
        dialog.other.set_text(str(self.model))  # the dialog's own picture: a blend with itself
        dialog.show()
        self.wait(lambda: not dialog.previews[-1].pixmap().isNull(), 60, "the blend preview")
        path = self.out / "blend.png"
        if not dialog.grab().save(str(path)):
            raise SystemExit(f"could not write {path}")
        print(f"saved {path}")
        dialog.close()

    def shoot_ui(self, prefix: str) -> None:
        """The window, every dock and every dialog, at the window's present size."""
        w = self.window
        w.studio.keyframes = (w.state.cell_latent(0), w.state.cell_latent(1))
        self.wait(lambda: w.browser.directions.cached is not None, 300, "the PCA directions")
        self.settle()
        self.save(f"{prefix}-window")
        for key in UI_DOCKS:
            dock = w.host.dock(key)
            if key == "train":
                w.train.reveal()
            elif not dock.isVisible():
                w.host.reveal_dock(key)
            dock.raise_()
            self.settle()
            self.save_widget(dock, f"{prefix}-dock-{key}")
        ex = w.exports
        dialogs = {
            "export-image": ex.export_image,
            "batch": ex.batch_export,
            "contact-sheet": ex.sheet,
            "animation": ex.animation,
            "save-model": ex.save_model,
            "blend": ex.blend_models,
            "onnx": ex.export_onnx,
            "preferences": w.preferences_menu.open,
            "help": lambda: w.help.show_page("help"),
            "about": lambda: w.help.show_page("about"),
        }
        for name, open_dialog in dialogs.items():
            dialog = open_dialog()
            dialog.show()
            if name == "blend":
                dialog.other.set_text(str(self.model))
                self.wait(lambda d=dialog: not d.previews[-1].pixmap().isNull(), 60, "a preview")
            pause(self.app, 0.4)
            self.save_widget(dialog, f"{prefix}-dialog-{name}")
            dialog.close()

    def save_widget(self, widget, name: str) -> None:
        path = self.out / f"{name}.png"
        if not widget.grab().save(str(path)):
            raise SystemExit(f"could not write {path}")
        print(f"saved {path}")

    def shoot_projection(self) -> None:
        panel = self.window.projection.panel
        folder = skin_tone_folder(96)
        target = sorted(folder.glob("*.png"))[len(list(folder.glob("*.png"))) // 3]
        self.window.projection.project(target)  # what dropping the file on the window does
        self.wait(lambda: not panel.running, 300, "the projection")
        self.settle()
        self.save("projection")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--model", type=Path, default=startup_model_path())
    p.add_argument("--out", type=Path, default=ROOT / "docs")
    p.add_argument("--only", default=",".join(SHOTS), help="comma list of " + ", ".join(SHOTS))
    p.add_argument("--train-seconds", type=float, default=90, help="training before the shot")
    p.add_argument("--ui", action="store_true", help="every dock and dialog, for a look")
    p.add_argument("--sizes", default=UI_SIZES, help="window sizes for --ui, e.g. 1280x720")
    p.add_argument("--theme", choices=THEMES, default="system", help="the look to take them in")
    args = p.parse_args()
    os.environ.setdefault("GANVAS_DATA_DIR", tempfile.mkdtemp(prefix="ganvas-shot-data-"))
    args.out.mkdir(parents=True, exist_ok=True)
    wanted = [s.strip() for s in args.only.split(",") if s.strip()]
    app = QApplication.instance() or QApplication([])
    apply_theme(app, args.theme)
    errors = []
    if args.ui:
        for size in args.sizes.split(","):
            width, height = (int(v) for v in size.lower().split("x"))
            session = Session(app, args.model, args.out)
            session.window.resize(width, height)
            session.shoot_ui(f"{width}x{height}")
            errors += session.window.reporter.history
            session.window.close()
            pause(app, 0.5)
        wanted = []
    for name in wanted:  # each in a fresh window, as a person opening the app would see it
        session = Session(app, args.model, args.out)
        {
            "screenshot": session.shoot_first_window,
            "browser": session.shoot_browser,
            "train-setup": session.shoot_train_setup,
            "train-panel": lambda s=session: s.shoot_train_panel(args.train_seconds),
            "projection": session.shoot_projection,
            "bend": session.shoot_bend,
            "blend": session.shoot_blend,
        }[name]()
        errors += session.window.reporter.history
        session.window.close()
        pause(app, 0.5)
    if errors:
        raise SystemExit(f"errors were reported: {errors}")


if __name__ == "__main__":
    main()
