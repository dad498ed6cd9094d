"""Shopify REST pages → canonical records.

Pages are decoded by ``connectors.pages.PageReader`` into the typed ``payloads``, bad records set
aside one by one, each with a reason that names the record and the field (``order 450789469:
Expected `decimal`, got `str` - at `$.line_items[0].price```). Times leave as UTC; money
leaves as ``Decimal`` in the shop's currency.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from connectors.attribution import Attribution, from_landing
from connectors.base import (
    Customer,
    DiscountCode,
    InventoryLevel,
    Location,
    Order,
    OrderDeletion,
    OrderLine,
    Product,
    Refund,
    RefundLine,
    ShopInfo,
    Variant,
)
from connectors.errors import MalformedRecord
from connectors.pages import MalformedPage, PageReader, unidentified_key
from connectors.shopify import payloads as p
from connectors.shopify.settings import PERSONAL_KEYS

__all__ = ["ORDERS", "MalformedPage", "PageReader", "unidentified_key"]

ZERO = Decimal(0)
#: ``source_name`` values of orders no web visit led to: they carry no marketing source.
NOT_VISITS = frozenset({"pos", "shopify_draft_order"})


# --- converters ---------------------------------------------------------------------------------


def to_order(o: p.OrderPayload) -> Order:
    created_at = _utc(o.created_at, "created_at")
    return Order(
        order_id=o.id,
        name=o.name or "",
        created_at=created_at,
        updated_at=_utc(o.updated_at, "updated_at"),
        processed_at=_utc(o.processed_at, "processed_at") if o.processed_at else created_at,
        cancelled_at=_utc_or_none(o.cancelled_at, "cancelled_at"),
        cancel_reason=o.cancel_reason,
        closed_at=_utc_or_none(o.closed_at, "closed_at"),
        financial_status=o.financial_status,
        fulfillment_status=o.fulfillment_status,
        fulfilled_at=_first_fulfillment(o.fulfillments),
        currency=o.currency,
        presentment_currency=o.presentment_currency,
        source_name=o.source_name,
        test=bool(o.test),
        customer_id=o.customer.id if o.customer else None,
        country_code=_country(o),
        taxes_included=bool(o.taxes_included),
        total_line_items_price=o.total_line_items_price,
        total_discounts=o.total_discounts,
        subtotal_price=o.subtotal_price,
        total_shipping=(
            o.total_shipping_price_set.shop_money.amount
            if o.total_shipping_price_set
            else sum((s.price for s in o.shipping_lines), ZERO)
        ),
        total_tax=o.total_tax,
        total_price=o.total_price,
        current_total_price=o.current_total_price,
        tags=o.tags or "",
        lines=[_line(item) for item in o.line_items],
        refunds=[_refund(r, o.id) for r in o.refunds],
        discount_codes=[DiscountCode(d.code, d.amount, d.type or "") for d in o.discount_codes],
        attribution=_attribution(o),
    )


def _attribution(o: p.OrderPayload) -> Attribution | None:
    """The landing page's UTM tags and click id, and the referrer; none for a sale no visit
    led to (point of sale, a draft order)."""
    if o.source_name in NOT_VISITS:
        return None
    return from_landing(o.landing_site, o.referring_site)


def _line(item: p.LineItem) -> OrderLine:
    if item.quantity < 0:
        raise MalformedRecord(f"line item {item.id} has negative quantity {item.quantity}")
    allocations = item.discount_allocations
    return OrderLine(
        line_id=item.id,
        product_id=item.product_id,
        variant_id=item.variant_id,
        sku=item.sku or None,
        title=item.title or item.name or "",
        variant_title=item.variant_title or None,
        vendor=item.vendor or None,
        quantity=item.quantity,
        current_quantity=item.current_quantity,
        price=item.price,
        discount=(
            sum((a.amount for a in allocations), ZERO)
            if allocations
            else item.total_discount or ZERO
        ),
        tax=sum((t.price for t in item.tax_lines), ZERO),
        gift_card=item.gift_card,
        fulfillment_status=item.fulfillment_status,
    )


def _refund(r: p.RefundPayload, order_id: int) -> Refund:
    if r.order_id != order_id:
        raise MalformedRecord(f"refund {r.id} names order {r.order_id}, not {order_id}")
    lines = [_refund_line(line) for line in r.refund_line_items]
    shipping = shipping_tax = adjustments = ZERO
    for adjustment in r.order_adjustments:  # refunds carry adjustments as negative amounts
        if adjustment.kind == "shipping_refund":
            shipping -= adjustment.amount
            shipping_tax -= adjustment.tax_amount or ZERO
        else:
            adjustments -= adjustment.amount
    created_at = _utc(r.created_at, "refund created_at")
    return Refund(
        refund_id=r.id,
        order_id=r.order_id,
        created_at=created_at,
        processed_at=_utc(r.processed_at, "refund processed_at") if r.processed_at else created_at,
        lines_subtotal=sum((line.subtotal for line in lines), ZERO),
        lines_tax=sum((line.tax for line in lines), ZERO),
        shipping=shipping,
        shipping_tax=shipping_tax,
        adjustments=adjustments,
        transactions=sum(
            (t.amount for t in r.transactions if t.kind == "refund" and t.status == "success"),
            ZERO,
        ),
        restock=bool(r.restock),
        lines=lines,
    )


def _refund_line(line: p.RefundLineItem) -> RefundLine:
    # The ``_set`` forms are strings in shop currency; the bare fields are JSON numbers.
    subtotal = line.subtotal_set.shop_money.amount if line.subtotal_set else line.subtotal
    tax = line.total_tax_set.shop_money.amount if line.total_tax_set else line.total_tax
    if subtotal is None:
        raise MalformedRecord(f"refund line {line.id} has no subtotal")
    return RefundLine(
        line.id, line.line_item_id, line.quantity, subtotal, tax or ZERO, line.restock_type
    )


def _first_fulfillment(fulfillments: list[p.Fulfillment]) -> datetime | None:
    times = [
        _utc(f.created_at, "fulfillment created_at")
        for f in fulfillments
        if f.status in (None, "success")
    ]
    return min(times) if times else None


def _country(o: p.OrderPayload) -> str | None:
    for address in (o.shipping_address, o.billing_address):
        if address and address.country_code:
            return address.country_code
    if o.customer and o.customer.default_address:
        return o.customer.default_address.country_code
    return None


def to_customer(c: p.CustomerPayload) -> Customer:
    return Customer(
        customer_id=c.id,
        created_at=_utc(c.created_at, "created_at"),
        updated_at=_utc(c.updated_at, "updated_at"),
        state=c.state,
        country_code=c.default_address.country_code if c.default_address else None,
        tags=c.tags or "",
        accepts_marketing=bool(c.email_marketing_consent)
        and c.email_marketing_consent.state == "subscribed",  # type: ignore[union-attr]
    )


def to_product(product: p.ProductPayload) -> Product:
    return Product(
        product_id=product.id,
        title=product.title or "",
        product_type=product.product_type or None,
        vendor=product.vendor or None,
        status=product.status,
        handle=product.handle,
        tags=product.tags or "",
        created_at=_utc(product.created_at, "created_at"),
        updated_at=_utc(product.updated_at, "updated_at"),
        variants=[
            Variant(
                variant_id=v.id,
                product_id=product.id,
                title=v.title or "",
                sku=v.sku or None,
                price=v.price,
                inventory_item_id=v.inventory_item_id,
                created_at=_utc(v.created_at, "variant created_at"),
                updated_at=_utc(v.updated_at, "variant updated_at"),
            )
            for v in product.variants
        ],
    )


def to_item_cost(item: p.InventoryItemPayload) -> tuple[int, Decimal | None]:
    return item.id, item.cost


def to_location(location: p.LocationPayload) -> Location:
    return Location(
        location.id, location.name or "", location.active is not False, location.country_code
    )


def to_inventory_level(level: p.InventoryLevelPayload) -> InventoryLevel:
    return InventoryLevel(
        level.inventory_item_id,
        level.location_id,
        level.available,
        _utc_or_none(level.updated_at, "updated_at"),
    )


def to_deletion(event: p.EventPayload) -> OrderDeletion:
    if event.subject_type != "Order" or event.verb != "destroy":
        raise MalformedRecord(
            f"event {event.id} is {event.subject_type}/{event.verb}, not an Order destroy"
        )
    return OrderDeletion(event.subject_id, _utc(event.created_at, "created_at"))


def parse_shop(raw: dict[str, Any]) -> ShopInfo:
    try:
        return ShopInfo(
            shop_id=int(raw["id"]),
            name=str(raw.get("name") or ""),
            timezone=str(raw["iana_timezone"]),
            currency=str(raw["currency"]),
            created_at=_utc(datetime.fromisoformat(raw["created_at"]), "created_at"),
            plan=raw.get("plan_name"),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise MalformedRecord(f"shop.json lacks a usable {exc}") from None


ORDERS = PageReader("orders", p.OrderPayload, to_order, PERSONAL_KEYS)
CUSTOMERS = PageReader("customers", p.CustomerPayload, to_customer, PERSONAL_KEYS)
PRODUCTS = PageReader("products", p.ProductPayload, to_product, PERSONAL_KEYS)
INVENTORY_ITEMS = PageReader("inventory_items", p.InventoryItemPayload, to_item_cost, PERSONAL_KEYS)
LOCATIONS = PageReader("locations", p.LocationPayload, to_location, PERSONAL_KEYS)
INVENTORY_LEVELS = PageReader(
    "inventory_levels", p.InventoryLevelPayload, to_inventory_level, PERSONAL_KEYS
)
ORDER_DELETIONS = PageReader("events", p.EventPayload, to_deletion, PERSONAL_KEYS)


# --- field readers ------------------------------------------------------------------------------


def _utc(moment: datetime, what: str) -> datetime:
    if moment.tzinfo is None:
        raise MalformedRecord(f"{what} {moment.isoformat()} has no UTC offset")
    return moment.astimezone(UTC)


def _utc_or_none(moment: datetime | None, what: str) -> datetime | None:
    return None if moment is None else _utc(moment, what)
