"""One place every error goes: shown to the user in plain words, traceback to the log."""

from __future__ import annotations

import logging
import sys
import traceback
from types import TracebackType

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from engine.errors import user_message
from engine.logfile import active_log_file

log = logging.getLogger("ganvas")


class ErrorReporter(QObject):
    """Shows errors in a message box (when `interactive`) and logs them with details.

    `reported(title, message)` fires for every error, so tests and the screenshot mode can
    observe errors without a dialog.
    """

    reported = Signal(str, str)

    def __init__(self, parent: QObject | None = None, *, interactive: bool = True):
        super().__init__(parent)
        self.interactive = interactive
        self.history: list[tuple[str, str]] = []

    def report(
        self,
        title: str,
        message: str,
        details: str = "",
        *,
        parent: QWidget | None = None,
    ) -> None:
        if details:
            log.error("%s: %s\n%s", title, message, details.rstrip())
        else:
            log.error("%s: %s", title, message)
        self.history.append((title, message))
        self.reported.emit(title, message)
        if self.interactive:
            error_box(title, message, details, parent=parent).exec()

    def report_exception(
        self, title: str, exc: BaseException, *, parent: QWidget | None = None
    ) -> None:
        details = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        self.report(title, plain_message(exc), details, parent=parent)

    def install_excepthook(self) -> None:
        """Route exceptions that escape Qt slots and event handlers to this reporter."""

        def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None):
            if issubclass(kind, KeyboardInterrupt):
                sys.__excepthook__(kind, exc, tb)
                return
            details = "".join(traceback.format_exception(kind, exc, tb))
            self.report("Something went wrong", plain_message(exc), details)

        sys.excepthook = hook


def error_box(
    title: str, message: str, details: str = "", *, parent: QWidget | None = None
) -> QMessageBox:
    """The warning box: the message, then where the log file is (to send with a bug report)."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, message, parent=parent)
    if details:
        box.setDetailedText(details)
    note = log_note()
    if note:
        box.setInformativeText(note)
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return box


def log_note() -> str:
    """One short line and the log folder, or "" when there is no log file."""
    path = active_log_file()
    if path is None:
        return ""
    return f"The details are also saved in the log file {path.name}, in:\n{path.parent}"


def plain_message(exc: BaseException) -> str:
    """Our own errors already speak plainly (the CLI's `error:` sentence, engine.errors); others
    get their type name as a hint."""
    message = user_message(exc)
    if message:
        return message
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
