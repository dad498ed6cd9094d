"""Compute the catalogue for a store and keep ``metric_values`` current.

A run finds the store-local days touched by data synced since the last run (orders re-read, a
late refund, a deletion, a new inventory snapshot, traffic), recomputes every day from the
earliest of them to today and the weeks they make up, and leaves the rest of history alone.
A metric whose definition version changed, or a store never computed, is recomputed in full.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Connection, Engine, and_, delete, func, select

from connectors.config import StoreConfig
from tasks.metrics.budgets import budget_values, budgets_changed_since, has_budgets
from tasks.metrics.cohorts import clear_from, cohort_values
from tasks.metrics.collect import collect
from tasks.metrics.costs import costs_changed_since
from tasks.metrics.customers import number_orders, reordered
from tasks.metrics.facts import Facts, days, week_of
from tasks.metrics.registry import METRICS, Metric
from tasks.metrics.scope import live
from tasks.metrics.targets import changed_since, history_start, month_start, target_values
from tasks.metrics.values import MetricValue, metric_value
from tasks.warehouse import schema as tables
from tasks.warehouse.engine import get_engine
from tasks.warehouse.upsert import upsert

#: Rows stamped this close to the start of a run may still be committing (a sync's page waits
#: at most a minute for the SQLite write lock); the next run looks at them again.
IN_FLIGHT = timedelta(minutes=2)
#: Metric groups computed by their own pass over a whole month (targets, budgets).
OWN_PASS = ("targets", "budgets")
VALUE_COLUMNS = (
    "store",
    "metric",
    "grain",
    "period_start",
    "dimension",
    "dimension_value",
    "value_minor",
    "value",
    "currency",
    "complete",
    "definition_version",
    "computed_at",
)


@dataclass(slots=True)
class ComputeResult:
    """What a computation did."""

    store: str
    start: date | None
    end: date | None
    full: bool
    values: int = 0
    seconds: float = 0.0


def evaluate(
    facts: Facts,
    grain: str,
    period_start: date,
    complete: bool,
    metrics: Iterable[Metric] = METRICS,
) -> list[MetricValue]:
    """Every metric of one period, from its base measures."""
    values = []
    for m in metrics:
        if grain not in m.grains or m.group in OWN_PASS:
            continue
        dimension = m.dimension or ""
        keys = facts.dimension_values(grain, period_start, dimension) if m.dimension else [""]
        for key in keys:
            measures = facts.get(grain, period_start, dimension, key)
            if m.dimension and not measures:
                continue
            value = m.compute(measures)
            values.append(
                metric_value(m.name, grain, period_start, dimension, key, value, complete)
            )
    return values


def refresh(
    store: StoreConfig,
    database_url: str | None = None,
    *,
    full: bool = False,
    today: date | None = None,
) -> ComputeResult:
    """Bring the store's metric values up to date; return what was recomputed."""
    clock = time.monotonic()
    engine = get_engine(database_url)
    started = datetime.now(UTC)
    today = today or datetime.now(store.zone).date()
    with engine.begin() as conn:
        first_day, since, start = _plan(conn, store, full)
    result = ComputeResult(store.name, None, None, since is None)
    if first_day is not None and start is not None:
        start = max(week_of(start), week_of(first_day))
        end = today
        result.start, result.end = start, end
        result.values = recompute(engine, store, start, end, today)
        result.values += _recompute_cohorts(engine, store, today, None if since is None else start)
    _remember(engine, store.name, started - IN_FLIGHT)
    result.seconds = round(time.monotonic() - clock, 3)
    return result


def _plan(
    conn: Connection, store: StoreConfig, full: bool
) -> tuple[date | None, datetime | None, date | None]:
    """Number customers' orders where they changed; return the store's first day, the moment
    the stored values reflect (None: recompute everything) and the first day to recompute."""
    first_day = conn.execute(
        select(func.min(tables.orders.c.local_date)).where(live(store.name))
    ).scalar()
    since = (
        None
        if full or _versions_changed(conn, store.name)
        else (_computed_through(conn, store.name))
    )
    if since is not None and costs_changed_since(conn, store.name, since):
        since = None  # a unit cost applies to every day it was sold on
    customers = None if since is None else reordered(conn, store.name, since)
    number_orders(conn, store.name, customers)
    if since is None:
        return first_day, None, first_day
    start = _first_touched(conn, store, since, customers or [])
    for month in (
        changed_since(conn, store.name, since),
        budgets_changed_since(conn, store.name, since),
    ):
        if month is not None:
            start = min(start or month, month)
    return first_day, since, start


def recompute(engine: Engine, store: StoreConfig, start: date, end: date, today: date) -> int:
    """Replace the stored values of every day in ``start``…``end`` and of its weeks."""
    week_end = week_of(end) + timedelta(days=6)
    with engine.connect() as conn:
        has_targets = (
            conn.execute(
                select(tables.targets.c.metric).where(tables.targets.c.store == store.name).limit(1)
            ).first()
            is not None
        )
        first = min(week_of(start), history_start(start)) if has_targets else week_of(start)
        budgeted = has_budgets(conn, store.name)
        if budgeted:
            first = min(first, month_start(start))
        facts = collect(
            conn,
            store.name,
            first,
            week_end,
            open_before=_stored_unfulfilled(conn, store.name, first),
        )
        rows = evaluate_periods(facts, start, end, today)
        if has_targets:
            rows += target_values(conn, store.name, facts, start, end, today)
        if budgeted:
            rows += budget_values(conn, store.name, facts, start, end, today)
    with engine.begin() as conn:
        replace_values(conn, store.name, store.currency, start, end, rows)
    return len(rows)


