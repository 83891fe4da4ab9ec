"""The thin progress bar every background job fills."""

from __future__ import annotations

from PySide6.QtWidgets import QProgressBar


def job_progress_bar(name: str) -> QProgressBar:
    """The thin bar a job's progress fills; hidden until the job starts."""
    bar = QProgressBar()
    bar.setObjectName(name)
    bar.setTextVisible(False)
    bar.setFixedHeight(6)
    bar.hide()
    return bar
