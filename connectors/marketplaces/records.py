"""What an export file holds once read, the warehouse ids of its keys, and item lines.

Order exports are read in bulk (``columns``) into the same orders, lines and refunds the
Shopify connector yields, so metrics, checks, digests and roll-ups read a marketplace store
unchanged. The money identity kept exact, to the fen: ``line items − discounts + shipping =
what the buyer paid`` (prices include VAT, so tax is zero).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_CEILING, Decimal
from typing import TYPE_CHECKING, Literal, TypeVar

from connectors.base import OrderDeletion, OrderLine, Rejected, TrafficDay
from connectors.marketplaces.files import Sheet

if TYPE_CHECKING:
    from connectors.marketplaces.columns import ExportOrders

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
class ExportBatch:
    """What one file holds, as canonical records, and what it could not read."""

    kind: str
    file_format: str
    rows: int = 0
    #: An order export's paid orders, as columns.
    orders: ExportOrders | None = None
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
