"""Import a store's export files, idempotently (DESIGN rule 4): a marketplace store's order
and 生意参谋 exports, and any store's ad-spend exports (``tasks/ingest/spend.py``).

Each file commits on its own, together with its content hash: a file seen before (same bytes,
any name) is skipped, and an import killed part-way finishes when run again. An order's latest
state wins: a file's time is the latest moment its rows record (else when it was imported), and
an order already stored from a later file is left as it is. A refund the export gives no
completion date for keeps the day a file first showed it.
"""

from __future__ import annotations

import gc
import hashlib
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Select, bindparam, select, update

from connectors.adspend import SpendBatch
from connectors.base import OrderLine, Rejected
from connectors.config import StoreConfig
from connectors.errors import ConfigError
from connectors.marketplaces import ExportBatch, UnreadableFile
from connectors.marketplaces.columns import ExportOrders
from connectors.money import currency_exponent
from connectors.stores import read_store_export
from tasks.ingest.catalog import load_deletions, load_traffic
from tasks.ingest.context import Minor, StoreContext
from tasks.ingest.exports import export_rows, with_hashes
from tasks.ingest.orders import (
    LINE_COLUMNS,
    LineRow,
    RefundRow,
    children_of,
    line_row,
    write_orders,
)
from tasks.ingest.plan import advance_cursor
from tasks.ingest.quarantine import purge_quarantine, quarantine
from tasks.ingest.run import WindowResult, record_run
from tasks.ingest.spend import RESOURCE as SPEND
from tasks.ingest.spend import export_time, load_spend
from tasks.warehouse import schema as tables
from tasks.warehouse.engine import bulk_transaction, get_engine
from tasks.warehouse.upsert import insert, upsert

RESOURCE = "imports"
#: Ids per lookup: few statements, well under any driver's limit on bound parameters.
_CHUNK = 5000


def import_folder(
    store: StoreConfig,
    database_url: str | None = None,
    *,
    run_id: str | None = None,
    now: datetime | None = None,
) -> list[WindowResult]:
    """Import every file in the store's ``import_dir`` that is new or changed.

    Raises:
        ConfigError: the folder does not exist.
    """
    folder = store.import_dir
    if folder is None or not folder.is_dir():
        raise ConfigError(f"store {store.name!r}: import_dir {folder} is not a folder")
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    return import_files(store, files, database_url, run_id=run_id, now=now)


def import_files(
    store: StoreConfig,
    paths: Sequence[Path],
    database_url: str | None = None,
    *,
    run_id: str | None = None,
    now: datetime | None = None,
) -> list[WindowResult]:
    """Import the given export files of a store, one transaction per file.

    Raises:
        ConfigError: a file cannot be opened.
    """
    now = now or datetime.now(UTC)
    engine = get_engine(database_url)
    with engine.begin() as conn:
        upsert(conn, tables.stores, [_store_row(store, now)])
        purge_quarantine(conn, store, now)
    results, deferred = [], []
    for path in paths:
        with bulk_allocation():
            read = read_file(store, path, engine)
            if isinstance(read.batch, ExportBatch) and read.batch.item_lines:
                deferred.append(read)  # a 宝贝报表 after the order exports its lines belong to
            else:
                results.append(load_file(store, read, engine, now))
    for read in deferred:
        with bulk_allocation():
            results.append(load_file(store, read, engine, now))
    with engine.begin() as conn:
        # The freshness check reads the orders' last success: a marketplace store's is this.
        if store.is_marketplace:
            advance_cursor(conn, store.name, "orders", now, now=now)
        # A run id fits the ledger's 36 characters on every engine (PostgreSQL enforces it).
        run_id = run_id or str(uuid.uuid4())
        for result in results:
            record_run(conn, run_id, result, now)
    return results


