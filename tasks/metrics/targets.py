"""Monthly targets and how each month is going against them.

Targets come from ``storepulse.yaml`` (``targets:``) or a CSV (``store,metric,month,target``),
for additive metrics (money, counts, units). For every day of a month with a target:

- attainment: month-to-date actual ÷ the month's target;
- linear pacing: month-to-date actual ÷ the share of the target the elapsed days call for;
- weekday-weighted pacing: the same, with each day weighted by its weekday's share of the
  metric over the 8 weeks before the month (a Saturday-heavy shop is not "behind" on Friday).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, select

from connectors.config import Config, StoreConfig
from connectors.csv_files import csv_rows
from connectors.errors import ConfigError
from connectors.money import currency_exponent, to_minor
from tasks.metrics.facts import Facts, days
from tasks.metrics.registry import REGISTRY
from tasks.metrics.values import MetricValue
from tasks.warehouse import schema as tables
from tasks.warehouse.upsert import upsert

WEIGHT_WEEKS = 8


def changed_since(conn: Connection, store: str, since: datetime) -> date | None:
    """The first month whose target changed after ``since``."""
    tg = tables.targets.c
    return conn.execute(
        select(func.min(tg.period_start)).where(tg.store == store, tg.loaded_at > since)
    ).scalar()


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def history_start(start: date) -> date:
    """The first day the targets of the month containing ``start`` need facts for."""
    return month_start(start) - timedelta(weeks=WEIGHT_WEEKS)


def load_config_targets(conn: Connection, config: Config) -> int:
    """Make the warehouse's config targets match the file; return how many changed.

    A changed target is stamped with the time, so the next computation redoes its month; a
    target taken out of the file is withdrawn (emptied), for the same reason.
    """
    tg = tables.targets.c
    now = datetime.now(UTC)
    wanted = {
        (r["store"], r["metric"], r["period_start"]): r
        for r in (
            _target_row(
                config.store(target.store),
                target.metric,
                target.month,
                target.value,
                "config",
                f"targets[{index}]",
                now,
            )
            for index, target in enumerate(config.targets)
        )
    }
    stored = {
        (r.store, r.metric, r.period_start): (r.target_minor, r.target)
        for r in conn.execute(select(tables.targets).where(tg.source == "config"))
    }
    changed = [
        row
        for key, row in wanted.items()
        if stored.get(key) != (row["target_minor"], row["target"])
    ]
    changed += [
        {
            "store": store,
            "metric": metric,
            "grain": "month",
            "period_start": month,
            "target_minor": None,
            "target": None,
            "source": "config",
            "loaded_at": now,
        }
        for (store, metric, month), value in stored.items()
        if (store, metric, month) not in wanted and value != (None, None)
    ]
    return upsert(conn, tables.targets, changed)


def load_targets_csv(conn: Connection, path: Path, config: Config) -> int:
    """Store the targets of a CSV with the columns ``store,metric,month,target``.

    Raises:
        ConfigError: a row names an unknown store or metric, or a bad month or number; the
            message gives the file and line.
    """
    rows = []
    for where, row in csv_rows(path, "targets", ("store", "metric", "month", "target")):
        try:
            value = Decimal(row["target"])
        except InvalidOperation:
            raise ConfigError(f"{where}: target {row['target']!r} is not a number") from None
        store = _store(config, row["store"], where)
        rows.append(
            _target_row(
                store, row["metric"], row["month"], value, path.name[:32], where, datetime.now(UTC)
            )
        )
    return upsert(conn, tables.targets, rows)


def _store(config: Config, name: str, where: str) -> StoreConfig:
    try:
        return config.store(name)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def _target_row(
    store: StoreConfig,
    metric: str,
    month: str,
    value: Decimal,
    source: str,
    where: str,
    loaded_at: datetime,
) -> dict[str, Any]:
    m = REGISTRY.get(metric)
    if m is None or not m.targetable:
        raise ConfigError(
            f"{where}.metric: {metric!r} is not a metric a monthly target can be "
            "set for (use an additive one such as net_sales, orders or sessions)"
        )
    try:
        start = date.fromisoformat(f"{month}-01")
    except ValueError:
        raise ConfigError(f"{where}.month: {month!r} is not YYYY-MM") from None
    money = m.unit == "money"
    if money:
        try:
            minor = to_minor(value, currency_exponent(store.currency))
        except ValueError:
            raise ConfigError(f"{where}: {value} has more decimals than {store.currency}") from None
    return {
        "store": store.name,
        "metric": metric,
        "grain": "month",
        "period_start": start,
        "target_minor": minor if money else None,
        "target": None if money else float(value),
        "source": source,
        "loaded_at": loaded_at,
    }


def target_values(
    conn: Connection, store: str, facts: Facts, start: date, end: date, today: date
) -> list[MetricValue]:
    """Attainment and pacing for every day ``start``…``end`` of a month that has a target.

    ``facts`` must cover ``history_start(start)``…``end``.
    """
    tg = tables.targets.c
    targets = conn.execute(
        select(tg.metric, tg.period_start, tg.target_minor, tg.target).where(
            tg.store == store,
            tg.grain == "month",
            tg.period_start.between(month_start(start), end),
            tg.target_minor.is_not(None) | tg.target.is_not(None),  # not withdrawn
        )
    ).all()
    values: list[MetricValue] = []
    for metric, month, target_minor, target in targets:
        goal = float(target_minor if target_minor is not None else target)
        actual = _daily(facts, metric, days(history_start(month), month_end(month)))
        weights = _weekday_weights(actual, month)
        month_days = list(days(month, month_end(month)))
        total_weight = sum(weights[d.weekday()] for d in month_days)
        done = elapsed_weight = 0.0
        for index, day in enumerate(month_days, start=1):
            done += actual.get(day, 0.0)
            elapsed_weight += weights[day.weekday()]
            if not start <= day <= end:
                continue
            complete = day < today
            for name, value in (
                ("target_attainment", done / goal),
                ("target_pacing_linear", done / (goal * index / len(month_days))),
                ("target_pacing_weekday", done / (goal * elapsed_weight / total_weight)),
            ):
                values.append(
                    MetricValue(name, "day", day, "metric", metric, None, value, complete)
                )
    return values + weeks_of(values, today)


def _daily(facts: Facts, metric: str, span: Iterable[date]) -> dict[date, float]:
    compute = REGISTRY[metric].compute
    return {day: compute(facts.get("day", day)) or 0.0 for day in span}


def _weekday_weights(actual: dict[date, float], month: date) -> list[float]:
    sums = [0.0] * 7
    for day in days(history_start(month), month - timedelta(days=1)):
        sums[day.weekday()] += actual.get(day, 0.0)
    if not all(sums):  # no (or patchy) history: every weekday counts the same
        return [1.0] * 7
    mean = sum(sums) / 7
    return [s / mean for s in sums]


def weeks_of(values: list[MetricValue], today: date) -> list[MetricValue]:
    """A week's value is its last day's."""
    last: dict[tuple[str, str, date], MetricValue] = {}
    for value in values:
        monday = value.period_start - timedelta(days=value.period_start.weekday())
        key = (value.metric, value.dimension_value, monday)
        if key not in last or last[key].period_start < value.period_start:
            last[key] = value
    return [
        MetricValue(
            metric,
            "week",
            monday,
            value.dimension,
            dimension_value,
            value.value_minor,
            value.number,
            monday + timedelta(days=6) < today,
        )
        for (metric, dimension_value, monday), value in last.items()
    ]
