"""Sync against the local store, on SQLite and PostgreSQL: complete, exact, idempotent."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest
import requests
from sqlalchemy import func, select

from connectors.config import StoreConfig
from connectors.sandbox import DemoStore
from tasks.warehouse import schema as tables
from tasks.warehouse.engine import get_engine
from tests.conftest import SMALL_SPEC, TOKEN, TOKEN_ENV, store_config, store_entry
from tests.support.helpers import (
    a_moment_later,
    assert_a_replay_changes_nothing,
    count_rows,
    run_sync,
    snapshot,
    wait_for_rows,
)

API = "/admin/api/2026-10"
AUTH = {"X-Shopify-Access-Token": TOKEN}
#: No safety lag, so that a change made a second ago is due at once.
IMMEDIATE = {"safety_lag_seconds": 0}


def platform_orders(store: DemoStore) -> list[dict[str, Any]]:
    """Every order as the platform serves it, read without any storepulse code."""
    orders: list[dict[str, Any]] = []
    url: str | None = f"{store.url}{API}/orders.json?status=any&limit=250"
    while url:
        response = requests.get(url, headers=AUTH, timeout=10)
        orders += response.json()["orders"]
        url = response.links.get("next", {}).get("url")
    return orders


def test_a_full_sync_holds_exactly_what_the_platform_has(
    shop: DemoStore, config: StoreConfig, warehouse_url: str
) -> None:
    summary = run_sync(config, warehouse_url)
    orders = platform_orders(shop)
    loaded = sum(w.upserted for w in summary.windows if w.resource == "orders")
    assert count_rows(warehouse_url, tables.orders) == len(orders) == loaded
    lines = sum(len(o["line_items"]) for o in orders)
    assert count_rows(warehouse_url, tables.order_lines) == lines
    assert count_rows(warehouse_url, tables.refunds) == sum(len(o["refunds"]) for o in orders)
    assert count_rows(warehouse_url, tables.refund_lines) == sum(
        len(r["refund_line_items"]) for o in orders for r in o["refunds"]
    )
    with get_engine(warehouse_url).connect() as conn:
        total_minor = conn.execute(select(func.sum(tables.orders.c.total_minor))).scalar_one()
        refunded_minor = conn.execute(
            select(func.sum(tables.refunds.c.transactions_minor))
        ).scalar_one()
    assert Decimal(total_minor) / 100 == sum(Decimal(o["total_price"]) for o in orders)
    assert Decimal(refunded_minor) / 100 == sum(
        Decimal(tx["amount"]) for o in orders for r in o["refunds"] for tx in r["transactions"]
    )
    customers = requests.get(f"{shop.url}{API}/customers/count.json", headers=AUTH, timeout=10)
    assert count_rows(warehouse_url, tables.customers) == customers.json()["count"]
    assert count_rows(warehouse_url, tables.products) == SMALL_SPEC.products
    assert count_rows(warehouse_url, tables.inventory_levels) > 0
    assert count_rows(warehouse_url, tables.quarantine) == 0


def test_syncing_again_changes_nothing(
    shop: DemoStore, config: StoreConfig, warehouse_url: str
) -> None:
    assert_a_replay_changes_nothing(config, warehouse_url)


def test_late_refunds_edits_and_deletions_arrive_with_the_next_sync(
    shop: DemoStore, warehouse_url: str
) -> None:
    config = store_config(shop.url, sync=IMMEDIATE)
    run_sync(config, warehouse_url)
    orders = [o for o in platform_orders(shop) if o["financial_status"] == "paid"]
    refunded, edited, deleted = orders[0]["id"], orders[1]["id"], orders[2]["id"]
    shop.refund_order(refunded)
    shop.edit_order(edited, tags="vip, gift")
    shop.delete_order(deleted)
    run_sync(config, warehouse_url, now=a_moment_later())
    today = datetime.now(config.zone).date()
    with get_engine(warehouse_url).connect() as conn:
        o = tables.orders.c
        status = conn.execute(select(o.financial_status).where(o.order_id == refunded)).scalar()
        refund_days = (
            conn.execute(
                select(tables.refunds.c.local_date).where(tables.refunds.c.order_id == refunded)
            )
            .scalars()
            .all()
        )
        tags = conn.execute(select(o.tags).where(o.order_id == edited)).scalar()
        gone = conn.execute(select(o.deleted_at).where(o.order_id == deleted)).scalar()
        kept = conn.execute(select(func.count()).where(o.deleted_at.is_(None))).scalar()
    assert status == "refunded"
    assert refund_days == [today]  # dated by the refund, not by the order
    assert tags == "vip, gift"
    assert gone is not None and gone.tzinfo == UTC
    assert kept == len(platform_orders(shop))


@pytest.mark.parametrize(
    ("utc", "local_date", "local_week"),
    [
        ("2026-03-08T06:30:00+00:00", date(2026, 3, 8), date(2026, 3, 2)),  # 01:30 EST
        ("2026-03-08T07:30:00+00:00", date(2026, 3, 8), date(2026, 3, 2)),  # 03:30 EDT
        ("2026-03-09T03:59:59+00:00", date(2026, 3, 8), date(2026, 3, 2)),  # 23:59 EDT, Sunday
        ("2026-03-09T04:00:00+00:00", date(2026, 3, 9), date(2026, 3, 9)),  # Monday, new week
        ("2026-03-08T04:59:59+00:00", date(2026, 3, 7), date(2026, 3, 2)),  # 23:59 EST Saturday
    ],
)
def test_orders_are_dated_by_the_stores_local_day_across_dst(
    shop: DemoStore,
    config: StoreConfig,
    sqlite_url: str,
    utc: str,
    local_date: date,
    local_week: date,
) -> None:
    order = shop.create_order(at=datetime.fromisoformat(utc).timestamp())
    run_sync(config, sqlite_url)
    with get_engine(sqlite_url).connect() as conn:
        row = conn.execute(
            select(
                tables.orders.c.local_date, tables.orders.c.local_week, tables.orders.c.processed_at
            ).where(tables.orders.c.order_id == order["id"])
        ).one()
    assert (row.local_date, row.local_week) == (local_date, local_week)
    assert row.processed_at == datetime.fromisoformat(utc)


def _corrupt(shop: DemoStore, order_id: int, **changes: Any) -> dict[str, Any]:
    """Change a stored order behind the API's back, as a platform bug would."""
    data = shop.shop().data
    original = data.order(order_id)
    assert original is not None
    data.connect().execute(
        "UPDATE orders SET json = ? WHERE id = ?",
        (orjson.dumps(original | changes).decode(), order_id),
    )
    return original


