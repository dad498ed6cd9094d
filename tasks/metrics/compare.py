"""Comparisons every report needs: against the previous period, the same weekday last week,
and the same period last year (364 days back, so weekdays line up).

A complete period is read from ``metric_values``, so a report shows the very values the
checks and the trend charts read. A period still in progress is computed and compared fairly:
a week that has run Monday to Wednesday is set against the other weeks' Monday to Wednesday,
not their whole weeks. A base of zero gives "n/a" (None), never 0 % or infinity.

Values stay in the warehouse's units: money in whole minor units, the rest as numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Connection, select

from tasks.metrics.collect import collect
from tasks.metrics.registry import METRICS, Metric
from tasks.warehouse import schema as tables

LAST_YEAR = timedelta(days=364)


@dataclass(frozen=True, slots=True)
class Delta:
    """The period against a base, in the metric's stored units (minor units for money)."""

    base: float | None
    change: float | None
    #: (current − base) ÷ base; None ("n/a") when the base is zero or unknown.
    ratio: float | None


@dataclass(frozen=True, slots=True)
class Comparison:
    metric: str
    start: date
    end: date
    partial: bool
    #: Money: whole minor units of the store's currency; None for any other unit or n/a.
    value_minor: int | None
    #: Any other unit: counts, rates as fractions, days; None for money or n/a.
    number: float | None
    previous: Delta
    last_week: Delta | None
    last_year: Delta


def delta(current: float | None, base: float | None) -> Delta:
    if current is None or base is None:
        return Delta(base, None, None)
    return Delta(base, current - base, (current - base) / base if base else None)


def compare(
    conn: Connection,
    store: str,
    grain: str,
    start: date,
    today: date,
    metrics: tuple[Metric, ...] = METRICS,
) -> list[Comparison]:
    """Compare the period starting ``start`` (a day, or a week's Monday) for headline metrics.

    Only days before ``today`` (store-local) count: the current day is never complete.
    """
    length = 1 if grain == "day" else 7
    end = min(start + timedelta(days=length - 1), today - timedelta(days=1))
    if end < start:
        raise ValueError(f"the {grain} starting {start} has no complete day yet")
    partial = end < start + timedelta(days=length - 1)
    shift = timedelta(days=length)
    ranges = {
        "current": (start, end),
        "previous": (start - shift, end - shift),
        "last_year": (start - LAST_YEAR, end - LAST_YEAR),
    }
    if grain == "day":
        ranges["last_week"] = (start - timedelta(days=7), end - timedelta(days=7))
    values = {
        name: evaluate_range(conn, store, lo, hi)
        if partial
        else stored_values(conn, store, grain, lo)
        for name, (lo, hi) in ranges.items()
    }
    out = []
    for m in metrics:
        if m.dimension is not None or "day" not in m.grains:
            continue
        current = values["current"].get(m.name)
        money = m.unit == "money"
        if money and current is not None:
            current = round(current)  # a period in progress computes, say, AOV in fractions
        out.append(
            Comparison(
                m.name,
                start,
                end,
                partial,
                None if current is None or not money else int(current),
                None if current is None or money else float(current),
                delta(current, values["previous"].get(m.name)),
                delta(current, values["last_week"].get(m.name)) if "last_week" in values else None,
                delta(current, values["last_year"].get(m.name)),
            )
        )
    return out


def stored_values(conn: Connection, store: str, grain: str, start: date) -> dict[str, float | None]:
    """Every stored value of the period starting ``start`` without a breakdown, in the stored
    units (money in minor units); a period never computed has none."""
    mv = tables.metric_values.c
    rows = conn.execute(
        select(mv.metric, mv.value_minor, mv.value).where(
            mv.store == store, mv.grain == grain, mv.period_start == start, mv.dimension == ""
        )
    )
    return {metric: value if minor is None else int(minor) for metric, minor, value in rows}


def evaluate_range(conn: Connection, store: str, start: date, end: date) -> dict[str, float | None]:
    """Every headline metric over the days ``start``…``end``, as if they were one period
    (money in minor units)."""
    facts = collect(conn, store, start, end, whole=True)
    measures = facts.get("range", start)
    return {m.name: m.compute(measures) for m in METRICS if m.dimension is None}