def evaluate_periods(facts: Facts, start: date, end: date, today: date) -> list[MetricValue]:
    """Every metric of every day ``start``…``end`` and of the weeks those days fall in."""
    rows: list[MetricValue] = []
    for day in days(start, end):
        rows += evaluate(facts, "day", day, complete=day < today)
    for monday in days(week_of(start), week_of(end)):
        if monday.weekday() == 0:
            rows += evaluate(facts, "week", monday, complete=monday + timedelta(days=6) < today)
    return rows


def replace_values(
    conn: Connection, store: str, currency: str, start: date, end: date, rows: list[MetricValue]
) -> None:
    """Swap the stored days ``start``…``end`` and their weeks for ``rows``."""
    mv = tables.metric_values.c
    for grain, lo in (("day", start), ("week", week_of(start))):
        conn.execute(
            delete(tables.metric_values).where(
                mv.store == store, mv.grain == grain, mv.period_start.between(lo, end)
            )
        )
    store_rows(conn, store, currency, rows)


def _stored_unfulfilled(conn: Connection, store: str, start: date) -> int | None:
    """The stored count of orders open at the end of the day before ``start``, if there is one
    (days before the first touched one are current)."""
    mv = tables.metric_values.c
    value = conn.execute(
        select(mv.value).where(
            mv.store == store,
            mv.metric == "unfulfilled_orders",
            mv.grain == "day",
            mv.period_start == start - timedelta(days=1),
            mv.dimension == "",
        )
    ).scalar()
    return None if value is None else int(value)


def store_rows(conn: Connection, store: str, currency: str, rows: Sequence[MetricValue]) -> None:
    """Write values as they are: money in exact minor units, everything else as numbers."""
    now = datetime.now(UTC)
    by_name = {m.name: m for m in METRICS}
    out = []
    for row in rows:
        m = by_name[row.metric]
        out.append(
            (
                store,
                row.metric,
                row.grain,
                row.period_start,
                row.dimension,
                row.dimension_value,
                row.value_minor,
                row.number,
                currency if m.unit == "money" else None,
                row.complete,
                m.version,
                now,
            )
        )
    for start in range(0, len(out), 5000):
        upsert(conn, tables.metric_values, out[start : start + 5000], columns=VALUE_COLUMNS)


def _recompute_cohorts(engine: Engine, store: StoreConfig, today: date, start: date | None) -> int:
    """Recompute the cohort months from the one containing ``start`` (all when None)."""
    since_month = start.replace(day=1) if start else None
    with engine.begin() as conn:
        rows = cohort_values(conn, store.name, today, since_month)
        clear_from(conn, store.name, since_month)
        store_rows(conn, store.name, store.currency, rows)
    return len(rows)


def _first_touched(
    conn: Connection, store: StoreConfig, since: datetime, reordered: list[int]
) -> date | None:
    """The earliest store-local day whose values data synced after ``since`` can change.

    An order's own day reopens only when what that day reads changed (its content hash), a
    refund's day when the refund is new, a cancellation's and a fulfilment's days when their
    order changed; a new or deleted order also reopens its customer's first three orders'
    days (it can change which is the first and which the second).
    """
    o, r = tables.orders, tables.refunds
    changed = and_(o.c.store == store.name, o.c.changed_at > since)
    candidates = [
        select(func.min(o.c.local_date)).where(changed),
        select(func.min(o.c.cancelled_local_date)).where(changed),
        select(func.min(o.c.fulfilled_local_date)).where(changed),
        select(func.min(r.c.local_date)).where(
            r.c.store == store.name, r.c.first_synced_at > since
        ),
        select(func.min(tables.inventory_levels.c.snapshot_date)).where(
            tables.inventory_levels.c.store == store.name,
            tables.inventory_levels.c.synced_at > since,
        ),
        select(func.min(tables.traffic_daily.c.local_date)).where(
            tables.traffic_daily.c.store == store.name, tables.traffic_daily.c.synced_at > since
        ),
        select(func.min(tables.ad_spend.c.local_date)).where(
            tables.ad_spend.c.store == store.name, tables.ad_spend.c.synced_at > since
        ),
    ]
    if reordered:  # each query alone, so that each finds its own index
        candidates.append(
            select(func.min(o.c.local_date)).where(
                live(store.name), o.c.customer_order_number <= 3, o.c.customer_id.in_(reordered)
            )
        )
    days = [day for query in candidates if (day := conn.execute(query).scalar()) is not None]
    return min(days, default=None)


def _versions_changed(conn: Connection, store: str) -> bool:
    s = tables.metric_state.c
    stored = dict(
        conn.execute(select(s.metric, s.definition_version).where(s.store == store)).all()
    )
    return any(stored.get(m.name) != m.version for m in METRICS)


def _computed_through(conn: Connection, store: str) -> datetime | None:
    s = tables.metric_state.c
    return conn.execute(select(func.min(s.computed_through)).where(s.store == store)).scalar()


def _remember(engine: Engine, store: str, through: datetime) -> None:
    with engine.begin() as conn:
        upsert(
            conn,
            tables.metric_state,
            [
                {
                    "store": store,
                    "metric": m.name,
                    "definition_version": m.version,
                    "computed_through": through,
                }
                for m in METRICS
            ],
        )
