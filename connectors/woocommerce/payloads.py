"""The shapes of the WooCommerce REST v3 payloads we read, decoded straight from JSON by msgspec.

Only the fields storepulse needs are declared. Money decodes to ``Decimal`` from WooCommerce's
strings (and from the JSON numbers a line's ``price`` comes as). ``*_gmt`` times are naive GMT
strings (``2017-03-22T19:28:02``, no offset): they decode naive and are read as UTC by the
parser. Blank values arrive as ``null`` or ``""``, so most fields are optional.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import msgspec


class Payload(msgspec.Struct, forbid_unknown_fields=False):
    """Base of every payload: unknown fields are ignored, as the API adds fields over time."""


class Meta(Payload):
    key: str
    value: object = None


class Address(Payload):
    country: str | None = None


class LineItem(Payload):
    id: int
    quantity: int
    subtotal: Decimal
    total: Decimal
    total_tax: Decimal = Decimal(0)
    name: str | None = None
    product_id: int | None = None
    variation_id: int | None = None
    sku: str | None = None
    price: Decimal | None = None
    meta_data: list[Meta] = []


class ShippingLine(Payload):
    total: Decimal
    total_tax: Decimal = Decimal(0)


class FeeLine(Payload):
    id: int
    total: Decimal
    name: str | None = None


class CouponLine(Payload):
    code: str
    discount: Decimal


class RefundRef(Payload):
    """An entry of an order's ``refunds[]``: its total is a negative string."""

    id: int
    total: Decimal


class OrderPayload(Payload):
    id: int
    status: str
    currency: str
    date_created_gmt: datetime
    date_modified_gmt: datetime
    total: Decimal
    total_tax: Decimal
    shipping_total: Decimal
    discount_total: Decimal
    number: str | None = None
    date_paid_gmt: datetime | None = None
    date_completed_gmt: datetime | None = None
    prices_include_tax: bool = False
    customer_id: int = 0
    created_via: str | None = None
    billing: Address | None = None
    shipping: Address | None = None
    line_items: list[LineItem] = []
    shipping_lines: list[ShippingLine] = []
    fee_lines: list[FeeLine] = []
    coupon_lines: list[CouponLine] = []
    refunds: list[RefundRef] = []
    #: Holds WooCommerce's order attribution (``_wc_order_attribution_*``, WooCommerce 8.5+).
    meta_data: list[Meta] = []


class RefundLine(Payload):
    """A refund's line: quantity and amounts negative, linked to the order's line in meta."""

    id: int
    quantity: int
    total: Decimal
    total_tax: Decimal = Decimal(0)
    product_id: int | None = None
    variation_id: int | None = None
    meta_data: list[Meta] = []


class RefundPayload(Payload):
    id: int
    date_created_gmt: datetime
    amount: Decimal
    refunded_payment: bool | None = None
    line_items: list[RefundLine] = []


class TrashedOrder(Payload):
    """An order listed by the deletions stream: only its id, status and last change matter."""

    id: int
    status: str
    date_modified_gmt: datetime


class CustomerPayload(Payload):
    id: int
    date_created_gmt: datetime
    date_modified_gmt: datetime | None = None
    role: str | None = None
    is_paying_customer: bool | None = None
    billing: Address | None = None
    shipping: Address | None = None


class ProductPayload(Payload):
    id: int
    date_created_gmt: datetime
    date_modified_gmt: datetime
    type: str | None = None
    name: str | None = None
    slug: str | None = None
    status: str | None = None
    sku: str | None = None
    #: A string, blank when the product has no price yet.
    price: str | None = None
    manage_stock: bool | str | None = None
    stock_quantity: int | None = None
    variations: list[int] = []
    categories: list[Category] = []
    tags: list[Category] = []


class Category(Payload):
    name: str


class VariationPayload(Payload):
    id: int
    date_created_gmt: datetime
    date_modified_gmt: datetime
    sku: str | None = None
    #: A string, blank when the product has no price yet.
    price: str | None = None
    manage_stock: bool | str | None = None
    stock_quantity: int | None = None
    attributes: list[Attribute] = []


class Attribute(Payload):
    option: str | None = None


class Created(Payload):
    """A record's id and creation, asked for alone with ``_fields``."""

    id: int
    date_created_gmt: datetime
