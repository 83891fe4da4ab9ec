"""Ganvas desktop app (PySide6). Widgets bind to observable state; torch stays in workers."""
