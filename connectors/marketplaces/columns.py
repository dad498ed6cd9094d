"""An order export read in bulk: each column typed and checked once, rows gathered into orders.

A platform module reads its columns through ``OrderColumns`` (money straight to integer minor
units, counts, local times straight to UTC, statuses) and states its orders as ``Sales``:
one entry per order, whole columns at a time. ``canonical`` applies the rules every platform
shares (a sale closed after payment was refunded in full; discounts are what the goods and
shipping cost beyond what the buyer paid) and returns ``ExportOrders``, the columns of the
canonical orders, lines and refunds. Money never passes through a float: every amount is an
``int64`` count of minor units, exact to the fen.

A row that cannot be read sets its whole order aside, naming the file, the order's first row
and the column.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
import pandas as pd

from connectors.base import OrderDeletion, Rejected
from connectors.marketplaces.files import Sheet, moment, money
from connectors.marketplaces.records import ORDER_LEVEL_LINE, numeric_id, product_id
from connectors.money import to_minor

T = TypeVar("T", bound=Hashable)
Ints = npt.NDArray[np.int64]
Times = npt.NDArray[np.datetime64]
NOT_A_TIME = np.datetime64("NaT", "us")
#: Amounts beyond this many minor units are refused rather than risk an int64 overflow in sums.
LARGEST_MINOR = 10**15
ISO_MOMENT = "%Y-%m-%d %H:%M:%S"


class OrderColumns:
    """An order export's rows as typed columns, each row knowing its order (file order kept)."""

    def __init__(self, sheet: Sheet, key_column: str, exponent: int, zone: ZoneInfo) -> None:
        self.sheet, self.exponent, self.zone = sheet, exponent, zone
        #: The first error of each row that has one, by row position.
        self.errors: dict[int, str] = {}
        keys = sheet.column(key_column)
        labels = [
            k if k is not None else f"#row{n}" for k, n in zip(keys, sheet.numbers, strict=True)
        ]
        codes, uniques = pd.factorize(pd.Series(labels, dtype=object), sort=False)
        self.order: Ints = codes.astype(np.int64)
        self.keys: list[str] = list(uniques)
        self.first: Ints = np.unique(self.order, return_index=True)[1].astype(np.int64)
        self._orders: list[int] = self.order.tolist()
        self._firsts: list[int] = self.first.tolist()
        for position, key in enumerate(keys):
            if key is None:
                self.errors[position] = f"column {key_column}: the order id is empty"

    @property
    def rows(self) -> int:
        return len(self.order)

    def texts(self, name: str) -> list[str | None]:
        """The column's cleaned text, per row."""
        return self.sheet.column(name)

    def line_keys(self, ids: list[str | None]) -> list[str]:
        """Each row's line key: the line's own id, else its place within its order."""
        keys: list[Any] = list(ids)
        missing = [i for i, key in enumerate(keys) if key is None]
        if missing:
            places = pd.Series(self.order).groupby(self.order).cumcount().to_numpy()
            for i in missing:
                keys[i] = str(places[i])
        return keys

    def firsts(self, values: list[T]) -> list[T]:
        """Each order's value on its first row."""
        return [values[i] for i in self._firsts]

    def or_key(self, texts: list[str | None]) -> list[str]:
        """Each row's text, else its order's key (a line with no title is named by its order)."""
        keys = self.keys
        return [t or keys[o] for t, o in zip(texts, self._orders, strict=True)]

    def total(self, per_row: Ints) -> Ints:
        """Each order's sum of a per-row integer column (exact: integer arithmetic)."""
        totals = np.zeros(len(self.keys), dtype=np.int64)
        np.add.at(totals, self.order, per_row)
        return totals

    def has(self, name: str) -> bool:
        """Whether the export has the column."""
        return name in self.sheet.kept

    def money(self, name: str, where: npt.NDArray[np.bool_] | None = None) -> Ints:
        """An amount column in minor units, per row; a null amount is zero. With ``where``,
        only those rows are read (the others are zero)."""
        return self._parse(name, self._minor, where)

    def first_amounts(self, names: Collection[str]) -> Ints | None:
        """Each order's sum of the named amount columns the export has, on its first row;
        None when it has none of them."""
        present = [name for name in names if self.has(name)]
        if not present:
            return None
        return sum((self.money(n)[self.first] for n in present), np.zeros(len(self.keys), np.int64))

    def counts(self, name: str) -> Ints:
        """A whole-number column (``1,234``), per row; a null count is zero."""
        return self._parse(name, _whole)

    def moments(self, name: str) -> Times:
        """Each order's local time in the column (first row) as UTC; NaT where null."""
        texts = self.sheet.column_at(name, self._firsts)
        local = pd.to_datetime(pd.Series(texts, dtype=object), format=ISO_MOMENT, errors="coerce")
        irregular = {t for t, at in zip(texts, local.isna(), strict=True) if at and t is not None}
        if irregular:  # other spellings (2026/11/11 00:05, no seconds …), read one by one
            parsed = self._first_rows_parse(name, texts, irregular)
            local = pd.Series([parsed.get(t, v) for t, v in zip(texts, local, strict=True)])
            local = pd.to_datetime(local)
        return self._utc(local)

    def statuses(self, name: str, words: Mapping[str, str], raw: list[str]) -> list[str]:
        """Each order's canonical status from its first row's words (``raw``, normalised)."""
        statuses = []
        for first, text in zip(self._firsts, raw, strict=True):
            status = words.get(text)
            if status is None:
                self._error(
                    first, f"column {name}: {text!r} is not a status this export is known to use"
                )
            statuses.append(status or "pending")
        return statuses

    def _minor(self, text: str | None, name: str) -> int:
        amount = money(text, name)
        try:
            minor = to_minor(amount, self.exponent)
        except ValueError:
            raise ValueError(
                f"column {name}: {text!r} has more than {self.exponent} decimals"
            ) from None
        if abs(minor) >= LARGEST_MINOR:
            raise ValueError(f"column {name}: {text!r} is not an amount")
        return minor

    def _parse(
        self,
        name: str,
        parse: Callable[[str | None, str], int],
        where: npt.NDArray[np.bool_] | None = None,
    ) -> Ints:
        texts = self.texts(name)
        if where is not None:
            texts = [t if w else None for t, w in zip(texts, where.tolist(), strict=True)]
        values: dict[str | None, int] = {}
        reasons: dict[str | None, str] = {}
        for text in set(texts):  # each distinct value once: columns repeat a lot
            try:
                values[text] = parse(text, name)
            except ValueError as exc:
                values[text], reasons[text] = 0, str(exc)
        if reasons:
            for position, text in enumerate(texts):
                if text in reasons:
                    self._error(position, reasons[text])
        return np.fromiter(map(values.__getitem__, texts), dtype=np.int64, count=len(texts))

    def _first_rows_parse(
        self, name: str, texts: list[str | None], irregular: Collection[str]
    ) -> dict[str | None, datetime | None]:
        parsed: dict[str | None, datetime | None] = {}
        for first, text in zip(self._firsts, texts, strict=True):
            if text not in irregular or text in parsed:
                continue
            try:
                parsed[text] = moment(text, name)
            except ValueError as exc:
                self._error(first, str(exc))
        return parsed

    def _utc(self, local: pd.Series) -> Times:
        """Wall-clock times in the store's zone as naive UTC; a time a clock change makes
        ambiguous or skips is read as Python reads it (the earlier offset)."""
        index = pd.DatetimeIndex(local)
        utc = index.tz_localize(self.zone, ambiguous="NaT", nonexistent="NaT").tz_convert(None)
        result = utc.to_numpy().astype("datetime64[us]")
        for i in np.flatnonzero(utc.isna() & ~index.isna()):
            wall = index[i].to_pydatetime().replace(tzinfo=self.zone)
            result[i] = np.datetime64(wall.astimezone(UTC).replace(tzinfo=None), "us")
        return result

    def _error(self, position: int, reason: str) -> None:
        self.errors.setdefault(position, reason)


