"""Canonical records: what leaves every connector, whatever the platform.

Datetimes are timezone-aware UTC; money is ``Decimal`` in the shop's currency. Records carry only
what the metrics need: no names, emails or street addresses (DESIGN rule 11).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Generic, Literal, Protocol, TypeVar

from connectors.attribution import Attribution
from connectors.http import RequestStats

T = TypeVar("T")

Resource = Literal["orders", "customers", "products", "inventory", "deletions", "traffic", "ga4"]
RESOURCES: tuple[Resource, ...] = (
    "products",
    "customers",
    "orders",
    "deletions",
    "inventory",
    "traffic",
    "ga4",
)


@dataclass(slots=True, frozen=True)
class Window:
    """A half-open UTC interval ``[start, end)`` over a resource's cursor field."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("window bounds must be timezone-aware")
        if self.end <= self.start:
            raise ValueError(f"empty window {self.start.isoformat()} → {self.end.isoformat()}")

    def __contains__(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


@dataclass(slots=True, frozen=True)
class ShopInfo:
    """The shop's own description of itself."""

    shop_id: int
    name: str
    timezone: str
    currency: str
    created_at: datetime
    plan: str | None


@dataclass(slots=True)
class OrderLine:
    line_id: int
    product_id: int | None
    variant_id: int | None
    sku: str | None
    title: str
    variant_title: str | None
    vendor: str | None
    quantity: int
    current_quantity: int | None
    price: Decimal
    discount: Decimal
    tax: Decimal
    gift_card: bool
    fulfillment_status: str | None


@dataclass(slots=True)
class RefundLine:
    refund_line_id: int
    line_id: int
    quantity: int
    subtotal: Decimal
    tax: Decimal
    restock_type: str | None


@dataclass(slots=True)
class Refund:
    refund_id: int
    order_id: int
    created_at: datetime
    processed_at: datetime
    #: Sum of the refunded line items' subtotals (after discounts, before tax).
    lines_subtotal: Decimal
    lines_tax: Decimal
    #: Shipping refunded, positive, and the tax on it.
    shipping: Decimal
    shipping_tax: Decimal
    #: Other order adjustments (refund discrepancies), as a positive refund.
    adjustments: Decimal
    #: Money actually returned: successful ``refund`` transactions.
    transactions: Decimal
    restock: bool
    lines: list[RefundLine] = field(default_factory=list)


@dataclass(slots=True, frozen=True)
class DiscountCode:
    code: str
    amount: Decimal
    kind: str


@dataclass(slots=True)
class Order:
    order_id: int
    name: str
    created_at: datetime
    updated_at: datetime
    processed_at: datetime
    cancelled_at: datetime | None
    cancel_reason: str | None
    closed_at: datetime | None
    financial_status: str | None
    fulfillment_status: str | None
    #: First fulfillment's creation time, for time-to-fulfil.
    fulfilled_at: datetime | None
    currency: str
    presentment_currency: str | None
    source_name: str | None
    test: bool
    customer_id: int | None
    country_code: str | None
    taxes_included: bool
    total_line_items_price: Decimal
    total_discounts: Decimal
    subtotal_price: Decimal
    total_shipping: Decimal
    total_tax: Decimal
    total_price: Decimal
    current_total_price: Decimal | None
    tags: str
    lines: list[OrderLine] = field(default_factory=list)
    refunds: list[Refund] = field(default_factory=list)
    discount_codes: list[DiscountCode] = field(default_factory=list)
    #: The visit's marketing source; None where the platform records none (marketplaces,
    #: point of sale, orders entered by staff).
    attribution: Attribution | None = None


@dataclass(slots=True)
class Customer:
    customer_id: int
    created_at: datetime
    updated_at: datetime
    state: str | None
    country_code: str | None
    tags: str
    accepts_marketing: bool


@dataclass(slots=True)
class Variant:
    variant_id: int
    product_id: int
    title: str
    sku: str | None
    price: Decimal
    inventory_item_id: int | None
    created_at: datetime
    updated_at: datetime
    #: Unit cost from the inventory item, when the shop records one.
    cost: Decimal | None = None


@dataclass(slots=True)
class Product:
    product_id: int
    title: str
    product_type: str | None
    vendor: str | None
    status: str | None
    handle: str | None
    tags: str
    created_at: datetime
    updated_at: datetime
    variants: list[Variant] = field(default_factory=list)


@dataclass(slots=True, frozen=True)
class Location:
    location_id: int
    name: str
    active: bool
    country_code: str | None


@dataclass(slots=True, frozen=True)
class InventoryLevel:
    inventory_item_id: int
    location_id: int
    available: int | None
    updated_at: datetime | None


@dataclass(slots=True, frozen=True)
class OrderDeletion:
    order_id: int
    deleted_at: datetime


@dataclass(slots=True, frozen=True)
class TrafficDay:
    """One store-local day of storefront traffic for one channel."""

    day: date
    channel: str
    sessions: int
    add_to_carts: int
    checkouts: int
    purchases: int
    #: GA4 adds users and revenue (store currency), and what it says about the report's
    #: quality; a CSV leaves them unknown.
    users: int | None = None
    revenue: Decimal | None = None
    #: The share of events GA4 read for a sampled report; None when not sampled.
    sampled_share: float | None = None
    thresholded: bool | None = None
    other_row: bool | None = None


@dataclass(slots=True, frozen=True)
class Rejected:
    """A record that could not be read, kept for quarantine with its personal fields redacted.

    ``record_key`` is stable across processes, so a replayed window updates its quarantine row.
    """

    record_key: str
    reason: str
    payload: dict[str, Any]


REDACTED = "[redacted]"


def redact(value: Any, personal: Collection[str]) -> Any:
    """Replace the values of personal keys with a marker, at any depth of a JSON value."""
    if isinstance(value, dict):
        return {
            k: REDACTED if k in personal and v else redact(v, personal) for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact(v, personal) for v in value]
    return value


@dataclass(slots=True)
class Page(Generic[T]):
    """One page of a listing: the records that parsed and the ones that did not."""

    records: list[T]
    rejected: list[Rejected] = field(default_factory=list)
    #: Records the platform returned that belong to another window (read there instead).
    outside: int = 0


class StoreSource(Protocol):
    """What the sync needs from a store platform, whatever API sits behind it.

    Windows are half-open on the resource's cursor field; records come in ascending cursor
    order. A REST client and a GraphQL bulk client can both stand behind this interface.
    """

    def shop(self) -> ShopInfo: ...

    def orders_updated(self, window: Window) -> Iterator[Page[Order]]: ...

    def orders_created(self, window: Window) -> Iterator[Page[Order]]: ...

    def count_orders_updated(self, window: Window) -> int: ...

    def customers_updated(self, window: Window) -> Iterator[Page[Customer]]: ...

    def products_updated(self, window: Window) -> Iterator[Page[Product]]: ...

    def order_deletions(self, window: Window) -> Iterator[Page[OrderDeletion]]: ...

    def locations(self) -> list[Location]: ...

    def inventory_levels(self, location_ids: list[int]) -> Iterator[Page[InventoryLevel]]: ...

    def stats(self) -> RequestStats:
        """A snapshot of the requests made so far; diff two snapshots for one window's share."""
        ...

    def close(self) -> None:
        """Release the connections; the source is not used afterwards."""
        ...
