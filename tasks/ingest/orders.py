"""Orders → warehouse rows: the order, its lines, discount codes, refunds and refund lines.

Every row is a NamedTuple whose fields are the table's columns, so the upsert's fast path takes
it as it is and a column is added in one place. An order's children are replaced whenever the
order is re-read, so edits and late refunds never leave stale children behind.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from datetime import date, datetime
from operator import itemgetter
from typing import NamedTuple, TypedDict

from sqlalchemy import Connection, Delete, Table, bindparam, delete, select

from connectors.base import Order, OrderLine, Refund
from connectors.errors import MalformedRecord
from tasks.ingest.context import LoadResult, Minor, StoreContext, rejected_record
from tasks.ingest.quarantine import release_from_quarantine
from tasks.warehouse import schema as tables
from tasks.warehouse.upsert import insert, upsert


class OrderRow(NamedTuple):
    """One ``orders`` row."""

    store: str
    order_id: int
    name: str
    created_at: datetime
    updated_at: datetime
    processed_at: datetime
    cancelled_at: datetime | None
    cancel_reason: str | None
    closed_at: datetime | None
    fulfilled_at: datetime | None
    deleted_at: datetime | None
    local_date: date
    local_week: date
    cancelled_local_date: date | None
    fulfilled_local_date: date | None
    financial_status: str | None
    fulfillment_status: str | None
    currency: str
    presentment_currency: str | None
    source_name: str | None
    test: bool
    customer_id: int | None
    country_code: str | None
    taxes_included: bool
    line_items_minor: int
    discounts_minor: int
    subtotal_minor: int
    shipping_minor: int
    tax_minor: int
    total_minor: int
    current_total_minor: int | None
    tags: str
    utm_source: str | None
    utm_medium: str | None
    utm_campaign: str | None
    click_id: str | None
    marketing_channel: str | None
    synced_at: datetime
    first_synced_at: datetime
    content_hash: str | None
    changed_at: datetime
    #: Discounts the shop funded and those the platform funded, where the source says.
    discount_shop_minor: int | None = None
    discount_platform_minor: int | None = None


class LineRow(NamedTuple):
    """One ``order_lines`` row."""

    store: str
    line_id: int
    order_id: int
    product_id: int | None
    variant_id: int | None
    sku: str | None
    title: str
    variant_title: str | None
    vendor: str | None
    quantity: int
    current_quantity: int | None
    price_minor: int
    discount_minor: int
    tax_minor: int
    gift_card: bool
    fulfillment_status: str | None


class CodeRow(NamedTuple):
    """One ``order_discount_codes`` row: a code applied twice is one row with both amounts."""

    store: str
    order_id: int
    code: str
    kind: str
    amount_minor: int


class RefundRow(NamedTuple):
    """One ``refunds`` row."""

    store: str
    refund_id: int
    order_id: int
    created_at: datetime
    processed_at: datetime
    local_date: date
    local_week: date
    lines_subtotal_minor: int
    lines_tax_minor: int
    shipping_minor: int
    shipping_tax_minor: int
    adjustments_minor: int
    transactions_minor: int
    restock: bool
    first_synced_at: datetime


class RefundLineRow(NamedTuple):
    """One ``refund_lines`` row."""

    store: str
    refund_line_id: int
    refund_id: int
    order_id: int
    line_id: int
    quantity: int
    subtotal_minor: int
    tax_minor: int
    restock_type: str | None


ORDER_COLUMNS = OrderRow._fields
LINE_COLUMNS = LineRow._fields
CODE_COLUMNS = CodeRow._fields
REFUND_COLUMNS = RefundRow._fields
REFUND_LINE_COLUMNS = RefundLineRow._fields


class OrderRows(NamedTuple):
    """An order's row and its children's rows."""

    head: OrderRow
    lines: list[LineRow]
    codes: list[CodeRow]
    refunds: list[RefundRow]
    refund_lines: list[RefundLineRow]


def load_orders(conn: Connection, ctx: StoreContext, orders: Sequence[Order]) -> LoadResult:
    """Upsert orders and replace their children; orders that cannot be stored are returned."""
    result = LoadResult()
    built: list[OrderRows] = []
    minor = Minor(ctx)
    for order in orders:
        try:
            built.append(order_rows(ctx, minor, order))
        except MalformedRecord as exc:
            result.rejected.append(rejected_record("order", order.order_id, str(exc), order))
    if not built:
        return result
    write_orders(
        conn,
        ctx,
        [rows.head for rows in built],
        [r for rows in built for r in rows.lines],
        [c for rows in built for c in rows.codes],
        [r for rows in built for r in rows.refunds],
        [r for rows in built for r in rows.refund_lines],
    )
    result.upserted = len(built)
    return result


def write_orders(
    conn: Connection,
    ctx: StoreContext,
    heads: list[OrderRow],
    lines: list[LineRow],
    codes: list[CodeRow],
    refunds: list[RefundRow],
    refund_lines: list[RefundLineRow],
) -> None:
    """Upsert the orders' rows and replace their children (rows built by ``order_rows``, or in
    bulk from an export's columns)."""
    loaded = [head.order_id for head in heads]
    stored = _stored_orders(conn, ctx.store, loaded)
    heads = [_keep_changed_at(head, stored.get(head.order_id)) for head in heads]
    if stored:  # orders read before: replace their lines and codes, drop vanished refunds
        kept_refunds = [r.refund_id for r in refunds]
        kept_lines = [r.refund_line_id for r in refund_lines]
        for ids in _chunks(list(stored)):
            for table in (tables.order_lines, tables.order_discount_codes):
                conn.execute(children_of(table), {"store": ctx.store, "ids": ids})
            for table, key, kept in (
                (tables.refunds, "refund_id", kept_refunds),
                (tables.refund_lines, "refund_line_id", kept_lines),
            ):
                params = {"store": ctx.store, "ids": ids, "kept": kept}
                conn.execute(_vanished(table, key), params)
    upsert(conn, tables.orders, heads, columns=ORDER_COLUMNS, keep=("first_synced_at",))
    insert(conn, tables.order_lines, lines, columns=LINE_COLUMNS)
    insert(conn, tables.order_discount_codes, codes, columns=CODE_COLUMNS)
    # Refunds are kept, not replaced, so that the first sync of each one is known.
    upsert(conn, tables.refunds, refunds, columns=REFUND_COLUMNS, keep=("first_synced_at",))
    upsert(conn, tables.refund_lines, refund_lines, columns=REFUND_LINE_COLUMNS)
    release_from_quarantine(conn, ctx.store, "orders", [str(i) for i in loaded])


