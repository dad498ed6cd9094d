"""Operations measures computed in the warehouse: open orders, traffic, stock and its cover."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import Connection, and_, case, func, select

from tasks.metrics.facts import Facts, days
from tasks.metrics.scope import live, row_measures
from tasks.warehouse import schema as tables

o, lines = tables.orders, tables.order_lines
COVER_DAYS = 28
AT_RISK_DAYS = 7


def add_unfulfilled(
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


def add_traffic(conn: Connection, store: str, start: date, end: date, facts: Facts) -> None:
    """The funnel (sessions, add-to-carts, checkouts, purchases) by day, and by traffic
    channel; a day has one source, GA4 winning over a CSV (``load_traffic``)."""
    tr = tables.traffic_daily
    measures = [
        func.sum(getattr(tr.c, m)).label(m)
        for m in ("sessions", "add_to_carts", "checkouts", "purchases")
    ]
    where = (tr.c.store == store, tr.c.local_date.between(start, end))
    for row in conn.execute(
        select(tr.c.local_date, *measures).where(*where).group_by(tr.c.local_date)
    ).mappings():
        facts.add(("day", row["local_date"], "", ""), row_measures(row, "local_date"))
    for row in conn.execute(
        select(tr.c.local_date, tr.c.channel, *measures)
        .where(*where)
        .group_by(tr.c.local_date, tr.c.channel)
    ).mappings():
        facts.add(
            ("day", row["local_date"], "traffic_channel", row["channel"]),
            row_measures(row, "local_date", "channel"),
        )


def add_inventory(conn: Connection, store: str, start: date, end: date, facts: Facts) -> None:
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
