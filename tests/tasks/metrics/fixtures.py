"""A small, hand-checked store, loaded straight into a warehouse as canonical records."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from itertools import count
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from connectors.base import DiscountCode, Order, OrderDeletion, OrderLine, Refund, RefundLine
from tasks.ingest.catalog import load_deletions
from tasks.ingest.context import StoreContext
from tasks.ingest.orders import load_orders
from tasks.warehouse import schema as tables
from tasks.warehouse.upsert import upsert

_ids = count(1000)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def order(
    processed: str,
    lines: list[tuple[str, int, str]],
    *,
    customer: int | None = None,
    shipping: str = "0.00",
    tax: str = "0.00",
    discount: str = "0.00",
    code: str | None = None,
    test: bool = False,
    cancelled: str | None = None,
    voided: bool = False,
    refunds: list[Refund] | None = None,
    currency: str = "USD",
    order_id: int | None = None,
) -> Order:
    """An order of ``lines`` (price, quantity, line discount), totals consistent."""
    order_id = order_id or next(_ids)
    moment = at(processed)
    items = [
        OrderLine(
            next(_ids),
            1,
            11,
            "SKU",
            "Thing",
            None,
            None,
            qty,
            qty,
            Decimal(price),
            Decimal(line_discount),
            Decimal(0),
            False,
            None,
        )
        for price, qty, line_discount in lines
    ]
    gross = sum((line.price * line.quantity for line in items), Decimal(0))
    subtotal = gross - Decimal(discount)
    return Order(
        order_id=order_id,
        name=f"#{order_id}",
        created_at=moment,
        updated_at=moment,
        processed_at=moment,
        cancelled_at=at(cancelled) if cancelled else None,
        cancel_reason="customer" if cancelled else None,
        closed_at=None,
        financial_status="voided" if voided else ("refunded" if refunds else "paid"),
        fulfillment_status=None,
        fulfilled_at=None,
        currency=currency,
        presentment_currency=currency,
        source_name="web",
        test=test,
        customer_id=customer,
        country_code="US",
        taxes_included=False,
        total_line_items_price=gross,
        total_discounts=Decimal(discount),
        subtotal_price=subtotal,
        total_shipping=Decimal(shipping),
        total_tax=Decimal(tax),
        total_price=subtotal + Decimal(shipping) + Decimal(tax),
        current_total_price=None,
        tags="",
        lines=items,
        refunds=[
            Refund(
                r.refund_id,
                order_id,
                r.created_at,
                r.processed_at,
                r.lines_subtotal,
                r.lines_tax,
                r.shipping,
                r.shipping_tax,
                r.adjustments,
                r.transactions,
                r.restock,
                r.lines,
            )
            for r in refunds or []
        ],
        discount_codes=[DiscountCode(code, Decimal(discount), "percentage")] if code else [],
    )


def refund(processed: str, subtotal: str, tax: str = "0.00") -> Refund:
    moment = at(processed)
    return Refund(
        next(_ids),
        0,
        moment,
        moment,
        Decimal(subtotal),
        Decimal(tax),
        Decimal(0),
        Decimal(0),
        Decimal(0),
        Decimal(subtotal) + Decimal(tax),
        True,
        [RefundLine(next(_ids), 0, 1, Decimal(subtotal), Decimal(tax), "return")],
    )


def load(
    engine: Engine,
    store: str,
    timezone: str,
    currency: str,
    orders: list[Order],
    deleted: tuple[int, ...] = (),
) -> None:
    ctx = StoreContext(store, ZoneInfo(timezone), currency, datetime.now(UTC))
    with engine.begin() as conn:
        upsert(
            conn,
            tables.stores,
            [
                {
                    "store": store,
                    "platform": "shopify",
                    "shop_id": 1,
                    "shop_name": store,
                    "timezone": timezone,
                    "currency": currency,
                    "currency_exponent": 2,
                    "shop_created_at": at("2026-01-01T00:00:00+00:00"),
                    "plan": None,
                    "synced_at": ctx.synced_at,
                }
            ],
        )
        result = load_orders(conn, ctx, orders)
        assert not result.rejected, result.rejected
        load_deletions(conn, ctx, [OrderDeletion(i, ctx.synced_at) for i in deleted])


#: The New York store. 2026-03-08 is the spring DST change (a 23-hour day).
DELETED_ID = 990001


def new_york_orders() -> list[Order]:
    return [
        # Sunday 8 March (23 hours): three orders count.
        order(
            "2026-03-08T01:30:00-05:00",
            [("10.00", 2, "1.00")],
            customer=1,
            shipping="5.00",
            tax="1.44",
            discount="2.00",
            code="spring20",
        ),
        order("2026-03-08T23:30:00-04:00", [("30.00", 1, "0.00")], customer=1, tax="2.40"),
        order(
            "2026-03-08T11:00:00-04:00",
            [("50.00", 1, "0.00")],
            customer=2,
            tax="4.00",
            cancelled="2026-03-10T10:00:00-04:00",
            voided=True,
        ),
        order("2026-03-08T12:00:00-04:00", [("99.00", 1, "0.00")], customer=3, test=True),
        # Monday 9 March: a guest order, refunded in part on Thursday 12 March.
        order(
            "2026-03-09T09:00:00-04:00",
            [("5.00", 3, "0.00")],
            tax="1.20",
            refunds=[refund("2026-03-12T13:00:00-04:00", "5.00", "0.40")],
        ),
        order("2026-03-09T10:00:00-04:00", [("70.00", 1, "0.00")], customer=4, order_id=DELETED_ID),
        # Wednesday 11 March has no orders at all.
    ]