def order_rows(ctx: StoreContext, minor: Minor, order: Order) -> OrderRows:
    """Build the order's row and its children's rows, with the order's content hash set.

    Raises:
        MalformedRecord: the order is in another currency or an amount is inexact.
    """
    if order.currency != ctx.currency:
        raise MalformedRecord(f"currency {order.currency} is not the store's {ctx.currency}")
    local_date, local_week = ctx.local_day(order.processed_at)
    current = order.current_total_price
    head = OrderRow(
        store=ctx.store,
        order_id=order.order_id,
        name=order.name,
        created_at=order.created_at,
        updated_at=order.updated_at,
        processed_at=order.processed_at,
        cancelled_at=order.cancelled_at,
        cancel_reason=order.cancel_reason,
        closed_at=order.closed_at,
        fulfilled_at=order.fulfilled_at,
        deleted_at=None,
        local_date=local_date,
        local_week=local_week,
        cancelled_local_date=_local_date(ctx, order.cancelled_at),
        fulfilled_local_date=_local_date(ctx, order.fulfilled_at),
        financial_status=order.financial_status,
        fulfillment_status=order.fulfillment_status,
        currency=order.currency,
        presentment_currency=order.presentment_currency,
        source_name=order.source_name,
        test=order.test,
        customer_id=order.customer_id,
        country_code=order.country_code,
        taxes_included=order.taxes_included,
        line_items_minor=minor(order.total_line_items_price, "total_line_items_price"),
        discounts_minor=minor(order.total_discounts, "total_discounts"),
        subtotal_minor=minor(order.subtotal_price, "subtotal_price"),
        shipping_minor=minor(order.total_shipping, "total_shipping"),
        tax_minor=minor(order.total_tax, "total_tax"),
        total_minor=minor(order.total_price, "total_price"),
        current_total_minor=None if current is None else minor(current, "current_total_price"),
        tags=order.tags,
        **_attribution(order),
        synced_at=ctx.synced_at,
        first_synced_at=ctx.synced_at,
        content_hash=None,  # set below, from the rows
        changed_at=ctx.synced_at,
    )
    lines = [line_row(ctx, minor, order.order_id, line) for line in order.lines]
    codes = _code_rows(ctx, minor, order)
    refunds = [_refund_row(ctx, minor, order.order_id, refund) for refund in order.refunds]
    refund_lines = [
        RefundLineRow(
            store=ctx.store,
            refund_line_id=line.refund_line_id,
            refund_id=refund.refund_id,
            order_id=order.order_id,
            line_id=line.line_id,
            quantity=line.quantity,
            subtotal_minor=minor(line.subtotal, "refund line subtotal"),
            tax_minor=minor(line.tax, "refund line tax"),
            restock_type=line.restock_type,
        )
        for refund in order.refunds
        for line in refund.lines
    ]
    head = head._replace(content_hash=content_hash(head, lines, codes))
    return OrderRows(head, lines, codes, refunds, refund_lines)


