"""Import a store's export files, idempotently (DESIGN rule 4): a marketplace store's order
and 生意参谋 exports, and any store's ad-spend exports (``tasks/ingest/spend.py``).

Each file commits on its own, together with its content hash: a file seen before (same bytes,
any name) is skipped, and an import killed part-way finishes when run again. An order's latest
state wins: a file's time is the latest moment its rows record (else when it was imported), and
an order already stored from a later file is left as it is. A refund the export gives no
completion date for keeps the day a file first showed it.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Row, bindparam, select, update

from connectors.adspend import SpendBatch
from connectors.base import Order, OrderLine, Rejected
from connectors.config import StoreConfig
from connectors.errors import ConfigError
from connectors.marketplaces import ExportBatch, UnreadableFile
from connectors.marketplaces.records import ORDER_LEVEL_LINE, numeric_id
from connectors.money import currency_exponent, from_minor
from connectors.stores import read_store_export
from tasks.ingest.catalog import load_deletions, load_traffic
from tasks.ingest.context import Minor, StoreContext
from tasks.ingest.orders import LINE_COLUMNS, children_of, line_row, load_orders
from tasks.ingest.plan import advance_cursor
from tasks.ingest.quarantine import purge_quarantine, quarantine
from tasks.ingest.run import WindowResult, record_run
from tasks.ingest.spend import RESOURCE as SPEND
from tasks.ingest.spend import load_spend
from tasks.warehouse import schema as tables
from tasks.warehouse.engine import bulk_transaction, get_engine
from tasks.warehouse.upsert import insert, upsert

RESOURCE = "imports"
_CHUNK = 500


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
        read = read_file(store, path, engine)
        if isinstance(read.batch, ExportBatch) and read.batch.item_lines:
            deferred.append(read)  # a 宝贝报表 after the order exports its lines belong to
        else:
            results.append(load_file(store, read, engine, now))
    results += [load_file(store, read, engine, now) for read in deferred]
    with engine.begin() as conn:
        # The freshness check reads the orders' last success: a marketplace store's is this.
        if store.is_marketplace:
            advance_cursor(conn, store.name, "orders", now, now=now)
        # A run id fits the ledger's 36 characters on every engine (PostgreSQL enforces it).
        run_id = run_id or str(uuid.uuid4())
        for result in results:
            record_run(conn, run_id, result, now)
    return results


@dataclass(slots=True)
class FileRead:
    """One file read, not yet loaded: no batch when it was seen before or is not an export."""

    path: Path
    digest: str
    result: WindowResult
    batch: ExportBatch | SpendBatch | None
    started: float


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
    return FileRead(path, digest, result, batch, started)


def load_file(store: StoreConfig, read: FileRead, engine: Engine, now: datetime) -> WindowResult:
    """Load a file's records and record its hash, in one transaction."""
    result, batch = read.result, read.batch
    if batch is None:
        return result
    ctx = StoreContext(store.name, store.zone, store.currency, datetime.now(UTC))
    if isinstance(batch, SpendBatch):
        return _load_spend_file(store, read, batch, engine, ctx, now)
    with bulk_transaction(engine) as conn:
        orders = _not_older(conn, ctx, batch.orders)
        _keep_first_seen(conn, ctx, orders, batch.undated_refunds)
        _keep_item_lines(conn, ctx, orders)
        loaded = load_orders(conn, ctx, orders)
        lined = _replace_item_lines(conn, ctx, batch.item_lines)
        load_deletions(conn, ctx, batch.deletions)
        if batch.traffic:
            load_traffic(conn, ctx, batch.traffic, "export")
        rejected = [*batch.rejected, *loaded.rejected]
        quarantine(conn, store.name, "orders", rejected, ctx.synced_at)
        upsert(
            conn,
            tables.import_files,
            [_file_row(store, read.path, read.digest, batch, now, rejected)],
        )
    result.fetched = batch.rows
    result.upserted = loaded.upserted + lined + len(batch.traffic)
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
    with bulk_transaction(engine) as conn:
        upserted, refused = load_spend(conn, ctx, batch.spend, read.path.name, read.digest)
        rejected = [*batch.rejected, *refused]
        quarantine(conn, store.name, SPEND, rejected, ctx.synced_at)
        upsert(
            conn,
            tables.import_files,
            [_file_row(store, read.path, read.digest, batch, now, rejected)],
        )
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


