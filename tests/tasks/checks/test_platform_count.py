"""The platform-count check compares the same window on both sides, however old the shop."""

from __future__ import annotations

import copy
import dataclasses
from datetime import UTC, date, datetime

from sqlalchemy import select

from connectors.config import ChecksConfig
from tasks.checks.health import platform_count
from tasks.warehouse import schema as tables
from tasks.warehouse.engine import get_engine
from tests.conftest import store_config
from tests.support.helpers import run_sync
from tests.support.recorded import SHOP, RecordedSource

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
DAY = date(2026, 11, 24)


def a_shop_with_orders_from_1999() -> RecordedSource:
    """The recorded order (2008) and a copy of it placed and last updated in 1999."""
    recorded = RecordedSource.from_fixture()
    old = copy.deepcopy(recorded.orders[0])
    old["id"] += 1
    for field in ("created_at", "updated_at", "processed_at"):
        old[field] = "1999-06-01T10:00:00-05:00"
    old["refunds"], old["line_items"] = [], []  # their ids belong to the 2008 order
    opened = dataclasses.replace(SHOP, created_at=datetime(1999, 1, 1, tzinfo=UTC))
    return RecordedSource([*recorded.orders, old], opened)


def test_orders_older_than_2000_raise_no_false_alarm_and_a_real_gap_still_does(
    warehouse_url: str,
) -> None:
    source = a_shop_with_orders_from_1999()
    config = store_config("http://recorded.invalid", sync={"window_days": 3650})
    run_sync(config, warehouse_url, now=NOW, source=source)
    with get_engine(warehouse_url).begin() as conn:
        assert len(conn.execute(select(tables.orders.c.order_id)).all()) == 2
        assert platform_count(conn, config.name, DAY, source, ChecksConfig()) == []
        o = tables.orders.c
        conn.execute(tables.orders.delete().where(o.order_id == source.orders[0]["id"]))
        [found] = platform_count(conn, config.name, DAY, source, ChecksConfig())
    assert (found.actual, found.expected) == (1, 2)
    assert "the platform counts 2" in found.message
