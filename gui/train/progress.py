"""The Train panel's Progress page: the numbers, the preview grid, the loss, augment and SWD
curves and the run's messages, all from the `TrainController`'s events."""

from __future__ import annotations

from PySide6.QtGui import QImage
from PySide6.QtWidgets import QFrame, QHBoxLayout, QVBoxLayout, QWidget

from engine import events, runs

from .common import format_duration, images_of, label
from .controller import TrainController
from .jobs import PreviewImage
from .widgets import ImageView, LinePlot

PREVIEW_PLACEHOLDER = "The preview grid appears here once training starts."


class StatBox(QFrame):
    """A caption over one large number."""

    def __init__(self, caption: str, tooltip: str = ""):
        super().__init__()
        self.setObjectName("statBox")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(0)
        self.caption = label(caption, "muted")
        self.value = label("–", "value")
        layout.addWidget(self.caption)
        layout.addWidget(self.value)
        self.setToolTip(tooltip)

    def set(self, text: str) -> None:
        self.value.setText(text)


class ProgressPage(QWidget):
    """Shows the controller's run as it trains; `show_history` fills in a resumed run's past."""

    def __init__(self, controller: TrainController, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        self._build()
        controller.event.connect(self._on_event)

    def _build(self) -> None:
        v = QVBoxLayout(self)
        v.setContentsMargins(2, 8, 2, 4)
        v.setSpacing(8)
        stats = QHBoxLayout()
        stats.setSpacing(6)
        self.step_box = StatBox("Step", "Training steps done (optimisation steps)")
        self.kimg_box = StatBox(
            "Images seen",
            "How many of your images (counting repeats) the model has looked at, of the total "
            "(kimg: thousands of images)",
        )
        self.rate_box = StatBox("Images a second", "Training speed (img/s)")
        self.eta_box = StatBox("Time left", "Estimated from the recent speed")
        for box in (self.step_box, self.kimg_box, self.rate_box, self.eta_box):
            stats.addWidget(box, 1)
        v.addLayout(stats)
        self.notice_label = label("", "warning", wrap=True)
        self.notice_label.hide()
        v.addWidget(self.notice_label)
        self.preview = ImageView(PREVIEW_PLACEHOLDER)
        self.preview.setToolTip(
            "The same seeds drawn by the model as it learns, so you can watch them improve "
            "(from the averaged, EMA, generator)"
        )
        v.addWidget(self.preview, 1)
        self.loss_plot = LinePlot("Artist vs critic")
        self.loss_plot.add_series("G", "blue", label="Artist")
        self.loss_plot.add_series("D", "orange", label="Critic")
        self.loss_plot.setToolTip(
            "The tug of war inside the model: the artist (generator, loss_G) draws, the critic "
            "(discriminator, loss_D, with its R1 penalty) tells drawings from your images. "
            "Curves that stay level are healthy; one that runs away means trouble."
        )
        v.addWidget(self.loss_plot)
        row = QHBoxLayout()
        row.setSpacing(6)
        self.aug_plot = LinePlot("Copy protection", y_range=(0.0, 1.0))
        self.aug_plot.add_series("p", "green", label="Share varied")
        self.aug_plot.setToolTip(
            "How often the critic is shown flipped, shifted or recoloured copies, so it cannot "
            "simply memorise your folder; it rises by itself when it starts to "
            "(adaptive augmentation, ADA probability p)"
        )
        self.swd_plot = LinePlot("Distance to your images")
        self.swd_plot.add_series("SWD", "violet", markers=True, label="Now")
        self.swd_plot.setToolTip(
            "Lower is closer: how different the model's pictures still are from your images, "
            "measured on "
            "small patches (sliced Wasserstein distance, SWD ×1000)"
        )
        self.swd_plot.placeholder = "Measured every tenth of the run"
        row.addWidget(self.aug_plot)
        row.addWidget(self.swd_plot)
        v.addLayout(row)

    def reset(self) -> None:
        for plot in (self.loss_plot, self.aug_plot, self.swd_plot):
            plot.clear()
        self.preview.set_message(PREVIEW_PLACEHOLDER)
        for box in (self.step_box, self.kimg_box, self.rate_box, self.eta_box):
            box.set("–")
        self.notice_label.hide()

    def _on_event(self, ev: object) -> None:
        if isinstance(ev, events.Progress):
            self._show_progress(ev)
        elif isinstance(ev, PreviewImage):
            self.preview.set_image(ev.qimage, f"Step {ev.step:,} · fixed seeds")
        elif isinstance(ev, events.Metric):
            if ev.swd_mean is not None:
                self.swd_plot.append("SWD", ev.kimg, ev.swd_mean)
        elif isinstance(ev, events.Message):
            self._show_messages()

    def _show_progress(self, ev: events.Progress) -> None:
        total = self.controller.total_kimg
        self.step_box.set(f"{ev.step:,}")
        self.kimg_box.set(images_of(ev.kimg, total).removesuffix(" images seen"))
        self.rate_box.set(f"{ev.img_per_s:.0f}" if ev.img_per_s >= 10 else f"{ev.img_per_s:.1f}")
        self.eta_box.set(format_duration(ev.eta_s))
        self._plot_progress(ev)

    def _plot_progress(self, record: events.Progress) -> None:
        x = record.kimg
        if record.loss_G is not None:
            self.loss_plot.append("G", x, record.loss_G)
        if record.loss_D is not None:
            self.loss_plot.append("D", x, record.loss_D)
        if record.aug_p is not None:
            self.aug_plot.append("p", x, record.aug_p)

    def _show_messages(self) -> None:
        messages = self.controller.messages
        self.notice_label.setText("\n".join(messages[-3:]))
        self.notice_label.setToolTip("\n".join(messages))
        self.notice_label.show()

    def show_history(self, info: runs.RunInfo, records: list[events.TrainingEvent]) -> None:
        """Fill the curves and the preview from what an unfinished run wrote before."""
        for record in records:
            if isinstance(record, events.Progress):
                self._plot_progress(record)
            elif isinstance(record, events.Metric) and record.swd_mean is not None:
                self.swd_plot.append("SWD", record.kimg, record.swd_mean)
        if self.controller.messages:
            self.notice_label.setText("\n".join(self.controller.messages[-3:]))
            self.notice_label.show()
        preview = runs.latest_preview(info.path)
        if preview is not None:
            image = QImage(str(preview))
            step = runs.step_of(preview)
            self.preview.set_image(image, f"Step {step:,} · fixed seeds (before resuming)")
        self.step_box.set(f"{info.step:,}")
        self.kimg_box.set(images_of(info.kimg, info.total_kimg).removesuffix(" images seen"))
