"""A store replayed from recorded Shopify order bodies, behind the ``StoreSource`` protocol.

No HTTP: pages are read by the Shopify connector's own page reader, so a sync test runs the
real parse → load → quarantine path in milliseconds. Only orders are recorded; the other
listings are empty.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from connectors.base import (
    Customer,
    InventoryLevel,
    Location,
    Order,
    OrderDeletion,
    Page,
    Product,
    ShopInfo,
    Window,
)
from connectors.http import RequestStats
from connectors.shopify.parse import ORDERS

FIXTURE = Path(__file__).parents[1] / "fixtures" / "shopify_orders_2024-10.json"
SHOP = ShopInfo(
    shop_id=548380009,
    name="John Smith Test Store",
    timezone="America/New_York",
    currency="USD",
    created_at=datetime(2008, 1, 1, tzinfo=UTC),
    plan="basic",
)


class RecordedSource:
    """Serve recorded raw orders; a record whose times cannot be read is served in every window."""

    def __init__(self, orders: list[dict[str, Any]], shop: ShopInfo = SHOP) -> None:
        self.orders = orders
        self._shop = shop
        self.closed = False

    @classmethod
    def from_fixture(cls, path: Path = FIXTURE) -> RecordedSource:
        """The orders of a recorded ``orders.json`` body."""
        return cls(json.loads(path.read_text())["orders"])

    def shop(self) -> ShopInfo:
        return self._shop

    def orders_updated(self, window: Window) -> Iterator[Page[Order]]:
        yield self._page(window, "updated_at")

    def orders_created(self, window: Window) -> Iterator[Page[Order]]:
        yield self._page(window, "created_at")

    def count_orders_updated(self, window: Window) -> int:
        return len(self._page(window, "updated_at").records)

    def customers_updated(self, window: Window) -> Iterator[Page[Customer]]:
        return iter(())

    def products_updated(self, window: Window) -> Iterator[Page[Product]]:
        return iter(())

    def order_deletions(self, window: Window) -> Iterator[Page[OrderDeletion]]:
        return iter(())

    def locations(self) -> list[Location]:
        return []

    def inventory_levels(self, location_ids: list[int]) -> Iterator[Page[InventoryLevel]]:
        return iter(())

    def stats(self) -> RequestStats:
        return RequestStats()

    def close(self) -> None:
        self.closed = True

    def _page(self, window: Window, field: str) -> Page[Order]:
        inside = [o for o in self.orders if _in(o.get(field), window) is not False]
        return ORDERS.read(json.dumps({"orders": inside}).encode())


def _in(value: object, window: Window) -> bool | None:
    """Whether a raw timestamp falls in the window; None when it cannot be read."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return moment.tzinfo is not None and moment.astimezone(UTC) in window
