"""Data-health checks: problems with storepulse's picture of a store, not with the store.

They are reported as data problems so nobody reads an expired token as a collapse in sales.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
from sqlalchemy import Connection, func, select

from connectors.base import StoreSource, Window
from connectors.config import ChecksConfig
from tasks.checks.findings import Finding
from tasks.checks.history import History
from tasks.warehouse import schema as t

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def freshness(
    conn: Connection, store: str, day: date, as_of: datetime, settings: ChecksConfig
) -> list[Finding]:
    """The last successful order sync is older than ``freshness_hours``."""
    s = t.sync_state.c
    last = conn.execute(
        select(s.last_success_at).where(s.store == store, s.resource == "orders")
    ).scalar()
    if last is not None and as_of - last <= timedelta(hours=settings.freshness_hours):
        return []
    age = "never synced" if last is None else f"last synced {_hours(as_of - last)} ago"
    message = f"Orders are stale: {age} (allowed: {settings.freshness_hours:g} h)"
    return [Finding(store, day, "orders", "freshness", "data", "critical", message)]


def volume(store: str, history: History, day: date) -> list[Finding]:
    """No orders at all on a day when the last four weeks always had some: data is missing."""
    orders = history.get("orders")
    i = history.position(day)
    past = orders[max(0, i - 28) : i]
    past = past[~np.isnan(past)]
    if len(past) < 14 or orders[i] != 0 or float(np.median(past)) < 5:
        return []
    typical = float(np.median(past))
    message = (
        f"No orders recorded on {day} where the last four weeks had about {typical:.0f} a day: "
        "a sync, token or checkout outage?"
    )
    return [
        Finding(
            store, day, "orders", "volume", "data", "critical", message, 0.0, typical, score=None
        )
    ]


def platform_count(
    conn: Connection, store: str, day: date, source: StoreSource, settings: ChecksConfig
) -> list[Finding]:
    """The warehouse holds as many orders as the platform's own count endpoint says.

    Both sides count the same half-open window of ``updated_at``: from 2000, or from the
    warehouse's oldest order if the shop has older ones, up to the orders cursor.
    """
    cursor = conn.execute(
        select(t.sync_state.c.cursor).where(
            t.sync_state.c.store == store, t.sync_state.c.resource == "orders"
        )
    ).scalar()
    if cursor is None:
        return []
    o = t.orders.c
    live = (o.store == store, o.deleted_at.is_(None))
    oldest = conn.execute(select(func.min(o.updated_at)).where(*live)).scalar()
    window = Window(min(oldest, EPOCH) if oldest is not None else EPOCH, cursor)
    ours = conn.execute(
        select(func.count())
        .select_from(t.orders)
        .where(*live, o.updated_at >= window.start, o.updated_at < window.end)
    ).scalar_one()
    theirs = source.count_orders_updated(window)
    if abs(ours - theirs) <= settings.count_tolerance * max(theirs, 1):
        return []
    message = (
        f"The warehouse has {ours:,} orders updated before {cursor:%Y-%m-%d %H:%M} UTC; "
        f"the platform counts {theirs:,}"
    )
    return [Finding(store, day, "orders", "count", "data", "critical", message, ours, theirs)]


def quarantine_spike(
    conn: Connection, store: str, day: date, as_of: datetime, settings: ChecksConfig
) -> list[Finding]:
    """Many records quarantined in the last day: the platform's data changed shape."""
    q = t.quarantine.c
    recent = conn.execute(
        select(func.count())
        .select_from(t.quarantine)
        .where(q.store == store, q.first_seen_at >= as_of - timedelta(days=1))
    ).scalar_one()
    if recent < settings.quarantine_spike:
        return []
    message = f"{recent} records quarantined in the last 24 hours (see the quarantine table)"
    return [Finding(store, day, "quarantine", "quarantine", "data", "warning", message, recent)]


def _hours(delta: timedelta) -> str:
    return f"{delta.total_seconds() / 3600:.0f} h"
