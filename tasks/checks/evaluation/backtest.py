"""Score detectors against labelled history, per event rather than per point.

A run of consecutive flagged points is one alert (the alert lifecycle keeps one open alert per
fingerprint), and the alerts of a store's metrics that start on the same day are one page (they
go out as one message per store and run). A page inside a labelled event is a hit for that
event, however many days it lasts; one outside every event is a false alert. Precision is hits
over pages, recall is events hit over events.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True, slots=True)
class Event:
    """A labelled anomaly over positions ``start..end`` (inclusive).

    Alerts starting in the ``settle`` positions after it (a store recovering from a shift) are
    neither hits nor false alerts.
    """

    start: int
    end: int
    kind: str = "anomaly"
    settle: int = 0


@dataclass(slots=True)
class Tally:
    """Hits, misses and false alerts, summed over series."""

    events: int = 0
    hits: int = 0
    false_alerts: int = 0
    months: float = 0.0
    by_kind: dict[str, list[int]] = field(default_factory=dict)  # kind -> [hits, events]
    #: Points from each hit event's start to its first alert, by the event's kind.
    delays: dict[str, list[int]] = field(default_factory=dict)

    def add(self, other: Tally) -> None:
        self.events += other.events
        self.hits += other.hits
        self.false_alerts += other.false_alerts
        self.months += other.months
        for kind, delays in other.delays.items():
            self.delays.setdefault(kind, []).extend(delays)
        for kind, (hits, events) in other.by_kind.items():
            mine = self.by_kind.setdefault(kind, [0, 0])
            mine[0] += hits
            mine[1] += events

    @property
    def precision(self) -> float | None:
        alerts = self.hits + self.false_alerts
        return self.hits / alerts if alerts else None

    @property
    def recall(self) -> float | None:
        return self.hits / self.events if self.events else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None or r is None:
            return None
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def false_per_month(self) -> float | None:
        return self.false_alerts / self.months if self.months else None

    def by_second_day(self, kind: str) -> float | None:
        """The share of ``kind``'s events alerted on their first or second point."""
        events = self.by_kind.get(kind, [0, 0])[1]
        early = sum(delay <= 1 for delay in self.delays.get(kind, []))
        return early / events if events else None

    def as_dict(self) -> dict[str, object]:
        every = [d for delays in self.delays.values() for d in delays]
        return {
            "events": self.events,
            "hits": self.hits,
            "false_alerts": self.false_alerts,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "false_alerts_per_month": self.false_per_month,
            "recall_by_kind": {k: h / e if e else None for k, (h, e) in self.by_kind.items()},
            "median_delay": float(np.median(every)) if every else None,
            "median_delay_by_kind": {k: float(np.median(d)) for k, d in self.delays.items() if d},
            "by_second_day": {k: self.by_second_day(k) for k in self.by_kind},
        }


def alert_starts(
    flags: Sequence[bool] | np.ndarray, quiet: int = 1, skipped: np.ndarray | None = None
) -> list[int]:
    """Where each alert begins: a flag after at least ``quiet`` unflagged points (or the start).

    ``skipped`` points (holidays, campaigns: not checked) neither close nor open an alert.
    """
    marks = np.asarray(flags, bool)
    kept = np.arange(len(marks)) if skipped is None else np.flatnonzero(~skipped)
    starts, last = [], None
    for rank, position in enumerate(kept):
        if not marks[position]:
            continue
        if last is None or rank - last > quiet:
            starts.append(int(position))
        last = rank
    return starts


def tally(
    flag_sets: Iterable[Sequence[bool] | np.ndarray],
    events: Sequence[Event],
    months: float,
    quiet: int = 1,
    skipped: np.ndarray | None = None,
) -> Tally:
    """Score the alerts of one or more metrics of one series against its events.

    An alert stays open until ``quiet`` checked points in a row are normal (1 for daily
    checks); ``skipped`` points are not checked.
    """
    first_page: dict[int, int] = {}
    false_alerts = 0
    pages = sorted({start for flags in flag_sets for start in alert_starts(flags, quiet, skipped)})
    for start in pages:
        inside = [i for i, e in enumerate(events) if e.start <= start <= e.end]
        for i in inside:
            first_page.setdefault(i, start)
        settling = any(e.end < start <= e.end + e.settle for e in events)
        false_alerts += not inside and not settling
    result = Tally(len(events), len(first_page), false_alerts, months)
    for i in sorted(first_page):
        result.delays.setdefault(events[i].kind, []).append(first_page[i] - events[i].start)
    for i, event in enumerate(events):
        counts = result.by_kind.setdefault(event.kind, [0, 0])
        counts[0] += i in first_page
        counts[1] += 1
    return result


def events_from_labels(labels: Sequence[int] | np.ndarray, kind: str = "anomaly") -> list[Event]:
    """Runs of consecutive 1s in a 0/1 label column."""
    marks = np.asarray(labels, int) > 0
    ends = [s + _run_length(marks, s) - 1 for s in alert_starts(marks)]
    return [Event(s, e, kind) for s, e in zip(alert_starts(marks), ends, strict=True)]


def _run_length(marks: np.ndarray, start: int) -> int:
    length = 0
    while start + length < len(marks) and marks[start + length]:
        length += 1
    return length
