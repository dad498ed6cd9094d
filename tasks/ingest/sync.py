"""Incremental sync: plan windows from cursors, stream each window's pages into the warehouse.

The rules (DESIGN rule 3): one cursor per (store, resource) on the platform's ``updated_at``;
windows are ``[cursor − lookback, now − safety lag)``, split so that no task pulls more than
``window_days``; every page is committed as it arrives, and the cursor moves to a window's end
only after the whole window is in. A window can be replayed at any time with no change, so a
sync killed half-way is finished by simply running it again.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, delete, select

from connectors.base import RESOURCES, Page, Resource, ShopInfo, StoreSource, Window
from connectors.config import StoreConfig
from connectors.errors import ConfigError
from connectors.money import currency_exponent
from connectors.shopify import open_shopify
from connectors.traffic_csv import read_traffic_csv
from tasks import progress
from tasks.ingest import load
from tasks.ingest.load import LoadResult, StoreContext
from tasks.warehouse import schema as t
from tasks.warehouse.engine import bulk_transaction, get_engine, refresh_statistics
from tasks.warehouse.upsert import upsert

T = TypeVar("T")
#: Resources read through a cursor window; the others are snapshots taken on every run.
WINDOWED: tuple[Resource, ...] = ("products", "customers", "orders", "deletions")


@dataclass(frozen=True, slots=True)
class WindowPlan:
    """One unit of sync work: a resource of a store over one window (None for snapshots)."""

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


@dataclass(slots=True)
class WindowResult:
    """What one window did; small enough to travel through Prefect as a task result."""

    store: str
    resource: str
    window_start: datetime | None
    window_end: datetime | None
    fetched: int = 0
    upserted: int = 0
    quarantined: int = 0
    skipped: int = 0
    requests: int = 0
    throttle_waits: int = 0
    retries: int = 0
    seconds: float = 0.0


@dataclass(slots=True)
class SyncSummary:
    """The whole run: one row per window, and the totals a person reads first."""

    windows: list[WindowResult] = field(default_factory=list)

    def total(self, name: str) -> int:
        return sum(int(getattr(w, name)) for w in self.windows)

    def by_store_resource(self) -> list[dict[str, Any]]:
        rows: dict[tuple[str, str], dict[str, Any]] = {}
        for w in self.windows:
            row = rows.setdefault(
                (w.store, w.resource),
                {
                    "store": w.store,
                    "resource": w.resource,
                    "windows": 0,
                    "fetched": 0,
                    "upserted": 0,
                    "quarantined": 0,
                    "requests": 0,
                    "throttle_waits": 0,
                    "seconds": 0.0,
                },
            )
            row["windows"] += 1
            for key in ("fetched", "upserted", "quarantined", "requests", "throttle_waits"):
                row[key] += getattr(w, key)
            row["seconds"] = round(row["seconds"] + w.seconds, 1)
        return list(rows.values())

    def to_markdown(self) -> str:
        lines = [
            "| store | resource | windows | fetched | upserted | quarantined | requests "
            "| throttle waits | seconds |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        lines += [
            f"| {r['store']} | {r['resource']} | {r['windows']} | {r['fetched']:,} "
            f"| {r['upserted']:,} | {r['quarantined']:,} | {r['requests']:,} "
            f"| {r['throttle_waits']:,} | {r['seconds']} |"
            for r in self.by_store_resource()
        ]
        totals = (
            f"**{self.total('fetched'):,}** records fetched, "
            f"**{self.total('upserted'):,}** upserted, "
            f"**{self.total('quarantined'):,}** quarantined, "
            f"{self.total('requests'):,} requests, "
            f"{self.total('throttle_waits'):,} throttle waits."
        )
        return "\n".join(["## Sync summary", "", totals, "", *lines])


@dataclass(frozen=True, slots=True)
class CursorState:
    cursor: datetime | None = None
    deep_synced_at: datetime | None = None


# --- planning -----------------------------------------------------------------------------------


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
        deep = (
            resource == "orders"
            and not full
            and state.cursor is not None
            and (
                state.deep_synced_at is None
                or now - state.deep_synced_at >= timedelta(days=settings.deep_resync_every_days)
            )
        )
        if deep:
            start = min(start, end - timedelta(days=settings.deep_resync_days))
        start = _whole_second(max(start, history_start))
        windows = list(_split(start, end, timedelta(days=settings.window_days)))
        plans += [
            WindowPlan(store.name, resource, w, deep=deep and w is windows[-1]) for w in windows
        ]
    plans.append(WindowPlan(store.name, "inventory"))
    if store.traffic_csv is not None:
        plans.append(WindowPlan(store.name, "traffic"))
    return plans


def _split(start: datetime, end: datetime, size: timedelta) -> Iterator[Window]:
    while start < end:
        stop = min(end, start + size)
        yield Window(start, stop)
        start = stop


def _whole_second(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


# --- running ------------------------------------------------------------------------------------


def prepare_store(
    store: StoreConfig,
    database_url: str | None = None,
    now: datetime | None = None,
    *,
    full: bool = False,
    since: datetime | None = None,
    source: StoreSource | None = None,
) -> list[WindowPlan]:
    """Check the shop against its configuration, record it, and plan this run's windows.

    Raises:
        ConfigError: the shop's timezone or currency differs from the configuration.
    """
    source = source or open_shopify(store)
    shop = source.shop()
    check_shop(store, shop)
    engine = get_engine(database_url)
    synced_at = datetime.now(UTC)
    with engine.begin() as conn:
        upsert(
            conn,
            t.stores,
            [
                {
                    "store": store.name,
                    "platform": store.platform,
                    "shop_id": shop.shop_id,
                    "shop_name": shop.name,
                    "timezone": shop.timezone,
                    "currency": shop.currency,
                    "currency_exponent": currency_exponent(shop.currency),
                    "shop_created_at": shop.created_at,
                    "plan": shop.plan,
                    "synced_at": synced_at,
                }
            ],
        )
        states = read_cursors(conn, store.name)
        purge_quarantine(conn, store, synced_at)
    return plan_windows(store, shop.created_at, states, now or synced_at, full=full, since=since)


def check_shop(store: StoreConfig, shop: ShopInfo) -> None:
    for what, configured, actual in (
        ("timezone", store.timezone, shop.timezone),
        ("currency", store.currency, shop.currency),
    ):
        if configured != actual:
            raise ConfigError(
                f"store {store.name!r}: configured {what} {configured} but the shop reports "
                f"{actual}; correct the store's {what} in the configuration"
            )


def sync_window(
    store: StoreConfig,
    plan: WindowPlan,
    database_url: str | None = None,
    *,
    run_id: str | None = None,
    source: StoreSource | None = None,
    snapshot_date: date | None = None,
) -> WindowResult:
    """Fetch one window page by page, committing each page, then advance the cursor."""
    started = datetime.now(UTC)
    clock = time.monotonic()
    source = source or open_shopify(store)
    engine = get_engine(database_url)
    window = plan.window
    result = WindowResult(
        store.name, plan.resource, window.start if window else None, window.end if window else None
    )
    tables = load.RESOURCE_TABLES[plan.resource]
    for number, (page, loader) in enumerate(_pages(source, store, plan, snapshot_date), 1):
        # Stamped per page, just before its commit: metrics find changed rows by this stamp.
        ctx = StoreContext(store.name, store.zone, store.currency, datetime.now(UTC))
        with bulk_transaction(engine) as conn:
            loaded = loader(conn, ctx, page.records)
            rejected = [*page.rejected, *loaded.rejected]
            load.quarantine(conn, store.name, plan.resource, rejected, ctx.synced_at)
        refresh_statistics(engine, tables, number)
        result.fetched += len(page.records) + len(page.rejected)
        result.upserted += loaded.upserted
        result.quarantined += len(rejected)
        result.skipped += page.outside
        progress.report(progress.Progress(plan.step, plan.label, result.fetched))
    stats = getattr(getattr(source, "client", None), "stats", None)
    if stats is not None:
        result.requests, result.throttle_waits = stats.requests, stats.throttle_waits
        result.retries = stats.retries
    result.seconds = round(time.monotonic() - clock, 3)
    with engine.begin() as conn:
        if window is not None:
            advance_cursor(conn, store.name, plan.resource, window.end, deep=plan.deep)
        _record_run(conn, run_id or str(uuid.uuid4()), result, started)
    progress.report(progress.Progress(plan.step, plan.label, result.fetched, finished=True))
    return result


def sync_store_windows(
    store: StoreConfig,
    database_url: str | None = None,
    *,
    full: bool = False,
    since: datetime | None = None,
    run_id: str | None = None,
) -> list[WindowResult]:
    """Plan one store's windows and sync them in order: its cursors only move forward, so a
    second call after a failure resumes where the first stopped."""
    plans = prepare_store(store, database_url, full=full, since=since)
    return [sync_window(store, plan, database_url, run_id=run_id) for plan in plans]


Loader = Callable[[Connection, StoreContext, list[Any]], LoadResult]


def _pages(
    source: StoreSource, store: StoreConfig, plan: WindowPlan, snapshot_date: date | None
) -> Iterator[tuple[Page[Any], Loader]]:
    """Each page of the plan's resource, with the loader that writes it."""
    window = plan.window
    if plan.resource == "orders" and window is not None:
        total = source.count_orders_updated(window)
        progress.report(progress.Progress(plan.step, plan.label, 0, total))
        yield from _with(source.orders_updated(window), load.load_orders)
    elif plan.resource == "customers" and window is not None:
        yield from _with(source.customers_updated(window), load.load_customers)
    elif plan.resource == "products" and window is not None:
        yield from _with(source.products_updated(window), load.load_products)
    elif plan.resource == "deletions" and window is not None:
        yield from _with(source.order_deletions(window), load.load_deletions)
    elif plan.resource == "inventory":
        locations = source.locations()
        day = snapshot_date or datetime.now(store.zone).date()
        yield Page(records=locations), load.load_locations
        yield from _with(
            source.inventory_levels([loc.location_id for loc in locations]),
            lambda c, ctx, r: load.load_inventory(c, ctx, r, day),
        )
    elif plan.resource == "traffic" and store.traffic_csv is not None:
        yield (
            read_traffic_csv(store.traffic_csv),
            lambda c, ctx, r: load.load_traffic(c, ctx, r, "csv"),
        )
    else:
        raise ValueError(f"cannot sync {plan.label}")


