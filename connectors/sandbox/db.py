"""The sandbox shop's data on disk: one SQLite file, records kept as the JSON the API returns.

Keeping the rendered JSON on disk lets one shop hold millions of orders without holding them in
memory, and lets a page be served by concatenating stored text.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS products (
    id INTEGER PRIMARY KEY, created_at INTEGER, updated_at INTEGER, status TEXT, json TEXT);
CREATE TABLE IF NOT EXISTS inventory_items (id INTEGER PRIMARY KEY, json TEXT);
CREATE TABLE IF NOT EXISTS locations (id INTEGER PRIMARY KEY, json TEXT);
CREATE TABLE IF NOT EXISTS inventory_levels (
    inventory_item_id INTEGER, location_id INTEGER, available INTEGER, updated_at INTEGER,
    PRIMARY KEY (inventory_item_id, location_id));
CREATE TABLE IF NOT EXISTS customers (
    id INTEGER PRIMARY KEY, created_at INTEGER, updated_at INTEGER, json TEXT);
CREATE TABLE IF NOT EXISTS orders (
    id INTEGER PRIMARY KEY, created_at INTEGER, updated_at INTEGER, processed_at INTEGER,
    closed INTEGER, cancelled INTEGER, financial_status TEXT, fulfillment_status TEXT,
    json TEXT);
CREATE INDEX IF NOT EXISTS orders_by_updated ON orders (updated_at, id);
CREATE INDEX IF NOT EXISTS orders_by_created ON orders (created_at, id);
CREATE INDEX IF NOT EXISTS customers_by_updated ON customers (updated_at, id);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY, created_at INTEGER, subject_id INTEGER, subject_type TEXT,
    verb TEXT, json TEXT);
CREATE TABLE IF NOT EXISTS trash (
    id INTEGER PRIMARY KEY, created_at INTEGER, trashed_at INTEGER, json TEXT);
CREATE TABLE IF NOT EXISTS traffic (
    day TEXT, channel TEXT, sessions INTEGER, add_to_carts INTEGER, checkouts INTEGER,
    purchases INTEGER, PRIMARY KEY (day, channel));
"""

#: Columns each listing may sort and window on.
SORTABLE = {
    "orders": ("id", "created_at", "updated_at", "processed_at"),
    "customers": ("id", "created_at", "updated_at"),
    "products": ("id", "created_at", "updated_at"),
    "events": ("id", "created_at"),
}


@dataclass(slots=True)
class Query:
    """A listing request, already validated: filters as SQL, a sort, a keyset position."""

    table: str
    where: list[str] = field(default_factory=list)
    args: list[Any] = field(default_factory=list)
    sort: str = "id"
    descending: bool = False

    def filter(self, clause: str, *args: Any) -> None:
        self.where.append(clause)
        self.args.extend(args)


class ShopData:
    """Read and change one sandbox shop's SQLite file from many server threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self.write_lock = threading.RLock()
        with self.connect() as conn:
            conn.executescript(SCHEMA)

    def connect(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        return conn

    # --- meta -----------------------------------------------------------------------------------

    def get_meta(self, key: str, default: Any = None) -> Any:
        row = self.connect().execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return orjson.loads(row[0]) if row else default

    def set_meta(self, key: str, value: Any) -> None:
        self.connect().execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
            (key, orjson.dumps(value).decode()),
        )

    # --- listings -------------------------------------------------------------------------------

    def page(
        self, query: Query, after: Sequence[Any] | None, limit: int, backwards: bool = False
    ) -> list[tuple[Any, int, str]]:
        """Return up to ``limit`` rows ``(sort value, id, json)`` past the keyset ``after``.

        ``backwards`` walks towards the start of the listing (for ``rel="previous"``); rows
        still come back in the listing's own order.
        """
        where, args = list(query.where), list(query.args)
        ascending = query.descending == backwards
        if after is not None:
            where.append(f"({query.sort}, id) {'>' if ascending else '<'} (?, ?)")
            args.extend(after)
        direction = "ASC" if ascending else "DESC"
        sql = (
            f"SELECT {query.sort}, id, json FROM {query.table}"
            f"{' WHERE ' + ' AND '.join(where) if where else ''}"
            f" ORDER BY {query.sort} {direction}, id {direction} LIMIT ?"
        )
        rows = self.connect().execute(sql, (*args, limit)).fetchall()
        return rows[::-1] if backwards else rows

    def count(self, query: Query) -> int:
        where = f" WHERE {' AND '.join(query.where)}" if query.where else ""
        sql = f"SELECT COUNT(*) FROM {query.table}{where}"
        return int(self.connect().execute(sql, query.args).fetchone()[0])

    def json_rows(self, table: str, ids: Iterable[int] | None = None) -> Iterator[str]:
        if ids is None:
            yield from (
                r[0] for r in self.connect().execute(f"SELECT json FROM {table} ORDER BY id")
            )
            return
        id_list = list(ids)
        marks = ",".join("?" * len(id_list))
        sql = f"SELECT json FROM {table} WHERE id IN ({marks}) ORDER BY id"
        yield from (r[0] for r in self.connect().execute(sql, id_list))

    def inventory_levels(
        self,
        location_ids: list[int] | None,
        item_ids: list[int] | None,
        updated_min: float | None,
        after: int | None,
        limit: int,
    ) -> list[tuple[int, int, int, int | None, int | None]]:
        where: list[str] = []
        args: list[Any] = []
        for column, ids in (("location_id", location_ids), ("inventory_item_id", item_ids)):
            if ids:
                where.append(f"{column} IN ({','.join('?' * len(ids))})")
                args.extend(ids)
        if updated_min is not None:
            where.append("updated_at >= ?")
            args.append(updated_min)
        if after is not None:
            where.append("rowid > ?")
            args.append(after)
        sql = (
            "SELECT rowid, inventory_item_id, location_id, available, updated_at"
            f" FROM inventory_levels WHERE {' AND '.join(where)} ORDER BY rowid LIMIT ?"
        )
        return self.connect().execute(sql, (*args, limit)).fetchall()

    # --- writes ---------------------------------------------------------------------------------

    def order(self, order_id: int) -> dict[str, Any] | None:
        row = self.connect().execute("SELECT json FROM orders WHERE id = ?", (order_id,)).fetchone()
        return orjson.loads(row[0]) if row else None

    def save_orders(self, rows: Iterable[tuple[Any, ...]]) -> None:
        self.connect().executemany(
            "INSERT OR REPLACE INTO orders (id, created_at, updated_at, processed_at, closed,"
            " cancelled, financial_status, fulfillment_status, json)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )

    def delete_order(self, order_id: int) -> None:
        self.connect().execute("DELETE FROM orders WHERE id = ?", (order_id,))

    def save(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        marks = ",".join("?" * len(columns))
        sql = f"INSERT OR REPLACE INTO {table} ({','.join(columns)}) VALUES ({marks})"
        self.connect().executemany(sql, rows)

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
