"""Read stored metric values back, money as exact decimal amounts."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select

from connectors.money import currency_exponent, from_minor
from tasks.metrics.registry import unit_of
from tasks.warehouse import schema as tables


def metric_rows(
    conn: Connection,
    store: str,
    grain: str,
    start: date,
    end: date,
    metrics: list[str] | None = None,
) -> list[dict[str, Any]]:
    """Values of ``store`` for periods starting in ``start``…``end`` (a week: its Monday).

    Each row has ``metric``, ``period_start``, ``value`` (a Decimal for money, a float for the
    rest, None for n/a), ``unit``, ``currency``, ``dimension``, ``dimension_value`` and
    ``complete``.
    """
    if grain == "week":
        start = start - timedelta(days=start.weekday())
    mv = tables.metric_values.c
    query = (
        select(tables.metric_values)
        .where(mv.store == store, mv.grain == grain, mv.period_start.between(start, end))
        .order_by(mv.metric, mv.period_start, mv.dimension, mv.dimension_value)
    )
    if metrics:
        query = query.where(mv.metric.in_(metrics))
    rows = []
    for row in conn.execute(query).mappings():
        unit = unit_of(row["metric"])
        value: Decimal | float | None = row["value"]
        if row["value_minor"] is not None:
            value = from_minor(int(row["value_minor"]), currency_exponent(row["currency"]))
        rows.append(
            {
                "metric": row["metric"],
                "period_start": row["period_start"],
                "value": value,
                "unit": unit,
                "currency": row["currency"],
                "dimension": row["dimension"] or None,
                "dimension_value": row["dimension_value"] or None,
                "complete": row["complete"],
            }
        )
    return rows
