"""Work around a reference-count bug in PySide6 6.12.0 on Python < 3.12.

PySide6 6.12.0 returns `None` from every void method (`setText`, `update`,
`processEvents`, …) without taking a reference. From Python 3.12 on, `None` is immortal and
this is harmless; on 3.10/3.11 each call lowers None's reference count by one until Python
aborts with "Fatal Python error: none_dealloc" — after a few thousand Qt calls, i.e. within
minutes of normal use. (6.11.3 does not have the bug; see the project notes for the pin.)

While such a build is installed, give None, True and False a reference count so large that no
session can exhaust it: they are static objects that are never freed anyway, which is what
3.12's immortal objects formalise.
"""

from __future__ import annotations

import ctypes
import sys

import PySide6

AFFECTED = ("6.12.",)
HEADROOM = 1 << 40  # ~10^12 leaked references: centuries of continuous calls


def needs_refcount_guard(version: str = PySide6.__version__) -> bool:
    return sys.version_info < (3, 12) and version.startswith(AFFECTED)


def guard_singleton_refcounts() -> bool:
    """Apply the guard once if this Python/PySide6 pair needs it; True if applied."""
    if not needs_refcount_guard() or getattr(sys, "_ganvas_refcount_guard", False):
        return False
    if sys.implementation.name != "cpython":
        return False
    for obj in (None, True, False):
        # ob_refcnt is the first field of every CPython object header
        ctypes.c_ssize_t.from_address(id(obj)).value += HEADROOM
    sys._ganvas_refcount_guard = True
    return True