def _with(pages: Iterable[Page[T]], loader: Loader) -> Iterator[tuple[Page[Any], Loader]]:
    for page in pages:
        yield page, loader


# --- state --------------------------------------------------------------------------------------


def read_cursors(conn: Connection, store: str) -> dict[str, CursorState]:
    s = t.sync_state.c
    rows = conn.execute(select(s.resource, s.cursor, s.deep_synced_at).where(s.store == store))
    return {r.resource: CursorState(r.cursor, r.deep_synced_at) for r in rows}


def advance_cursor(
    conn: Connection, store: str, resource: str, to: datetime, *, deep: bool = False
) -> None:
    """Move the cursor forward to ``to``; never back (a full re-sync re-reads older windows)."""
    current = read_cursors(conn, store).get(resource, CursorState())
    now = datetime.now(UTC)
    row: dict[str, Any] = {
        "store": store,
        "resource": resource,
        "cursor": max(to, current.cursor) if current.cursor else to,
        "deep_synced_at": now if deep else current.deep_synced_at,
        "last_success_at": now,
    }
    upsert(conn, t.sync_state, [row])


def reset_cursors(engine: Engine, store: str) -> None:
    with engine.begin() as conn:
        conn.execute(delete(t.sync_state).where(t.sync_state.c.store == store))


def purge_quarantine(conn: Connection, store: StoreConfig, now: datetime) -> int:
    """Drop quarantined records older than the store's retention period."""
    cutoff = now - timedelta(days=store.sync.quarantine_retention_days)
    q = t.quarantine.c
    result = conn.execute(
        delete(t.quarantine).where(q.store == store.name, q.last_seen_at < cutoff)
    )
    return result.rowcount or 0


def _record_run(conn: Connection, run_id: str, result: WindowResult, started: datetime) -> None:
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    upsert(
        conn,
        t.sync_runs,
        [
            {
                "run_id": run_id,
                "store": result.store,
                "resource": result.resource,
                "window_start": result.window_start or epoch,
                "window_end": result.window_end or started,
                "started_at": started,
                "finished_at": datetime.now(UTC),
                "fetched": result.fetched,
                "upserted": result.upserted,
                "quarantined": result.quarantined,
                "requests": result.requests,
                "throttle_waits": result.throttle_waits,
            }
        ],
    )


__all__ = [
    "RESOURCES",
    "SyncSummary",
    "WindowPlan",
    "WindowResult",
    "plan_windows",
    "prepare_store",
    "sync_window",
]
