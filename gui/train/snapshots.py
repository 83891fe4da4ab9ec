"""The Train panel's Snapshots page: the run's snapshots (open one in the browser) and the
memorisation check (generated images beside their nearest training images)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from engine import events, runs
from engine.config import TrainConfig

from ..widgets.style import repolish
from .common import heading, label
from .controller import TrainController
from .jobs import MemorisationResult, memorisation_job

NEAR_COPY = 0.02  # RMS distance (0..1 pixels at ≤ 32 px) below which an image looks copied

RunJob = Callable[..., None]  # TrainPanel.run_job


class SnapshotRow(QWidget):
    def __init__(self, path: Path, on_open: Callable[[str], None]):
        super().__init__()
        self.path = path
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 6, 4)
        step = runs.step_of(path)
        when = time.strftime("%H:%M", time.localtime(path.stat().st_mtime))
        text = f"Step {step:,}" if step is not None else path.stem
        self.label = QLabel(f"{text}  ·  saved {when}")
        self.label.setToolTip(str(path))
        self.button = QPushButton("Open in browser")
        self.button.setToolTip("Load this snapshot as the current model in the Browse view")
        self.button.clicked.connect(lambda: on_open(str(path)))
        layout.addWidget(self.label, 1)
        layout.addWidget(self.button)


# --- the panel ---------------------------------------------------------------------------------


class SnapshotsPage(QWidget):
    """The controller's run's snapshots, newest first. `dataset_for(cfg)` gives the folder
    already decoded for a run's settings, if any (the check then need not read it again)."""

    open_model_requested = Signal(str)
    memorisation_finished = Signal(object)  # MemorisationResult

    def __init__(
        self,
        controller: TrainController,
        run_job: RunJob,
        dataset_for: Callable[[TrainConfig], object],
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.setObjectName("resultsPage")
        self.controller = controller
        self.run_job = run_job
        self.dataset_for = dataset_for
        self._build()
        controller.event.connect(self._on_event)

    def _build(self) -> None:
        v = QVBoxLayout(self)
        v.setContentsMargins(2, 4, 6, 8)
        v.setSpacing(6)
        v.addWidget(heading("Snapshots"))
        self.snapshots_hint = label("Snapshots of the run appear here as it trains.", "muted")
        v.addWidget(self.snapshots_hint)
        self.snapshot_list = QListWidget()
        self.snapshot_list.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.snapshot_list.setMinimumHeight(120)
        self.snapshot_list.setMaximumHeight(220)
        v.addWidget(self.snapshot_list)

        v.addWidget(heading("Memorisation check"))
        v.addWidget(
            label(
                "Four generated images beside their nearest training images. A distance "
                "near 0 means the model reproduces that training image.",
                "muted",
                wrap=True,
            )
        )
        row = QHBoxLayout()
        self.memo_button = QPushButton("Check latest snapshot")
        self.memo_button.setToolTip(
            "Make four images with the newest snapshot and put each beside the training "
            "images it looks most like, to see whether the model copies them (memorisation)"
        )
        self.memo_button.clicked.connect(self.check_memorisation)
        row.addWidget(self.memo_button)
        row.addStretch(1)
        v.addLayout(row)
        self.memo_verdict = label("", wrap=True)
        self.memo_verdict.hide()
        v.addWidget(self.memo_verdict)
        self.memo_grid = QGridLayout()
        self.memo_grid.setHorizontalSpacing(8)
        self.memo_grid.setVerticalSpacing(2)
        v.addLayout(self.memo_grid)
        v.addStretch(1)

    def clear(self) -> None:
        self.snapshot_list.clear()
        self._clear_memorisation()

    def _on_event(self, ev: object) -> None:
        if isinstance(ev, events.Snapshot):
            self._add_snapshot(Path(ev.path))

    def _add_snapshot(self, path: Path) -> None:
        for i in range(self.snapshot_list.count()):
            if self.snapshot_list.item(i).data(Qt.ItemDataRole.UserRole) == str(path):
                return
        if not path.is_file():
            return
        row = SnapshotRow(path, self.open_model_requested.emit)
        item = QListWidgetItem()
        item.setData(Qt.ItemDataRole.UserRole, str(path))
        item.setSizeHint(row.sizeHint())
        self.snapshot_list.insertItem(0, item)  # newest first
        self.snapshot_list.setItemWidget(item, row)
        self.snapshots_hint.setText(f"Run: {path.parent.parent.name}")
        self.memo_button.setEnabled(True)

    def refresh(self) -> None:
        if self.controller.run_dir is None:
            return
        for path in runs.snapshots(self.controller.run_dir):
            self._add_snapshot(path)

    def snapshot_paths(self) -> list[str]:
        return [
            self.snapshot_list.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(self.snapshot_list.count())
        ]

    def latest_snapshot(self) -> str | None:
        paths = self.snapshot_paths()
        return max(paths, key=lambda p: runs.step_of(p) or 0) if paths else None

    def open_snapshot(self, path: str) -> None:
        self.open_model_requested.emit(path)

    def check_memorisation(self) -> None:
        snapshot = self.latest_snapshot()
        if snapshot is None or self.controller.run_dir is None:
            return
        cfg = self._run_config()
        if cfg is None:
            return
        dataset = self.dataset_for(cfg)
        self.memo_button.setEnabled(False)
        self.memo_verdict.setText("Comparing generated images with the training images…")
        self.memo_verdict.setProperty("role", "muted")
        repolish(self.memo_verdict)
        self.memo_verdict.show()
        self.run_job(
            memorisation_job,
            (snapshot, cfg.data_dir, cfg.data.to_dict(), dataset),
            {},
            self._on_memorisation,
            self._on_memorisation_failed,
        )

    def _run_config(self) -> TrainConfig | None:
        try:
            data = json.loads((self.controller.run_dir / "run.json").read_text(encoding="utf-8"))
            return TrainConfig.from_dict(data["config"])
        except (OSError, ValueError, KeyError) as exc:
            self.memo_verdict.setText(f"Cannot read this run's settings: {exc}")
            self.memo_verdict.show()
            return None

    def _clear_memorisation(self) -> None:
        while self.memo_grid.count():
            item = self.memo_grid.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        self.memo_verdict.hide()

    def _on_memorisation_failed(self, message: str) -> None:
        self.memo_button.setEnabled(True)
        self.memo_verdict.setText(f"The check failed: {message}")

    def _on_memorisation(self, result: MemorisationResult) -> None:
        self._clear_memorisation()
        self.memo_button.setEnabled(True)
        px = 72
        for col, text in enumerate(("Generated", "Nearest training images")):
            self.memo_grid.addWidget(
                label(text, "muted"), 0, 0 if col == 0 else 1, 1, 1 if col == 0 else 3
            )
        closest = min((n[0].distance for n in result.neighbours), default=None)
        for row, (image, neighbours) in enumerate(zip(result.generated, result.neighbours)):
            self.memo_grid.addWidget(
                self._thumb(image, px, f"Generated (seed {row})"), 2 * row + 1, 0
            )
            for col, nb in enumerate(neighbours):
                self.memo_grid.addWidget(self._thumb(nb.image, px, nb.name), 2 * row + 1, col + 1)
                caption = label(f"{nb.distance:.3f}", "muted")
                caption.setAlignment(Qt.AlignmentFlag.AlignHCenter)
                caption.setToolTip(f"{nb.name}: RMS pixel distance {nb.distance:.4f}")
                self.memo_grid.addWidget(caption, 2 * row + 2, col + 1)
        if closest is not None and closest < NEAR_COPY:
            self.memo_verdict.setProperty("role", "warning")
            self.memo_verdict.setText(
                f"At least one generated image is nearly identical to a training image "
                f"(distance {closest:.3f}): the model may be memorising. More images, more "
                "augmentation or a shorter run help."
            )
        elif closest is not None:
            self.memo_verdict.setProperty("role", "muted")
            self.memo_verdict.setText(
                f"No near-copies: the closest pair is {closest:.3f} apart (below {NEAR_COPY} "
                f"would suggest copying). Snapshot: {Path(result.snapshot).name}."
            )
        repolish(self.memo_verdict)
        self.memo_verdict.show()
        self.memorisation_finished.emit(result)

    @staticmethod
    def _thumb(image: QImage, px: int, tip: str) -> QLabel:
        label = QLabel()
        mode = (
            Qt.TransformationMode.FastTransformation
            if image.width() * 2 <= px
            else Qt.TransformationMode.SmoothTransformation
        )
        label.setPixmap(
            QPixmap.fromImage(image.scaled(px, px, Qt.AspectRatioMode.KeepAspectRatio, mode))
        )
        label.setToolTip(tip)
        label.setFixedSize(px, px)
        return label