def refunded_where(refunded: npt.NDArray[np.bool_], statuses: list[str]) -> list[str]:
    """The statuses, ``refunded`` where the mask says so."""
    return ["refunded" if r else s for s, r in zip(statuses, refunded.tolist(), strict=True)]


def _whole(text: str | None, name: str) -> int:
    amount = money(text, name)
    if amount != amount.to_integral_value() or abs(amount) >= LARGEST_MINOR:
        raise ValueError(f"column {name}: {text!r} is not a whole number")
    return int(amount)


@dataclass(slots=True)
class SaleLines:
    """The item lines of the orders, one entry per line; ``order`` is the order's position."""

    order: Ints
    key: list[str]
    title: list[str]
    sku: list[str | None]
    quantity: Ints
    #: The line's goods amount before order-level discounts, in minor units.
    amount: Ints


@dataclass(slots=True)
class Sales:
    """The orders of an export as it states them, one entry per order; amounts in minor units,
    times UTC. ``discount_shop`` and ``discount_platform`` are None where the export does not
    say who funded its discounts."""

    status_raw: list[str]
    status: list[str]
    created_at: Times
    paid_at: Times
    goods: Ints
    shipping: Ints
    paid: Ints
    refunded: Ints
    lines: SaleLines
    refunded_at: Times | None = None
    deleted: npt.NDArray[np.bool_] | None = None
    discount_shop: Ints | None = None
    discount_platform: Ints | None = None


