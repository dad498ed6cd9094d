"""A full sync through a platform that fails one request in ten, in every way it knows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from connectors.http import RetryPolicy
from connectors.sandbox import DemoStore
from connectors.shopify import ShopifyClient, ShopifySource
from tasks.warehouse import schema as tables
from tasks.warehouse.engine import get_engine
from tests.conftest import SMALL_SPEC, TOKEN, store_config
from tests.support.helpers import run_sync
from tests.tasks.ingest.test_sync import platform_orders

#: One request in ten fails: 500 pages and 503s, 429s with Retry-After, bodies cut short or
#: garbled, and slow answers.
FAULTS = {"error_rate": 0.03, "throttle_rate": 0.02, "cut_rate": 0.04, "slow_rate": 0.01}
SCALE = 50  # Retry-After and slow answers pass 50 times faster than on Shopify


@pytest.fixture
def faulty(sandbox_cache: Path) -> Iterator[DemoStore]:
    with DemoStore.start(
        SMALL_SPEC, token=TOKEN, plan="plus", time_scale=SCALE, data_dir=sandbox_cache
    ) as store:
        yield store


def test_every_order_arrives_exactly_once_through_ten_percent_faults(
    faulty: DemoStore, sqlite_url: str
) -> None:
    config = store_config(faulty.url, sync={"page_size": 50})
    client = ShopifyClient(
        store=config.name,
        base_url=faulty.url,
        token=SecretStr(TOKEN),
        retry=RetryPolicy(base_seconds=0.01, cap_seconds=0.05),
    )
    faulty.set_faults(**FAULTS)
    summary = run_sync(config, sqlite_url, source=ShopifySource(client, page_size=50))
    injected = faulty.stats().errors_injected
    faulty.set_faults(**dict.fromkeys(FAULTS, 0.0))

    truth = {o["id"]: (o["updated_at"], o["total_price"]) for o in platform_orders(faulty)}
    with get_engine(sqlite_url).connect() as conn:
        o = tables.orders.c
        stored = conn.execute(select(o.order_id, o.updated_at, o.total_minor)).all()
    assert len(truth) > 2000
    assert len(stored) == len({row.order_id for row in stored}) == len(truth)
    assert {row.order_id: (row.updated_at.isoformat(), row.total_minor) for row in stored} == {
        i: (_utc(at), int(Decimal(total) * 100)) for i, (at, total) in truth.items()
    }
    assert injected > 0 and summary.total("requests") > 100
    retried = sum(r["retries"] for r in summary.by_store_resource())
    assert retried == summary.total("retries") > 0
    assert f"({retried:,} retried after a transient failure)" in summary.to_markdown()


def _utc(moment: str) -> str:
    return datetime.fromisoformat(moment).astimezone(UTC).isoformat()
