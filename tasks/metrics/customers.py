"""Each order's place in its customer's history, kept in the warehouse.

New-versus-returning, days to a second order and active-customer counts all ask "which of this
customer's orders is this, and when was the one before?". Numbering every customer's orders is
one window pass over the history; doing it once per run, and only for the customers whose
history changed, keeps those metrics simple scans.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, and_, func, not_, select, true, update

from tasks.metrics.scope import live
from tasks.warehouse import schema as tables

o = tables.orders


def reordered(conn: Connection, store: str, since: datetime) -> list[int]:
    """Customers with an order new or deleted since ``since``: their numbering may shift.

    (A new order's content changed when it arrived, so both cases are among the orders
    changed since, which an index finds.)
    """
    query = (
        select(o.c.customer_id)
        .distinct()
        .where(
            o.c.store == store,
            o.c.changed_at > since,
            o.c.customer_id.is_not(None),
            (o.c.first_synced_at > since) | o.c.deleted_at.is_not(None),
        )
    )
    return list(conn.execute(query).scalars())


def number_orders(conn: Connection, store: str, customers: list[int] | None = None) -> None:
    """Number the orders of every customer (``customers`` None) or of the ones given."""
    if customers == []:
        return
    scope = true() if customers is None else o.c.customer_id.in_(customers)
    counted = and_(live(store), o.c.customer_id.is_not(None))
    conn.execute(
        update(o)
        .where(o.c.store == store, scope, not_(counted), o.c.customer_order_number.is_not(None))
        .values(customer_order_number=None, previous_order_date=None)
    )
    order = (o.c.processed_at, o.c.order_id)
    ranked = (
        select(
            o.c.store,
            o.c.order_id,
            func.row_number().over(partition_by=o.c.customer_id, order_by=order).label("n"),
            func.lag(o.c.local_date)
            .over(partition_by=o.c.customer_id, order_by=order)
            .label("previous"),
        )
        .where(counted, scope)
        .subquery()
    )
    conn.execute(
        update(o)
        .where(o.c.store == ranked.c.store, o.c.order_id == ranked.c.order_id)
        .values(customer_order_number=ranked.c.n, previous_order_date=ranked.c.previous)
    )
