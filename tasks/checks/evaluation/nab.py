"""The Numenta Anomaly Benchmark series, scored with storepulse's detector and the z-score.

Each series is scored as it comes (raw, one point per sampling interval, the day as its
season) and aggregated to days (counts summed, prices and speeds averaged), the grain of the
daily checks. NAB's first 15 % of each file is probationary: learned from, never scored.
Labels are NAB's combined windows; a detection anywhere in a window is one hit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from tasks.checks.detect import DetectorSettings, Scored, detect, zscore
from tasks.checks.evaluation.backtest import Event, Tally, tally

#: Categories whose values are levels (prices, speeds, occupancy): a day is their mean.
AVERAGED = ("realAdExchange", "realTraffic")
PROBATION = 0.15


@dataclass(frozen=True, slots=True)
class NabSeries:
    name: str
    grain: str  # "raw" or "daily"
    times: pd.DatetimeIndex
    values: np.ndarray
    windows: list[tuple[pd.Timestamp, pd.Timestamp]]

    @property
    def events(self) -> list[Event]:
        events = []
        for start, end in self.windows:
            inside = np.flatnonzero((self.times >= start) & (self.times <= end))
            if len(inside):
                events.append(Event(int(inside[0]), int(inside[-1]), "window"))
        return events

    @property
    def probation(self) -> int:
        return int(len(self.values) * PROBATION)

    @property
    def months(self) -> float:
        span = self.times[-1] - self.times[self.probation]
        return max(span.total_seconds() / 86400 / 30.44, 1e-9)

    def settings(self) -> DetectorSettings:
        """The daily checks' defaults; raw series use their day as the season."""
        if self.grain == "daily":
            return DetectorSettings()
        step = float(np.median(np.diff(self.times.asi8))) / 1e9
        per_day = max(2, min(288, round(86400 / step)))
        return DetectorSettings(
            period=per_day,
            seasons=7,
            level_points=per_day,
            min_history=2 * per_day,
            threshold=6.0,
            points_per_month=per_day * 30.44,  # the false-alert budget is a month's
        )


def load(nab_dir: Path) -> list[NabSeries]:
    """Every series saved under ``nab_dir/data``, raw and daily, with its labelled windows."""
    windows = json.loads((nab_dir / "labels" / "combined_windows.json").read_text())
    series: list[NabSeries] = []
    for path in sorted((nab_dir / "data").glob("*/*.csv")):
        key = f"{path.parent.name}/{path.name}"
        frame = pd.read_csv(path, parse_dates=["timestamp"])
        spans = [(pd.Timestamp(a), pd.Timestamp(b)) for a, b in windows.get(key, [])]
        times = pd.DatetimeIndex(frame["timestamp"])
        series.append(NabSeries(key, "raw", times, frame["value"].to_numpy(float), spans))
        by_day = frame.set_index("timestamp")["value"].resample("D")
        days = by_day.mean() if path.parent.name in AVERAGED else by_day.sum(min_count=1)
        day_spans = [(a.floor("D"), b.floor("D")) for a, b in spans]
        series.append(NabSeries(key, "daily", days.index, days.to_numpy(float), day_spans))
    return series


def score(series: NabSeries, scored: Scored) -> Tally:
    flags = scored.any_flag.copy()
    flags[: series.probation] = False
    events = [e for e in series.events if e.end >= series.probation]
    quiet = 1 if series.grain == "daily" else series.settings().period
    return tally([flags], events, series.months, quiet)


def compare(series: NabSeries) -> tuple[Tally, Tally]:
    """(storepulse's detector, the z-score baseline) on one series."""
    ours = detect(series.values, series.settings())
    return score(series, ours), score(series, zscore(series.values))
