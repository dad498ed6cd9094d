"""Run a store's sync: check the shop, then stream each planned window's pages into the warehouse.

One task per store runs ``sync_store_windows``: it opens the store's source once, syncs the
windows in order and closes it. Every page is committed as it arrives; a window's cursor moves
only after the whole window is in, so any window can be replayed with no change.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, Table

from connectors.base import Page, ShopInfo, StoreSource, TrafficDay
from connectors.config import StoreConfig
from connectors.errors import ConfigError
from connectors.ga4 import Ga4Source
from connectors.money import currency_exponent
from connectors.stores import open_ga4, open_store
from connectors.traffic_csv import read_traffic_csv
from tasks import progress
from tasks.ingest.catalog import (
    clear_ga4_days,
    load_customers,
    load_deletions,
    load_inventory,
    load_locations,
    load_products,
    load_traffic,
)
from tasks.ingest.context import RESOURCE_TABLES, LoadResult, StoreContext
from tasks.ingest.orders import load_orders
from tasks.ingest.plan import WindowPlan, advance_cursor, plan_windows, read_cursors
from tasks.ingest.quarantine import purge_quarantine, quarantine
from tasks.warehouse import schema as tables
from tasks.warehouse.engine import bulk_transaction, get_engine, refresh_statistics
from tasks.warehouse.upsert import upsert

T = TypeVar("T")
#: The counts a window adds up, per store and resource, in the summary's table.
COUNTS = ("fetched", "upserted", "quarantined", "requests", "retries", "throttle_waits")


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
    #: Requests repeated after a transient failure: 5xx, network, a body cut short or garbled.
    retries: int = 0
    seconds: float = 0.0
    #: What the platform said that a person should read (GA4's quota left).
    note: str = ""


@dataclass(slots=True)
class SyncSummary:
    """The whole run: one row per window, and the totals a person reads first."""

    windows: list[WindowResult] = field(default_factory=list)

    def total(self, name: str) -> int:
        """The sum of one count over every window."""
        return sum(int(getattr(w, name)) for w in self.windows)

    def by_store_resource(self) -> list[dict[str, Any]]:
        """One row per store and resource, its windows' counts added up."""
        rows: dict[tuple[str, str], dict[str, Any]] = {}
        for w in self.windows:
            row = rows.setdefault(
                (w.store, w.resource),
                {"store": w.store, "resource": w.resource, "windows": 0}
                | dict.fromkeys(COUNTS, 0)
                | {"seconds": 0.0},
            )
            row["windows"] += 1
            for key in COUNTS:
                row[key] += getattr(w, key)
            row["seconds"] += w.seconds
        for row in rows.values():  # rounded once: many short windows (files) add up
            row["seconds"] = round(row["seconds"], 1)
        return list(rows.values())

    def notes(self) -> dict[str, str]:
        """The last note of each store and resource (GA4's quota left after its last report)."""
        return {f"{w.store} {w.resource}": w.note for w in self.windows if w.note}

    def to_markdown(self) -> str:
        """The summary as the Prefect UI shows it: totals, then the per-resource table."""
        lines = [
            "| store | resource | windows | fetched | upserted | quarantined | requests "
            "| retried | throttle waits | seconds |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        lines += [
            f"| {r['store']} | {r['resource']} | {r['windows']} | {r['fetched']:,} "
            f"| {r['upserted']:,} | {r['quarantined']:,} | {r['requests']:,} "
            f"| {r['retries']:,} | {r['throttle_waits']:,} | {r['seconds']} |"
            for r in self.by_store_resource()
        ]
        totals = (
            f"**{self.total('fetched'):,}** records fetched, "
            f"**{self.total('upserted'):,}** upserted, "
            f"**{self.total('quarantined'):,}** quarantined, "
            f"{self.total('requests'):,} requests "
            f"({self.total('retries'):,} retried after a transient failure), "
            f"{self.total('throttle_waits'):,} throttle waits."
        )
        notes = [f"- {where}: {note}" for where, note in self.notes().items()]
        return "\n".join(
            ["## Sync summary", "", totals, "", *lines, *(["", *notes] if notes else [])]
        )


