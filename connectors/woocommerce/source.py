"""The WooCommerce REST v3 implementation of ``StoreSource``.

Orders, products and trashed orders are windowed on ``date_modified_gmt`` with
``modified_after``/``modified_before`` and ``dates_are_gmt=true`` (without it WooCommerce compares
the bounds with the site's local time), sorted ``orderby=modified&order=asc``, and re-filtered
here: the window is half-open and the API's bounds are not. Customers cannot be filtered by date
on WooCommerce, so a window reads the customers registered in it (newest first, stopping at
the window's start). Stock has no locations: one location stands for the shop's stock.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from connectors.base import (
    Customer,
    InventoryLevel,
    Location,
    Order,
    OrderDeletion,
    Page,
    Product,
    Rejected,
    ShopInfo,
    Window,
)
from connectors.errors import MalformedRecord, ResponseError
from connectors.http import RequestStats
from connectors.pages import MalformedPage, PageReader, fits_currency
from connectors.woocommerce import parse
from connectors.woocommerce import payloads as p
from connectors.woocommerce.client import WooClient
from connectors.woocommerce.settings import GONE_STATUSES, MAX_PAGE_SIZE, SALE_STATUSES

#: The one location WooCommerce's stock stands for.
STOCK_LOCATION = Location(location_id=1, name="WooCommerce stock", active=True, country_code=None)
CURRENCY_SETTING = "settings/general/woocommerce_currency"
SECOND = timedelta(seconds=1)


class WooSource:
    """Read one WooCommerce store through the REST API v3."""

    def __init__(
        self, client: WooClient, page_size: int = MAX_PAGE_SIZE, currency: str | None = None
    ) -> None:
        self.client = client
        self.page_size = min(page_size, MAX_PAGE_SIZE)
        #: The store's currency: records in another, or with amounts finer than its minor unit,
        #: are set aside here, as the platform sent them, rather than refused by the warehouse.
        self.currency = currency
        self._fits = fits_currency(currency) if currency else None

    def shop(self) -> ShopInfo:
        """The site's name and timezone (WordPress's index), currency (WooCommerce's setting),
        and as its creation the earliest record it holds: WooCommerce keeps no such date."""
        site = self.client.site()
        currency = self.client.get(CURRENCY_SETTING).get("value")
        if not isinstance(currency, str) or not currency:
            raise ResponseError(f"store {self.client.store!r}: GET {CURRENCY_SETTING}: no value")
        return ShopInfo(
            shop_id=parse.site_id(str(site.get("home") or self.client.base_url)),
            name=str(site.get("name") or ""),
            timezone=site_timezone(site),
            currency=currency,
            created_at=self._first_record_at(),
            plan=None,
        )

    def orders_updated(self, window: Window) -> Iterator[Page[Order]]:
        params = {"status": "any"} | _modified(window)
        for page in self._windowed("orders", parse.ORDERS, params, window, _updated):
            unpaid = [o for o in page.records if o is None]  # read by the deletions stream
            page.records = [o for o in page.records if o is not None]
            page.outside += len(unpaid)
            self._attach_refunds(page)
            yield page

    def orders_created(self, window: Window) -> Iterator[Page[Order]]:
        params = {"status": "any", "after": _gmt(window.start - SECOND), "before": _gmt(window.end)}
        params |= {"dates_are_gmt": "true", "orderby": "date", "order": "asc"}
        for page in self._windowed("orders", parse.ORDERS, params, window, _created):
            page.records = [o for o in page.records if o is not None]
            self._attach_refunds(page)
            yield page

    def count_orders_updated(self, window: Window) -> int:
        """The sales (orders in a sale status) modified in the window."""
        params = {"status": ",".join(SALE_STATUSES)} | _modified(window)
        return self.client.total("orders", params)

    def customers_updated(self, window: Window) -> Iterator[Page[Customer]]:
        params = {"orderby": "registered_date", "order": "desc", "per_page": self.page_size}
        params |= {"role": "all"}
        for body in self.client.pages("customers", params):
            page = self._page("customers", parse.CUSTOMERS, body)
            older = [c for c in page.records if c.created_at < window.start]
            inside = [c for c in page.records if c.created_at in window]
            page.outside, page.records = len(page.records) - len(inside), inside
            yield page
            if older:  # newest first: every later page is older still
                return

    def products_updated(self, window: Window) -> Iterator[Page[Product]]:
        params = {"status": "any"} | _modified(window)
        for page in self._windowed("products", parse.PRODUCTS, params, window, _modified_at):
            products = [self._with_variants(item, page) for item in page.records]
            page.records = [product for product in products if product is not None]
            yield page

    def order_deletions(self, window: Window) -> Iterator[Page[OrderDeletion]]:
        """Orders trashed, or moved to a status that is not a sale, in the window."""
        params = {"status": ",".join(GONE_STATUSES)} | _modified(window)
        params["_fields"] = "id,status,date_modified_gmt"
        return self._windowed("orders", parse.ORDER_DELETIONS, params, window, _deleted_at)

    def locations(self) -> list[Location]:
        return [STOCK_LOCATION]

    def inventory_levels(self, location_ids: list[int]) -> Iterator[Page[InventoryLevel]]:
        """Every tracked product's and variation's stock, at the one stock location."""
        if STOCK_LOCATION.location_id not in location_ids:
            return
        params = {"status": "publish", "per_page": self.page_size, "orderby": "id"}
        params |= {"order": "asc"}
        for body in self.client.pages("products", params):
            page = self._page("products", parse.PRODUCTS, body)
            levels: Page[InventoryLevel] = Page(records=[], rejected=page.rejected)
            for item in page.records:
                records: Sequence[p.ProductPayload | p.VariationPayload] = [item]
                if item.type == "variable":
                    records = self._variations(item.id, levels.rejected)
                levels.records += [_level(r) for r in records if parse.stock_of(r) is not None]
            yield levels

    def stats(self) -> RequestStats:
        return dataclasses.replace(self.client.stats)

    def close(self) -> None:
        self.client.close()

    # --- reading ----------------------------------------------------------------------------

    def _windowed(
        self,
        path: str,
        reader: PageReader,
        params: dict[str, Any],
        window: Window,
        moment: Callable[[Any], datetime],
    ) -> Iterator[Page[Any]]:
        params = params | {"per_page": self.page_size}
        for body in self.client.pages(path, params):
            page = self._page(path, reader, body)
            # The API's bounds are inclusive and were compared by a plugin-dependent clock:
            # the window is half-open, so records at or past its end belong to the next.
            inside = [r for r in page.records if r is None or moment(r) in window]
            page.outside, page.records = len(page.records) - len(inside), inside
            yield page

    def _attach_refunds(self, page: Page[Order]) -> None:
        """Read the refunds of each refunded order (the order lists only their ids and totals);
        an order whose refunds cannot be read is set aside whole."""
        kept: list[Order] = []
        for order in page.records:
            if order.current_total_price == order.total_price:  # nothing refunded
                kept.append(order)
                continue
            path = f"orders/{order.order_id}/refunds"
            body = self.client.get_body(path, {"per_page": MAX_PAGE_SIZE})
            refunds = self._page(path, parse.REFUNDS, body)
            try:
                if refunds.rejected:
                    raise MalformedRecord(refunds.rejected[0].reason)
                for refund in sorted(refunds.records, key=lambda r: (r.date_created_gmt, r.id)):
                    order.refunds.append(parse.to_refund(refund, order))
                kept.append(order)
            except MalformedRecord as exc:
                reason = f"refunds of order {order.order_id}: {exc}"
                page.rejected.append(Rejected(str(order.order_id), reason, {"id": order.order_id}))
        page.records = kept

    def _with_variants(self, item: p.ProductPayload, page: Page[Any]) -> Product | None:
        try:
            product = parse.to_product(item)
            if item.type == "variable":
                variations = self._variations(item.id, page.rejected)
                product.variants = [parse.to_variant(v, item.id) for v in variations]
        except MalformedRecord as exc:
            reason = f"product {item.id}: {exc}"
            page.rejected.append(Rejected(str(item.id), reason, {"id": item.id}))
            return None
        return product

    def _variations(self, product_id: int, rejected: list[Rejected]) -> list[p.VariationPayload]:
        path = f"products/{product_id}/variations"
        found: list[p.VariationPayload] = []
        for body in self.client.pages(path, {"per_page": self.page_size}):
            page = self._page(path, parse.VARIATIONS, body)
            found += page.records
            rejected += page.rejected
        return found

    def _first_record_at(self) -> datetime:
        """The earliest creation of an order, product or customer (now for an empty shop)."""
        firsts = [datetime.now(UTC)]
        for path, params in (
            ("orders", {"status": "any", "orderby": "date"}),
            ("products", {"status": "any", "orderby": "date"}),
            ("customers", {"orderby": "registered_date", "role": "all"}),
        ):
            query = params | {"order": "asc", "per_page": 1, "_fields": "id,date_created_gmt"}
            body = self.client.get_body(path, query)
            firsts += self._page(path, parse.CREATED, body).records
        return min(firsts)

    def _page(self, path: str, reader: PageReader, body: bytes) -> Page[Any]:
        try:
            return reader.read(body, self._fits)
        except MalformedPage as exc:
            raise ResponseError(f"store {self.client.store!r}: GET {path}: {exc}") from None


def site_timezone(site: dict[str, Any]) -> str:
    """The site's IANA timezone; a site set to a bare UTC offset (``gmt_offset``) as the
    ``Etc/GMT±N`` zone that holds it, when it is whole hours.

    Raises:
        ResponseError: the site names no usable timezone.
    """
    name = site.get("timezone_string")
    if isinstance(name, str) and name:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ResponseError(f"the site's timezone {name!r} is not an IANA zone") from None
        return name
    offset = site.get("gmt_offset")
    hours = float(offset) if isinstance(offset, int | float | str) and offset != "" else None
    if hours is None or not hours.is_integer():
        raise ResponseError(
            f"the site is set to UTC offset {offset!r}, not a city's timezone; choose one in "
            "WordPress Settings > General > Timezone"
        )
    # POSIX signs are inverted: Etc/GMT-8 is eight hours ahead of UTC.
    return "UTC" if hours == 0 else f"Etc/GMT{-int(hours):+d}"


def _modified(window: Window) -> dict[str, str]:
    """The filters of a modified window; WooCommerce's bounds are both exclusive, so the
    start is sent a second early (times are whole seconds) and the end as it is."""
    return {
        "modified_after": _gmt(window.start - SECOND),
        "modified_before": _gmt(window.end),
        "dates_are_gmt": "true",
        "orderby": "modified",
        "order": "asc",
    }


def _gmt(moment: datetime) -> str:
    """A bound as WooCommerce reads it with ``dates_are_gmt``: naive GMT, to the second."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds")


def _level(record: p.ProductPayload | p.VariationPayload) -> InventoryLevel:
    return InventoryLevel(
        inventory_item_id=record.id,
        location_id=STOCK_LOCATION.location_id,
        available=parse.stock_of(record),
        updated_at=parse.gmt(record.date_modified_gmt),
    )


def _updated(record: Order) -> datetime:
    return record.updated_at


def _created(record: Order) -> datetime:
    return record.created_at


def _modified_at(record: p.ProductPayload) -> datetime:
    return parse.gmt(record.date_modified_gmt)


def _deleted_at(record: OrderDeletion) -> datetime:
    return record.deleted_at
