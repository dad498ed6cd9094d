"""Data-health checks: problems with storepulse's picture of a store, not with the store.

They are reported as data problems so nobody reads an expired token as a collapse in sales.
A finding carries its check's code and the parameters its sentence needs (``params``), and each
language words it (``reports/i18n.py``); its ``message`` is the English wording, for logs.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
from sqlalchemy import Connection, func, select

from connectors.base import StoreSource, Window
from connectors.config import ChecksConfig
from reports.i18n import Locale, Params
from tasks.checks.findings import Finding, Severity
from tasks.checks.history import History
from tasks.warehouse import schema as tables

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
ENGLISH = Locale("en")


def freshness(
    conn: Connection, store: str, day: date, as_of: datetime, settings: ChecksConfig
) -> list[Finding]:
    """The last successful order sync is older than ``freshness_hours``."""
    s = tables.sync_state.c
    last = conn.execute(
        select(s.last_success_at).where(s.store == store, s.resource == "orders")
    ).scalar()
    if last is not None and as_of - last <= timedelta(hours=settings.freshness_hours):
        return []
    hours = None if last is None else (as_of - last).total_seconds() / 3600
    params: Params = {"hours": hours, "allowed": settings.freshness_hours}
    return [_finding(store, day, "orders", "freshness", "critical", params)]


def volume(store: str, history: History, day: date) -> list[Finding]:
    """No orders at all on a day when the last four weeks always had some: data is missing."""
    orders = history.get("orders")
    i = history.position(day)
    past = orders[max(0, i - 28) : i]
    past = past[~np.isnan(past)]
    if len(past) < 14 or orders[i] != 0 or float(np.median(past)) < 5:
        return []
    typical = float(np.median(past))
    params: Params = {"day": day.isoformat(), "typical": typical}
    return [_finding(store, day, "orders", "volume", "critical", params, 0.0, typical)]


def platform_count(
    conn: Connection, store: str, day: date, source: StoreSource, settings: ChecksConfig
) -> list[Finding]:
    """The warehouse holds as many orders as the platform's own count endpoint says.

    Both sides count the same half-open window of ``updated_at``: from 2000, or from the
    warehouse's oldest order if the shop has older ones, up to the orders cursor.
    """
    cursor = conn.execute(
        select(tables.sync_state.c.cursor).where(
            tables.sync_state.c.store == store, tables.sync_state.c.resource == "orders"
        )
    ).scalar()
    if cursor is None:
        return []
    o = tables.orders.c
    live = (o.store == store, o.deleted_at.is_(None))
    oldest = conn.execute(select(func.min(o.updated_at)).where(*live)).scalar()
    window = Window(min(oldest, EPOCH) if oldest is not None else EPOCH, cursor)
    ours = conn.execute(
        select(func.count())
        .select_from(tables.orders)
        .where(*live, o.updated_at >= window.start, o.updated_at < window.end)
    ).scalar_one()
    theirs = source.count_orders_updated(window)
    if abs(ours - theirs) <= settings.count_tolerance * max(theirs, 1):
        return []
    params: Params = {"ours": ours, "theirs": theirs, "cursor": f"{cursor:%Y-%m-%d %H:%M}"}
    return [_finding(store, day, "orders", "count", "critical", params, ours, theirs)]


def quarantine_spike(
    conn: Connection, store: str, day: date, as_of: datetime, settings: ChecksConfig
) -> list[Finding]:
    """Many records quarantined in the last day: the platform's data changed shape."""
    q = tables.quarantine.c
    recent = conn.execute(
        select(func.count())
        .select_from(tables.quarantine)
        .where(q.store == store, q.first_seen_at >= as_of - timedelta(days=1))
    ).scalar_one()
    if recent < settings.quarantine_spike:
        return []
    params: Params = {"count": recent}
    return [_finding(store, day, "quarantine", "quarantine", "warning", params, recent)]


def _finding(
    store: str,
    day: date,
    metric: str,
    check: str,
    severity: Severity,
    params: Params,
    actual: float | None = None,
    expected: float | None = None,
) -> Finding:
    """A data finding: its code (``check``) and parameters, worded in English for logs."""
    message = ENGLISH.finding(check, params)
    explanation = {"params": params}
    return Finding(
        store,
        day,
        metric,
        check,
        "data",
        severity,
        message,
        actual,
        expected,
        explanation=explanation,
    )
