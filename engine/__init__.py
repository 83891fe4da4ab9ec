"""Ganvas engine: datasets, networks, training, rendering. Never imports Qt."""

__version__ = "0.1.0"
