"""Base measures, computed in the warehouse: per store-local day, per dimension value, and per
week for the measures a week defines for itself (distinct customers, medians).

Every query reads non-test, non-deleted orders of one store (``tasks.metrics.scope``), and is one
statement on SQLite and PostgreSQL alike (see ``tasks.metrics.sql`` for the two expressions they
spell differently). Additive measures of a week are the sums of its days, so only days are queried
for them.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection

from tasks.metrics.attribution_facts import add_attributed
from tasks.metrics.customer_facts import add_active, add_customers, add_second_orders
from tasks.metrics.facts import ADDITIVE, Facts, days, sum_range, sum_weeks
from tasks.metrics.operations_facts import add_inventory, add_traffic, add_unfulfilled
from tasks.metrics.sales_facts import add_codes, add_lines, add_orders, add_refunds, add_voided
from tasks.metrics.spend_facts import add_spend


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
    add_orders(conn, store, start, end, facts)
    add_lines(conn, store, start, end, facts)
    add_refunds(conn, store, start, end, facts)
    add_voided(conn, store, start, end, facts)
    add_customers(conn, store, start, end, facts, whole)
    add_second_orders(conn, store, start, end, facts, whole)
    add_active(conn, store, start, end, facts)
    add_unfulfilled(conn, store, start, end, facts, open_before)
    add_traffic(conn, store, start, end, facts)
    add_codes(conn, store, start, end, facts)
    add_inventory(conn, store, start, end, facts)
    add_spend(conn, store, start, end, facts)
    add_attributed(conn, store, start, end, facts)  # after spend: its campaigns get zeros
    sum_weeks(facts)
    if whole:
        sum_range(facts, start, end)
    return facts