@contextmanager
def bulk_allocation() -> Iterator[None]:
    """Pause the cyclic garbage collector while a file's rows are built and written: they hold
    no cycles, and the collections that hundreds of thousands of new tuples trigger would cost
    about a third of the import. Whatever was allocated is collected as usual afterwards."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@dataclass(slots=True)
class FileRead:
    """One file read, not yet loaded: no batch when it was seen before or is not an export."""

    path: Path
    digest: str
    result: WindowResult
    batch: ExportBatch | SpendBatch | None
    started: float
    #: The file's modification time (UTC), None when the file system cannot say.
    modified_at: datetime | None = None


def import_file(store: StoreConfig, path: Path, engine: Engine, now: datetime) -> WindowResult:
    """Import one file in one transaction, recording its content hash with it."""
    return load_file(store, read_file(store, path, engine), engine, now)


def read_file(store: StoreConfig, path: Path, engine: Engine) -> FileRead:
    """Read a file unless its bytes were imported before; an unreadable file is quarantined."""
    started = time.monotonic()
    result = WindowResult(store.name, RESOURCE, None, None)
    data = _read_bytes(store, path)
    digest = hashlib.sha256(data).hexdigest()
    with engine.connect() as conn:
        if conn.execute(_SEEN, {"store": store.name, "hash": digest}).first() is not None:
            result.skipped = 1
            return FileRead(path, digest, result, None, started)
    try:
        batch = read_store_export(store, data, path.name)
    except UnreadableFile as exc:
        refused = Rejected(f"file:{digest[:32]}", f"{path.name} {exc}", {"file": path.name})
        with bulk_transaction(engine) as conn:
            quarantine(conn, store.name, RESOURCE, [refused], datetime.now(UTC))
        result.quarantined = 1
        return FileRead(path, digest, result, None, started)
    return FileRead(path, digest, result, batch, started, _modified_at(path))


def _modified_at(path: Path) -> datetime | None:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, UTC)
    except (OSError, OverflowError, ValueError):
        return None


def load_file(store: StoreConfig, read: FileRead, engine: Engine, now: datetime) -> WindowResult:
    """Load a file's records and record its hash, in one transaction."""
    result, batch = read.result, read.batch
    if batch is None:
        return result
    ctx = StoreContext(store.name, store.zone, store.currency, datetime.now(UTC))
    if isinstance(batch, SpendBatch):
        return _load_spend_file(store, read, batch, engine, ctx, now)
    with bulk_transaction(engine) as conn:
        loaded = load_export_orders(conn, ctx, batch.orders) if batch.orders else 0
        lined = _replace_item_lines(conn, ctx, batch.item_lines)
        load_deletions(conn, ctx, batch.deletions)
        if batch.traffic:
            load_traffic(conn, ctx, batch.traffic, "export")
        rejected = batch.rejected
        quarantine(conn, store.name, "orders", rejected, ctx.synced_at)
        upsert(
            conn,
            tables.import_files,
            [
                _file_row(
                    store, read.path, read.digest, batch, batch.exported_at, now, rejected, loaded
                )
            ],
        )
    result.fetched = batch.rows
    result.upserted = loaded + lined + len(batch.traffic)
    result.quarantined = len(rejected)
    result.seconds = round(time.monotonic() - read.started, 3)
    return result


def _load_spend_file(
    store: StoreConfig,
    read: FileRead,
    batch: SpendBatch,
    engine: Engine,
    ctx: StoreContext,
    now: datetime,
) -> WindowResult:
    """Load an ad-spend file's campaign days and record its hash, in one transaction."""
    result = read.result
    exported_at = export_time(batch, read.modified_at, store.zone, now)
    with bulk_transaction(engine) as conn:
        upserted, rejected = load_spend(
            conn,
            ctx,
            batch.spend,
            read.path.name,
            read.digest,
            exported_at=exported_at,
            unread=batch.unread,
        )
        quarantine(conn, store.name, SPEND, rejected, ctx.synced_at)
        file_row = _file_row(store, read.path, read.digest, batch, exported_at, now, rejected, 0)
        upsert(conn, tables.import_files, [file_row])
    result.fetched = batch.rows
    result.upserted = upserted
    result.quarantined = len(rejected)
    result.seconds = round(time.monotonic() - read.started, 3)
    return result


def _read_bytes(store: StoreConfig, path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"store {store.name!r}: cannot read {path}: {exc.strerror}") from None


def load_export_orders(conn: Connection, ctx: StoreContext, orders: ExportOrders) -> int:
    """Load an export's paid orders; return how many were written (an order a later file has
    written since is left as it is)."""
    rows = export_rows(ctx, orders, orders.seen_at)
    newer = _written_since(conn, ctx, [h.order_id for h in rows.heads], orders.seen_at)
    heads = [h for h in rows.heads if h.order_id not in newer]
    lines = [x for x in rows.lines if x.order_id not in newer]
    lines = _kept_item_lines(conn, ctx, lines, orders.order_level_lines)
    refunds = _first_seen(
        conn, ctx, [r for r in rows.refunds if r.order_id not in newer], orders.undated_refunds
    )
    write_orders(conn, ctx, with_hashes(heads, lines), lines, [], refunds, [])
    return len(heads)


def _written_since(conn: Connection, ctx: StoreContext, ids: list[int], seen: datetime) -> set[int]:
    """The orders a later file has written since this file's time."""
    return {
        order_id for order_id, updated_at in _stored(conn, ctx, _UPDATED, ids) if updated_at > seen
    }


def _first_seen(
    conn: Connection, ctx: StoreContext, refunds: list[RefundRow], undated: set[int]
) -> list[RefundRow]:
    """An undated refund already stored keeps the day a file first showed it."""
    ids = [r.refund_id for r in refunds if r.refund_id in undated]
    stored = {row[0]: row for row in _stored(conn, ctx, _REFUNDED, ids)}
    if not stored:
        return refunds
    return [_dated(ctx, r, stored[r.refund_id]) if r.refund_id in stored else r for r in refunds]


