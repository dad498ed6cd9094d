"""Monthly cohort retention: of the customers whose first order fell in a month, the share who
ordered again in each later month."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, and_, func, select

from tasks.metrics.facts import live
from tasks.metrics.sql import year_month
from tasks.metrics.values import MetricValue
from tasks.warehouse import schema as t

o = t.orders


def cohort_values(conn: Connection, store: str, today: date) -> list[MetricValue]:
    """Every (cohort month, months since) cell, as metric values of grain ``month``."""
    ordered = and_(live(store), o.c.customer_id.is_not(None))
    months = (
        select(o.c.customer_id, year_month(o.c.local_date).label("month"))
        .where(ordered)
        .distinct()
        .cte("months")
    )
    # Window, not join: each customer's cohort is the earliest of their months.
    cohort = func.min(months.c.month).over(partition_by=months.c.customer_id)
    tagged = select(months.c.month, cohort.label("cohort")).subquery()
    query = select(tagged.c.cohort, tagged.c.month, func.count()).group_by(
        tagged.c.cohort, tagged.c.month
    )
    cells = {(cohort, month): count for cohort, month, count in conn.execute(query)}
    values = []
    for (cohort, month), count in sorted(cells.items()):
        size = cells[(cohort, cohort)]
        offset = _months_between(cohort, month)
        cohort_start = date.fromisoformat(f"{cohort}-01")
        month_start = date.fromisoformat(f"{month}-01")
        next_month = date(month_start.year + month_start.month // 12, month_start.month % 12 + 1, 1)
        values.append(
            MetricValue(
                "cohort_retention",
                "month",
                cohort_start,
                "month_offset",
                str(offset),
                count / size,
                complete=next_month <= today,
            )
        )
    return values


def _months_between(first: str, later: str) -> int:
    year, month = map(int, first.split("-"))
    year2, month2 = map(int, later.split("-"))
    return (year2 - year) * 12 + month2 - month
