"""The Likes panel: rate the current image, see how many ratings there are and how well the
learned direction predicts them, and fill the grid with more of what you like."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget
from superqt import QLabeledDoubleSlider

if TYPE_CHECKING:
    from ..core.likes import PreferenceFit

DEFAULT_STRENGTH = 1.5
MAX_STRENGTH = 4.0


class PreferencePanel(QWidget):
    """Widgets only: gui.likes.likes.Preferences holds the labels and the direction."""

    like_requested = Signal()
    dislike_requested = Signal()
    more_requested = Signal()
    surprise_requested = Signal()
    export_requested = Signal()
    strength_changed = Signal(float)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("preferencePanel")
        intro = QLabel(
            "Rate images with + and − (or right-click any image). After three of each, "
            "Ganvas learns a direction for your taste and can fill the grid with more of it."
        )
        intro.setObjectName("caption")
        intro.setWordWrap(True)

        self.like_button = QPushButton("+  Like")
        self.like_button.setObjectName("likeButton")
        self.like_button.setToolTip("I like the current image (+); again to take it back")
        self.dislike_button = QPushButton("−  Dislike")
        self.dislike_button.setObjectName("dislikeButton")
        self.dislike_button.setToolTip("I don't like the current image (−); again to take it back")
        for button in (self.like_button, self.dislike_button):
            button.setCheckable(True)
        self.like_button.clicked.connect(lambda: self.like_requested.emit())
        self.dislike_button.clicked.connect(lambda: self.dislike_requested.emit())

        self.counts = QLabel()
        self.counts.setObjectName("preferenceCounts")
        self.fit_label = QLabel()
        self.fit_label.setObjectName("preferenceFit")
        self.fit_label.setWordWrap(True)
        self.fit_label.setToolTip(
            "Cross-validated accuracy: how often your taste, learned without an image, "
            "guesses that image's rating. 50 % is chance; more ratings make it steadier."
        )

        self.strength = QLabeledDoubleSlider(Qt.Orientation.Horizontal)
        self.strength.setObjectName("strengthSlider")
        self.strength.setRange(0.0, MAX_STRENGTH)
        self.strength.setDecimals(1)
        self.strength.setSingleStep(0.1)
        self.strength.setValue(DEFAULT_STRENGTH)
        self.strength.setToolTip(
            "How far More like this pushes each sample towards your taste: 1 is a typical "
            "difference between two images, in standard deviations (σ); 0 = plain samples"
        )
        self.strength.valueChanged.connect(lambda v: self.strength_changed.emit(float(v)))
        self.more_button = QPushButton("More like this")
        self.more_button.setObjectName("moreButton")
        self.more_button.setToolTip(
            "Fill the grid with new samples pushed towards what you liked (Ctrl+L)"
        )
        self.more_button.clicked.connect(lambda: self.more_requested.emit())
        self.surprise_button = QPushButton("Surprise me")
        self.surprise_button.setObjectName("surpriseButton")
        self.surprise_button.setToolTip("New random samples, ignoring your ratings (Ctrl+Shift+L)")
        self.surprise_button.clicked.connect(lambda: self.surprise_requested.emit())
        self.mode_label = QLabel()
        self.mode_label.setObjectName("caption")
        self.export_button = QPushButton("Export liked images…")
        self.export_button.setToolTip(
            "Save every liked image into a folder, e.g. to fine-tune a model on them"
        )
        self.export_button.clicked.connect(lambda: self.export_requested.emit())

        rate = QHBoxLayout()
        rate.setSpacing(8)
        rate.addWidget(self.like_button)
        rate.addWidget(self.dislike_button)
        rate.addStretch(1)
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(8)
        strength_label = QLabel("Strength")
        strength_label.setToolTip(self.strength.toolTip())
        grid.addWidget(strength_label, 0, 0, Qt.AlignmentFlag.AlignRight)
        grid.addWidget(self.strength, 0, 1)
        buttons = QHBoxLayout()
        buttons.setSpacing(8)
        buttons.addWidget(self.more_button)
        buttons.addWidget(self.surprise_button)
        buttons.addStretch(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.setSpacing(10)
        layout.addWidget(intro)
        layout.addLayout(rate)
        layout.addWidget(self.counts)
        layout.addWidget(self.fit_label)
        layout.addLayout(grid)
        layout.addLayout(buttons)
        layout.addWidget(self.mode_label)
        layout.addWidget(self.export_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addStretch(1)
        self.show_counts(0, 0, 3)
        self.show_fit(None)
        self.set_active(False)

    def show_counts(self, likes: int, dislikes: int, needed: int) -> None:
        self.counts.setText(f"{likes} liked · {dislikes} disliked")
        if likes < needed or dislikes < needed:
            more = []
            if likes < needed:
                more.append(f"{needed - likes} more up")
            if dislikes < needed:
                more.append(f"{needed - dislikes} more down")
            self.fit_label.setText("To learn your taste: rate " + " and ".join(more) + ".")

    def show_current_label(self, label: int) -> None:
        self.like_button.setChecked(label > 0)
        self.dislike_button.setChecked(label < 0)

    def show_fitting(self) -> None:
        self.fit_label.setText("Learning what you like…")

    def show_fit(self, fit: PreferenceFit | None, *, error: str = "") -> None:
        if error:
            self.fit_label.setText("Could not learn your taste: " + error)
        elif fit is not None:
            acc = (
                f"Ganvas guesses your likes right {fit.accuracy:.0%} of the time (50 % is chance)"
                if fit.accuracy is not None
                else "Rate a few more to see how well Ganvas guesses your likes"
            )
            hint = (
                "; rate more to sharpen it"
                if fit.accuracy is not None and fit.accuracy < 0.7
                else ""
            )
            self.fit_label.setText(
                f"Learned from {fit.likes} likes and {fit.dislikes} dislikes. {acc}{hint}."
            )

    def set_active(self, active: bool) -> None:
        """Whether the grid shows pushed samples now."""
        self.mode_label.setText(
            "The grid shows samples pushed towards your taste." if active else ""
        )
        self.mode_label.setVisible(active)

    def set_enabled(self, has_model: bool, has_fit: bool, has_likes: bool) -> None:
        for w in (self.like_button, self.dislike_button, self.surprise_button):
            w.setEnabled(has_model)
        self.more_button.setEnabled(has_model and has_fit)
        self.strength.setEnabled(has_model and has_fit)
        self.export_button.setEnabled(has_model and has_likes)