def test_a_malformed_order_is_quarantined_with_its_reason_and_released_when_fixed(
    shop: DemoStore, warehouse_url: str
) -> None:
    config = store_config(shop.url, sync=IMMEDIATE)
    victim = platform_orders(shop)[10]
    original = _corrupt(shop, victim["id"], total_price="12,50")
    summary = run_sync(config, warehouse_url)
    assert summary.total("quarantined") == 1
    with get_engine(warehouse_url).connect() as conn:
        held = conn.execute(select(tables.quarantine)).one()
    assert (held.resource, held.record_key) == ("orders", str(victim["id"]))
    assert "total_price" in held.reason
    payload = json.loads(held.payload)
    assert payload["total_price"] == "12,50"
    assert payload["email"] == "[redacted]"  # personal data does not linger in quarantine
    assert count_rows(warehouse_url, tables.orders) == len(platform_orders(shop)) - 1

    shop.edit_order(victim["id"], note="fixed")  # the platform serves it whole again
    shop.shop().data.connect().execute(
        "UPDATE orders SET json = json_set(json, '$.total_price', ?) WHERE id = ?",
        (original["total_price"], victim["id"]),
    )
    run_sync(config, warehouse_url, now=a_moment_later())
    assert count_rows(warehouse_url, tables.quarantine) == 0
    assert count_rows(warehouse_url, tables.orders) == len(platform_orders(shop))


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"total_price": "12.345"}, "total_price has more than 2 decimals for USD"),
        ({"currency": "EUR"}, "currency EUR is not the store's USD"),
    ],
)
def test_an_order_the_warehouse_cannot_hold_exactly_is_held_as_the_platform_sent_it(
    shop: DemoStore, sqlite_url: str, changes: dict[str, str], reason: str
) -> None:
    victim = next(o for o in platform_orders(shop) if o.get("email"))
    _corrupt(shop, victim["id"], **changes)
    summary = run_sync(store_config(shop.url), sqlite_url)
    assert summary.total("quarantined") == 1
    with get_engine(sqlite_url).connect() as conn:
        held = conn.execute(select(tables.quarantine)).one()
    assert (held.record_key, held.reason) == (str(victim["id"]), f"order {victim['id']}: {reason}")
    payload = json.loads(held.payload)
    assert "line_items" in payload  # the platform's own record, not the canonical one
    assert payload["email"] == "[redacted]"
    assert count_rows(sqlite_url, tables.orders) == len(platform_orders(shop)) - 1


def test_an_order_edited_between_two_pages_is_not_lost(shop: DemoStore, warehouse_url: str) -> None:
    config = store_config(shop.url, sync=IMMEDIATE | {"page_size": 50})
    shop.set_faults(update_between_pages=True)
    run_sync(config, warehouse_url, full=True)
    shop.set_faults(update_between_pages=False)
    touched = shop.shop().touched
    assert touched
    run_sync(config, warehouse_url, now=a_moment_later())
    with get_engine(warehouse_url).connect() as conn:
        updated = dict(
            conn.execute(select(tables.orders.c.order_id, tables.orders.c.updated_at)).all()
        )
    truth = {o["id"]: datetime.fromisoformat(o["updated_at"]) for o in platform_orders(shop)}
    assert updated == truth


@pytest.mark.slow
def test_a_sync_killed_mid_window_then_rerun_equals_one_clean_run(
    sandbox_cache: Path, tmp_path: Path
) -> None:
    with DemoStore.start(
        SMALL_SPEC, token=TOKEN, plan="standard", time_scale=8, data_dir=sandbox_cache
    ) as store:
        entry = store_entry(store.url, calls_per_second=16, sync={"page_size": 50})
        total = requests.get(
            f"{store.url}{API}/orders/count.json",
            params={"status": "any"},
            headers=AUTH,
            timeout=10,
        ).json()["count"]
        killed_url = f"sqlite:///{tmp_path / 'killed.db'}"
        env = os.environ | {TOKEN_ENV: TOKEN}
        child = subprocess.Popen(
            [sys.executable, "-m", "tests.support.helpers", json.dumps(entry), killed_url],
            env=env,
            cwd=Path(__file__).parents[3],
        )
        try:
            wait_for_rows(killed_url, tables.orders, 300, child, "the sync")
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait()
        partial = count_rows(killed_url, tables.orders)
        config = store_config(store.url, calls_per_second=16, sync={"page_size": 50})
        run_sync(config, killed_url)
        clean_url = f"sqlite:///{tmp_path / 'clean.db'}"
        run_sync(config, clean_url)
        assert 0 < partial < total
        assert snapshot(killed_url) == snapshot(clean_url)
        assert count_rows(clean_url, tables.orders) == total
