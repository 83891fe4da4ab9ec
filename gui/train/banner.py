"""The Train panel's resume banner: offers to continue an unfinished run from its checkpoint."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFrame, QGridLayout, QPushButton

from engine import runs

from .common import format_ago, images_of, label
from .controller import TrainController


class ResumeBanner(QFrame):
    """Shows the unfinished runs (`set_runs`) except dismissed ones and the one training now;
    emits `resume_requested(RunInfo)`."""

    resume_requested = Signal(object)

    def __init__(self, controller: TrainController):
        super().__init__()
        self.setObjectName("resumeBanner")
        self.controller = controller
        self.unfinished: list[runs.RunInfo] = []
        self._dismissed: set[str] = set()
        layout = QGridLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        self.banner_label = label("", wrap=True)
        self.banner_runs = QComboBox()
        self.banner_runs.setToolTip("Unfinished runs, most recent first")
        self.banner_runs.currentIndexChanged.connect(self._show_run)
        self.resume_button = QPushButton("Resume")
        self.resume_button.setToolTip("Continue this run from its last checkpoint")
        self.resume_button.clicked.connect(self._resume_selected)
        self.dismiss_button = QPushButton("Not now")
        self.dismiss_button.setToolTip("Hide this offer until the next start of Ganvas")
        self.dismiss_button.clicked.connect(self._dismiss)
        layout.addWidget(self.banner_label, 0, 0, 1, 3)
        layout.addWidget(self.banner_runs, 1, 0)
        layout.addWidget(self.dismiss_button, 1, 1)
        layout.addWidget(self.resume_button, 1, 2)
        layout.setColumnStretch(0, 1)
        self.hide()

    def set_runs(self, found: list[runs.RunInfo]) -> None:
        self.unfinished = found
        self.refresh()

    def offered_runs(self) -> list[runs.RunInfo]:
        c = self.controller
        current = str(c.run_dir) if c.busy and c.run_dir else None
        return [
            r
            for r in self.unfinished
            if str(r.path) not in self._dismissed and str(r.path) != current
        ]

    def refresh(self) -> None:
        """Show the offer, or hide it while training or when nothing is left to offer."""
        offered = self.offered_runs()
        if not offered or self.controller.busy:
            self.hide()
            return
        self.banner_runs.blockSignals(True)
        self.banner_runs.clear()
        for r in offered:
            self.banner_runs.addItem(f"{r.name} · {images_of(r.kimg, r.total_kimg)}", str(r.path))
        self.banner_runs.blockSignals(False)
        self.banner_runs.setVisible(len(offered) > 1)
        self._show_run(0)
        self.show()

    def _show_run(self, index: int) -> None:
        offered = self.offered_runs()
        if not 0 <= index < len(offered):
            return
        r = offered[index]
        many = f" ({len(offered)} unfinished runs)" if len(offered) > 1 else ""
        self.banner_label.setText(
            f"Unfinished run <b>{r.name}</b>{many}: {images_of(r.kimg, r.total_kimg)}, "
            f"saved {format_ago(r.modified)}."
        )

    def _selected_run(self) -> runs.RunInfo | None:
        offered = self.offered_runs()
        i = self.banner_runs.currentIndex() if len(offered) > 1 else 0
        return offered[i] if 0 <= i < len(offered) else None

    def _resume_selected(self) -> None:
        run = self._selected_run()
        if run is not None:
            self.resume_requested.emit(run)

    def _dismiss(self) -> None:
        for r in self.offered_runs():
            self._dismissed.add(str(r.path))
        self.hide()
