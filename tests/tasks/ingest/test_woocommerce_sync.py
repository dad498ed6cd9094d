"""Sync of a WooCommerce store against the local stand-in, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import requests
from sqlalchemy import func, select

from connectors.base import Order, Page, Window
from connectors.errors import ConnectorError
from connectors.sandbox import DEMO_WOO_KEYS, DemoStore
from connectors.stores import open_store
from connectors.woocommerce import WooSource
from tasks.warehouse import schema as tables
from tasks.warehouse.engine import get_engine
from tests.conftest import woo_config
from tests.support.helpers import (
    a_moment_later,
    assert_a_replay_changes_nothing,
    count_rows,
    run_sync,
    snapshot,
)

SALES = "processing,on-hold,completed,refunded"


def site_orders(store: DemoStore, status: str = SALES) -> list[dict[str, Any]]:
    """The site's orders in the given statuses, read without storepulse code."""
    found: list[dict[str, Any]] = []
    page, pages = 1, 1
    while page <= pages:
        response = requests.get(
            f"{store.url}/wp-json/wc/v3/orders",
            params={"per_page": "100", "page": str(page), "status": status},
            auth=DEMO_WOO_KEYS,
            timeout=10,
        )
        found += response.json()
        pages, page = int(response.headers["X-WP-TotalPages"]), page + 1
    return found


def test_a_full_sync_holds_every_sale_exactly(shop: DemoStore, warehouse_url: str) -> None:
    summary = run_sync(woo_config(shop.url), warehouse_url)
    sales = site_orders(shop)
    o = tables.orders.c
    assert count_rows(warehouse_url, tables.orders, o.store == "woo") == len(sales)
    assert count_rows(warehouse_url, tables.order_lines) == sum(len(s["line_items"]) for s in sales)
    assert count_rows(warehouse_url, tables.refunds) == sum(len(s["refunds"]) for s in sales)
    assert count_rows(warehouse_url, tables.quarantine) == 0
    with get_engine(warehouse_url).connect() as conn:
        total = conn.execute(select(func.sum(o.total_minor))).scalar_one()
        refunded = conn.execute(select(func.sum(tables.refunds.c.transactions_minor))).scalar_one()
        guests = conn.execute(select(func.count()).where(o.customer_id.is_(None))).scalar_one()
    assert Decimal(total) / 100 == sum(Decimal(s["total"]) for s in sales)
    assert Decimal(refunded) / 100 == -sum(Decimal(r["total"]) for s in sales for r in s["refunds"])
    assert guests == sum(s["customer_id"] == 0 for s in sales) > 0
    assert count_rows(warehouse_url, tables.products) == 60
    assert count_rows(warehouse_url, tables.inventory_levels) > 0
    assert sum(w.upserted for w in summary.windows if w.resource == "orders") == len(sales)


def test_a_replayed_window_changes_nothing(shop: DemoStore, warehouse_url: str) -> None:
    assert_a_replay_changes_nothing(woo_config(shop.url), warehouse_url)


def test_late_refunds_and_trash_arrive_with_the_next_sync(
    shop: DemoStore, warehouse_url: str
) -> None:
    config = woo_config(shop.url)
    run_sync(config, warehouse_url)
    paid = [s for s in site_orders(shop, "processing,completed") if not s["refunds"]]
    refunded, trashed = paid[0]["id"], paid[1]["id"]
    shop.refund_order(refunded)
    shop.trash_order(trashed)
    run_sync(config, warehouse_url, now=a_moment_later())
    o, r = tables.orders.c, tables.refunds.c
    with get_engine(warehouse_url).connect() as conn:
        status = conn.execute(select(o.financial_status).where(o.order_id == refunded)).scalar()
        returned = conn.execute(
            select(r.lines_subtotal_minor + r.shipping_minor).where(r.order_id == refunded)
        ).scalar()
        gone = conn.execute(select(o.deleted_at).where(o.order_id == trashed)).scalar()
        kept = conn.execute(select(func.count()).where(o.deleted_at.is_(None))).scalar()
    assert status == "refunded"
    assert returned is not None and returned > 0
    assert gone is not None
    assert kept == len(site_orders(shop))


class BreaksAfter:
    """A source whose orders listing fails after some pages, as a dropped network would."""

    def __init__(self, source: WooSource, pages: int) -> None:
        self._source, self._left = source, pages

    def orders_updated(self, window: Window) -> Iterator[Page[Order]]:
        for page in self._source.orders_updated(window):
            if self._left == 0:
                raise ConnectorError("store 'woo': GET orders failed: ConnectionError")
            self._left -= 1
            yield page

    def __getattr__(self, name: str) -> Any:
        return getattr(self._source, name)


def test_a_sync_that_failed_mid_window_resumes_to_one_clean_run(
    shop: DemoStore, sqlite_url: str, tmp_path: Any
) -> None:
    config = woo_config(shop.url)
    broken = BreaksAfter(open_store(config), pages=5)  # type: ignore[arg-type]
    with pytest.raises(ConnectorError):
        run_sync(config, sqlite_url, source=broken)  # type: ignore[arg-type]
    assert 0 < count_rows(sqlite_url, tables.orders) < len(site_orders(shop))
    run_sync(config, sqlite_url)
    clean_url = f"sqlite:///{tmp_path / 'clean.db'}"
    run_sync(config, clean_url)
    assert snapshot(sqlite_url) == snapshot(clean_url)
