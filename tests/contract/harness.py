"""The contract every store platform keeps, and what a platform's harness provides to prove it.

A harness stands for one platform's shop whose truth is known (the local store or the export
writer says it from its own records, not from what storepulse reads). The suite drives each
platform the same way through ``StoreHarness`` and reads the warehouse with the helpers below;
adding a platform is one class that fits the Protocol and one entry in ``PLATFORMS``
(``tests/contract/platforms.py``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import func, select

from tasks.ingest.run import SyncSummary
from tasks.warehouse import schema as tables
from tasks.warehouse.engine import get_engine
from tests.support.helpers import BOOKKEEPING_COLUMNS, BOOKKEEPING_TABLES

#: Per store-local day: the paid orders and what their buyers paid, in minor units.
Truth = dict[date, tuple[int, int]]
#: The file ledger gains a row for every export dropped, whatever it changed.
LEDGER_TABLES = {"import_files"}


@dataclass(frozen=True, slots=True)
class Broken:
    """An order the harness made unreadable, and the words its quarantine reason must hold
    (what: the field or column; where: the record id, or the file and its row)."""

    order: str
    names: tuple[str, ...]


class StoreHarness(Protocol):
    """One platform's shop with known truth, synced or imported into a warehouse.

    Built as ``cls(workdir, sandbox_cache)``; ``close`` releases what it started. Order ids are
    the platform's own, as exact strings.
    """

    platform: str
    #: The orders column the platform's own order id lands in: ``order_id`` or ``name``.
    id_column: str
    #: The loader (``module.name``) the sync calls once per committed page or file.
    loader: str
    #: Why the platform has no deleted orders to follow; None when it has them.
    no_deletions: str | None

    def sync(self, url: str) -> SyncSummary:
        """Sync (or import) what is new since the last run, as the scheduled flow does."""
        ...

    def replay(self, url: str) -> SyncSummary:
        """Read everything again: every window replayed, every file dropped again."""
        ...

    def truth(self, leaving_out: Collection[str] = ()) -> Truth:
        """The shop's own paid orders per store-local day, without the orders named."""
        ...

    def order_ids(self) -> set[str]:
        """The ids of the orders the warehouse should hold (paid, live), as exact strings."""
        ...

    def refund_later(self) -> str:
        """Refund a paid order in full after the first sync; make the next sync see it."""
        ...

    def break_one(self) -> Broken:
        """Make one paid order unreadable before the first sync."""
        ...

    def delete_later(self) -> str:
        """Delete an order after the first sync; make the next sync see it."""
        ...

    def close(self) -> None: ...


def sqlite_at(folder: Path, name: str) -> str:
    return f"sqlite:///{folder / f'{name}.db'}"


def paid_by_day(url: str) -> Truth:
    """What the warehouse says per store-local day: live orders and what their buyers paid."""
    o = tables.orders.c
    query = (
        select(o.local_date, func.count(), func.sum(o.total_minor))
        .where(o.deleted_at.is_(None), o.test.is_(False))
        .group_by(o.local_date)
    )
    with get_engine(url).connect() as conn:
        return {day: (count, int(total)) for day, count, total in conn.execute(query)}


def order_rows(url: str) -> list[dict[str, Any]]:
    with get_engine(url).connect() as conn:
        return [dict(row) for row in conn.execute(select(tables.orders)).mappings()]


def live_ids(url: str, column: str) -> set[str]:
    return {
        str(row[column]) for row in order_rows(url) if row["deleted_at"] is None and not row["test"]
    }


def warehouse_id(url: str, column: str, key: str) -> int:
    """The warehouse's order_id of the order the platform calls ``key``."""
    (found,) = [row["order_id"] for row in order_rows(url) if str(row[column]) == key]
    return int(found)


def business_rows(url: str) -> dict[str, set[tuple[tuple[str, Any], ...]]]:
    """Every business row of the warehouse, as (column, value) pairs, bookkeeping left out."""
    found = {}
    with get_engine(url).connect() as conn:
        for table in tables.metadata.sorted_tables:
            if table.name in BOOKKEEPING_TABLES:
                continue
            columns = [c for c in table.columns if c.name not in BOOKKEEPING_COLUMNS]
            rows = conn.execute(select(*columns)).mappings()
            found[table.name] = {tuple(row.items()) for row in rows}
    return found


def digest(url: str) -> tuple[dict[str, int], str]:
    """Row counts per table and one digest of the warehouse's business content."""
    rows = business_rows(url)
    counts = {name: len(found) for name, found in rows.items()}
    text = repr(sorted((name, sorted(map(repr, found))) for name, found in rows.items()))
    return counts, hashlib.sha256(text.encode()).hexdigest()


def what_changed(
    before: dict[str, set[tuple[tuple[str, Any], ...]]],
    after: dict[str, set[tuple[tuple[str, Any], ...]]],
) -> tuple[set[int], set[str]]:
    """The orders whose rows changed, and the tables that changed outside any order."""
    orders: set[int] = set()
    elsewhere: set[str] = set()
    for name, rows in after.items():
        differing = before.get(name, set()) ^ rows
        if not differing or name in LEDGER_TABLES:
            continue
        ids = {dict(row).get("order_id") for row in differing}
        if None in ids:
            elsewhere.add(name)
        orders |= {i for i in ids if i is not None}
    return orders, elsewhere
