"""Plan a store's sync: windows from cursors, and the cursors themselves.

The rules (DESIGN rule 3): one cursor per (store, resource) on the platform's ``updated_at``;
windows are ``[cursor − lookback, now − safety lag)``, split so that no listing covers more than
``window_days``. The cursor moves to a window's end only after the whole window is in, so a
sync killed half-way is finished by simply running it again.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from connectors.base import Resource, Window
from connectors.config import StoreConfig
from connectors.ga4.settings import REPULL_DAYS
from tasks.warehouse import schema as tables
from tasks.warehouse.upsert import upsert

#: Resources read through a cursor window; the others are snapshots taken on every run.
WINDOWED: tuple[Resource, ...] = ("products", "customers", "orders", "deletions")


@dataclass(frozen=True, slots=True)
class WindowPlan:
    """One step of a store's sync: a resource over one window (None for snapshots)."""

    store: str
    resource: Resource
    window: Window | None = None
    #: This orders window completes a periodic deep re-sync.
    deep: bool = False

    @property
    def step(self) -> str:
        return f"{self.store} {self.resource}"

    @property
    def label(self) -> str:
        if self.window is None:
            return self.step
        return f"{self.step} {self.window.start:%Y-%m-%d}→{self.window.end:%Y-%m-%d}"


@dataclass(frozen=True, slots=True)
class CursorState:
    """Where a resource's sync stands: its cursor and its last deep re-sync (UTC)."""

    cursor: datetime | None = None
    deep_synced_at: datetime | None = None


def plan_windows(
    store: StoreConfig,
    shop_created_at: datetime,
    states: dict[str, CursorState],
    now: datetime,
    *,
    full: bool = False,
    since: datetime | None = None,
) -> list[WindowPlan]:
    """Split each resource's pending range into windows of at most ``window_days``.

    ``since`` re-reads everything updated from then on (a backfill: every record created since
    was updated since too); ``full`` re-reads the whole history. Pure: the same cursors and
    ``now`` give the same plan.
    """
    settings = store.sync
    end = _whole_second(now - timedelta(seconds=settings.safety_lag_seconds))
    history_start = (
        datetime.combine(settings.history_start, datetime.min.time(), store.zone).astimezone(UTC)
        if settings.history_start
        else shop_created_at
    )
    lookback = timedelta(minutes=settings.lookback_minutes)
    plans: list[WindowPlan] = []
    for resource in WINDOWED:
        state = states.get(resource, CursorState())
        start = history_start if full or state.cursor is None else state.cursor - lookback
        if since is not None and not full:
            start = min(start, since)
        deep_start = end - timedelta(days=settings.deep_resync_days)
        due = (
            resource == "orders"
            and not full
            and state.cursor is not None
            and (
                state.deep_synced_at is None
                or now - state.deep_synced_at >= timedelta(days=settings.deep_resync_every_days)
            )
        )
        if due:
            start = min(start, deep_start)
        start = _whole_second(max(start, history_start))
        # Any read reaching that far back (a first sync, a full one, a backfill) is a deep
        # re-sync: the next is due a period after it, not at the very next run.
        deep = resource == "orders" and start <= max(deep_start, history_start)
        windows = list(_split(start, end, timedelta(days=settings.window_days)))
        plans += [
            WindowPlan(store.name, resource, w, deep=deep and w is windows[-1]) for w in windows
        ]
    plans.append(WindowPlan(store.name, "inventory"))
    if store.traffic_csv is not None:
        plans.append(WindowPlan(store.name, "traffic"))
    if store.ga4_property is not None:
        state = states.get("ga4", CursorState())
        start = history_start if full or state.cursor is None else state.cursor - lookback
        if since is not None and not full:
            start = min(start, since)
        start = max(min(start, repull_start(store, end)), history_start)
        days = timedelta(days=settings.window_days)
        plans += [WindowPlan(store.name, "ga4", w) for w in _split(_whole_second(start), end, days)]
    return plans


def repull_start(store: StoreConfig, end: datetime) -> datetime:
    """The start of the store-local day ``REPULL_DAYS`` before ``end``'s: GA4 revises its
    last days, so each run reads them again whatever the cursor says."""
    local_day = end.astimezone(store.zone).date() - timedelta(days=REPULL_DAYS)
    return datetime.combine(local_day, datetime.min.time(), store.zone).astimezone(UTC)


def _split(start: datetime, end: datetime, size: timedelta) -> Iterator[Window]:
    while start < end:
        stop = min(end, start + size)
        yield Window(start, stop)
        start = stop


def _whole_second(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


def read_cursors(conn: Connection, store: str) -> dict[str, CursorState]:
    """Each resource's cursor state for the store."""
    s = tables.sync_state.c
    rows = conn.execute(select(s.resource, s.cursor, s.deep_synced_at).where(s.store == store))
    return {r.resource: CursorState(r.cursor, r.deep_synced_at) for r in rows}


def advance_cursor(
    conn: Connection,
    store: str,
    resource: str,
    to: datetime,
    *,
    deep: bool = False,
    now: datetime | None = None,
) -> None:
    """Move the cursor forward to ``to``; never back (a full re-sync re-reads older windows)."""
    current = read_cursors(conn, store).get(resource, CursorState())
    now = now or datetime.now(UTC)
    row: dict[str, Any] = {
        "store": store,
        "resource": resource,
        "cursor": max(to, current.cursor) if current.cursor else to,
        "deep_synced_at": now if deep else current.deep_synced_at,
        "last_success_at": now,
    }
    upsert(conn, tables.sync_state, [row])
