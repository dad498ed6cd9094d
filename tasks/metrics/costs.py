"""Unit costs from a cost file (``sku,cost``), for shops that do not record costs in Shopify."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sqlalchemy import Connection, func, select

from connectors.config import StoreConfig
from connectors.csv_files import csv_rows
from connectors.errors import ConfigError
from connectors.money import currency_exponent, to_minor
from tasks.warehouse import schema as tables
from tasks.warehouse.upsert import upsert


def load_costs_csv(conn: Connection, path: Path, store: StoreConfig) -> int:
    """Store each SKU's unit cost, in the store's currency.

    Raises:
        ConfigError: a cost is not an amount of the store's currency; the message gives the line.
    """
    now = datetime.now(UTC)
    rows = []
    for where, row in csv_rows(path, "costs", ("sku", "cost")):
        try:
            cost = to_minor(Decimal(row["cost"]), currency_exponent(store.currency))
        except (InvalidOperation, ValueError):
            raise ConfigError(
                f"{where}: cost {row['cost']!r} is not an amount in {store.currency}"
            ) from None
        if not row["sku"]:
            raise ConfigError(f"{where}: sku is empty")
        rows.append(
            {
                "store": store.name,
                "sku": row["sku"],
                "cost_minor": cost,
                "source": path.name[:64],
                "loaded_at": now,
            }
        )
    return upsert(conn, tables.unit_costs, rows)


def costs_changed_since(conn: Connection, store: str, since: datetime) -> bool:
    """Costs apply to every day sold, so new ones call for a full recomputation."""
    latest = conn.execute(
        select(func.max(tables.unit_costs.c.loaded_at)).where(tables.unit_costs.c.store == store)
    ).scalar()
    return latest is not None and latest > since
