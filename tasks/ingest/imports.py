"""Import a marketplace store's export files, idempotently (DESIGN rule 4).

Each file commits on its own, together with its content hash: a file seen before (same bytes,
any name) is skipped, and an import killed part-way finishes when run again. An order's latest
state wins: a file's time is the latest moment its rows record (else when it was imported), and
an order already stored from a later file is left as it is. A refund the export gives no
completion date for keeps the day a file first showed it.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, bindparam, select

from connectors.base import Order, Rejected
from connectors.config import StoreConfig
from connectors.errors import ConfigError
from connectors.marketplaces import ExportBatch, UnreadableFile
from connectors.money import currency_exponent
from connectors.stores import read_store_export
from tasks.ingest.catalog import load_deletions, load_traffic
from tasks.ingest.context import StoreContext
from tasks.ingest.orders import load_orders
from tasks.ingest.plan import advance_cursor
from tasks.ingest.quarantine import purge_quarantine, quarantine
from tasks.ingest.run import WindowResult, record_run
from tasks.warehouse import schema as tables
from tasks.warehouse.engine import bulk_transaction, get_engine
from tasks.warehouse.upsert import upsert

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
    """Import the given export files of a marketplace store, one transaction per file.

    Raises:
        ConfigError: the store is not a marketplace store, or a file cannot be opened.
    """
    if not store.is_marketplace:
        raise ConfigError(f"store {store.name!r}: a {store.platform} store has no export files")
    now = now or datetime.now(UTC)
    engine = get_engine(database_url)
    with engine.begin() as conn:
        upsert(conn, tables.stores, [_store_row(store, now)])
        purge_quarantine(conn, store, now)
    results = [import_file(store, path, engine, now) for path in paths]
    with engine.begin() as conn:
        # The freshness check reads the orders' last success: a marketplace store's is this.
        advance_cursor(conn, store.name, "orders", now, now=now)
        for result in results:
            record_run(conn, run_id or f"import-{now.isoformat()}", result, now)
    return results


def import_file(store: StoreConfig, path: Path, engine: Engine, now: datetime) -> WindowResult:
    """Import one file in one transaction, recording its content hash with it."""
    result = WindowResult(store.name, RESOURCE, None, None)
    clock = time.monotonic()
    data = _read_bytes(store, path)
    digest = hashlib.sha256(data).hexdigest()
    with engine.connect() as conn:
        if conn.execute(_SEEN, {"store": store.name, "hash": digest}).first() is not None:
            result.skipped = 1
            return result
    ctx = StoreContext(store.name, store.zone, store.currency, datetime.now(UTC))
    try:
        batch = read_store_export(store, data, path.name)
    except UnreadableFile as exc:
        refused = Rejected(f"file:{digest[:32]}", f"{path.name} {exc}", {"file": path.name})
        with bulk_transaction(engine) as conn:
            quarantine(conn, store.name, RESOURCE, [refused], ctx.synced_at)
        result.quarantined = 1
        return result
    with bulk_transaction(engine) as conn:
        orders = _not_older(conn, ctx, batch.orders)
        _keep_first_seen(conn, ctx, orders, batch.undated_refunds)
        loaded = load_orders(conn, ctx, orders)
        load_deletions(conn, ctx, batch.deletions)
        if batch.traffic:
            load_traffic(conn, ctx, batch.traffic, "export")
        rejected = [*batch.rejected, *loaded.rejected]
        quarantine(conn, store.name, "orders", rejected, ctx.synced_at)
        upsert(conn, tables.import_files, [_file_row(store, path, digest, batch, now, rejected)])
    result.fetched = batch.rows
    result.upserted = loaded.upserted + len(batch.traffic)
    result.quarantined = len(rejected)
    result.seconds = round(time.monotonic() - clock, 3)
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
    batch: ExportBatch,
    now: datetime,
    rejected: list[Rejected],
) -> dict[str, object]:
    return {
        "store": store.name,
        "content_hash": digest,
        "file_name": path.name,
        "file_format": batch.file_format,
        "kind": batch.kind,
        "exported_at": batch.exported_at or now,
        "imported_at": now,
        "rows": batch.rows,
        "orders": len(batch.orders),
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
_REFUNDED = select(
    tables.refunds.c.refund_id, tables.refunds.c.created_at, tables.refunds.c.processed_at
).where(
    tables.refunds.c.store == bindparam("store"),
    tables.refunds.c.refund_id.in_(bindparam("ids", expanding=True)),
)
