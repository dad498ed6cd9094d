"""Base measures, computed in the warehouse: per store-local day, per dimension value, and per
week for the measures a week defines for itself (distinct customers, medians).

Every query reads non-test, non-deleted orders of one store, and is one statement on SQLite and
PostgreSQL alike (see ``tasks.metrics.sql`` for the two expressions they spell differently).
Additive measures of a week are the sums of its days, so only days are queried for them.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Connection,
    Date,
    String,
    and_,
    case,
    cast,
    distinct,
    exists,
    false,
    func,
    literal,
    not_,
    select,
)
from sqlalchemy.sql.elements import ColumnElement

from tasks.metrics.sql import day_number, hours_between
from tasks.warehouse import schema as tables

o, lines, refunds, codes = (
    tables.orders,
    tables.order_lines,
    tables.refunds,
    tables.order_discount_codes,
)
Key = tuple[str, date, str, str]  # (grain, period start, dimension, dimension value)
ACTIVE_WINDOWS = (7, 30, 90)
COVER_DAYS = 28
AT_RISK_DAYS = 7
CHANNELS = {
    "web": "online_store",
    "pos": "pos",
    "iphone": "mobile_app",
    "android": "mobile_app",
    "shopify_draft_order": "draft_orders",
}


@dataclass
class Facts:
    """Base measures by (grain, period start, dimension, dimension value)."""

    values: dict[Key, dict[str, float | None]] = field(default_factory=lambda: defaultdict(dict))
    #: The dimension values present for each (grain, period start, dimension).
    keys: dict[tuple[str, date, str], set[str]] = field(default_factory=lambda: defaultdict(set))

    def add(self, key: Key, measures: dict[str, Any]) -> None:
        bucket = self.values[key]
        self.keys[key[:3]].add(key[3])
        for name, raw in measures.items():
            value = _number(raw)
            known = bucket.get(name)
            bucket[name] = value if known is None or value is None else known + value

    def get(
        self, grain: str, start: date, dimension: str = "", value: str = ""
    ) -> dict[str, float | None]:
        return self.values.get((grain, start, dimension, value), {})

    def dimension_values(self, grain: str, start: date, dimension: str) -> list[str]:
        return sorted(self.keys.get((grain, start, dimension), ()))


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def days(start: date, end: date) -> Iterator[date]:
    """Every day from ``start`` to ``end``, both included: the date spine."""
    for offset in range((end - start).days + 1):
        yield start + timedelta(days=offset)


def _number(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def live(store: str) -> ColumnElement[bool]:
    """The orders every metric counts: the store's, not test, not deleted."""
    return and_(o.c.store == store, o.c.test.is_(false()), o.c.deleted_at.is_(None))


def channel_of(source: Any) -> Any:
    """Shopify's ``source_name`` as one of the channels the registry names."""
    return case(*((source == name, label) for name, label in CHANNELS.items()), else_="other")


NET = o.c.line_items_minor - o.c.discounts_minor


def collect(
    conn: Connection,
    store: str,
    start: date,
    end: date,
    *,
    whole: bool = False,
    open_before: int | None = None,
) -> Facts:
    """Every base measure for the days ``start``…``end`` and the weeks they make up.

    ``start`` should be a Monday and ``end`` a Sunday for week measures to be whole. With
    ``whole``, the measures of the whole range as one period are added too, under the grain
    ``range`` (used to compare a week still in progress with the same days of other weeks).
    """
    facts = Facts()
    for day in days(start, end):  # the date spine: a day without orders is a day of zeros
        facts.add(("day", day, "", ""), dict.fromkeys(ADDITIVE, 0))
    _orders(conn, store, start, end, facts)
    _lines(conn, store, start, end, facts)
    _refunds(conn, store, start, end, facts)
    _voided(conn, store, start, end, facts)
    _customers(conn, store, start, end, facts, whole)
    _second_orders(conn, store, start, end, facts, whole)
    _active(conn, store, start, end, facts)
    _unfulfilled(conn, store, start, end, facts, open_before)
    _traffic(conn, store, start, end, facts)
    _codes(conn, store, start, end, facts)
    _inventory(conn, store, start, end, facts)
    sum_weeks(facts)
    if whole:
        _sum_range(facts, start, end)
    return facts