@dataclass(slots=True)
class ExportOrders:
    """The canonical orders of an export as columns: one entry per paid order (``name``),
    one per line (``line_order`` its order's position) and one per refund."""

    name: list[str]
    order_id: list[int]
    #: The file's time (UTC): the latest moment its rows record, else when it was read.
    seen_at: datetime
    status_raw: list[str]
    created_at: Times
    processed_at: Times
    financial_status: list[str]
    fulfillment_status: list[str]
    line_items: Ints
    discounts: Ints
    shipping: Ints
    total: Ints
    current_total: Ints
    discount_shop: Ints | None
    discount_platform: Ints | None
    line_order: Ints
    line_id: list[int]
    product_id: list[int]
    sku: list[str | None]
    title: list[str]
    quantity: Ints
    price: Ints
    line_discount: Ints
    refund_order: Ints
    refund_id: list[int]
    refunded_at: Times
    refund_goods: Ints
    refund_shipping: Ints
    refund_total: Ints
    #: The lines that stand for a whole order (an export without item lines), by line id.
    order_level_lines: set[int]
    #: Refunds the export gives no completion date for (dated on the day a file first showed them).
    undated_refunds: set[int] = field(default_factory=set)

    def __len__(self) -> int:
        return len(self.name)


@dataclass(slots=True)
class ReadOrders:
    """What an order export holds once read: its paid orders, deletions and refusals."""

    orders: ExportOrders
    deletions: list[OrderDeletion]
    rejected: list[Rejected]
    unpaid: int
    exported_at: datetime | None


def canonical(columns: OrderColumns, sales: Sales, file_name: str) -> ReadOrders:
    """The canonical orders of the sales; orders with a row that cannot be read set aside."""
    good = _readable(columns)
    rejected = _rejected(columns, good, file_name)
    stamps = [sales.created_at[good], sales.paid_at[good]]
    if sales.refunded_at is not None:
        stamps.append(sales.refunded_at[good])
    known = np.concatenate(stamps)
    known = known[~np.isnat(known)]
    exported = known.max() if len(known) else None
    exported_at = None if exported is None else _aware(exported)
    seen_at = exported_at or datetime.now(UTC)
    seen = np.datetime64(seen_at.replace(tzinfo=None), "us")
    deleted = sales.deleted if sales.deleted is not None else np.zeros(len(good), dtype=bool)
    deletions = [
        OrderDeletion(numeric_id(columns.keys[i]), seen_at) for i in np.flatnonzero(good & deleted)
    ]
    paid = good & ~deleted & ~np.isnat(sales.paid_at)
    unpaid = int((good & ~deleted & np.isnat(sales.paid_at)).sum())
    orders = _orders(columns, sales, paid, seen)
    return ReadOrders(orders, deletions, rejected, unpaid, exported_at)


def _readable(columns: OrderColumns) -> npt.NDArray[np.bool_]:
    good = np.ones(len(columns.keys), dtype=bool)
    if columns.errors:
        good[columns.order[list(columns.errors)]] = False
    return good


def _rejected(columns: OrderColumns, good: npt.NDArray[np.bool_], file_name: str) -> list[Rejected]:
    """One refusal per unreadable order: its first row, and the first error among its rows."""
    first_error: dict[int, int] = {}
    for position in sorted(columns.errors):
        first_error.setdefault(int(columns.order[position]), position)
    rejected = []
    for order in np.flatnonzero(~good):
        first = int(columns.first[order])
        number = columns.sheet.numbers[first]
        reason = f"{file_name} row {number}, {columns.errors[first_error[int(order)]]}"
        rejected.append(Rejected(f"{file_name}:{number}", reason, columns.sheet.row(first)))
    return rejected


