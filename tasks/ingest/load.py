"""Canonical records → warehouse rows, written idempotently.

Every loader upserts on natural keys, so loading the same records twice leaves the same rows.
An order's lines, discount codes, refunds and refund lines are replaced whenever the order is
re-read, so edits and late refunds never leave stale children behind.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Delete, Table, bindparam, delete, select, update

from connectors.base import (
    Customer,
    InventoryLevel,
    Location,
    Order,
    OrderDeletion,
    Product,
    Rejected,
    TrafficDay,
)
from connectors.errors import MalformedRecord
from connectors.money import currency_exponent
from tasks.warehouse import schema as t
from tasks.warehouse.upsert import insert, upsert

#: Keys of a platform record that identify a person; quarantine keeps them redacted.
PERSONAL_KEYS = frozenset(
    {
        "email",
        "contact_email",
        "phone",
        "first_name",
        "last_name",
        "name",
        "address1",
        "address2",
        "zip",
        "latitude",
        "longitude",
        "browser_ip",
        "company",
        "note",
    }
)


#: The tables each synced resource writes.
RESOURCE_TABLES: dict[str, tuple[Table, ...]] = {
    "orders": (t.orders, t.order_lines, t.order_discount_codes, t.refunds, t.refund_lines),
    "customers": (t.customers,),
    "products": (t.products, t.variants),
    "deletions": (t.orders,),
    "inventory": (t.locations, t.inventory_levels),
    "traffic": (t.traffic_daily,),
}


@dataclass(frozen=True, slots=True)
class StoreContext:
    """What a loader needs to know about the store it writes for."""

    store: str
    zone: ZoneInfo
    currency: str
    synced_at: datetime

    @property
    def exponent(self) -> int:
        return currency_exponent(self.currency)

    def local_day(self, moment: datetime) -> tuple[date, date]:
        """The store-local date of a UTC moment, and the Monday of its ISO week."""
        day = moment.astimezone(self.zone).date()
        return day, day - timedelta(days=day.weekday())


@dataclass(slots=True)
class LoadResult:
    upserted: int = 0
    rejected: list[Rejected] = dataclasses.field(default_factory=list)


ORDER_COLUMNS = (
    "store",
    "order_id",
    "name",
    "created_at",
    "updated_at",
    "processed_at",
    "cancelled_at",
    "cancel_reason",
    "closed_at",
    "fulfilled_at",
    "deleted_at",
    "local_date",
    "local_week",
    "cancelled_local_date",
    "fulfilled_local_date",
    "financial_status",
    "fulfillment_status",
    "currency",
    "presentment_currency",
    "source_name",
    "test",
    "customer_id",
    "country_code",
    "taxes_included",
    "line_items_minor",
    "discounts_minor",
    "subtotal_minor",
    "shipping_minor",
    "tax_minor",
    "total_minor",
    "current_total_minor",
    "tags",
    "synced_at",
    "first_synced_at",
    "content_hash",
    "changed_at",
)
LINE_COLUMNS = (
    "store",
    "line_id",
    "order_id",
    "product_id",
    "variant_id",
    "sku",
    "title",
    "variant_title",
    "vendor",
    "quantity",
    "current_quantity",
    "price_minor",
    "discount_minor",
    "tax_minor",
    "gift_card",
    "fulfillment_status",
)
CODE_COLUMNS = ("store", "order_id", "code", "kind", "amount_minor")
REFUND_COLUMNS = (
    "store",
    "refund_id",
    "order_id",
    "created_at",
    "processed_at",
    "local_date",
    "local_week",
    "lines_subtotal_minor",
    "lines_tax_minor",
    "shipping_minor",
    "shipping_tax_minor",
    "adjustments_minor",
    "transactions_minor",
    "restock",
    "first_synced_at",
)
REFUND_LINE_COLUMNS = (
    "store",
    "refund_line_id",
    "refund_id",
    "order_id",
    "line_id",
    "quantity",
    "subtotal_minor",
    "tax_minor",
    "restock_type",
)


def load_orders(conn: Connection, ctx: StoreContext, orders: Sequence[Order]) -> LoadResult:
    """Upsert orders and replace their children; orders that cannot be stored are returned."""
    result = LoadResult()
    heads: list[tuple[Any, ...]] = []
    children: tuple[list[tuple[Any, ...]], ...] = ([], [], [], [])
    minor = _Minor(ctx)
    for order in orders:
        try:
            head, *parts = _order_rows(ctx, minor, order)
        except MalformedRecord as exc:
            result.rejected.append(Rejected(str(order.order_id), str(exc), _as_json(order)))
            continue
        heads.append(head)
        for rows, part in zip(children, parts, strict=True):
            rows.extend(part)
    if not heads:
        return result
    loaded = [head[1] for head in heads]
    stored = _stored_orders(conn, ctx.store, loaded)
    heads = [_keep_changed_at(head, stored.get(head[1])) for head in heads]
    lines, codes, refunds, refund_lines = children
    if stored:  # orders read before: replace their lines and codes, drop vanished refunds
        ids = list(stored)
        for table in (t.order_lines, t.order_discount_codes):
            conn.execute(_children_of(table), {"store": ctx.store, "ids": ids})
        for table, key, kept in (
            (t.refunds, "refund_id", [r[1] for r in refunds]),
            (t.refund_lines, "refund_line_id", [r[1] for r in refund_lines]),
        ):
            conn.execute(_vanished(table, key), {"store": ctx.store, "ids": ids, "kept": kept})
    upsert(conn, t.orders, heads, columns=ORDER_COLUMNS, keep=("first_synced_at",))
    insert(conn, t.order_lines, lines, columns=LINE_COLUMNS)
    insert(conn, t.order_discount_codes, codes, columns=CODE_COLUMNS)
    # Refunds are kept, not replaced, so that the first sync of each one is known.
    upsert(conn, t.refunds, refunds, columns=REFUND_COLUMNS, keep=("first_synced_at",))
    upsert(conn, t.refund_lines, refund_lines, columns=REFUND_LINE_COLUMNS)
    release_from_quarantine(conn, ctx.store, "orders", [str(i) for i in loaded])
    result.upserted = len(heads)
    return result


def _order_rows(ctx: StoreContext, minor: _Minor, order: Order) -> tuple[Any, ...]:
    """The order's row, then its lines, discount codes, refunds and refund lines."""
    if order.currency != ctx.currency:
        raise MalformedRecord(f"currency {order.currency} is not the store's {ctx.currency}")
    store, order_id = ctx.store, order.order_id
    local_date, local_week = ctx.local_day(order.processed_at)
    current = order.current_total_price
    head = (
        store,
        order_id,
        order.name,
        order.created_at,
        order.updated_at,
        order.processed_at,
        order.cancelled_at,
        order.cancel_reason,
        order.closed_at,
        order.fulfilled_at,
        None,
        local_date,
        local_week,
        ctx.local_day(order.cancelled_at)[0] if order.cancelled_at else None,
        ctx.local_day(order.fulfilled_at)[0] if order.fulfilled_at else None,
        order.financial_status,
        order.fulfillment_status,
        order.currency,
        order.presentment_currency,
        order.source_name,
        order.test,
        order.customer_id,
        order.country_code,
        order.taxes_included,
        minor(order.total_line_items_price, "total_line_items_price"),
        minor(order.total_discounts, "total_discounts"),
        minor(order.subtotal_price, "subtotal_price"),
        minor(order.total_shipping, "total_shipping"),
        minor(order.total_tax, "total_tax"),
        minor(order.total_price, "total_price"),
        None if current is None else minor(current, "current_total_price"),
        order.tags,
        ctx.synced_at,
        ctx.synced_at,
        None,  # content_hash, set below from the rows
        ctx.synced_at,
    )
    lines = [
        (
            store,
            line.line_id,
            order_id,
            line.product_id,
            line.variant_id,
            line.sku,
            line.title,
            line.variant_title,
            line.vendor,
            line.quantity,
            line.current_quantity,
            minor(line.price, "line item price"),
            minor(line.discount, "line item discount"),
            minor(line.tax, "line item tax"),
            line.gift_card,
            line.fulfillment_status,
        )
        for line in order.lines
    ]
    codes: dict[str, list[Any]] = {}
    for code in order.discount_codes:  # a code applied twice is one row with both amounts
        row = codes.setdefault(code.code, [store, order_id, code.code, code.kind, 0])
        row[4] += minor(code.amount, "discount code amount")
    refunds: list[tuple[Any, ...]] = []
    refund_lines: list[tuple[Any, ...]] = []
    for refund in order.refunds:
        refund_date, refund_week = ctx.local_day(refund.processed_at)
        refunds.append(
            (
                store,
                refund.refund_id,
                order_id,
                refund.created_at,
                refund.processed_at,
                refund_date,
                refund_week,
                minor(refund.lines_subtotal, "refund lines subtotal"),
                minor(refund.lines_tax, "refund lines tax"),
                minor(refund.shipping, "refund shipping"),
                minor(refund.shipping_tax, "refund shipping tax"),
                minor(refund.adjustments, "refund adjustments"),
                minor(refund.transactions, "refund transactions"),
                refund.restock,
                ctx.synced_at,
            )
        )
        refund_lines.extend(
            (
                store,
                line.refund_line_id,
                refund.refund_id,
                order_id,
                line.line_id,
                line.quantity,
                minor(line.subtotal, "refund line subtotal"),
                minor(line.tax, "refund line tax"),
                line.restock_type,
            )
            for line in refund.lines
        )
    code_rows = [tuple(c) for c in codes.values()]
    hashed: tuple[Any, ...] = (*head[:-2], _content_hash(head, lines, code_rows), head[-1])
    return hashed, lines, code_rows, refunds, refund_lines


