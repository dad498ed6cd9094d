"""A store's daily metric history as arrays on a date spine (a missing day is NaN)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from sqlalchemy import Connection

from tasks.metrics.query import metric_rows

#: Days of history the checks read: four weeks before the first score, then about a year of days
#: scored against their own past (up to 26 weeks of it), on which each threshold is calibrated.
HISTORY_DAYS = 400
#: Days read when the report day is a holiday or campaign day, so that the same event last year
#: is in the history with the 26 weeks the detector reads before it: 364 + 182, and a margin.
EVENT_HISTORY_DAYS = 560


@dataclass(frozen=True, slots=True)
class History:
    days: list[date]
    series: dict[str, np.ndarray]
    #: (metric, dimension value) -> values, for broken-down metrics.
    breakdowns: dict[tuple[str, str], np.ndarray]

    def get(self, metric: str) -> np.ndarray:
        return self.series.get(metric, np.full(len(self.days), np.nan))

    def position(self, day: date) -> int:
        return (day - self.days[0]).days

    def recorded_events(self, events: Mapping[date, str]) -> dict[date, str]:
        """``events`` from the store's first recorded day on: an event from before a store's
        history began cannot be what a day is expected from."""
        known = np.zeros(len(self.days), dtype=bool)
        for series in self.series.values():
            known |= np.isfinite(series)
        if not known.any():
            return {}
        first = self.days[int(np.argmax(known))]
        return {d: name for d, name in events.items() if d >= first}


def load_history(
    conn: Connection, store: str, report_date: date, metrics: list[str], days: int = HISTORY_DAYS
) -> History:
    start = report_date - timedelta(days=days - 1)
    spine = [start + timedelta(days=i) for i in range(days)]
    series: dict[str, np.ndarray] = {}
    breakdowns: dict[tuple[str, str], np.ndarray] = defaultdict(lambda: np.full(days, np.nan))
    for row in metric_rows(conn, store, "day", start, report_date, metrics):
        value = np.nan if row["value"] is None else float(row["value"])
        i = (row["period_start"] - start).days
        if row["dimension"]:
            breakdowns[(row["metric"], row["dimension_value"])][i] = value
        else:
            series.setdefault(row["metric"], np.full(days, np.nan))[i] = value
    return History(spine, series, dict(breakdowns))