def _orders(
    columns: OrderColumns,
    sales: Sales,
    keep: npt.NDArray[np.bool_],
    seen: np.datetime64,
) -> ExportOrders:
    at = np.flatnonzero(keep)
    kept = at.tolist()
    names = [columns.keys[i] for i in kept]
    status = [sales.status[i] for i in kept]
    paid = sales.paid[at]
    refunded = sales.refunded[at].copy()
    # Closed after payment with no refund stated: refunded in full.
    closed = np.array([s == "closed" for s in status], dtype=bool) & (refunded == 0)
    refunded[closed] = paid[closed]
    status = refunded_where(closed, status)
    shipping = np.minimum(sales.shipping[at], paid)
    goods = np.maximum(sales.goods[at], paid - shipping)
    discounts = goods + shipping - paid
    refunded = np.minimum(refunded, paid)
    financial = np.where(
        refunded <= 0, "paid", np.where(refunded == paid, "refunded", "partially_refunded")
    ).tolist()
    paid_at = sales.paid_at[at]
    created = sales.created_at[at]
    created = np.where(np.isnat(created), paid_at, created)
    order_ids = [numeric_id(name) for name in names]
    lines = _lines(sales.lines, keep, names)
    refunds = np.flatnonzero(refunded > 0)
    stated = sales.refunded_at[at][refunds] if sales.refunded_at is not None else None
    refund_at = (
        np.full(len(refunds), seen) if stated is None else np.where(np.isnat(stated), seen, stated)
    )
    refund_goods = np.minimum(refunded[refunds], (goods - discounts)[refunds])
    refund_ids = [numeric_id(f"{names[i]}/refund") for i in refunds]
    undated = {refund_ids[n] for n in range(len(refunds)) if stated is None or np.isnat(stated[n])}
    return ExportOrders(
        name=names,
        order_id=order_ids,
        seen_at=_aware(seen),
        status_raw=[sales.status_raw[i] for i in kept],
        created_at=created,
        processed_at=paid_at,
        financial_status=financial,
        fulfillment_status=status,
        line_items=goods,
        discounts=discounts,
        shipping=shipping,
        total=paid,
        current_total=paid - refunded,
        discount_shop=None if sales.discount_shop is None else sales.discount_shop[at],
        discount_platform=None if sales.discount_platform is None else sales.discount_platform[at],
        **lines,
        refund_order=refunds.astype(np.int64),
        refund_id=refund_ids,
        refunded_at=refund_at.astype("datetime64[us]"),
        refund_goods=refund_goods,
        refund_shipping=refunded[refunds] - refund_goods,
        refund_total=refunded[refunds],
        undated_refunds=undated,
    )


def _lines(lines: SaleLines, keep: npt.NDArray[np.bool_], names: list[str]) -> dict[str, Any]:
    """The canonical lines of the kept orders: a price in whole minor units whose line total
    covers the amount (rounded up), the difference a discount."""
    position = np.cumsum(keep) - 1  # an order's place among the kept ones
    at = np.flatnonzero(keep[lines.order])
    order = position[lines.order[at]]
    quantity = lines.quantity[at]
    amount = lines.amount[at]
    units = np.maximum(quantity, 1)
    price = -((-amount) // units)
    keys = [lines.key[i] for i in at]
    skus = [lines.sku[i] for i in at]
    titles = [lines.title[i] for i in at]
    # A sub-order's own number is unique; other lines are keyed within their order.
    ids = [
        numeric_id(key if len(key) > 12 else f"{names[o]}/{key}")
        for key, o in zip(keys, order.tolist(), strict=True)
    ]
    return {
        "line_order": order,
        "line_id": ids,
        "order_level_lines": {i for i, k in zip(ids, keys, strict=True) if k == ORDER_LEVEL_LINE},
        # Exports name products, they do not number them: one id per SKU (else title).
        "product_id": [product_id(s or t) for s, t in zip(skus, titles, strict=True)],
        "sku": skus,
        "title": titles,
        "quantity": quantity,
        "price": price,
        "line_discount": price * units - amount,
    }


def _aware(moment: np.datetime64) -> datetime:
    stamp: datetime = pd.Timestamp(moment).to_pydatetime()
    return stamp.replace(tzinfo=UTC)