def _orders(conn: Connection, store: str, start: date, end: date, facts: Facts) -> None:
    """Order measures by day and channel in one pass; a day's headline is its channels' sum."""
    has_code = exists().where(codes.c.store == o.c.store, codes.c.order_id == o.c.order_id)
    guest = o.c.customer_id.is_(None)
    channel = channel_of(o.c.source_name).label("channel")
    measures = (
        func.count().label("orders"),
        func.sum(o.c.line_items_minor).label("gross_minor"),
        func.sum(o.c.discounts_minor).label("discounts_minor"),
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
        measured = _without(row, "local_date", "channel")
        facts.add(("day", row["local_date"], "", ""), measured)
        facts.add(
            ("day", row["local_date"], "channel", row["channel"]),
            {k: measured[k] for k in ("orders", "gross_minor", "discounts_minor")},
        )


def _lines(conn: Connection, store: str, start: date, end: date, facts: Facts) -> None:
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


def _refunds(conn: Connection, store: str, start: date, end: date, facts: Facts) -> None:
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
        facts.add(("day", row["local_date"], "", ""), _without(row, "local_date"))


def _voided(conn: Connection, store: str, start: date, end: date, facts: Facts) -> None:
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
            ("day", row["cancelled_local_date"], "", ""), _without(row, "cancelled_local_date")
        )


def _customers(
    conn: Connection, store: str, start: date, end: date, facts: Facts, whole: bool
) -> None:
    """New and returning orders and customers (orders are numbered per customer)."""
    number = o.c.customer_order_number
    first, later = number == 1, number > 1
    groupings: list[tuple[str, Any]] = [("day", o.c.local_date), ("week", o.c.local_week)]
    if whole:
        groupings.append(("range", literal(start, Date)))
    for grain, period in groupings:
        measures = [
            func.count(distinct(o.c.customer_id)).label("customers"),
            func.count(distinct(case((later, o.c.customer_id)))).label("returning_customers"),
        ]
        if grain == "day":  # additive: weeks sum their days
            measures += [
                func.sum(case((first, 1), else_=0)).label("new_orders"),
                func.sum(case((later, 1), else_=0)).label("returning_orders"),
                func.sum(case((first, NET), else_=0)).label("new_sales_minor"),
                func.sum(case((later, NET), else_=0)).label("returning_sales_minor"),
            ]
        query = (
            select(period.label("period"), *measures)
            .where(live(store), number.is_not(None), o.c.local_date.between(start, end))
            .group_by(period)
        )
        for row in conn.execute(query).mappings():
            facts.add((grain, row["period"], "", ""), _without(row, "period"))


def _second_orders(
    conn: Connection, store: str, start: date, end: date, facts: Facts, whole: bool
) -> None:
    """The median number of days from a first order to the second, by the second's period."""
    query = select(
        o.c.local_date, (day_number(o.c.local_date) - day_number(o.c.previous_order_date))
    ).where(live(store), o.c.customer_order_number == 2, o.c.local_date.between(start, end))
    gaps: dict[tuple[str, date], list[int]] = defaultdict(list)
    for day, gap in conn.execute(query):
        gaps[("day", day)].append(gap)
        gaps[("week", week_of(day))].append(gap)
        if whole:
            gaps[("range", start)].append(gap)
    for (grain, period), values in gaps.items():
        facts.add((grain, period, "", ""), {"median_second_order_days": statistics.median(values)})


