"""numpy uint8 images → QImage, with a deep copy so Qt never points into freed memory; and the
clipboard's PNG that carries a Ganvas record (Copy puts it there, Paste reads it back)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from PySide6.QtGui import QImage

if TYPE_CHECKING:
    import numpy as np

PNG_MIME = "image/png"  # Copy's PNG, with the record File → Export writes

_FORMATS = {
    1: QImage.Format.Format_Grayscale8,
    3: QImage.Format.Format_RGB888,
    4: QImage.Format.Format_RGBA8888,
}


def array_to_qimage(array: np.ndarray) -> QImage:
    """[H, W] or [H, W, C] uint8 (C = 1, 3, 4) → an independent QImage."""
    if array.dtype.name != "uint8":
        raise ValueError(f"expected uint8 pixels, got {array.dtype}")
    if array.ndim == 2:
        array = array[:, :, None]
    h, w, c = array.shape
    if c not in _FORMATS:
        raise ValueError(f"cannot show an image with {c} channels")
    if not array.flags.c_contiguous:
        array = array.copy(order="C")
    # QImage wraps the buffer without owning it; copy() detaches before `array` can go away
    return QImage(array.data, w, h, array.strides[0], _FORMATS[c]).copy()


def qimage_to_bytes(image: QImage) -> bytes:
    """The pixels as packed RGB bytes (handy for comparing images in tests)."""
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    bpl = rgb.width() * 3
    data = bytes(rgb.constBits())
    return b"".join(
        data[y * rgb.bytesPerLine() : y * rgb.bytesPerLine() + bpl] for y in range(rgb.height())
    )


def read_png_record(data: bytes) -> dict | None:
    """The Ganvas record inside PNG bytes (a paste from Ganvas), or None."""
    from engine.export import read_record  # Pillow only

    return read_record(io.BytesIO(data))  # type: ignore[arg-type]  # PIL opens file objects
