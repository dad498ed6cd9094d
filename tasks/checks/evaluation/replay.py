"""``storepulse backtest``: replay the daily detector over labelled history and score it."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from connectors.config import ChecksConfig
from connectors.errors import ConfigError
from connectors.vocabulary import Side
from tasks.checks.business import DEFAULT_BUDGET
from tasks.checks.calendar import builtin_days
from tasks.checks.detect import DetectorSettings, Scored, detect, zscore
from tasks.checks.evaluation import labelled, nab
from tasks.checks.evaluation.backtest import Tally, alert_starts, events_from_labels, tally
from tasks.metrics.registry import REGISTRY

#: Which days ``--series`` leaves unscored: the built-in retail days, or none.
Calendar = Literal["retail", "none"]
#: What one metric may cost in false alerts a month in the default configuration: the store's
#: budget shared by the watched metrics every store records (spend and channels take a share
#: only where the store has them).
SERIES_BUDGET = DEFAULT_BUDGET / len(
    [
        w
        for w in ChecksConfig().watch
        if REGISTRY[w.metric].group != "advertising" and REGISTRY[w.metric].dimension is None
    ]
)


def replay_series(
    path: Path,
    side: Side = "both",
    calendar: Calendar = "retail",
    budget: float | None = None,
) -> dict[str, Any]:
    """Flag the days of a ``date,value[,label]`` CSV; score them when labels are given.

    With the retail calendar its holidays are neither scored nor learned from, as in the daily
    checks; ``none`` scores every day.
    """
    frame = read_series(path)
    budget = budget or SERIES_BUDGET
    settings = DetectorSettings(side=side, false_alerts_per_month=budget)
    excluded = _holidays(frame.index) if calendar == "retail" else None
    scored = detect(frame["value"].to_numpy(float), settings, excluded)
    days = [day.date() for day in frame.index]
    result: dict[str, Any] = {
        "flagged": _flagged(scored, days),
        "episodes": _episodes(scored, days),
        "calibration": {"false_alerts_per_month": budget, "calendar": calendar}
        | scored.calibration,
        "scores": None,
    }
    if "label" in frame:
        labels = frame["label"].fillna(0).to_numpy(int)
        months = len(frame) / 30.44
        events = events_from_labels(labels)
        result["scores"] = {
            "storepulse": tally([scored.any_flag], events, months).as_dict(),
            "zscore": tally(
                [zscore(frame["value"].to_numpy(float)).flagged], events, months
            ).as_dict(),
        }
    return result


def _holidays(index: pd.DatetimeIndex) -> np.ndarray:
    first, last = index[0].date(), index[-1].date()
    holidays = builtin_days(range(first.year, last.year + 1))
    return np.array([day.date() in holidays for day in index])


def _checks(scored: Scored, i: int) -> list[str]:
    flags = (
        ("anomaly", scored.flagged),
        ("cumulative", scored.cumulative_flagged),
        ("level", scored.level_flagged),
    )
    return [name for name, flagged in flags if flagged[i]]


def _flagged(scored: Scored, days: list[date]) -> list[dict[str, Any]]:
    return [
        {
            "date": day.isoformat(),
            "score": _round(scored.score[i]),
            "expected": _round(scored.expected[i]),
            "lower": _round(scored.lower[i]),
            "upper": _round(scored.upper[i]),
            "check": _checks(scored, i)[0],
        }
        for i, day in enumerate(days)
        if scored.any_flag[i]
    ]


def _episodes(scored: Scored, days: list[date]) -> list[dict[str, Any]]:
    """Runs of flagged days: what the alert lifecycle would keep as one alert that updates."""
    episodes = []
    for start in alert_starts(scored.any_flag):
        end = start
        while end + 1 < len(days) and scored.any_flag[end + 1]:
            end += 1
        span = range(start, end + 1)
        scores = scored.score[span]
        worst = scores[np.nanargmax(np.abs(scores))] if not np.isnan(scores).all() else np.nan
        episodes.append(
            {
                "start": days[start].isoformat(),
                "end": days[end].isoformat(),
                "days": len(span),
                "checks": sorted({name for i in span for name in _checks(scored, i)}),
                "worst_score": _round(worst),
            }
        )
    return episodes


def read_series(path: Path) -> pd.DataFrame:
    """The CSV on a daily spine (missing days NaN); errors name the file, line and problem."""
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    if not rows or not {"date", "value"} <= set(rows[0]):
        raise ConfigError(f"{path}: expected columns date,value (and optionally label)")
    days, values, labels = [], [], []
    for line, row in enumerate(rows, start=2):
        try:
            days.append(pd.Timestamp(row["date"]).normalize())
            values.append(float(row["value"]) if row["value"] not in ("", None) else np.nan)
            labels.append(int(row.get("label") or 0))
        except ValueError as exc:
            raise ConfigError(f"{path}, line {line}: {exc}") from None
    frame = pd.DataFrame({"value": values, "label": labels}, index=pd.DatetimeIndex(days))
    if frame.index.has_duplicates:
        raise ConfigError(f"{path}: date {frame.index[frame.index.duplicated()][0]:%Y-%m-%d} twice")
    frame = frame.sort_index().asfreq("D")
    if "label" not in rows[0]:
        frame = frame.drop(columns="label")
    return frame


def replay_benchmarks(nab_dir: Path, data_dir: Path, tuning: bool = False) -> dict[str, Any]:
    """The labelled local-store benchmark and the NAB series, storepulse vs the z-score."""
    return {"store": store_benchmark(data_dir, tuning), "nab": nab_benchmark(nab_dir)}


def store_benchmark(data_dir: Path, tuning: bool = False) -> dict[str, Any]:
    """Both detectors on the labelled shops, small and big apart and together."""
    seeds = labelled.TUNING_SEEDS if tuning else labelled.HELD_OUT_SEEDS
    groups = ("small", "big", "all")
    totals = {
        (name, group): {"injected": Tally(), "clean": Tally()}
        for name in ("storepulse", "zscore")
        for group in groups
    }
    for seed in seeds:
        for injected in (True, False):
            store = labelled.load_store(seed, injected, data_dir)
            for name, flags in _store_flags(store).items():
                result = tally(flags, store.events, store.months, skipped=store.excluded)
                twin = "injected" if injected else "clean"
                for group in (store.size, "all"):
                    totals[(name, group)][twin].add(result)
    return {
        "seeds": [seeds.start, seeds.stop - 1],
        "metrics": list(labelled.METRICS),
        **{
            name: {
                group: {twin: t.as_dict() for twin, t in totals[(name, group)].items()}
                for group in groups
            }
            for name in ("storepulse", "zscore")
        },
    }


def _store_flags(store: labelled.LabelledStore) -> dict[str, list[np.ndarray]]:
    flags: dict[str, list[np.ndarray]] = {"storepulse": [], "zscore": []}
    for metric, watched in labelled.METRICS.items():
        values = store.series[metric]
        settings = DetectorSettings(counts=watched.counts, side=watched.side)
        ours = detect(values, settings, store.excluded)
        baseline = zscore(values, side=watched.side)
        for name, scored in (("storepulse", ours), ("zscore", baseline)):
            flags[name].append(_scored_only(scored, store))
    return flags


def _scored_only(scored: Scored, store: labelled.LabelledStore) -> np.ndarray:
    return store.checked(scored.any_flag)


def nab_benchmark(nab_dir: Path) -> dict[str, Any]:
    if not (nab_dir / "labels" / "combined_windows.json").exists():
        return {"missing": str(nab_dir)}
    rows = []
    totals = {g: {"storepulse": Tally(), "zscore": Tally()} for g in ("raw", "daily")}
    for series in nab.load(nab_dir):
        ours, baseline = nab.compare(series)
        totals[series.grain]["storepulse"].add(ours)
        totals[series.grain]["zscore"].add(baseline)
        rows.append(
            {
                "series": series.name,
                "grain": series.grain,
                "points": len(series.values),
                "events": ours.events,
                "storepulse": ours.as_dict(),
                "zscore": baseline.as_dict(),
            }
        )
    both = totals["raw + daily"] = {"storepulse": Tally(), "zscore": Tally()}
    for grain in ("raw", "daily"):
        for name, tallied in totals[grain].items():
            both[name].add(tallied)
    summary = {g: {k: v.as_dict() for k, v in t.items()} for g, t in totals.items()}
    return {"series": rows, "total": summary}


def _round(value: float) -> float | None:
    return None if np.isnan(value) else round(float(value), 4)
