"""The shapes of the Shopify REST payloads we read, decoded straight from JSON by msgspec.

Only the fields storepulse needs are declared; the rest of each record is skipped while parsing,
which is what makes a page of large orders cheap to read. Money decodes to ``Decimal`` from
Shopify's strings (and from the JSON numbers refund lines use); timestamps decode to datetimes
with the shop's UTC offset.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import msgspec


class Payload(msgspec.Struct, forbid_unknown_fields=False):
    """Base of every payload: unknown fields are ignored, as the API adds fields over time."""


class Money(Payload):
    amount: Decimal


class MoneySet(Payload):
    shop_money: Money


class TaxLine(Payload):
    price: Decimal


class DiscountAllocation(Payload):
    amount: Decimal


class LineItem(Payload):
    id: int
    quantity: int
    price: Decimal
    product_id: int | None = None
    variant_id: int | None = None
    sku: str | None = None
    title: str | None = None
    name: str | None = None
    variant_title: str | None = None
    vendor: str | None = None
    current_quantity: int | None = None
    total_discount: Decimal | None = None
    gift_card: bool = False
    fulfillment_status: str | None = None
    tax_lines: list[TaxLine] = []
    discount_allocations: list[DiscountAllocation] = []


class RefundLineItem(Payload):
    id: int
    line_item_id: int
    quantity: int
    subtotal: Decimal | None = None
    subtotal_set: MoneySet | None = None
    total_tax: Decimal | None = None
    total_tax_set: MoneySet | None = None
    restock_type: str | None = None


class Transaction(Payload):
    amount: Decimal
    kind: str | None = None
    status: str | None = None


class OrderAdjustment(Payload):
    amount: Decimal
    kind: str | None = None
    tax_amount: Decimal | None = None


class RefundPayload(Payload):
    id: int
    order_id: int
    created_at: datetime
    processed_at: datetime | None = None
    restock: bool | None = None
    refund_line_items: list[RefundLineItem] = []
    transactions: list[Transaction] = []
    order_adjustments: list[OrderAdjustment] = []


class DiscountCodePayload(Payload):
    code: str
    amount: Decimal
    type: str | None = None


class Address(Payload):
    country_code: str | None = None


class CustomerRef(Payload):
    id: int | None = None
    default_address: Address | None = None


class Fulfillment(Payload):
    created_at: datetime
    status: str | None = None


class ShippingLine(Payload):
    price: Decimal


class OrderPayload(Payload):
    id: int
    created_at: datetime
    updated_at: datetime
    currency: str
    total_price: Decimal
    subtotal_price: Decimal
    total_tax: Decimal
    total_discounts: Decimal
    total_line_items_price: Decimal
    name: str | None = None
    processed_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None
    closed_at: datetime | None = None
    financial_status: str | None = None
    fulfillment_status: str | None = None
    presentment_currency: str | None = None
    source_name: str | None = None
    #: The visit's landing page (path and query) and referrer; read for their UTM tags only.
    landing_site: str | None = None
    referring_site: str | None = None
    test: bool | None = None
    taxes_included: bool | None = None
    tags: str | None = None
    current_total_price: Decimal | None = None
    total_shipping_price_set: MoneySet | None = None
    customer: CustomerRef | None = None
    shipping_address: Address | None = None
    billing_address: Address | None = None
    line_items: list[LineItem] = []
    refunds: list[RefundPayload] = []
    discount_codes: list[DiscountCodePayload] = []
    fulfillments: list[Fulfillment] = []
    shipping_lines: list[ShippingLine] = []


class EmailConsent(Payload):
    state: str | None = None


class CustomerPayload(Payload):
    id: int
    created_at: datetime
    updated_at: datetime
    state: str | None = None
    tags: str | None = None
    default_address: Address | None = None
    email_marketing_consent: EmailConsent | None = None


class VariantPayload(Payload):
    id: int
    price: Decimal
    created_at: datetime
    updated_at: datetime
    title: str | None = None
    sku: str | None = None
    inventory_item_id: int | None = None


class ProductPayload(Payload):
    id: int
    created_at: datetime
    updated_at: datetime
    title: str | None = None
    product_type: str | None = None
    vendor: str | None = None
    status: str | None = None
    handle: str | None = None
    tags: str | None = None
    variants: list[VariantPayload] = []


class InventoryItemPayload(Payload):
    id: int
    cost: Decimal | None = None


class LocationPayload(Payload):
    id: int
    name: str | None = None
    active: bool | None = None
    country_code: str | None = None


class InventoryLevelPayload(Payload):
    inventory_item_id: int
    location_id: int
    available: int | None = None
    updated_at: datetime | None = None


class EventPayload(Payload):
    id: int
    subject_id: int
    created_at: datetime
    subject_type: str | None = None
    verb: str | None = None
