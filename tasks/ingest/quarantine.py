"""Quarantine: records that could not be loaded, kept with their reason until they load or age out.

A record arrives here already redacted by its connector; a repeat of the same record (same key)
updates its row, so replaying a window adds nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import Connection, bindparam, delete, select

from connectors.base import Rejected
from connectors.config import StoreConfig
from tasks.warehouse import schema as tables
from tasks.warehouse.upsert import upsert


def quarantine(
    conn: Connection, store: str, resource: str, rejected: Iterable[Rejected], at: datetime
) -> int:
    """Keep records that could not be loaded, with their reason; a repeat updates the row."""
    rows = [
        {
            "store": store,
            "resource": resource,
            "record_key": r.record_key[:128],
            "reason": r.reason,
            "payload": json.dumps(r.payload, default=str),
            "first_seen_at": at,
            "last_seen_at": at,
        }
        for r in rejected
    ]
    return upsert(conn, tables.quarantine, rows, keep=("first_seen_at",))


def release_from_quarantine(conn: Connection, store: str, resource: str, keys: list[str]) -> None:
    """A record that now loads cleanly leaves quarantine."""
    if conn.execute(_ANY_QUARANTINED, {"store": store, "resource": resource}).first() is None:
        return  # the common case, answered without sending every key
    for start in range(0, len(keys), 500):
        conn.execute(
            _RELEASE, {"store": store, "resource": resource, "keys": keys[start : start + 500]}
        )


def purge_quarantine(conn: Connection, store: StoreConfig, now: datetime) -> int:
    """Drop quarantined records older than the store's retention period."""
    cutoff = now - timedelta(days=store.sync.quarantine_retention_days)
    q = tables.quarantine.c
    result = conn.execute(
        delete(tables.quarantine).where(q.store == store.name, q.last_seen_at < cutoff)
    )
    return result.rowcount or 0


_ANY_QUARANTINED = (
    select(tables.quarantine.c.record_key)
    .where(
        tables.quarantine.c.store == bindparam("store"),
        tables.quarantine.c.resource == bindparam("resource"),
    )
    .limit(1)
)
_RELEASE = delete(tables.quarantine).where(
    tables.quarantine.c.store == bindparam("store"),
    tables.quarantine.c.resource == bindparam("resource"),
    tables.quarantine.c.record_key.in_(bindparam("keys", expanding=True)),
)
