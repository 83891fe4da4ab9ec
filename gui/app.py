"""Start the app: show the window at once, then load the model and render in the background.

    ganvas [--model PATH] [--screenshot OUT.png] [--device auto|cpu|cuda|mps]

`--screenshot` waits for the first rendered grid, saves the whole window and exits 0; it exits
1 with a message when the model cannot be loaded or nothing renders within two minutes.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from engine import __version__
from engine.logfile import start_log_file
from engine.paths import resources_dir

if TYPE_CHECKING:
    from .window.main_window import MainWindow

log = logging.getLogger("ganvas")

SCREENSHOT_TIMEOUT_S = 120.0
SETTLE_TIMEOUT_S = 20.0  # after the first grid, wait this long at most for the rest


def parse_args(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(prog="ganvas", description="Ganvas desktop GAN studio")
    parser.add_argument("--model", type=Path, help="model file (.safetensors) to open")
    parser.add_argument(
        "--screenshot", type=Path, metavar="OUT.png", help="save the window once rendered, exit"
    )
    parser.add_argument(
        "--device", help="render device: auto, cpu, cuda, mps (default: Edit → Preferences…)"
    )
    return parser.parse_known_args(argv)  # the rest goes to Qt (e.g. -platform offscreen)


class ScreenshotTaker(QObject):
    """Saves the window after its first rendered grid, then ends the event loop."""

    def __init__(self, app: QApplication, window: MainWindow, path: Path, timeout_s: float):
        super().__init__(window)
        self.app, self.window, self.path = app, window, path
        self.exit_code: int | None = None
        window.grid_rendered.connect(self._on_rendered)
        window.reporter.reported.connect(self._on_error)
        self._deadline = QTimer(self)
        self._deadline.setSingleShot(True)
        self._deadline.timeout.connect(self._on_timeout)
        self._deadline.start(int(timeout_s * 1000))
        self._timeout_s = timeout_s
        self._settle_deadline: float | None = None

    def _on_rendered(self, _result) -> None:
        if self.exit_code is None:
            QTimer.singleShot(0, self._save)  # after the cells have taken their new images

    def _save(self) -> None:
        if self.exit_code is not None:
            return
        if not self.window.browser.is_settled():
            if self._settle_deadline is None:
                self._settle_deadline = time.perf_counter() + SETTLE_TIMEOUT_S
            if time.perf_counter() < self._settle_deadline:
                QTimer.singleShot(100, self._save)  # directions, preview and thumbnails too
                return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.window.grab().save(str(self.path)):
            log.info("screenshot saved to %s", self.path)
            self._finish(0)
        else:
            self.fail(f"could not write the screenshot {self.path}")

    def _on_error(self, title: str, message: str) -> None:
        self.fail(f"{title}: {message}")

    def _on_timeout(self) -> None:
        self.fail(f"nothing was rendered within {self._timeout_s:.0f} s")

    def fail(self, message: str) -> None:
        if self.exit_code is None:
            print(f"ganvas: {message}", file=sys.stderr)
            self._finish(1)

    def _finish(self, code: int) -> None:
        self.exit_code = code
        self._deadline.stop()
        QTimer.singleShot(0, lambda: self.app.exit(code))  # also works before exec() starts


def run_app(argv: list[str]) -> int:
    started = time.perf_counter()
    args, qt_args = parse_args(argv)
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    log_file = start_log_file()  # before anything can fail, so the error reaches the file too

    from engine.paths import startup_model_path  # plain pathlib, no torch
    from gui.core.errors import ErrorReporter
    from gui.core.renderer import Renderer
    from gui.core.settings import Settings
    from gui.widgets.style import apply_theme
    from gui.window.main_window import MainWindow
    from gui.window.window_memory import restore_window

    if args.screenshot is not None and _headless():
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # screenshots work on servers too
    app = QApplication.instance() or QApplication([sys.argv[0], *qt_args])
    identify_app(app)
    settings = Settings()
    prefs = settings.values
    apply_theme(app, prefs.theme)
    if log_file is not None:
        log.info("Ganvas %s; log file %s", __version__, log_file)

    reporter = ErrorReporter(interactive=args.screenshot is None)
    renderer = Renderer()
    renderer.set_compute(args.device or prefs.device, prefs.threads)
    window = MainWindow(renderer=renderer, reporter=reporter, settings=settings)
    taker = None
    if args.screenshot is not None:  # always the default layout, so screenshots compare
        taker = ScreenshotTaker(app, window, args.screenshot, SCREENSHOT_TIMEOUT_S)
    else:
        previous_hook = sys.excepthook
        reporter.install_excepthook()
        window.remember_layout = True
        restore_window(window)

    model = args.model or startup_model_path()
    missing = args.model is None and not model.is_file()
    if missing:
        window.show_missing_default(model)
    else:
        window.show_loading(model)
    window.show()
    app.processEvents()  # paint the window before torch is imported on the render thread
    log.info("window shown after %.0f ms (%s)", _ms(started), window.state.message or "ready")
    if not missing:
        window.open_model(model)

    def first_grid(_result) -> None:
        log.info("first grid on screen after %.0f ms", _ms(started))
        window.grid_rendered.disconnect(first_grid)

    window.grid_rendered.connect(first_grid)

    def first_image(_result) -> None:
        log.info("first image on screen after %.0f ms", _ms(started))
        window.browser.preview_rendered.disconnect(first_image)

    window.browser.preview_rendered.connect(first_image)
    if taker is not None and missing:
        taker.fail(window.state.message)
    try:
        code = app.exec()
    finally:
        window.close()
        if taker is None:
            sys.excepthook = previous_hook
    return taker.exit_code if taker is not None and taker.exit_code is not None else code


def app_icon() -> QIcon:
    """The Ganvas icon (build/make_icons.py draws it); a null icon when the file is missing."""
    return QIcon(str(resources_dir() / "icons" / "ganvas.png"))


def identify_app(app: QApplication) -> None:
    """Name and icon: the title bar, the taskbar and the settings folders use them."""
    app.setApplicationName("Ganvas")
    app.setOrganizationName("Ganvas")
    app.setWindowIcon(app_icon())
    # Wayland and GNOME match windows to ganvas.desktop (build/linux/) by this name
    app.setDesktopFileName("ganvas")


def _headless() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _ms(since: float) -> float:
    return (time.perf_counter() - since) * 1000