def line_row(ctx: StoreContext, minor: Minor, order_id: int, line: OrderLine) -> LineRow:
    """One order line's row."""
    return LineRow(
        store=ctx.store,
        line_id=line.line_id,
        order_id=order_id,
        product_id=line.product_id,
        variant_id=line.variant_id,
        sku=line.sku,
        title=line.title,
        variant_title=line.variant_title,
        vendor=line.vendor,
        quantity=line.quantity,
        current_quantity=line.current_quantity,
        price_minor=minor(line.price, "line item price"),
        discount_minor=minor(line.discount, "line item discount"),
        tax_minor=minor(line.tax, "line item tax"),
        gift_card=line.gift_card,
        fulfillment_status=line.fulfillment_status,
    )


class AttributionColumns(TypedDict):
    utm_source: str | None
    utm_medium: str | None
    utm_campaign: str | None
    click_id: str | None
    marketing_channel: str | None


def _attribution(order: Order) -> AttributionColumns:
    """The order's attribution columns, all null where its platform records none."""
    found = order.attribution
    return {
        "utm_source": found.utm_source if found else None,
        "utm_medium": found.utm_medium if found else None,
        "utm_campaign": found.utm_campaign if found else None,
        "click_id": found.click_id if found else None,
        "marketing_channel": found.marketing_channel if found else None,
    }


def _local_date(ctx: StoreContext, moment: datetime | None) -> date | None:
    return None if moment is None else ctx.local_day(moment)[0]


def _code_rows(ctx: StoreContext, minor: Minor, order: Order) -> list[CodeRow]:
    codes: dict[str, CodeRow] = {}
    for code in order.discount_codes:  # a code applied twice is one row with both amounts
        amount = minor(code.amount, "discount code amount")
        row = codes.get(code.code)
        if row is None:
            codes[code.code] = CodeRow(ctx.store, order.order_id, code.code, code.kind, amount)
        else:
            codes[code.code] = row._replace(amount_minor=row.amount_minor + amount)
    return list(codes.values())


def _refund_row(ctx: StoreContext, minor: Minor, order_id: int, refund: Refund) -> RefundRow:
    local_date, local_week = ctx.local_day(refund.processed_at)
    return RefundRow(
        store=ctx.store,
        refund_id=refund.refund_id,
        order_id=order_id,
        created_at=refund.created_at,
        processed_at=refund.processed_at,
        local_date=local_date,
        local_week=local_week,
        lines_subtotal_minor=minor(refund.lines_subtotal, "refund lines subtotal"),
        lines_tax_minor=minor(refund.lines_tax, "refund lines tax"),
        shipping_minor=minor(refund.shipping, "refund shipping"),
        shipping_tax_minor=minor(refund.shipping_tax, "refund shipping tax"),
        adjustments_minor=minor(refund.adjustments, "refund adjustments"),
        transactions_minor=minor(refund.transactions, "refund transactions"),
        restock=refund.restock,
        first_synced_at=ctx.synced_at,
    )


