"""From an export's sales to the canonical records every other source produces.

A platform module reads its rows into ``Sale``s (one per order, in the store's wall-clock time);
``to_order`` turns a paid sale into the same ``Order`` the Shopify connector yields, so metrics,
checks, digests and roll-ups read a marketplace store unchanged. The money identity kept exact,
to the fen: ``line items − discounts + shipping = what the buyer paid`` (prices include VAT, so
tax is zero).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_CEILING, Decimal
from typing import Literal, TypeVar
from zoneinfo import ZoneInfo

from connectors.base import Order, OrderDeletion, OrderLine, Refund, Rejected, TrafficDay
from connectors.marketplaces.files import Sheet

T = TypeVar("T")
#: An order's rows in a file: each with its 1-based row number, cleaned, personal fields gone.
Rows = list[tuple[int, dict[str, str | None]]]
#: The canonical order statuses every platform's own words map to (docs/metrics.md).
Status = Literal["pending", "paid", "shipped", "completed", "closed", "refunded"]
CENT = Decimal("0.01")
#: The key of the one line an order export without item lines gives an order.
ORDER_LEVEL_LINE = "order"


@dataclass(slots=True)
class SaleLine:
    """One item line: its goods amount before order-level discounts."""

    key: str
    title: str
    sku: str | None
    quantity: int
    amount: Decimal


@dataclass(slots=True)
class Sale:
    """One order as an export states it; times are the store's wall clock (naive)."""

    order_key: str
    status_raw: str
    status: Status
    created_at: datetime | None
    paid_at: datetime | None
    goods: Decimal
    shipping: Decimal
    paid: Decimal
    refunded: Decimal = Decimal(0)
    #: When the export says the refund completed; None: dated by the file that first showed it.
    refunded_at: datetime | None = None
    lines: list[SaleLine] = field(default_factory=list)
    #: Removed in the back-end (京东's ``(删除)``): the order leaves the warehouse.
    deleted: bool = False

    def moments(self) -> list[datetime]:
        return [m for m in (self.created_at, self.paid_at, self.refunded_at) if m is not None]


@dataclass(slots=True)
class ExportBatch:
    """What one file holds, as canonical records, and what it could not read."""

    kind: str
    file_format: str
    rows: int = 0
    orders: list[Order] = field(default_factory=list)
    #: Refunds the export gives no completion date for (dated on the day a file first showed them).
    undated_refunds: set[int] = field(default_factory=set)
    deletions: list[OrderDeletion] = field(default_factory=list)
    #: Taobao's 宝贝报表: the item lines of orders (by order id), to replace their order-level line.
    item_lines: dict[int, list[OrderLine]] = field(default_factory=dict)
    traffic: list[TrafficDay] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    #: Orders the file lists that were never paid: they never count.
    unpaid: int = 0
    #: The latest moment any row records (UTC): the file's export time, as near as it says.
    exported_at: datetime | None = None


@functools.lru_cache(maxsize=4096)
def product_id(name: str) -> int:
    """A product's id from the SKU code (else the title) the export names it by."""
    return numeric_id(f"product/{name}")


def numeric_id(key: str) -> int:
    """The warehouse's integer id for a platform's order (or line, or refund) key.

    An all-digit key that fits 63 bits is itself (19-digit Taobao and 抖店 ids do); anything else
    (拼多多's ``YYMMDD-…``, a composite line key) is a stable 63-bit hash of the exact string.
    """
    if key.isdigit() and int(key) < 2**63:
        return int(key)
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest()) & (2**63 - 1)


def group_rows(sheet: Sheet, key_column: str) -> Iterable[tuple[str, Rows]]:
    """The sheet's rows grouped by order key, in file order; rows without a key form their own
    group keyed by row number (and are rejected by the reader)."""
    groups: dict[str, Rows] = {}
    for number, row in sheet.rows:
        groups.setdefault(row.get(key_column) or f"#row{number}", []).append((number, row))
    return groups.items()


def read_groups(
    batch: ExportBatch,
    sheet: Sheet,
    file_name: str,
    key_column: str,
    build: Callable[[str, Rows], T],
) -> list[tuple[str, T]]:
    """Build each order's rows into one value; a group that cannot be read is set aside naming
    the file, its first row and the column."""
    built = []
    for key, rows in group_rows(sheet, key_column):
        batch.rows += len(rows)
        try:
            if key.startswith("#row"):
                raise ValueError(f"column {key_column}: the order id is empty")
            built.append((key, build(key, rows)))
        except ValueError as exc:
            first_row, payload = rows[0]
            reason = f"{file_name} row {first_row}, {exc}"
            batch.rejected.append(Rejected(f"{file_name}:{first_row}", reason, dict(payload)))
    return built


def read_sales(
    batch: ExportBatch,
    sheet: Sheet,
    file_name: str,
    key_column: str,
    build: Callable[[str, Rows], Sale],
) -> list[Sale]:
    """Each order's sale, the unreadable ones set aside (``read_groups``)."""
    return [sale for _, sale in read_groups(batch, sheet, file_name, key_column, build)]