def _dated(ctx: StoreContext, refund: RefundRow, stored: Any) -> RefundRow:
    _, created_at, processed_at = stored
    day, week = ctx.local_day(processed_at)
    return refund._replace(
        created_at=created_at, processed_at=processed_at, local_date=day, local_week=week
    )


def _kept_item_lines(
    conn: Connection, ctx: StoreContext, lines: list[LineRow], order_level_lines: set[int]
) -> list[LineRow]:
    """An order re-read from an order export keeps the item lines a 宝贝报表 gave it, instead
    of the one order-level line the order export can say."""
    order_level = {x.order_id: x.line_id for x in lines if x.line_id in order_level_lines}
    stored: dict[int, list[LineRow]] = {}
    for row in _stored(conn, ctx, _LINES, list(order_level)):
        stored.setdefault(row.order_id, []).append(LineRow._make(row))
    replaced = {
        order_id
        for order_id, kept in stored.items()
        if any(x.line_id != order_level[order_id] for x in kept)
    }
    if not replaced:
        return lines
    return [x for x in lines if x.order_id not in replaced] + [
        x for order_id in replaced for x in stored[order_id]
    ]


def _stored(conn: Connection, ctx: StoreContext, query: Select[Any], ids: list[int]) -> list[Any]:
    """The store's rows the query finds for the given ids, a slice of ids at a time."""
    rows: list[Any] = []
    for start in range(0, len(ids), _CHUNK):
        rows += conn.execute(query, {"store": ctx.store, "ids": ids[start : start + _CHUNK]})
    return rows


def _replace_item_lines(
    conn: Connection, ctx: StoreContext, item_lines: dict[int, list[OrderLine]]
) -> int:
    """Give stored orders their 宝贝报表 lines; return how many orders. Lines of an order not
    imported yet are skipped (the order exports of the same run are imported first)."""
    known: list[int] = []
    ids = list(item_lines)
    for start in range(0, len(ids), _CHUNK):
        params = {"store": ctx.store, "ids": ids[start : start + _CHUNK]}
        known += [row.order_id for row in conn.execute(_UPDATED, params)]
    if not known:
        return 0
    minor = Minor(ctx)
    for start in range(0, len(known), _CHUNK):
        chunk = known[start : start + _CHUNK]
        conn.execute(children_of(tables.order_lines), {"store": ctx.store, "ids": chunk})
        # The order's day reads its lines: they are news for the metrics.
        conn.execute(_TOUCH, {"b_store": ctx.store, "ids": chunk, "at": ctx.synced_at})
    rows = [line_row(ctx, minor, i, line) for i in known for line in item_lines[i]]
    insert(conn, tables.order_lines, rows, columns=LINE_COLUMNS)
    return len(known)


def _store_row(store: StoreConfig, now: datetime) -> dict[str, object]:
    return {
        "store": store.name,
        "platform": store.platform,
        "shop_id": None,
        "shop_name": store.name,
        "timezone": store.timezone,
        "currency": store.currency,
        "currency_exponent": currency_exponent(store.currency),
        "shop_created_at": None,
        "plan": None,
        "synced_at": now,
    }


def _file_row(
    store: StoreConfig,
    path: Path,
    digest: str,
    batch: ExportBatch | SpendBatch,
    exported_at: datetime | None,
    now: datetime,
    rejected: list[Rejected],
    orders: int,
) -> dict[str, object]:
    return {
        "store": store.name,
        "content_hash": digest,
        "file_name": path.name,
        "file_format": batch.file_format,
        "kind": batch.kind,
        "exported_at": exported_at or now,
        "imported_at": now,
        "rows": batch.rows,
        "orders": orders,
        "quarantined": len(rejected),
    }


_SEEN = select(tables.import_files.c.content_hash).where(
    tables.import_files.c.store == bindparam("store"),
    tables.import_files.c.content_hash == bindparam("hash"),
)
_UPDATED = select(tables.orders.c.order_id, tables.orders.c.updated_at).where(
    tables.orders.c.store == bindparam("store"),
    tables.orders.c.order_id.in_(bindparam("ids", expanding=True)),
)
_LINES = select(*(tables.order_lines.c[name] for name in LINE_COLUMNS)).where(
    tables.order_lines.c.store == bindparam("store"),
    tables.order_lines.c.order_id.in_(bindparam("ids", expanding=True)),
)
_TOUCH = (
    update(tables.orders)
    .where(
        tables.orders.c.store == bindparam("b_store"),
        tables.orders.c.order_id.in_(bindparam("ids", expanding=True)),
    )
    .values(changed_at=bindparam("at"), synced_at=bindparam("at"))
)
_REFUNDED = select(
    tables.refunds.c.refund_id, tables.refunds.c.created_at, tables.refunds.c.processed_at
).where(
    tables.refunds.c.store == bindparam("store"),
    tables.refunds.c.refund_id.in_(bindparam("ids", expanding=True)),
)
