"""WooCommerce REST v3 records → canonical records.

The mapping (docs/metrics.md, WooCommerce) in short: an order is dated by ``date_paid_gmt``, else
``date_created_gmt``; ``*_gmt`` times are naive GMT strings, read as UTC. Line amounts are before
tax (WooCommerce keeps them so even when prices are entered with tax), so gross sales are the
lines' ``subtotal`` and discounts their ``subtotal − total``; fees count as lines (a negative fee
as a discount). Statuses map to the canonical financial and fulfilment statuses in
``FINANCIAL``; a guest (``customer_id`` 0) has no customer.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from decimal import ROUND_CEILING, Decimal
from typing import Any

from connectors.attribution import Attribution, from_landing
from connectors.base import (
    Customer,
    DiscountCode,
    Order,
    OrderDeletion,
    OrderLine,
    Product,
    Refund,
    RefundLine,
    Variant,
)
from connectors.errors import MalformedRecord
from connectors.money import currency_exponent
from connectors.pages import PageReader
from connectors.woocommerce import payloads as p
from connectors.woocommerce.settings import GONE_STATUSES, PERSONAL_KEYS

ZERO = Decimal(0)
#: A sale status → the canonical financial status; a refund turns ``paid`` into
#: ``partially_refunded`` (``refunded`` when WooCommerce says so).
FINANCIAL = {
    "processing": "paid",
    "completed": "paid",
    "on-hold": "pending",
    "refunded": "refunded",
}
#: ``created_via`` → the ``source_name`` the channel breakdown reads (``tasks.metrics.scope``).
SOURCES = {"checkout": "web", "store-api": "web", "pos": "pos", "woocommerce-pos": "pos"}
#: The refund line meta that names the order line it refunds.
REFUNDED_ITEM = "_refunded_item_id"
#: The order meta WooCommerce's order attribution (8.5+) writes, ``_wc_order_attribution_``
#: then ``source_type``, ``referrer``, ``utm_source``, ``utm_medium``, ``utm_campaign``,
#: ``session_entry`` (the landing URL), ….
ATTRIBUTION_META = "_wc_order_attribution_"
#: Source types of orders no visit led to: entered in wp-admin or the WooCommerce app.
NOT_VISITS = frozenset({"admin", "mobile_app"})
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign")


def to_order(o: p.OrderPayload) -> Order | None:
    """The canonical order of a sale, None for an order the deletions stream reads (trashed,
    unpaid, cancelled); its refunds are attached by the source.

    Raises:
        MalformedRecord: the status is neither (a plugin's own), or a line cannot be read.
    """
    if o.status in GONE_STATUSES:
        return None
    financial = FINANCIAL.get(o.status)
    if financial is None:
        known = ", ".join(FINANCIAL)
        raise MalformedRecord(
            f"status {o.status!r} is not one storepulse counts (sales are {known})"
        )
    if o.refunds and financial == "paid":
        financial = "partially_refunded"
    created_at = gmt(o.date_created_gmt)
    completed_at = gmt(o.date_completed_gmt) if o.date_completed_gmt else None
    exponent = currency_exponent(o.currency)
    lines = [_line(item, exponent) for item in o.line_items]
    lines += [_fee_line(fee) for fee in o.fee_lines]
    gross = sum((line.price * line.quantity for line in lines), ZERO)
    discounts = sum((line.discount for line in lines), ZERO)
    refunded = -sum((r.total for r in o.refunds), ZERO)
    return Order(
        order_id=o.id,
        name=f"#{o.number or o.id}",
        created_at=created_at,
        updated_at=gmt(o.date_modified_gmt),
        processed_at=gmt(o.date_paid_gmt) if o.date_paid_gmt else created_at,
        cancelled_at=None,
        cancel_reason=None,
        closed_at=completed_at,
        financial_status=financial,
        fulfillment_status="fulfilled" if o.status == "completed" else None,
        fulfilled_at=completed_at if o.status == "completed" else None,
        currency=o.currency,
        presentment_currency=None,
        source_name=SOURCES.get(o.created_via or "", o.created_via or None),
        test=False,
        customer_id=o.customer_id or None,  # 0 is a guest
        country_code=_country(o.shipping, o.billing),
        taxes_included=False,  # line amounts come before tax, whatever the shop's setting
        total_line_items_price=gross,
        total_discounts=discounts,
        subtotal_price=gross - discounts,
        total_shipping=o.shipping_total,
        total_tax=o.total_tax,
        total_price=o.total,
        current_total_price=o.total - refunded,
        tags="",
        lines=lines,
        discount_codes=[DiscountCode(c.code, c.discount, "coupon") for c in o.coupon_lines],
        attribution=attribution(o.meta_data),
    )


def attribution(meta: list[p.Meta]) -> Attribution | None:
    """The order's marketing source from WooCommerce's order attribution meta; None when the
    order has none (attribution off, an order before 8.5) or no visit led to it."""
    found = {
        m.key.removeprefix(ATTRIBUTION_META): _text(m.value)
        for m in meta
        if m.key.startswith(ATTRIBUTION_META)
    }
    if not found or found.get("source_type") in NOT_VISITS:
        return None
    utm = {key: found.get(key) for key in UTM_KEYS}
    return from_landing(found.get("session_entry"), found.get("referrer"), utm)


def _text(value: object) -> str | None:
    return str(value) if isinstance(value, str | int | float) and value != "" else None


def _line(item: p.LineItem, exponent: int) -> OrderLine:
    if item.quantity <= 0:
        raise MalformedRecord(f"line item {item.id} has quantity {item.quantity}")
    # A unit price in whole minor units that covers the line's subtotal; what it rounds up
    # by, and the coupons' share (subtotal − total), are the line's discount.
    unit = Decimal(1).scaleb(-exponent)
    price = (item.subtotal / item.quantity).quantize(unit, rounding=ROUND_CEILING)
    return OrderLine(
        line_id=item.id,
        product_id=item.product_id or None,
        # A simple product is its own only variant, as in the products listing.
        variant_id=item.variation_id or item.product_id or None,
        sku=item.sku or None,
        title=item.name or "",
        variant_title=None,
        vendor=None,
        quantity=item.quantity,
        current_quantity=None,
        price=price,
        discount=price * item.quantity - item.total,
        tax=item.total_tax,
        gift_card=False,
        fulfillment_status=None,
    )


def _fee_line(fee: p.FeeLine) -> OrderLine:
    """A fee as a line without a product: a surcharge is sold, a negative fee is a discount."""
    return OrderLine(
        line_id=fee.id,
        product_id=None,
        variant_id=None,
        sku=None,
        title=fee.name or "fee",
        variant_title=None,
        vendor=None,
        quantity=1,
        current_quantity=None,
        price=max(fee.total, ZERO),
        discount=max(-fee.total, ZERO),
        tax=ZERO,
        gift_card=False,
        fulfillment_status=None,
    )


def to_refund(r: p.RefundPayload, order: Order) -> Refund:
    """A refund of ``order``, its amounts positive.

    The refunded lines give the goods and their tax. What the refund's amount holds beyond
    them (a refund entered as an amount, shipping) counts as returned goods up to what of the
    order's goods is not yet refunded, and as shipping beyond that.
    """
    lines = [_refund_line(line, order) for line in r.line_items]
    goods = sum((line.subtotal for line in lines), ZERO)
    tax = sum((line.tax for line in lines), ZERO)
    rest = max(r.amount - goods - tax, ZERO)
    goods_left = max(
        order.subtotal_price - sum((f.lines_subtotal for f in order.refunds), ZERO), ZERO
    )
    extra_goods = min(rest, max(goods_left - goods, ZERO))
    created_at = gmt(r.date_created_gmt)
    return Refund(
        refund_id=r.id,
        order_id=order.order_id,
        created_at=created_at,
        processed_at=created_at,
        lines_subtotal=goods + extra_goods,
        lines_tax=tax,
        shipping=rest - extra_goods,
        shipping_tax=ZERO,
        adjustments=ZERO,
        transactions=r.amount,
        restock=False,  # a refund does not say whether its items went back to stock
        lines=lines,
    )


def _refund_line(line: p.RefundLine, order: Order) -> RefundLine:
    return RefundLine(
        refund_line_id=line.id,
        line_id=_refunded_line(line, order),
        quantity=-line.quantity,
        subtotal=-line.total,
        tax=-line.total_tax,
        restock_type=None,
    )


def _refunded_line(line: p.RefundLine, order: Order) -> int:
    """The order line a refund line refunds: by its ``_refunded_item_id``, else its product.

    Raises:
        MalformedRecord: neither names a line of the order.
    """
    for meta in line.meta_data:
        if meta.key == REFUNDED_ITEM and str(meta.value).isdigit():
            return int(str(meta.value))
    variant = line.variation_id or line.product_id
    for candidate in order.lines:
        if variant and candidate.variant_id == variant:
            return candidate.line_id
    raise MalformedRecord(f"refund line {line.id} names no line of the order")


def to_deletion(o: p.TrashedOrder) -> OrderDeletion:
    """An order trashed, or set back to a status that is not a sale, leaves the metrics."""
    if o.status not in GONE_STATUSES:
        raise MalformedRecord(f"status {o.status!r} is not one that removes an order")
    return OrderDeletion(o.id, gmt(o.date_modified_gmt))


def to_customer(c: p.CustomerPayload) -> Customer:
    created_at = gmt(c.date_created_gmt)
    return Customer(
        customer_id=c.id,
        created_at=created_at,
        updated_at=gmt(c.date_modified_gmt) if c.date_modified_gmt else created_at,
        state="enabled",
        country_code=_country(c.billing, c.shipping),
        tags=c.role or "",
        accepts_marketing=False,  # WooCommerce core keeps no marketing consent
    )


def to_product(product: p.ProductPayload) -> Product:
    """A product; a simple product gets itself as its only variant, a variable product's
    variants are attached from its variations (``with_variants``)."""
    created_at, updated_at = gmt(product.date_created_gmt), gmt(product.date_modified_gmt)
    variants = []
    if product.type != "variable":
        variants.append(
            Variant(
                variant_id=product.id,
                product_id=product.id,
                title=product.name or "",
                sku=product.sku or None,
                price=_price(product.price, "price"),
                inventory_item_id=product.id,
                created_at=created_at,
                updated_at=updated_at,
            )
        )
    return Product(
        product_id=product.id,
        title=product.name or "",
        product_type=product.categories[0].name if product.categories else None,
        vendor=None,
        status=product.status,
        handle=product.slug,
        tags=", ".join(t.name for t in product.tags),
        created_at=created_at,
        updated_at=updated_at,
        variants=variants,
    )


def to_variant(v: p.VariationPayload, product_id: int) -> Variant:
    return Variant(
        variant_id=v.id,
        product_id=product_id,
        title=" / ".join(a.option for a in v.attributes if a.option),
        sku=v.sku or None,
        price=_price(v.price, f"variation {v.id} price"),
        inventory_item_id=v.id,
        created_at=gmt(v.date_created_gmt),
        updated_at=gmt(v.date_modified_gmt),
    )


def stock_of(record: p.ProductPayload | p.VariationPayload) -> int | None:
    """The units in stock when WooCommerce tracks them for this very record, else None."""
    return record.stock_quantity if record.manage_stock is True else None


def _price(raw: str | None, what: str) -> Decimal:
    try:
        return Decimal(raw) if raw else ZERO  # a product without a price yet
    except ArithmeticError:
        raise MalformedRecord(f"{what} {raw!r} is not an amount") from None


def _country(*addresses: p.Address | None) -> str | None:
    for address in addresses:
        if address and address.country:
            return address.country
    return None


def gmt(moment: datetime) -> datetime:
    """A ``*_gmt`` time: naive GMT, read as UTC (one with an offset is converted)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def site_id(home: str) -> int:
    """A WordPress site has no numeric id: a stable 63-bit one from its home address."""
    digest = hashlib.blake2b(home.rstrip("/").encode(), digest_size=8).digest()
    return int.from_bytes(digest) & (2**63 - 1)


def identity(record: Any) -> Any:
    return record


def created(record: p.Created) -> datetime:
    return gmt(record.date_created_gmt)


ORDERS = PageReader(None, p.OrderPayload, to_order, PERSONAL_KEYS, "order")
REFUNDS = PageReader(None, p.RefundPayload, identity, PERSONAL_KEYS, "refund")
ORDER_DELETIONS = PageReader(None, p.TrashedOrder, to_deletion, PERSONAL_KEYS, "order")
CUSTOMERS = PageReader(None, p.CustomerPayload, to_customer, PERSONAL_KEYS, "customer")
PRODUCTS = PageReader(None, p.ProductPayload, identity, PERSONAL_KEYS, "product")
VARIATIONS = PageReader(None, p.VariationPayload, identity, PERSONAL_KEYS, "variation")
CREATED = PageReader(None, p.Created, created, PERSONAL_KEYS, "record")
