"""Customer measures computed in the warehouse: new and returning, second orders, active.

They read each order's place in its customer's history (``tasks.metrics.customers``).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, Date, case, distinct, func, literal, select

from tasks.metrics.facts import ACTIVE_WINDOWS, Facts, week_of
from tasks.metrics.scope import NET, live, row_measures
from tasks.metrics.sql import day_number
from tasks.warehouse import schema as tables

o = tables.orders


def add_customers(
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
            facts.add((grain, row["period"], "", ""), row_measures(row, "period"))


def add_second_orders(
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


def add_active(conn: Connection, store: str, start: date, end: date, facts: Facts) -> None:
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