#: What the order's day reads of its row and of each line, in the hash's fixed order.
_DAY_FIELDS = itemgetter(
    *(
        ORDER_COLUMNS.index(name)
        for name in (
            "processed_at",
            "cancelled_at",
            "fulfilled_at",
            "test",
            "customer_id",
            "source_name",
            "line_items_minor",
            "discounts_minor",
            "shipping_minor",
            "tax_minor",
            "total_minor",
        )
    )
)
_SOLD_FIELDS = itemgetter(
    *(
        LINE_COLUMNS.index(name)
        for name in (
            "line_id",
            "product_id",
            "variant_id",
            "quantity",
            "price_minor",
            "discount_minor",
            "tax_minor",
        )
    )
)


def content_hash(head: OrderRow, lines: list[LineRow], codes: list[CodeRow]) -> str:
    """A fingerprint of what the order's day reads: an unchanged order does not reopen it.

    Only what the order's own day's metrics read counts (not its refunds, not bookkeeping), and
    a line only by what it contributes to that day (a refund changes current_quantity, not this).
    The fields are hashed as plain tuples in a fixed order, so stored hashes stay valid; an
    order's marketing source joins them only when it has one, so an order without stays put.
    """
    day = _DAY_FIELDS(head)
    sold = list(map(_SOLD_FIELDS, lines))
    fields: tuple[object, ...] = (
        day,
        head.financial_status == "voided",
        sold,
        [tuple(c) for c in codes],
    )
    if head.discount_shop_minor is not None or head.discount_platform_minor is not None:
        fields += (head.discount_shop_minor, head.discount_platform_minor)
    if head.marketing_channel is not None:
        fields += ((head.marketing_channel, head.utm_source, head.utm_medium, head.utm_campaign),)
    return hashlib.blake2b(repr(fields).encode(), digest_size=8).hexdigest()


class _Stored(NamedTuple):
    content_hash: str | None
    changed_at: datetime | None


def _stored_orders(conn: Connection, store: str, order_ids: list[int]) -> dict[int, _Stored]:
    """The orders already stored, with their content hash and when that content last changed."""
    return {
        row.order_id: _Stored(row.content_hash, row.changed_at)
        for ids in _chunks(order_ids)
        for row in conn.execute(_STORED, {"store": store, "ids": ids})
    }


def _chunks(ids: list[int], size: int = 5000) -> list[list[int]]:
    """Ids in slices that stay well under any driver's limit on bound parameters."""
    return [ids[start : start + size] for start in range(0, len(ids), size)]


def _keep_changed_at(head: OrderRow, stored: _Stored | None) -> OrderRow:
    """An order whose content is unchanged keeps the moment it last changed."""
    if stored is None or stored.content_hash != head.content_hash or stored.changed_at is None:
        return head
    return head._replace(changed_at=stored.changed_at)


_STORED = select(
    tables.orders.c.order_id, tables.orders.c.content_hash, tables.orders.c.changed_at
).where(
    tables.orders.c.store == bindparam("store"),
    tables.orders.c.order_id.in_(bindparam("ids", expanding=True)),
)


@functools.cache
def _vanished(table: Table, key: str) -> Delete:
    """Delete the children of the given orders that the platform no longer lists."""
    return delete(table).where(
        table.c.store == bindparam("store"),
        table.c.order_id.in_(bindparam("ids", expanding=True)),
        table.c[key].not_in(bindparam("kept", expanding=True)),
    )


@functools.cache
def children_of(table: Table) -> Delete:
    # One statement object per table, so SQLAlchemy compiles it once and expands the ids.
    return delete(table).where(
        table.c.store == bindparam("store"), table.c.order_id.in_(bindparam("ids", expanding=True))
    )
