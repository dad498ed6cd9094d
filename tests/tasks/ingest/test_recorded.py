"""The sync's fast tier: recorded orders through the real parse, load and quarantine, no HTTP."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from connectors.config import StoreConfig
from tasks.warehouse import schema as tables
from tasks.warehouse.engine import get_engine
from tests.conftest import store_config
from tests.support.helpers import run_sync, snapshot
from tests.support.recorded import RecordedSource

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def recorded_store() -> StoreConfig:
    return store_config("http://recorded.invalid", sync={"window_days": 3650})


def with_an_id_less_record() -> RecordedSource:
    source = RecordedSource.from_fixture()
    broken = copy.deepcopy(source.orders[0])
    del broken["id"]
    broken["total_price"] = "12,50"
    source.orders.append(broken)
    return source


def rows(url: str, table: tables.Table) -> list[tuple[object, ...]]:
    with get_engine(url).connect() as conn:
        return [tuple(r) for r in conn.execute(select(table))]


def test_a_recorded_order_loads_and_a_bad_one_is_held_once_however_often_it_is_replayed(
    warehouse_url: str,
) -> None:
    source = with_an_id_less_record()
    summary = run_sync(recorded_store(), warehouse_url, now=NOW, source=source)
    assert not source.closed  # the caller's source stays the caller's
    assert summary.total("upserted") == 1 and summary.total("quarantined") == 1
    [held] = rows(warehouse_url, tables.quarantine)
    first = snapshot(warehouse_url)

    run_sync(recorded_store(), warehouse_url, now=NOW, source=source, full=True)
    assert rows(warehouse_url, tables.quarantine)[0][:4] == held[:4]  # same store, resource, key
    assert snapshot(warehouse_url) == first
    with get_engine(warehouse_url).connect() as conn:
        assert conn.execute(select(func.count()).select_from(tables.quarantine)).scalar_one() == 1
        payload = json.loads(conn.execute(select(tables.quarantine.c.payload)).scalar_one())
    assert payload["email"] == "[redacted]"


def test_an_injected_now_ends_the_windows_and_moves_the_cursors(sqlite_url: str) -> None:
    run_sync(recorded_store(), sqlite_url, now=NOW, source=RecordedSource.from_fixture())
    with get_engine(sqlite_url).connect() as conn:
        cursors = set(conn.execute(select(tables.sync_state.c.cursor)).scalars())
        day = conn.execute(select(tables.orders.c.local_date)).scalar_one()
    lag = timedelta(seconds=recorded_store().sync.safety_lag_seconds)
    assert cursors == {NOW - lag}
    assert day == date(2008, 1, 10)  # the store's local day of 2008-01-10T11:00-05:00
