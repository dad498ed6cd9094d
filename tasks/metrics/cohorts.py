"""Monthly cohort retention: of the customers whose first order fell in a month, the share who
ordered in each later month.

A run recomputes only the months from the first one it touched: earlier columns cannot change,
and the sizes of earlier cohorts are read back from ``cohort_customers``.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, and_, delete, func, select

from tasks.metrics.scope import live
from tasks.metrics.sql import year_month
from tasks.metrics.values import MetricValue
from tasks.warehouse import schema as tables

o = tables.orders


def cohort_values(
    conn: Connection, store: str, today: date, since_month: date | None = None
) -> list[MetricValue]:
    """Cohort sizes and (cohort, months since) cells for calendar months from ``since_month``
    on (all of them when None), as metric values of grain ``month``."""
    first = f"{since_month:%Y-%m}" if since_month else "0000-00"
    active = select(o.c.customer_id).where(
        live(store), o.c.customer_id.is_not(None), o.c.local_date >= (since_month or date.min)
    )
    months = (
        select(o.c.customer_id, year_month(o.c.local_date).label("month"))
        .where(live(store), o.c.customer_id.in_(active))
        .distinct()
        .subquery()
    )
    # A window, not a join (SQLite joins unindexed subqueries slowly): each customer's cohort
    # is the earliest month of their whole history.
    cohort = func.min(months.c.month).over(partition_by=months.c.customer_id)
    tagged = select(months.c.month, cohort.label("cohort")).subquery()
    query = (
        select(tagged.c.cohort, tagged.c.month, func.count())
        .where(tagged.c.month >= first)
        .group_by(tagged.c.cohort, tagged.c.month)
    )
    cells = {(cohort, month): count for cohort, month, count in conn.execute(query)}
    sizes = {cohort: count for (cohort, month), count in cells.items() if cohort == month}
    sizes |= _stored_sizes(conn, store, first)
    values = [
        MetricValue(
            "cohort_customers",
            "month",
            _day(cohort),
            "",
            "",
            None,
            size,
            complete=_next_month(cohort) <= today,
        )
        for cohort, size in sizes.items()
        if cohort >= first
    ]
    for (cohort, month), count in sorted(cells.items()):
        values.append(
            MetricValue(
                "cohort_retention",
                "month",
                _day(cohort),
                "month_offset",
                str(_months_between(cohort, month)),
                None,
                count / sizes[cohort],
                complete=_next_month(month) <= today,
            )
        )
    return values


def clear_from(conn: Connection, store: str, since_month: date | None) -> None:
    """Delete the stored cohort values of calendar months from ``since_month`` on."""
    mv = tables.metric_values.c
    where = and_(mv.store == store, mv.grain == "month")
    if since_month is None:
        conn.execute(delete(tables.metric_values).where(where))
        return
    conn.execute(
        delete(tables.metric_values).where(
            where, mv.metric == "cohort_customers", mv.period_start >= since_month
        )
    )
    cells = conn.execute(
        select(mv.period_start, mv.dimension_value).where(where, mv.metric == "cohort_retention")
    ).all()
    for cohort, offset in cells:
        if _months_between(f"{cohort:%Y-%m}", f"{since_month:%Y-%m}") <= int(offset):
            conn.execute(
                delete(tables.metric_values).where(
                    where,
                    mv.metric == "cohort_retention",
                    mv.period_start == cohort,
                    mv.dimension_value == offset,
                )
            )


def _stored_sizes(conn: Connection, store: str, before: str) -> dict[str, int]:
    mv = tables.metric_values.c
    rows = conn.execute(
        select(mv.period_start, mv.value).where(
            mv.store == store, mv.grain == "month", mv.metric == "cohort_customers"
        )
    )
    return {f"{day:%Y-%m}": int(value) for day, value in rows if f"{day:%Y-%m}" < before}


def _day(month: str) -> date:
    return date.fromisoformat(f"{month}-01")


def _next_month(month: str) -> date:
    start = _day(month)
    return date(start.year + start.month // 12, start.month % 12 + 1, 1)


def _months_between(first: str, later: str) -> int:
    year, month = map(int, first.split("-"))
    year2, month2 = map(int, later.split("-"))
    return (year2 - year) * 12 + month2 - month