def sync_store_windows(
    store: StoreConfig,
    database_url: str | None = None,
    *,
    full: bool = False,
    since: datetime | None = None,
    run_id: str | None = None,
    now: datetime | None = None,
    source: StoreSource | None = None,
) -> list[WindowResult]:
    """Plan one store's windows and sync them in order through one source.

    Its cursors only move forward, so a second call after a failure resumes where the first
    stopped. ``now`` (UTC, default the clock) ends the windows and dates the inventory
    snapshot. A ``source`` given by the caller stays open; otherwise the store's own is opened
    here and closed at the end. A marketplace store imports the new files of its
    ``import_dir`` instead; any other store with an ``import_dir`` imports its new ad-spend
    files after its windows.
    """
    from tasks.ingest.imports import import_folder

    now = now or datetime.now(UTC)
    if store.is_marketplace:  # read from the files its team drops, not through an API
        return import_folder(store, database_url, run_id=run_id, now=now)
    results = _api_windows(store, database_url, full, since, run_id, now, source)
    if store.import_dir is not None:
        results += import_folder(store, database_url, run_id=run_id, now=now)
    return results


def _api_windows(
    store: StoreConfig,
    database_url: str | None,
    full: bool,
    since: datetime | None,
    run_id: str | None,
    now: datetime,
    source: StoreSource | None,
) -> list[WindowResult]:
    opened = source is None
    source = source or open_store(store)
    try:
        plans = prepare_store(store, source, database_url, now, full=full, since=since)
        snapshot_date = now.astimezone(store.zone).date()
        return [
            sync_window(
                store,
                plan,
                source,
                database_url,
                run_id=run_id,
                snapshot_date=snapshot_date,
                now=now,
            )
            for plan in plans
        ]
    finally:
        if opened:
            source.close()


def prepare_store(
    store: StoreConfig,
    source: StoreSource,
    database_url: str | None = None,
    now: datetime | None = None,
    *,
    full: bool = False,
    since: datetime | None = None,
) -> list[WindowPlan]:
    """Check the shop against its configuration, record it, and plan this run's windows.

    Raises:
        ConfigError: the shop's timezone or currency differs from the configuration.
    """
    shop = source.shop()
    check_shop(store, shop)
    now = now or datetime.now(UTC)
    with get_engine(database_url).begin() as conn:
        upsert(conn, tables.stores, [_store_row(store, shop, now)])
        states = read_cursors(conn, store.name)
        purge_quarantine(conn, store, now)
    return plan_windows(store, shop.created_at, states, now, full=full, since=since)


def _store_row(store: StoreConfig, shop: ShopInfo, synced_at: datetime) -> dict[str, Any]:
    return {
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


def check_shop(store: StoreConfig, shop: ShopInfo) -> None:
    """Refuse a shop whose timezone or currency is not the configured one.

    Raises:
        ConfigError: naming the store, what differs and how to correct it.
    """
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
    source: StoreSource,
    database_url: str | None = None,
    *,
    run_id: str | None = None,
    snapshot_date: date | None = None,
    now: datetime | None = None,
) -> WindowResult:
    """Fetch one window page by page, committing each page, then advance the cursor."""
    started = datetime.now(UTC)
    clock = time.monotonic()
    ga4 = open_ga4(store) if plan.resource == "ga4" else None
    counted: StoreSource | Ga4Source = ga4 or source
    before = counted.stats()
    engine = get_engine(database_url)
    window = plan.window
    result = WindowResult(
        store.name, plan.resource, window.start if window else None, window.end if window else None
    )
    day = snapshot_date or (now or started).astimezone(store.zone).date()
    written = RESOURCE_TABLES[plan.resource]
    pages = _ga4_pages(ga4, store, plan) if ga4 else _pages(source, store, plan, day)
    try:
        _load_pages(store, plan, engine, written, pages, result)
    finally:
        if ga4 is not None:
            ga4.close()
    used = counted.stats().since(before)
    result.requests, result.throttle_waits = used.requests, used.throttle_waits
    result.retries = used.retries
    result.seconds = round(time.monotonic() - clock, 3)
    if ga4 is not None and ga4.quota is not None:
        result.note = ga4.quota.text()
    with engine.begin() as conn:
        if window is not None:
            advance_cursor(conn, store.name, plan.resource, window.end, deep=plan.deep, now=now)
        record_run(conn, run_id or str(uuid.uuid4()), result, started)
    progress.report(progress.Progress(plan.step, plan.label, result.fetched, finished=True))
    return result


