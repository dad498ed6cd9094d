"""Sales measures computed in the warehouse: orders, lines, refunds, voided orders, codes.

Each function adds one query's measures for the days ``start``…``end`` (store-local, both
included) to ``facts``; ``tasks.metrics.collect`` calls them all.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    not_,
    select,
)

from tasks.metrics.facts import Facts
from tasks.metrics.scope import NET, channel_of, live, row_measures
from tasks.metrics.sql import hours_between
from tasks.warehouse import schema as tables

o, lines, refunds, codes = (
    tables.orders,
    tables.order_lines,
    tables.refunds,
    tables.order_discount_codes,
)


def add_orders(conn: Connection, store: str, start: date, end: date, facts: Facts) -> None:
    """Order measures by day and channel in one pass; a day's headline is its channels' sum."""
    has_code = exists().where(codes.c.store == o.c.store, codes.c.order_id == o.c.order_id)
    guest = o.c.customer_id.is_(None)
    channel = channel_of(o.c.source_name).label("channel")
    measures = (
        func.count().label("orders"),
        func.sum(o.c.line_items_minor).label("gross_minor"),
        func.sum(o.c.discounts_minor).label("discounts_minor"),
        func.coalesce(func.sum(o.c.discount_shop_minor), 0).label("shop_discounts_minor"),
        unsaid(o.c.discount_shop_minor).label("shop_unsaid_orders"),
        func.coalesce(func.sum(o.c.discount_platform_minor), 0).label("platform_discounts_minor"),
        unsaid(o.c.discount_platform_minor).label("platform_unsaid_orders"),
        func.sum(o.c.shipping_minor).label("shipping_minor"),
        func.sum(o.c.tax_minor).label("tax_minor"),
        func.sum(case((o.c.cancelled_at.is_not(None), 1), else_=0)).label("cancelled_orders"),
        func.sum(case((has_code, 1), else_=0)).label("code_orders"),
        func.sum(case((has_code, NET), else_=0)).label("code_sales_minor"),
        func.sum(case((guest, 1), else_=0)).label("guest_orders"),
        func.sum(case((guest, NET), else_=0)).label("guest_sales_minor"),
        func.sum(case((o.c.fulfilled_at.is_not(None), 1), else_=0)).label("fulfilled_orders"),
        func.coalesce(func.sum(hours_between(o.c.processed_at, o.c.fulfilled_at)), 0).label(
            "fulfil_hours"
        ),
    )
    query = (
        select(o.c.local_date, channel, *measures)
        .where(live(store), o.c.local_date.between(start, end))
        .group_by(o.c.local_date, channel)
    )
    for row in conn.execute(query).mappings():
        measured = row_measures(row, "local_date", "channel")
        facts.add(("day", row["local_date"], "", ""), measured)
        facts.add(
            ("day", row["local_date"], "channel", row["channel"]),
            {k: measured[k] for k in ("orders", "gross_minor", "discounts_minor")},
        )


def unsaid(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """How many orders do not say who funded their discounts (the column is null)."""
    return func.sum(case((column.is_(None), 1), else_=0))


def add_lines(conn: Connection, store: str, start: date, end: date, facts: Facts) -> None:
    """Line measures by day and product in one pass; a day's headline is its products' sum."""
    v, uc = tables.variants, tables.unit_costs
    # The variant's cost as Shopify records it, else the cost file's for its SKU.
    unit_cost = func.coalesce(v.c.cost_minor, uc.c.cost_minor)
    costed = unit_cost.is_not(None)
    line_sales = lines.c.price_minor * lines.c.quantity - lines.c.discount_minor
    joined = (
        lines.join(o, and_(o.c.store == lines.c.store, o.c.order_id == lines.c.order_id))
        .outerjoin(v, and_(v.c.store == lines.c.store, v.c.variant_id == lines.c.variant_id))
        .outerjoin(uc, and_(uc.c.store == lines.c.store, uc.c.sku == lines.c.sku))
    )
    product = func.coalesce(cast(lines.c.product_id, String), "custom").label("product")
    query = (
        select(
            o.c.local_date,
            product,
            func.sum(lines.c.quantity).label("units"),
            func.sum(line_sales).label("line_sales_minor"),
            func.sum(case((costed, line_sales), else_=0)).label("costed_sales_minor"),
            func.sum(case((costed, lines.c.quantity * unit_cost), else_=0)).label("cogs_minor"),
        )
        .select_from(joined)
        .where(live(store), o.c.local_date.between(start, end))
        .group_by(o.c.local_date, product)
    )
    for row in conn.execute(query).mappings():
        day = row["local_date"]
        facts.add(
            ("day", day, "", ""), {k: row[k] for k in ("units", "costed_sales_minor", "cogs_minor")}
        )
        facts.add(
            ("day", day, "product", row["product"]),
            {k: row[k] for k in ("units", "line_sales_minor")},
        )


def add_refunds(conn: Connection, store: str, start: date, end: date, facts: Facts) -> None:
    """Returns, refunded shipping and tax, on the refund's own day."""
    joined = refunds.join(o, and_(o.c.store == refunds.c.store, o.c.order_id == refunds.c.order_id))
    query = (
        select(
            refunds.c.local_date,
            func.sum(refunds.c.lines_subtotal_minor).label("returns_minor"),
            func.sum(refunds.c.shipping_minor).label("refunded_shipping_minor"),
            func.sum(refunds.c.lines_tax_minor + refunds.c.shipping_tax_minor).label(
                "refunded_tax_minor"
            ),
        )
        .select_from(joined)
        .where(live(store), refunds.c.local_date.between(start, end))
        .group_by(refunds.c.local_date)
    )
    for row in conn.execute(query).mappings():
        facts.add(("day", row["local_date"], "", ""), row_measures(row, "local_date"))


def add_voided(conn: Connection, store: str, start: date, end: date, facts: Facts) -> None:
    """A cancelled order whose payment was voided is reversed on its cancellation day."""
    refunded = exists().where(refunds.c.store == o.c.store, refunds.c.order_id == o.c.order_id)
    query = (
        select(
            o.c.cancelled_local_date,
            func.sum(NET).label("returns_minor"),
            func.sum(o.c.shipping_minor).label("refunded_shipping_minor"),
            func.sum(o.c.tax_minor).label("refunded_tax_minor"),
        )
        .where(
            live(store),
            o.c.financial_status == "voided",
            not_(refunded),
            o.c.cancelled_local_date.between(start, end),
        )
        .group_by(o.c.cancelled_local_date)
    )
    for row in conn.execute(query).mappings():
        facts.add(
            ("day", row["cancelled_local_date"], "", ""), row_measures(row, "cancelled_local_date")
        )


def add_codes(conn: Connection, store: str, start: date, end: date, facts: Facts) -> None:
    """Orders by day and discount code (codes compared without case)."""
    joined = codes.join(o, and_(o.c.store == codes.c.store, o.c.order_id == codes.c.order_id))
    query = (
        select(o.c.local_date, codes.c.code, func.count().label("orders"))
        .select_from(joined)
        .where(live(store), o.c.local_date.between(start, end))
        .group_by(o.c.local_date, codes.c.code)
    )
    for row in conn.execute(query).mappings():
        facts.add(
            ("day", row["local_date"], "code", row["code"].upper()), {"orders": row["orders"]}
        )