def _not_older(conn: Connection, ctx: StoreContext, orders: list[Order]) -> list[Order]:
    """The orders this file may write: new ones, and those no later file has written since."""
    stored: dict[int, datetime] = {}
    ids = [o.order_id for o in orders]
    for start in range(0, len(ids), _CHUNK):
        params = {"store": ctx.store, "ids": ids[start : start + _CHUNK]}
        stored.update((row.order_id, row.updated_at) for row in conn.execute(_UPDATED, params))
    return [o for o in orders if o.order_id not in stored or stored[o.order_id] <= o.updated_at]


def _keep_first_seen(
    conn: Connection, ctx: StoreContext, orders: list[Order], undated: set[int]
) -> None:
    """An undated refund already stored keeps the day a file first showed it."""
    refunds = {r.refund_id: r for o in orders for r in o.refunds if r.refund_id in undated}
    ids = list(refunds)
    for start in range(0, len(ids), _CHUNK):
        params = {"store": ctx.store, "ids": ids[start : start + _CHUNK]}
        for refund_id, created_at, processed_at in conn.execute(_REFUNDED, params):
            refunds[refund_id].created_at = created_at
            refunds[refund_id].processed_at = processed_at


def _keep_item_lines(conn: Connection, ctx: StoreContext, orders: list[Order]) -> None:
    """An order re-read from an order export keeps the item lines a 宝贝报表 gave it, instead
    of the one order-level line the order export can say."""
    ids = [o.order_id for o in orders if len(o.lines) == 1 and _order_level(o)]
    stored: dict[int, list[OrderLine]] = {}
    for start in range(0, len(ids), _CHUNK):
        params = {"store": ctx.store, "ids": ids[start : start + _CHUNK]}
        for row in conn.execute(_LINES, params):
            stored.setdefault(row.order_id, []).append(_order_line(row, ctx.exponent))
    for order in orders:
        kept = stored.get(order.order_id, [])
        if any(line.line_id != order.lines[0].line_id for line in kept):
            order.lines = kept


def _order_level(order: Order) -> bool:
    """Whether the order's one line is the order-level line of an order export (Taobao's)."""
    return order.lines[0].line_id == numeric_id(f"{order.name}/{ORDER_LEVEL_LINE}")


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


def _order_line(row: Row[Any], exponent: int) -> OrderLine:
    return OrderLine(
        line_id=row.line_id,
        product_id=row.product_id,
        variant_id=row.variant_id,
        sku=row.sku,
        title=row.title,
        variant_title=row.variant_title,
        vendor=row.vendor,
        quantity=row.quantity,
        current_quantity=row.current_quantity,
        price=from_minor(row.price_minor, exponent),
        discount=from_minor(row.discount_minor, exponent),
        tax=from_minor(row.tax_minor, exponent),
        gift_card=row.gift_card,
        fulfillment_status=row.fulfillment_status,
    )


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
    now: datetime,
    rejected: list[Rejected],
) -> dict[str, object]:
    orders = batch.orders if isinstance(batch, ExportBatch) else []
    exported_at = batch.exported_at if isinstance(batch, ExportBatch) else None
    return {
        "store": store.name,
        "content_hash": digest,
        "file_name": path.name,
        "file_format": batch.file_format,
        "kind": batch.kind,
        "exported_at": exported_at or now,
        "imported_at": now,
        "rows": batch.rows,
        "orders": len(orders),
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
_LINES = select(tables.order_lines).where(
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
