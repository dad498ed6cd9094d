"""Helpers shared by tests: run a sync without Prefect, and read a warehouse back."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Table, func, select
from sqlalchemy.exc import OperationalError

from connectors.base import StoreSource
from connectors.config import StoreConfig, parse_config
from tasks.ingest.run import SyncSummary, sync_store_windows
from tasks.warehouse import schema as tables
from tasks.warehouse.engine import get_engine

#: Bookkeeping that legitimately changes from one run to the next.
BOOKKEEPING_TABLES = {"sync_state", "sync_runs", "alembic_version"}
BOOKKEEPING_COLUMNS = {
    "synced_at",
    "first_synced_at",
    "changed_at",
    "first_seen_at",
    "last_seen_at",
    "recorded_at",  # when a check last looked at a day
    "computed_at",  # when a metric value was last (re)computed, identically
    "computed_through",
    "imported_at",  # when an export file was imported
}


def run_sync(
    store: StoreConfig,
    url: str,
    *,
    full: bool = False,
    now: datetime | None = None,
    source: StoreSource | None = None,
) -> SyncSummary:
    """The sync flow's work, in order, without Prefect."""
    return SyncSummary(sync_store_windows(store, url, full=full, now=now, source=source))


def a_moment_later() -> datetime:
    """A ``now`` past the current second, so that a change just made falls inside the window
    (windows end at the current second, excluded) without waiting for the clock."""
    return datetime.now(UTC) + timedelta(seconds=1)


def snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every business row of the warehouse, sorted, bookkeeping columns left out."""
    engine = get_engine(url)
    found: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for table in tables.metadata.sorted_tables:
            if table.name in BOOKKEEPING_TABLES:
                continue
            columns = [c for c in table.columns if c.name not in BOOKKEEPING_COLUMNS]
            rows = conn.execute(select(*columns)).all()
            found[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return found


def count_rows(url: str, table: Table, *where: Any) -> int:
    """How many rows of ``table`` match every condition in ``where``."""
    with get_engine(url).connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


def assert_a_replay_changes_nothing(store: StoreConfig, url: str) -> None:
    """Sync a store, then sync it again (incrementally) and in full: nothing may change."""
    run_sync(store, url)
    first = snapshot(url)
    again = run_sync(store, url)
    assert snapshot(url) == first
    assert sum(w.fetched for w in again.windows if w.resource == "orders") < 100  # incremental
    run_sync(store, url, full=True)
    assert snapshot(url) == first


def wait_for_rows(
    url: str, table: Table, at_least: int, child: subprocess.Popen[bytes], what: str
) -> None:
    """Wait until the child process has committed ``at_least`` rows of ``table`` to the SQLite
    warehouse at ``url``, so that killing it now interrupts it part-way."""
    database = Path(url.removeprefix("sqlite:///"))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and child.poll() is None:
        if database.exists():
            with contextlib.suppress(OperationalError):  # the child may be creating the schema
                engine = get_engine(url, migrate=False)
                with engine.connect() as conn:
                    rows = conn.execute(select(func.count()).select_from(table)).scalar_one()
                if rows >= at_least:
                    return
        time.sleep(0.05)
    pytest.fail(f"{what} never got going (or finished before it could be killed)")


if (
    __name__ == "__main__"
):  # python -m tests.support.helpers '<store config json>' <url>: used by kill tests
    entry, database = json.loads(sys.argv[1]), sys.argv[2]
    started = datetime.now()
    run_sync(parse_config({"stores": [entry]}).stores[0], database)
    print(f"done in {(datetime.now() - started).total_seconds():.1f}s")
