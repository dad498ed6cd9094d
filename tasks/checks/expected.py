"""A day's expected values by the checks' own method, read from the warehouse: a special day
from the same event before or the most similar past campaign (``tasks/checks/special.py``), any
other day as an ordinary one. The digest and the intraday watch share it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from sqlalchemy import Connection

from tasks.checks.detect import DetectorSettings
from tasks.checks.history import EVENT_HISTORY_DAYS, HISTORY_DAYS, load_history
from tasks.checks.special import Reference, SpecialExpectation, reference_days, special_expectation
from tasks.metrics.registry import unit_of


@dataclass(frozen=True, slots=True)
class DayExpectations:
    """Each metric's expectation of one day, and where a special day's came from."""

    reference: Reference
    #: The past days the reference's positions stand for, oldest first.
    past: tuple[date, ...] = ()
    expected: dict[str, SpecialExpectation] = field(default_factory=dict)


def day_expectations(
    conn: Connection, store: str, day: date, events: Mapping[date, str], metrics: Sequence[str]
) -> DayExpectations:
    """The expectations of ``day`` for ``metrics`` (those the detector can expect);
    ``events``: the store's special days, by name, over the history read."""
    special = day in events
    history = load_history(
        conn, store, day, list(metrics), EVENT_HISTORY_DAYS if special else HISTORY_DAYS
    )
    position = history.position(day)
    excluded = np.array([d in events for d in history.days])
    reference = (
        reference_days(history.days, history.recorded_events(events), day)
        if special
        else Reference("ordinary_days")
    )
    expected = {}
    for metric in metrics:
        series = history.get(metric).copy()
        known = series[~np.isnan(series)]
        if not len(known):
            continue
        # The day may be partial (the watch) or missing: its value only scores it, so a
        # stand-in keeps the detector from refusing it.
        series[position] = float(np.median(known))
        settings = DetectorSettings(counts=unit_of(metric) in ("count", "units"))
        found = special_expectation(
            series, position, excluded, reference.positions, settings, reference.source
        )
        if found is not None:
            expected[metric] = found
    past = tuple(history.days[p] for p in reference.positions)
    return DayExpectations(reference, past, expected)
