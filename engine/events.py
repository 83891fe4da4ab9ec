"""Typed training events: what `engine.training.train()` yields, as dataclasses.

`train()` yields plain dicts (`{"kind": "progress", …}`, also the stats.jsonl format); the CLI
bar and the GUI read them through `parse()`, so both see the same fields with the same types
and a new field is added in one place. `stats_record()` reads one line of a run's stats.jsonl
the same way, for a resumed run's history.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Union

LOSS_PREFIX = "loss_"


@dataclass(frozen=True)
class Status:
    """A setup stage (reading images, building networks, resumed at step n)."""

    text: str


@dataclass(frozen=True)
class Progress:
    step: int
    kimg: float
    img_per_s: float
    eta_s: float | None = None
    aug_p: float | None = None
    total_kimg: float | None = None
    lr_scale: float = 1.0
    losses: Mapping[str, float] = field(default_factory=dict)  # "loss_G", "loss_D", …

    @property
    def loss_G(self) -> float | None:  # noqa: N802 - the engine's name
        return self.losses.get("loss_G")

    @property
    def loss_D(self) -> float | None:  # noqa: N802
        return self.losses.get("loss_D")


@dataclass(frozen=True)
class Preview:
    """The fixed-seed grid from the EMA generator (HxWxC uint8)."""

    step: int
    image: Any


@dataclass(frozen=True)
class Metric:
    step: int
    kimg: float | None = None
    values: Mapping[str, Any] = field(default_factory=dict)  # "swd_mean", …

    @property
    def swd_mean(self) -> float | None:
        return self.values.get("swd_mean")


@dataclass(frozen=True)
class Snapshot:
    step: int
    path: str


@dataclass(frozen=True)
class Message:
    """Something the user should read, e.g. a NaN rollback."""

    text: str
    level: str = "info"


@dataclass(frozen=True)
class Rollback:
    """A NaN/inf rollback, as recorded in stats.jsonl."""

    step: int | None
    lr_scale: float | None


@dataclass(frozen=True)
class Done:
    step: int
    kimg: float
    snapshot: str


TrainingEvent = Union[Status, Progress, Preview, Metric, Snapshot, Message, Rollback, Done]  # noqa: UP007


def _progress(d: Mapping[str, Any]) -> Progress:
    return Progress(
        step=int(d["step"]),
        kimg=float(d["kimg"]),
        img_per_s=float(d.get("img_per_s", 0.0)),
        eta_s=d.get("eta_s"),
        aug_p=d.get("aug_p"),
        total_kimg=d.get("total_kimg"),
        lr_scale=float(d.get("lr_scale", 1.0)),
        losses={k: float(v) for k, v in d.items() if k.startswith(LOSS_PREFIX)},
    )


def _metric(d: Mapping[str, Any]) -> Metric:
    values = {k: v for k, v in d.items() if k not in ("kind", "step", "kimg")}
    return Metric(step=int(d["step"]), kimg=d.get("kimg"), values=values)


def parse(event: Mapping[str, Any]) -> TrainingEvent:
    """The typed event for one dict that `train()` yielded; ValueError for an unknown kind."""
    kind = event.get("kind")
    if kind == "status":
        return Status(str(event["text"]))
    if kind == "progress":
        return _progress(event)
    if kind == "preview":
        return Preview(int(event["step"]), event["image"])
    if kind == "metric":
        return _metric(event)
    if kind == "snapshot":
        return Snapshot(int(event["step"]), str(event["path"]))
    if kind == "message":
        return Message(str(event["text"]), str(event.get("level", "info")))
    if kind == "rollback":
        return Rollback(event.get("step"), event.get("lr_scale"))
    if kind == "done":
        return Done(int(event["step"]), float(event["kimg"]), str(event["snapshot"]))
    raise ValueError(f"unknown training event kind {kind!r}")


def stats_record(record: Mapping[str, Any]) -> TrainingEvent | None:
    """One line of stats.jsonl: progress lines carry no kind; others as `parse`; None for
    records the history does not show (e.g. "ddp")."""
    kind = record.get("kind")
    if kind is None:
        return _progress(record) if "kimg" in record else None
    try:
        return parse(record)
    except (ValueError, KeyError):
        return None