def _active(conn: Connection, store: str, start: date, end: date, facts: Facts) -> None:
    """Distinct customers with an order in the N days ending on each day.

    An order on day d, whose customer's previous order was on day p, keeps the customer
    active over [max(d, p + N), d + N): the part its predecessor does not already cover. These
    stretches never overlap, so the count of active customers on a day is a running sum of
    stretch starts minus stretch ends.
    """
    base = conn.execute(select(day_number(literal(start, Date)))).scalar_one()
    longest = max(ACTIVE_WINDOWS)
    d = day_number(o.c.local_date).label("d")
    p = day_number(o.c.previous_order_date).label("p")
    pairs = conn.execute(
        select(d, p, func.count())
        .where(
            live(store),
            o.c.customer_order_number.is_not(None),
            o.c.local_date.between(start - timedelta(days=longest - 1), end),
        )
        .group_by(d, p)
    ).all()
    span = (end - start).days + 1
    for window in ACTIVE_WINDOWS:
        change = [0] * (span + 1)
        for day, previous, customers in pairs:
            begin = day if previous is None else max(day, previous + window)
            begin, stop = max(begin - base, 0), min(day + window - base, span)
            if begin < stop:
                change[begin] += customers
                change[stop] -= customers
        running = 0
        for offset in range(span):
            running += change[offset]
            facts.add(
                ("day", start + timedelta(days=offset), "", ""), {f"active_{window}d": running}
            )


def _unfulfilled(
    conn: Connection, store: str, start: date, end: date, facts: Facts, open_before: int | None
) -> None:
    """Orders placed but neither fulfilled nor cancelled by the end of each day."""
    f, c = o.c.fulfilled_local_date, o.c.cancelled_local_date
    stop = case((f.is_(None), c), (c.is_(None), f), (f < c, f), else_=c)
    if open_before is None:
        open_before = conn.execute(
            select(func.count()).where(
                live(store), o.c.local_date < start, (stop.is_(None)) | (stop >= start)
            )
        ).scalar_one()
    placed: dict[date, int] = dict(
        conn.execute(
            select(o.c.local_date, func.count())
            .where(live(store), o.c.local_date.between(start, end))
            .group_by(o.c.local_date)
        ).all()
    )
    # An order stops being open on the first of its fulfilment and cancellation days; one
    # query per column lets each use its index.
    closed: dict[date, int] = defaultdict(int)
    for column, other, on_tie in ((f, c, True), (c, f, False)):
        other_later = (other >= column) if on_tie else (other > column)
        query = (
            select(column, func.count())
            .where(live(store), column.between(start, end), other.is_(None) | other_later)
            .group_by(column)
        )
        for day, count in conn.execute(query):
            closed[day] += count
    running = open_before
    for day in days(start, end):
        running += placed.get(day, 0) - closed.get(day, 0)
        facts.add(("day", day, "", ""), {"unfulfilled": running})


def _traffic(conn: Connection, store: str, start: date, end: date, facts: Facts) -> None:
    tr = tables.traffic_daily
    measures = [
        func.sum(getattr(tr.c, m)).label(m)
        for m in ("sessions", "add_to_carts", "checkouts", "purchases")
    ]
    where = (tr.c.store == store, tr.c.local_date.between(start, end))
    for row in conn.execute(
        select(tr.c.local_date, *measures).where(*where).group_by(tr.c.local_date)
    ).mappings():
        facts.add(("day", row["local_date"], "", ""), _without(row, "local_date"))
    for row in conn.execute(
        select(tr.c.local_date, tr.c.channel, *measures[:1])
        .where(*where)
        .group_by(tr.c.local_date, tr.c.channel)
    ).mappings():
        facts.add(
            ("day", row["local_date"], "traffic_channel", row["channel"]),
            _without(row, "local_date", "channel"),
        )


def _codes(conn: Connection, store: str, start: date, end: date, facts: Facts) -> None:
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


