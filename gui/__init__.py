"""Ganvas desktop app (PySide6). Widgets bind to observable state; torch stays in workers."""

from .qt_compat import guard_singleton_refcounts

guard_singleton_refcounts()  # before any Qt call; a no-op where PySide6 is not affected
