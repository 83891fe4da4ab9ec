"""One place every error goes: shown to the user in plain words, traceback to the log."""

from __future__ import annotations

import logging
import sys
import traceback
from types import TracebackType

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from engine.errors import user_message

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
            box = QMessageBox(QMessageBox.Icon.Warning, title, message, parent=parent)
            if details:
                box.setDetailedText(details)
            box.exec()

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


def plain_message(exc: BaseException) -> str:
    """Our own errors already speak plainly (the CLI's `error:` sentence, engine.errors); others
    get their type name as a hint."""
    message = user_message(exc)
    if message:
        return message
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
