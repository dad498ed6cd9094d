"""The Shopify REST implementation of ``StoreSource``: endpoints declared as data, pages parsed."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
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
from connectors.errors import ResponseError
from connectors.http import RequestStats
from connectors.pages import PageReader, fits_currency
from connectors.shopify import parse
from connectors.shopify.client import ShopifyClient
from connectors.shopify.settings import (
    INVENTORY_ITEM_IDS_PER_CALL,
    LOCATION_IDS_PER_CALL,
    MAX_PAGE_SIZE,
)


@dataclass(frozen=True, slots=True)
class Listing:
    """A windowed REST listing: where it lives, how to read it, what its window filters on."""

    path: str
    reader: PageReader
    window_field: str  # created_at or updated_at: the ``<field>_min/_max`` filters and the sort
    params: tuple[tuple[str, str], ...] = ()


ORDERS_BY_UPDATE = Listing("orders.json", parse.ORDERS, "updated_at", (("status", "any"),))
ORDERS_BY_CREATION = Listing("orders.json", parse.ORDERS, "created_at", (("status", "any"),))
CUSTOMERS = Listing("customers.json", parse.CUSTOMERS, "updated_at")
PRODUCTS = Listing("products.json", parse.PRODUCTS, "updated_at")
ORDER_DELETIONS = Listing(
    "events.json", parse.ORDER_DELETIONS, "created_at", (("filter", "Order"), ("verb", "destroy"))
)


class ShopifySource:
    """Read one Shopify store through the REST Admin API."""

    def __init__(
        self, client: ShopifyClient, page_size: int = MAX_PAGE_SIZE, currency: str | None = None
    ) -> None:
        self.client = client
        self.page_size = page_size
        #: The store's currency: records in another, or with amounts finer than its minor unit,
        #: are set aside here, as the platform sent them, rather than refused by the warehouse.
        self.currency = currency
        self._fits = fits_currency(currency) if currency else None

    def shop(self) -> ShopInfo:
        return parse.parse_shop(self.client.get("shop.json")["shop"])

    def orders_updated(self, window: Window) -> Iterator[Page[Order]]:
        return self._windowed(ORDERS_BY_UPDATE, window, _updated)

    def orders_created(self, window: Window) -> Iterator[Page[Order]]:
        return self._windowed(ORDERS_BY_CREATION, window, _created)

    def count_orders_updated(self, window: Window) -> int:
        params = dict(ORDERS_BY_UPDATE.params) | _window_params(ORDERS_BY_UPDATE, window)
        return int(self.client.get("orders/count.json", params).get("count", 0))

    def customers_updated(self, window: Window) -> Iterator[Page[Customer]]:
        return self._windowed(CUSTOMERS, window, _updated)

    def products_updated(self, window: Window) -> Iterator[Page[Product]]:
        for page in self._windowed(PRODUCTS, window, _updated):
            self._attach_costs(page.records)
            yield page

    def order_deletions(self, window: Window) -> Iterator[Page[OrderDeletion]]:
        return self._windowed(ORDER_DELETIONS, window, lambda d: d.deleted_at)

    def locations(self) -> list[Location]:
        return self._read("locations.json", parse.LOCATIONS, self.client.get_body("locations.json"))

    def inventory_levels(self, location_ids: list[int]) -> Iterator[Page[InventoryLevel]]:
        for chunk in _chunks(location_ids, LOCATION_IDS_PER_CALL):
            params = {"location_ids": ",".join(map(str, chunk)), "limit": self.page_size}
            for body in self.client.pages("inventory_levels.json", params):
                yield self._page("inventory_levels.json", parse.INVENTORY_LEVELS, body)

    def stats(self) -> RequestStats:
        return dataclasses.replace(self.client.stats)

    def close(self) -> None:
        self.client.close()

    def _windowed(
        self, listing: Listing, window: Window, moment: Callable[[Any], datetime]
    ) -> Iterator[Page[Any]]:
        params: dict[str, Any] = dict(listing.params) | _window_params(listing, window)
        params |= {"order": f"{listing.window_field} asc", "limit": self.page_size}
        for body in self.client.pages(listing.path, params):
            page = self._page(listing.path, listing.reader, body)
            # Shopify's _max filter is inclusive and has been seen to leak records outside the
            # range; the window is half-open, so records at or past its end belong to the next.
            inside = [r for r in page.records if moment(r) in window]
            page.outside, page.records = len(page.records) - len(inside), inside
            yield page

    def _attach_costs(self, products: list[Product]) -> None:
        variants = {
            v.inventory_item_id: v for p in products for v in p.variants if v.inventory_item_id
        }
        for chunk in _chunks(list(variants), INVENTORY_ITEM_IDS_PER_CALL):
            params = {"ids": ",".join(map(str, chunk)), "limit": INVENTORY_ITEM_IDS_PER_CALL}
            body = self.client.get_body("inventory_items.json", params)
            for item_id, cost in self._read("inventory_items.json", parse.INVENTORY_ITEMS, body):
                if item_id in variants:
                    variants[item_id].cost = cost

    def _page(self, path: str, reader: PageReader, body: bytes) -> Page[Any]:
        try:
            return reader.read(body, self._fits)
        except parse.MalformedPage as exc:
            raise ResponseError(f"store {self.client.store!r}: GET {path}: {exc}") from None

    def _read(self, path: str, reader: PageReader, body: bytes) -> list[Any]:
        """Read a small listing whole; its malformed records are skipped, as they are optional."""
        return self._page(path, reader, body).records


def _window_params(listing: Listing, window: Window) -> dict[str, str]:
    field = listing.window_field
    return {f"{field}_min": window.start.isoformat(), f"{field}_max": window.end.isoformat()}


def _updated(record: Order | Customer | Product) -> datetime:
    return record.updated_at


def _created(record: Order) -> datetime:
    return record.created_at


def _chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
