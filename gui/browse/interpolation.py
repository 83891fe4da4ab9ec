"""Interpolation: a strip of frames looping through two or more chosen images (slerp in z for
plain seeds, lerp in w otherwise — engine.animation.loop_ws), and a player that animates the
preview through the loop."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from engine.latent import Latent

from ..widgets.image_grid import ImageGrid

STRIP_FRAMES = 12  # thumbnails in the strip
PLAY_FRAMES_PER_KEY = 30
PLAY_FPS = 30


class InterpolationPanel(QWidget):
    keys_changed = Signal()
    frame_chosen = Signal(int)  # index into `frames`
    play_toggled = Signal(bool)
    add_requested = Signal()
    frame_shown = Signal(object)  # QImage, while playing

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("interpolationPanel")
        self.keys: list[Latent] = []
        self.frames: list[Latent] = []  # the strip's latents, from the last strip render
        self.play_images: list[QImage] = []
        self.play_index = 0

        self.add_button = QPushButton("Add current")
        self.add_button.setToolTip("Add the current image as the next keyframe (Ctrl+I)")
        self.add_button.clicked.connect(self.add_requested)
        self.remove_button = QPushButton("Remove last")
        self.remove_button.setToolTip("Remove the last keyframe")
        self.remove_button.clicked.connect(self.remove_last)
        self.clear_button = QPushButton("Clear")
        self.clear_button.setToolTip("Remove every keyframe")
        self.clear_button.clicked.connect(self.clear)
        self.play_button = QPushButton("Play")
        self.play_button.setObjectName("primaryButton")
        self.play_button.setCheckable(True)
        self.play_button.setToolTip("Animate the preview through the loop (Space)")
        self.play_button.toggled.connect(self._on_play_toggled)
        self.hint = QLabel()
        self.hint.setObjectName("panelHint")

        self.strip = ImageGrid(
            STRIP_FRAMES, columns=STRIP_FRAMES, gap=6, object_name="interpolationStrip"
        )
        self.strip.setMinimumHeight(70)
        self.strip.setToolTip(
            "Frames between the keyframes (outlined); click one to make it the current image"
        )
        self.strip.cell_clicked.connect(self._on_frame_clicked)

        self.timer = QTimer(self)
        self.timer.setInterval(round(1000 / PLAY_FPS))
        self.timer.timeout.connect(self._next_frame)

        buttons = QVBoxLayout()
        buttons.setSpacing(6)
        buttons.addWidget(self.play_button)
        buttons.addWidget(self.add_button)
        row2 = QHBoxLayout()
        row2.setSpacing(6)
        row2.addWidget(self.remove_button)
        row2.addWidget(self.clear_button)
        buttons.addLayout(row2)
        buttons.addWidget(self.hint)
        buttons.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(12)
        layout.addLayout(buttons)
        layout.addWidget(self.strip, 1)
        self._update()

    # --- keys ------------------------------------------------------------------------------

    def add_key(self, latent: Latent) -> None:
        self.keys.append(latent)
        self._keys_changed()

    def remove_last(self) -> None:
        if self.keys:
            self.keys.pop()
            self._keys_changed()

    def clear(self) -> None:
        if self.keys:
            self.keys.clear()
            self._keys_changed()

    def set_keys(self, keys: list[Latent]) -> None:
        self.keys = list(keys)
        self._keys_changed()

    def _keys_changed(self) -> None:
        self.frames = []
        self.play_images = []
        if len(self.keys) < 2:
            self.stop()
            for cell in self.strip.cells:
                cell.set_image(None)
                cell.set_label("")
                cell.set_marked(False)
        self._update()
        self.keys_changed.emit()

    def strip_frames(self) -> int:
        """Frames in the strip: a multiple of the key count, so keys fall on frames."""
        n = max(len(self.keys), 1)
        return max(STRIP_FRAMES // n, 1) * n

    def _update(self) -> None:
        n = len(self.keys)
        ready = n >= 2
        self.play_button.setEnabled(ready)
        self.remove_button.setEnabled(n > 0)
        self.clear_button.setEnabled(n > 0)
        self.hint.setText(
            f"{n} keyframe{'s' if n != 1 else ''}"
            if ready
            else ("Add one more image." if n == 1 else "Add two or more images.")
        )

    # --- strip ------------------------------------------------------------------------------

    def show_strip(self, latents: list[Latent], images: list[QImage]) -> None:
        self.frames = list(latents)
        self.strip.set_count(len(latents) or STRIP_FRAMES)
        per_key = max(len(latents) // max(len(self.keys), 1), 1)
        for i, cell in enumerate(self.strip.cells):
            cell.set_image(images[i] if i < len(images) else None)
            is_key = i % per_key == 0 and i < len(latents)
            cell.set_marked(is_key)
            cell.set_label(
                str(i // per_key + 1) if is_key else "",
                "Keyframe: click to make it current"
                if is_key
                else "In-between frame: click to make it current",
            )

    def _on_frame_clicked(self, index: int) -> None:
        if index < len(self.frames):
            self.strip.set_selected(index)
            self.frame_chosen.emit(index)

    # --- player -----------------------------------------------------------------------------

    @property
    def playing(self) -> bool:
        return self.play_button.isChecked()

    def play_frames(self) -> int:
        return len(self.keys) * PLAY_FRAMES_PER_KEY

    def toggle(self) -> None:
        if self.play_button.isEnabled():
            self.play_button.toggle()

    def stop(self) -> None:
        self.play_button.setChecked(False)

    def _on_play_toggled(self, on: bool) -> None:
        self.play_button.setText("Stop" if on else "Play")
        if on:
            self.play_index = 0
            if self.play_images:
                self.timer.start()
        else:
            self.timer.stop()
        self.play_toggled.emit(on)

    def set_play_images(self, images: list[QImage]) -> None:
        self.play_images = list(images)
        if self.playing and images and not self.timer.isActive():
            self.timer.start()

    def _next_frame(self) -> None:
        if not self.play_images:
            return
        self.play_index %= len(self.play_images)
        self.frame_shown.emit(self.play_images[self.play_index])
        self.play_index += 1