def _inventory(conn: Connection, store: str, start: date, end: date, facts: Facts) -> None:
    """Stock at each snapshot day, and how long it lasts at the trailing 28-day sell rate."""
    lv, v, p = tables.inventory_levels, tables.variants, tables.products
    snapshots = conn.execute(
        select(lv.c.snapshot_date, v.c.variant_id, p.c.status, func.sum(lv.c.available))
        .select_from(
            lv.join(
                v, and_(v.c.store == lv.c.store, v.c.inventory_item_id == lv.c.inventory_item_id)
            ).join(p, and_(p.c.store == v.c.store, p.c.product_id == v.c.product_id))
        )
        .where(lv.c.store == store, lv.c.snapshot_date.between(start, end))
        .group_by(lv.c.snapshot_date, v.c.variant_id, p.c.status)
    ).all()
    by_day: dict[date, list[tuple[int, str | None, int]]] = defaultdict(list)
    for day, variant, status, available in snapshots:
        by_day[day].append((variant, status, int(available or 0)))
    for day, stock in by_day.items():
        sold = _sold(conn, store, day - timedelta(days=COVER_DAYS - 1), day)
        total_sold = on_hand = stockouts = at_risk = 0
        for variant, status, available in stock:
            rate = sold.get(variant, 0) / COVER_DAYS
            cover = available / rate if rate else None
            on_hand += available
            total_sold += sold.get(variant, 0)
            stockouts += status == "active" and available <= 0
            at_risk += available > 0 and cover is not None and cover < AT_RISK_DAYS
            facts.add(("day", day, "variant", str(variant)), {"days_of_cover": cover})
        rate = total_sold / COVER_DAYS
        facts.add(
            ("day", day, "", ""),
            {
                "units_on_hand": on_hand,
                "stockouts": stockouts,
                "at_risk": at_risk,
                "days_of_cover": on_hand / rate if rate else None,
            },
        )


def _sold(conn: Connection, store: str, start: date, end: date) -> dict[int, int]:
    joined = lines.join(o, and_(o.c.store == lines.c.store, o.c.order_id == lines.c.order_id))
    query = (
        select(lines.c.variant_id, func.sum(lines.c.quantity))
        .select_from(joined)
        .where(live(store), o.c.local_date.between(start, end), lines.c.variant_id.is_not(None))
        .group_by(lines.c.variant_id)
    )
    return {variant: int(units) for variant, units in conn.execute(query)}


#: Measures that add up over days; a day without data has zero of each.
ADDITIVE = (
    "orders",
    "gross_minor",
    "discounts_minor",
    "shipping_minor",
    "tax_minor",
    "cancelled_orders",
    "code_orders",
    "code_sales_minor",
    "guest_orders",
    "guest_sales_minor",
    "fulfilled_orders",
    "fulfil_hours",
    "units",
    "costed_sales_minor",
    "cogs_minor",
    "returns_minor",
    "refunded_shipping_minor",
    "refunded_tax_minor",
    "new_orders",
    "returning_orders",
    "new_sales_minor",
    "returning_sales_minor",
    "sessions",
    "add_to_carts",
    "checkouts",
    "purchases",
)
#: Measures a period defines itself (queried per period), and measures that hold at a moment
#: (a period takes its last day's): neither is summed over days.
PERIOD_MEASURES = frozenset({"customers", "returning_customers", "median_second_order_days"})
NOT_SUMMED = PERIOD_MEASURES | {
    "units_on_hand",
    "stockouts",
    "at_risk",
    "days_of_cover",
    "unfulfilled",
    *(f"active_{n}d" for n in ACTIVE_WINDOWS),
}


def sum_weeks(facts: Facts) -> None:
    """Weeks: additive measures summed over their days; moment measures from their last day."""
    for (grain, day, dimension, value), measures in sorted(
        list(facts.values.items()), key=lambda item: item[0][1]
    ):
        if grain != "day":
            continue
        week = ("week", week_of(day), dimension, value)
        summed = {k: v for k, v in measures.items() if k not in NOT_SUMMED}
        facts.add(week, summed)
        for name in NOT_SUMMED & measures.keys():
            if name in PERIOD_MEASURES:
                continue  # queried per week
            facts.values[week][name] = measures[name]  # days ascend: the last one wins
            facts.keys[week[:3]].add(week[3])


def _sum_range(facts: Facts, start: date, end: date) -> None:
    """The whole range as one period: additive measures summed, moments from the last day."""
    whole = ("range", start, "", "")
    for day in days(start, end):
        measures = facts.get("day", day)
        facts.add(whole, {k: v for k, v in measures.items() if k not in NOT_SUMMED})
        for name in NOT_SUMMED & measures.keys():
            if name in PERIOD_MEASURES or measures[name] is None:
                continue
            facts.values[whole][name] = measures[name]


def _without(row: Any, *keys: str) -> dict[str, Any]:
    return {k: v for k, v in dict(row).items() if k not in keys}


def periods(facts: Facts, grain: str) -> Iterable[date]:
    return sorted({s for g, s, _, _ in facts.values if g == grain})
