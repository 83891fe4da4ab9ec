"""Animation export: a seamless loop through chosen keyframes as GIF, animated WebP or MP4,
with a preview of any frame before the whole loop is rendered."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine.latent import Latent

from ..core.errors import ErrorReporter
from ..core.jobs import Job, JobRunner
from ..core.models import ModelRef
from .dialogs import (
    EnlargeBox,
    ExportDialog,
    PathField,
    _stem,
    default_folder,
    scale_box,
    sentence,
    with_suffix,
)
from .jobs import AnimationExport, Item, animation_frame_job, animation_job

ANIMATION_FORMATS = {  # label → suffix
    "GIF (plays everywhere)": ".gif",
    "Animated WebP (smaller)": ".webp",
    "MP4 video (H.264)": ".mp4",
}
KEYS_INTERPOLATION, KEYS_FAVOURITES, KEYS_SEEDS = "interpolation", "favourites", "seeds"
PREVIEW_PX = 192


class AnimationDialog(ExportDialog):
    """Choose keyframes (the interpolation strip, favourites or seeds), frames, speed and size;
    preview a frame; render and encode the loop in the background."""

    def __init__(
        self,
        model: ModelRef,
        resolution: int,
        psi: float,
        interpolation_keys: list[Latent],
        favourites: list[Item],
        runner: JobRunner,
        reporter: ErrorReporter,
        parent: QWidget | None = None,
        *,
        folder: Path | None = None,
    ):
        super().__init__(
            "Export animation",
            "A seamless loop that visits every keyframe and returns to the first.",
            runner,
            reporter,
            parent,
            details="Plain seeds glide along the sphere of z (slerp); edited or bred images "
            "move in straight lines in w (lerp).",
        )
        self.model, self.resolution, self.psi = model, resolution, psi
        self.interpolation_keys, self.favourites = list(interpolation_keys), list(favourites)
        self._preview_job: Job | None = None
        self._preview_wanted = False

        self.keys_box = QComboBox()
        self.keys_box.setObjectName("keysBox")
        self.keys_box.addItem(
            f"Interpolation keyframes ({len(self.interpolation_keys)})", KEYS_INTERPOLATION
        )
        self.keys_box.addItem(f"Favourites ({len(self.favourites)})", KEYS_FAVOURITES)
        self.keys_box.addItem("Seeds", KEYS_SEEDS)
        self.seeds = QLineEdit("1, 2, 3, 4")
        self.seeds.setObjectName("seedsEdit")
        self.seeds.setPlaceholderText("e.g. 3, 17, 42 or 0-5")
        self.seeds.setToolTip(f"Keyframe seeds, at the current truncation ψ {psi:.2f}")
        self.key_note = QLabel()
        self.key_note.setObjectName("caption")
        keys = QWidget()
        keys_layout = QVBoxLayout(keys)
        keys_layout.setContentsMargins(0, 0, 0, 0)
        keys_layout.setSpacing(6)
        keys_layout.addWidget(self.keys_box)
        keys_layout.addWidget(self.seeds)
        keys_layout.addWidget(self.key_note)

        self.frames = QSpinBox()
        self.frames.setRange(2, 2000)
        self.frames.setValue(48)
        self.frames.setToolTip("Frames in the whole loop")
        self.frames.setMinimumWidth(90)
        self.fps = QSpinBox()
        self.fps.setRange(1, 60)
        self.fps.setValue(24)
        self.fps.setSuffix(" fps")
        self.fps.setMinimumWidth(90)
        self.fps.setToolTip("Frames per second")
        timing = QHBoxLayout()
        timing.addWidget(self.frames)
        timing.addWidget(QLabel("frames at"))
        timing.setSpacing(8)
        timing.addWidget(self.fps)
        timing.addStretch(1)
        self.duration = QLabel()
        self.duration.setObjectName("caption")
        self.mode = QComboBox()
        self.mode.addItem("Smooth curves (plain seeds only)", "z")
        self.mode.addItem("Straight lines", "w")
        self.mode.setToolTip(
            "How the loop moves from one keyframe to the next. Smooth curves keep every frame "
            "as rich as a seed's picture (slerp in z); straight lines work for every image, "
            "edited or bred too (lerp in w)"
        )
        self.scale = scale_box(resolution)
        self.enlarge = EnlargeBox(self.scale)
        self.format_box = QComboBox()
        self.format_box.setObjectName("formatBox")
        for label, suffix in ANIMATION_FORMATS.items():
            self.format_box.addItem(label, suffix)
        from engine.animation import mp4_available

        if not mp4_available():
            index = self.format_box.findData(".mp4")
            self.format_box.model().item(index).setEnabled(False)
            self.format_box.setItemData(
                index,
                "MP4 is not available here: it needs the optional imageio-ffmpeg package "
                "(pip install 'ganvas[video]')",
                Qt.ItemDataRole.ToolTipRole,
            )
        self.path = PathField(
            "Export animation", name_filter="Animations (*.gif *.webp *.mp4);;All files (*)"
        )
        self.path.set_text(str((folder or default_folder()) / f"{_stem(model.name)}-loop.gif"))

        self.preview = QLabel("Preview a frame to see it here")
        self.preview.setObjectName("animationPreview")
        self.preview.setProperty("role", "imageBox")  # its look: resources/styles/ganvas.qss
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setFixedSize(PREVIEW_PX, PREVIEW_PX)
        self.preview.setWordWrap(True)
        self.frame_slider = QSlider(Qt.Orientation.Horizontal)
        self.frame_slider.setObjectName("frameSlider")
        self.frame_slider.setToolTip("Which frame to preview")
        self.frame_label = QLabel()
        self.frame_label.setObjectName("caption")
        preview_box = QVBoxLayout()
        preview_box.setSpacing(6)
        preview_box.addWidget(self.preview)
        preview_box.addWidget(self.frame_slider)
        preview_box.addWidget(self.frame_label)
        preview_box.addStretch(1)

        self.form.addRow("Keyframes", keys)
        self.form.addRow("Length", timing)
        self.form.addRow("", self.duration)
        self.form.addRow("Motion", self.mode)
        self.form.addRow("Size", self.scale)
        self.form.addRow("Enlarge with", self.enlarge)
        self.form.addRow("Format", self.format_box)
        self.form.addRow("Save as", self.path)
        # the form and the preview side by side
        layout = self.layout()
        index = layout.indexOf(self.form)
        layout.removeItem(self.form)
        row = QHBoxLayout()
        row.setSpacing(20)
        row.addLayout(self.form, 1)
        row.addLayout(preview_box)
        layout.insertLayout(index, row)

        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(120)
        self._preview_timer.timeout.connect(self.request_preview)
        self.keys_box.currentIndexChanged.connect(self._on_keys_kind)
        self.format_box.currentIndexChanged.connect(self._on_format)
        self.path.changed.connect(self._sync_format)
        for signal in (self.frames.valueChanged, self.fps.valueChanged):
            signal.connect(self._show_duration)
        self.frames.valueChanged.connect(self._on_frames)
        for signal in (
            self.frame_slider.valueChanged,
            self.seeds.textChanged,
            self.mode.currentIndexChanged,
        ):
            signal.connect(self._schedule_preview)
        if len(self.interpolation_keys) < 2 and len(self.favourites) >= 2:
            self.keys_box.setCurrentIndex(1)
        elif len(self.interpolation_keys) < 2:
            self.keys_box.setCurrentIndex(2)
        self._on_keys_kind()
        self._on_frames()
        self._show_duration()
        self.fit_width(720)

    # --- choices ------------------------------------------------------------------------------

    def keys(self) -> list[Latent]:
        from engine.render import parse_seeds

        kind = self.keys_box.currentData()
        if kind == KEYS_INTERPOLATION:
            keys = list(self.interpolation_keys)
        elif kind == KEYS_FAVOURITES:
            keys = [it.latent for it in self.favourites]
        else:
            keys = [Latent(seed=s, psi=self.psi) for s in parse_seeds(self.seeds.text())]
        if len(keys) < 2:
            raise ValueError("an animation needs at least two keyframes")
        return keys

    def request(self, path: str = "") -> AnimationExport:
        return AnimationExport(
            self.model,
            tuple(self.keys()),
            path,
            int(self.frames.value()),
            float(self.fps.value()),
            int(self.scale.currentData()),
            str(self.mode.currentData()),
            self.enlarge.choice(),
        )

    def _on_keys_kind(self, *_: object) -> None:
        kind = self.keys_box.currentData()
        self.seeds.setVisible(kind == KEYS_SEEDS)
        self.key_note.setVisible(kind != KEYS_SEEDS)
        n = len(self.interpolation_keys) if kind == KEYS_INTERPOLATION else len(self.favourites)
        if kind == KEYS_INTERPOLATION and n < 2:
            self.key_note.setText("Add two or more keyframes with Images → Add to interpolation")
        elif kind == KEYS_FAVOURITES and n < 2:
            self.key_note.setText("Star two or more favourites first")
        else:
            self.key_note.setText(f"{n} keyframes, in order")
        self._schedule_preview()

    def _on_format(self, *_: object) -> None:
        self.path.set_text(with_suffix(self.path.text(), self.format_box.currentData()))

    def _sync_format(self, text: str) -> None:
        index = self.format_box.findData(Path(text.strip()).suffix.lower())
        if index >= 0 and index != self.format_box.currentIndex():
            self.format_box.setCurrentIndex(index)

    def _on_frames(self, *_: object) -> None:
        self.frame_slider.setRange(0, self.frames.value() - 1)
        self._schedule_preview()

    def _show_duration(self, *_: object) -> None:
        seconds = self.frames.value() / max(self.fps.value(), 1)
        self.duration.setText(f"A {seconds:.1f} s loop")

    # --- preview ------------------------------------------------------------------------------

    def _schedule_preview(self, *_: object) -> None:
        self.frame_label.setText(f"Frame {self.frame_slider.value() + 1} of {self.frames.value()}")
        self._preview_timer.start()

    def request_preview(self) -> None:
        """Render the chosen frame in the background (the latest choice wins)."""
        if self._preview_job is not None and self._preview_job.running:
            self._preview_wanted = True
            return
        try:
            request = self.request()
        except ValueError as exc:
            self.preview.setPixmap(QPixmap())
            self.preview.setText(sentence(exc))
            return
        self._preview_wanted = False
        job = self.runner.start(
            "Animation preview", animation_frame_job, request, self.frame_slider.value()
        )
        job.done.connect(self._show_preview)
        job.failed.connect(lambda message, _details: self.preview.setText(message))
        job.finished.connect(self._preview_finished)
        self._preview_job = job

    def _preview_finished(self) -> None:
        if self._preview_wanted:
            self.request_preview()

    def _show_preview(self, image: QImage) -> None:
        pixmap = QPixmap.fromImage(image).scaled(
            PREVIEW_PX,
            PREVIEW_PX,
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
        self.preview.setPixmap(pixmap)

    def preview_image(self) -> QPixmap | None:
        pixmap = self.preview.pixmap()
        return None if pixmap is None or pixmap.isNull() else pixmap

    # --- export -------------------------------------------------------------------------------

    def build_job(self):
        path = self.path.text()
        if not path:
            raise ValueError("choose where to save the animation")
        if Path(path).suffix.lower() not in ANIMATION_FORMATS.values():
            raise ValueError("the file name must end in .gif, .webp or .mp4")
        request = self.request(str(Path(path).expanduser()))
        return "Export animation", animation_job, (request,)
