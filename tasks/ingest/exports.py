"""A marketplace export's order columns → warehouse rows, in bulk.

The same rows ``order_rows`` builds from canonical orders, built a column at a time: amounts
are minor units already, times UTC, and the store-local day of every order is worked out for
the whole file at once.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from itertools import repeat
from typing import Any, NamedTuple, TypeVar

import numpy as np
import pandas as pd

from connectors.marketplaces.columns import ExportOrders, Ints, Times
from tasks.ingest.context import StoreContext
from tasks.ingest.orders import LineRow, OrderRow, RefundRow, content_hash

R = TypeVar("R", OrderRow, LineRow, RefundRow)
SOURCE = "marketplace"
#: Where the content hash sits in an order row (set in place: ``_replace`` costs more).
_HASH = OrderRow._fields.index("content_hash")
COUNTRY = "CN"


class ExportRows(NamedTuple):
    """An export's order rows and their lines' and refunds' rows."""

    heads: list[OrderRow]
    lines: list[LineRow]
    refunds: list[RefundRow]


def export_rows(ctx: StoreContext, orders: ExportOrders, seen_at: datetime) -> ExportRows:
    """Every row of the export's paid orders, content hashes not yet set; ``seen_at`` (UTC)
    stands for the file's time."""
    days, weeks = local_days(ctx, orders.processed_at)
    heads = rows_of(
        OrderRow,
        len(orders),
        store=ctx.store,
        order_id=orders.order_id,
        name=orders.name,
        created_at=aware(orders.created_at),
        updated_at=seen_at,
        processed_at=aware(orders.processed_at),
        local_date=days,
        local_week=weeks,
        financial_status=orders.financial_status,
        fulfillment_status=orders.fulfillment_status,
        currency=ctx.currency,
        source_name=SOURCE,
        test=False,
        country_code=COUNTRY,
        taxes_included=True,
        line_items_minor=orders.line_items.tolist(),
        discounts_minor=orders.discounts.tolist(),
        subtotal_minor=(orders.line_items - orders.discounts).tolist(),
        shipping_minor=orders.shipping.tolist(),
        tax_minor=0,
        total_minor=orders.total.tolist(),
        current_total_minor=orders.current_total.tolist(),
        tags=[raw[:200] for raw in orders.status_raw],
        synced_at=ctx.synced_at,
        first_synced_at=ctx.synced_at,
        changed_at=ctx.synced_at,
        discount_shop_minor=_optional(orders.discount_shop),
        discount_platform_minor=_optional(orders.discount_platform),
    )
    return ExportRows(heads, _line_rows(ctx, orders), _refund_rows(ctx, orders))


def rows_of(kind: type[R], count: int, **columns: Any) -> list[R]:
    """``count`` rows of a row type from its columns by name: a list holds one value per row,
    anything else is every row's value, and a column not given is null."""
    values = [
        column if isinstance(column, list) else repeat(column, count)
        for column in (columns.get(name) for name in kind._fields)
    ]
    return list(map(kind._make, zip(*values, strict=True)))


def _line_rows(ctx: StoreContext, orders: ExportOrders) -> list[LineRow]:
    ids = orders.order_id
    return rows_of(
        LineRow,
        len(orders.line_id),
        store=ctx.store,
        line_id=orders.line_id,
        order_id=[ids[o] for o in orders.line_order.tolist()],
        product_id=orders.product_id,
        sku=orders.sku,
        title=orders.title,
        quantity=orders.quantity.tolist(),
        price_minor=orders.price.tolist(),
        discount_minor=orders.line_discount.tolist(),
        tax_minor=0,
        gift_card=False,
    )


def with_hashes(heads: list[OrderRow], lines: list[LineRow]) -> list[OrderRow]:
    """The order rows with their content hashes, from their lines as they will be stored."""
    by_order: dict[int, list[LineRow]] = {}
    for line in lines:
        by_order.setdefault(line.order_id, []).append(line)
    return [
        OrderRow._make(
            (
                *head[:_HASH],
                content_hash(head, by_order.get(head.order_id, []), []),
                *head[_HASH + 1 :],
            )
        )
        for head in heads
    ]


def _refund_rows(ctx: StoreContext, orders: ExportOrders) -> list[RefundRow]:
    days, weeks = local_days(ctx, orders.refunded_at)
    at = aware(orders.refunded_at)
    return rows_of(
        RefundRow,
        len(orders.refund_id),
        store=ctx.store,
        refund_id=orders.refund_id,
        order_id=[orders.order_id[o] for o in orders.refund_order.tolist()],
        created_at=at,
        processed_at=at,
        local_date=days,
        local_week=weeks,
        lines_subtotal_minor=orders.refund_goods.tolist(),
        lines_tax_minor=0,
        shipping_minor=orders.refund_shipping.tolist(),
        shipping_tax_minor=0,
        adjustments_minor=0,
        transactions_minor=orders.refund_total.tolist(),
        restock=False,
        first_synced_at=ctx.synced_at,
    )


def local_days(ctx: StoreContext, moments: Times) -> tuple[list[date], list[date]]:
    """The store-local day of each UTC moment, and the Monday of its ISO week."""
    local = pd.DatetimeIndex(moments).tz_localize(UTC).tz_convert(ctx.zone).tz_localize(None)
    days = local.to_numpy().astype("datetime64[D]")
    # 1970-01-01 was a Thursday: three days after a Monday.
    weekday = (days.astype(np.int64) + 3) % 7
    weeks = days - weekday.astype("timedelta64[D]")
    return days.tolist(), weeks.tolist()


def aware(moments: Times) -> list[datetime]:
    """Naive UTC moments as aware ``datetime``s."""
    stamps: list[datetime] = pd.DatetimeIndex(moments).tz_localize(UTC).to_pydatetime().tolist()
    return stamps


def _optional(values: Ints | None) -> list[int] | None:
    return None if values is None else values.tolist()