def _load_pages(
    store: StoreConfig,
    plan: WindowPlan,
    engine: Engine,
    written: tuple[Table, ...],
    pages: Iterable[tuple[Page[Any], Loader]],
    result: WindowResult,
) -> None:
    """Commit each page as it arrives, with what it could not load set aside."""
    for number, (page, loader) in enumerate(pages, 1):
        # Stamped per page from the clock, just before its commit: metrics find changed rows
        # by this stamp, so it must follow commit order whatever ``now`` the plan was given.
        ctx = StoreContext(store.name, store.zone, store.currency, datetime.now(UTC))
        with bulk_transaction(engine) as conn:
            loaded = loader(conn, ctx, page.records)
            rejected = [*page.rejected, *loaded.rejected]
            quarantine(conn, store.name, plan.resource, rejected, ctx.synced_at)
        refresh_statistics(engine, written, number)
        result.fetched += len(page.records) + len(page.rejected)
        result.upserted += loaded.upserted
        result.quarantined += len(rejected)
        result.skipped += page.outside
        progress.report(progress.Progress(plan.step, plan.label, result.fetched))


Loader = Callable[[Connection, StoreContext, list[Any]], LoadResult]


def _pages(
    source: StoreSource, store: StoreConfig, plan: WindowPlan, snapshot_date: date
) -> Iterator[tuple[Page[Any], Loader]]:
    """Each page of the plan's resource, with the loader that writes it."""
    window = plan.window
    if plan.resource == "orders" and window is not None:
        total = source.count_orders_updated(window)
        progress.report(progress.Progress(plan.step, plan.label, 0, total))
        yield from _with(source.orders_updated(window), load_orders)
    elif plan.resource == "customers" and window is not None:
        yield from _with(source.customers_updated(window), load_customers)
    elif plan.resource == "products" and window is not None:
        yield from _with(source.products_updated(window), load_products)
    elif plan.resource == "deletions" and window is not None:
        yield from _with(source.order_deletions(window), load_deletions)
    elif plan.resource == "inventory":
        locations = source.locations()
        yield Page(records=locations), load_locations
        yield from _with(
            source.inventory_levels([loc.location_id for loc in locations]),
            lambda c, ctx, r: load_inventory(c, ctx, r, snapshot_date),
        )
    elif plan.resource == "traffic" and store.traffic_csv is not None:
        yield (
            read_traffic_csv(store.traffic_csv),
            lambda c, ctx, r: load_traffic(c, ctx, r, "csv"),
        )
    else:
        raise ValueError(f"cannot sync {plan.label}")


def _ga4_pages(
    ga4: Ga4Source, store: StoreConfig, plan: WindowPlan
) -> Iterator[tuple[Page[Any], Loader]]:
    """The window's store-local days from GA4, once its property is known to share the
    store's timezone (else its days would not be the store's).

    Raises:
        ConfigError: the property reports in another timezone.
    """
    assert plan.window is not None  # a GA4 plan always has its window
    first = plan.window.start.astimezone(store.zone).date()
    last = (plan.window.end - timedelta(microseconds=1)).astimezone(store.zone).date()
    for number, page in enumerate(ga4.traffic(first, last)):
        if ga4.time_zone and ga4.time_zone != store.timezone:
            raise ConfigError(
                f"store {store.name!r}: GA4 property {store.ga4_property} reports in "
                f"{ga4.time_zone} but the store's timezone is {store.timezone}; set the "
                "property's reporting timezone to the store's"
            )
        yield page, _ga4_loader(first, last, replacing=number == 0)


def _ga4_loader(first: date, last: date, replacing: bool) -> Loader:
    """Load a page of GA4 days; the window's first page first clears the GA4 rows of all its
    days, so the window's days end up exactly as GA4 reports them now (a failed run leaves the
    cursor where it was, and the next one reads the days again)."""

    def load(conn: Connection, ctx: StoreContext, days: list[TrafficDay]) -> LoadResult:
        if replacing:
            clear_ga4_days(conn, ctx.store, first, last)
        return load_traffic(conn, ctx, days, "ga4")

    return load


def _with(pages: Iterable[Page[T]], loader: Loader) -> Iterator[tuple[Page[Any], Loader]]:
    for page in pages:
        yield page, loader


def record_run(conn: Connection, run_id: str, result: WindowResult, started: datetime) -> None:
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    upsert(
        conn,
        tables.sync_runs,
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