#: The order columns an order's own day's metrics read (not its refunds', not bookkeeping).
_DAY_FIELDS = tuple(
    ORDER_COLUMNS.index(c)
    for c in (
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


#: What a line contributes to its order's day (a refund changes current_quantity, not this).
_LINE_DAY_FIELDS = tuple(
    LINE_COLUMNS.index(c)
    for c in (
        "line_id",
        "product_id",
        "variant_id",
        "quantity",
        "price_minor",
        "discount_minor",
        "tax_minor",
    )
)


def _content_hash(
    head: tuple[Any, ...], lines: list[tuple[Any, ...]], codes: list[tuple[Any, ...]]
) -> str:
    """A fingerprint of what the order's day reads: an unchanged order does not reopen it."""
    voided = head[ORDER_COLUMNS.index("financial_status")] == "voided"
    sold = [tuple(line[i] for i in _LINE_DAY_FIELDS) for line in lines]
    fields = (tuple(head[i] for i in _DAY_FIELDS), voided, sold, codes)
    return hashlib.blake2b(repr(fields).encode(), digest_size=8).hexdigest()


def _stored_orders(
    conn: Connection, store: str, order_ids: list[int]
) -> dict[int, tuple[str | None, datetime | None]]:
    """The orders already stored, with their content hash and when that content last changed."""
    return {
        row[0]: (row[1], row[2])
        for row in conn.execute(_STORED, {"store": store, "ids": order_ids})
    }


def _keep_changed_at(
    head: tuple[Any, ...], stored: tuple[str | None, datetime | None] | None
) -> tuple[Any, ...]:
    """An order whose content is unchanged keeps the moment it last changed."""
    if stored is None or stored[0] != head[-2] or stored[1] is None:
        return head
    return (*head[:-1], stored[1])


_STORED = select(t.orders.c.order_id, t.orders.c.content_hash, t.orders.c.changed_at).where(
    t.orders.c.store == bindparam("store"),
    t.orders.c.order_id.in_(bindparam("ids", expanding=True)),
)


def load_customers(
    conn: Connection, ctx: StoreContext, customers: Sequence[Customer]
) -> LoadResult:
    rows = [
        {
            "store": ctx.store,
            "customer_id": c.customer_id,
            "created_at": c.created_at,
            "updated_at": c.updated_at,
            "state": c.state,
            "country_code": c.country_code,
            "tags": c.tags,
            "accepts_marketing": c.accepts_marketing,
            "synced_at": ctx.synced_at,
        }
        for c in customers
    ]
    return LoadResult(upserted=upsert(conn, t.customers, rows))


def load_products(conn: Connection, ctx: StoreContext, products: Sequence[Product]) -> LoadResult:
    result = LoadResult()
    product_rows, variant_rows = [], []
    for product in products:
        try:
            variant_rows.extend(_variant_rows(ctx, product))
        except MalformedRecord as exc:
            result.rejected.append(Rejected(str(product.product_id), str(exc), _as_json(product)))
            continue
        product_rows.append(
            {
                "store": ctx.store,
                "product_id": product.product_id,
                "title": product.title,
                "product_type": product.product_type,
                "vendor": product.vendor,
                "status": product.status,
                "handle": product.handle,
                "tags": product.tags,
                "created_at": product.created_at,
                "updated_at": product.updated_at,
                "synced_at": ctx.synced_at,
            }
        )
    ids = [row["product_id"] for row in product_rows]
    if ids:
        conn.execute(
            delete(t.variants).where(
                t.variants.c.store == ctx.store, t.variants.c.product_id.in_(ids)
            )
        )
        upsert(conn, t.products, product_rows)
        insert(conn, t.variants, variant_rows)
    result.upserted = len(ids)
    return result


def _variant_rows(ctx: StoreContext, product: Product) -> list[dict[str, Any]]:
    minor = _Minor(ctx)
    return [
        {
            "store": ctx.store,
            "variant_id": v.variant_id,
            "product_id": product.product_id,
            "title": v.title,
            "sku": v.sku,
            "price_minor": minor(v.price, "variant price"),
            "cost_minor": None if v.cost is None else minor(v.cost, "variant cost"),
            "inventory_item_id": v.inventory_item_id,
            "created_at": v.created_at,
            "updated_at": v.updated_at,
        }
        for v in product.variants
    ]


def load_locations(
    conn: Connection, ctx: StoreContext, locations: Sequence[Location]
) -> LoadResult:
    rows = [
        {
            "store": ctx.store,
            "location_id": loc.location_id,
            "name": loc.name,
            "active": loc.active,
            "country_code": loc.country_code,
            "synced_at": ctx.synced_at,
        }
        for loc in locations
    ]
    return LoadResult(upserted=upsert(conn, t.locations, rows))


def load_inventory(
    conn: Connection, ctx: StoreContext, levels: Sequence[InventoryLevel], snapshot_date: date
) -> LoadResult:
    rows = [
        {
            "store": ctx.store,
            "inventory_item_id": level.inventory_item_id,
            "location_id": level.location_id,
            "snapshot_date": snapshot_date,
            "available": level.available,
            "updated_at": level.updated_at,
            "synced_at": ctx.synced_at,
        }
        for level in levels
    ]
    return LoadResult(upserted=upsert(conn, t.inventory_levels, rows))


def load_deletions(
    conn: Connection, ctx: StoreContext, deletions: Sequence[OrderDeletion]
) -> LoadResult:
    """Mark deleted orders (rows stay, so history can still explain past reports)."""
    marked = 0
    for deletion in deletions:
        result = conn.execute(
            update(t.orders)
            .where(t.orders.c.store == ctx.store, t.orders.c.order_id == deletion.order_id)
            .values(
                deleted_at=deletion.deleted_at, synced_at=ctx.synced_at, changed_at=ctx.synced_at
            )
        )
        marked += result.rowcount or 0
    return LoadResult(upserted=marked)


def load_traffic(
    conn: Connection, ctx: StoreContext, days: Sequence[TrafficDay], source: str
) -> LoadResult:
    rows = [
        {
            "store": ctx.store,
            "local_date": day.day,
            "channel": day.channel,
            "sessions": day.sessions,
            "add_to_carts": day.add_to_carts,
            "checkouts": day.checkouts,
            "purchases": day.purchases,
            "source": source,
            "synced_at": ctx.synced_at,
        }
        for day in days
    ]
    return LoadResult(upserted=upsert(conn, t.traffic_daily, rows))


def quarantine(
    conn: Connection, store: str, resource: str, rejected: Iterable[Rejected], at: datetime
) -> int:
    """Keep records that could not be loaded, with their reason; a repeat updates the row."""
    rows = [
        {
            "store": store,
            "resource": resource,
            "record_key": r.record_key[:128],
            "reason": r.reason,
            "payload": json.dumps(redact(r.payload), default=str),
            "first_seen_at": at,
            "last_seen_at": at,
        }
        for r in rejected
    ]
    return upsert(conn, t.quarantine, rows, keep=("first_seen_at",))


def release_from_quarantine(conn: Connection, store: str, resource: str, keys: list[str]) -> None:
    """A record that now loads cleanly leaves quarantine."""
    if conn.execute(_ANY_QUARANTINED, {"store": store, "resource": resource}).first() is None:
        return  # the common case, answered without sending every key
    for start in range(0, len(keys), 500):
        conn.execute(
            _RELEASE, {"store": store, "resource": resource, "keys": keys[start : start + 500]}
        )


_ANY_QUARANTINED = (
    select(t.quarantine.c.record_key)
    .where(
        t.quarantine.c.store == bindparam("store"), t.quarantine.c.resource == bindparam("resource")
    )
    .limit(1)
)
_RELEASE = delete(t.quarantine).where(
    t.quarantine.c.store == bindparam("store"),
    t.quarantine.c.resource == bindparam("resource"),
    t.quarantine.c.record_key.in_(bindparam("keys", expanding=True)),
)


def redact(value: Any) -> Any:
    """Replace personal fields of a raw platform record with a marker, at any depth."""
    if isinstance(value, dict):
        return {
            k: "[redacted]" if k in PERSONAL_KEYS and v else redact(v) for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


@functools.cache
def _vanished(table: Table, key: str) -> Delete:
    """Delete the children of the given orders that the platform no longer lists."""
    return delete(table).where(
        table.c.store == bindparam("store"),
        table.c.order_id.in_(bindparam("ids", expanding=True)),
        table.c[key].not_in(bindparam("kept", expanding=True)),
    )


@functools.cache
def _children_of(table: Table) -> Delete:
    # One statement object per table, so SQLAlchemy compiles it once and expands the ids.
    return delete(table).where(
        table.c.store == bindparam("store"), table.c.order_id.in_(bindparam("ids", expanding=True))
    )


class _Minor:
    """Convert Decimal amounts to minor units, naming the field when an amount is inexact."""

    __slots__ = ("currency", "exponent")

    def __init__(self, ctx: StoreContext) -> None:
        self.currency = ctx.currency
        self.exponent = ctx.exponent

    def __call__(self, amount: Decimal, field: str) -> int:
        scaled = amount.scaleb(self.exponent)
        minor = int(scaled)
        if minor != scaled:
            raise MalformedRecord(
                f"{field} {amount} has more than {self.exponent} decimals for {self.currency}"
            )
        return minor


def _as_json(record: Any) -> dict[str, Any]:
    return json.loads(json.dumps(dataclasses.asdict(record), default=str))