def add_sales(batch: ExportBatch, sales: list[Sale], zone: ZoneInfo, currency: str) -> None:
    """Turn the sales into canonical records: paid orders, their refunds, deletions."""
    moments = [m for sale in sales for m in sale.moments()]
    if moments:
        batch.exported_at = utc(max(moments), zone)
    seen_at = batch.exported_at or datetime.now(UTC)
    for sale in sales:
        if sale.deleted:
            batch.deletions.append(OrderDeletion(numeric_id(sale.order_key), seen_at))
        elif sale.paid_at is None:
            batch.unpaid += 1
        else:
            order = to_order(sale, zone, currency, seen_at)
            batch.orders.append(order)
            if order.refunds and sale.refunded_at is None:
                batch.undated_refunds.add(order.refunds[0].refund_id)


def utc(local: datetime, zone: ZoneInfo) -> datetime:
    """A wall-clock time in the store's zone as UTC."""
    return local.replace(tzinfo=zone).astimezone(UTC)


def to_order(sale: Sale, zone: ZoneInfo, currency: str, seen_at: datetime) -> Order:
    """The canonical order of a paid sale; ``seen_at`` (UTC) stands for the file's time."""
    assert sale.paid_at is not None
    paid_at = utc(sale.paid_at, zone)
    created_at = utc(sale.created_at, zone) if sale.created_at else paid_at
    if sale.status == "closed" and sale.refunded == 0:  # closed after payment: refunded in full
        sale.status, sale.refunded = "refunded", sale.paid
    shipping = min(sale.shipping, sale.paid)
    goods = max(sale.goods, sale.paid - shipping)
    discounts = goods + shipping - sale.paid
    order_id = numeric_id(sale.order_key)
    refunded = min(sale.refunded, sale.paid)
    financial = "paid"
    if refunded > 0:
        financial = "refunded" if refunded == sale.paid else "partially_refunded"
    return Order(
        order_id=order_id,
        name=sale.order_key,
        created_at=created_at,
        updated_at=seen_at,
        processed_at=paid_at,
        cancelled_at=None,
        cancel_reason=None,
        closed_at=None,
        financial_status=financial,
        fulfillment_status=sale.status,
        fulfilled_at=None,
        currency=currency,
        presentment_currency=None,
        source_name="marketplace",
        test=False,
        customer_id=None,
        country_code="CN",
        taxes_included=True,
        total_line_items_price=goods,
        total_discounts=discounts,
        subtotal_price=goods - discounts,
        total_shipping=shipping,
        total_tax=Decimal(0),
        total_price=sale.paid,
        current_total_price=sale.paid - refunded,
        tags=sale.status_raw[:200],
        lines=_lines(sale, goods),
        refunds=_refunds(sale, order_id, refunded, goods - discounts, zone, seen_at),
    )


def _lines(sale: Sale, goods: Decimal) -> list[OrderLine]:
    return order_lines(
        sale.order_key,
        sale.lines or [SaleLine(ORDER_LEVEL_LINE, sale.status_raw or "", None, 1, goods)],
    )


def order_lines(order_key: str, lines: list[SaleLine]) -> list[OrderLine]:
    """The canonical lines of an order's item lines."""
    built = []
    for line in lines:
        quantity = max(line.quantity, 1)
        # A price in whole fen whose line total covers the amount; the difference is a discount.
        price = (line.amount / quantity).quantize(CENT, rounding=ROUND_CEILING)
        built.append(
            OrderLine(
                # A sub-order's own number is unique; other lines are keyed within their order.
                line_id=numeric_id(line.key if len(line.key) > 12 else f"{order_key}/{line.key}"),
                # Exports name products, they do not number them: one id per SKU (else title).
                product_id=product_id(line.sku or line.title),
                variant_id=None,
                sku=line.sku,
                title=line.title,
                variant_title=None,
                vendor=None,
                quantity=line.quantity,
                current_quantity=None,
                price=price,
                discount=price * quantity - line.amount,
                tax=Decimal(0),
                gift_card=False,
                fulfillment_status=None,
            )
        )
    return built


def _refunds(
    sale: Sale, order_id: int, refunded: Decimal, net_goods: Decimal, zone: ZoneInfo, seen: datetime
) -> list[Refund]:
    if refunded <= 0:
        return []
    at = utc(sale.refunded_at, zone) if sale.refunded_at else seen
    goods = min(refunded, net_goods)
    return [
        Refund(
            refund_id=numeric_id(f"{sale.order_key}/refund"),
            order_id=order_id,
            created_at=at,
            processed_at=at,
            lines_subtotal=goods,
            lines_tax=Decimal(0),
            shipping=refunded - goods,
            shipping_tax=Decimal(0),
            adjustments=Decimal(0),
            transactions=refunded,
            restock=False,
        )
    ]


def status_of(raw: str, statuses: dict[str, Status], column: str) -> Status:
    """The canonical status of a platform's own words.

    Raises:
        ValueError: the words are not ones the platform is known to export.
    """
    status = statuses.get(raw)
    if status is None:
        raise ValueError(f"column {column}: {raw!r} is not a status this export is known to use")
    return status
