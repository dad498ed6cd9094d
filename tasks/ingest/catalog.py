"""Everything but orders → warehouse rows: customers, products and variants, locations,
inventory snapshots, order deletions and traffic, each upserted on its natural key."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Literal

from sqlalchemy import Connection, delete, select, update

from connectors.base import (
    Customer,
    InventoryLevel,
    Location,
    OrderDeletion,
    Product,
    TrafficDay,
)
from connectors.errors import MalformedRecord
from tasks.ingest.context import LoadResult, Minor, StoreContext, rejected_record
from tasks.warehouse import schema as tables
from tasks.warehouse.upsert import insert, upsert

#: Where a day's traffic came from: GA4, a traffic CSV, or a marketplace's exported days.
TrafficSource = Literal["ga4", "csv", "export"]


def load_customers(
    conn: Connection, ctx: StoreContext, customers: Sequence[Customer]
) -> LoadResult:
    """Upsert customers (no names or contact details: the records carry none)."""
    rows = [
        {
            "store": ctx.store,
            "customer_id": c.customer_id,
            "created_at": c.created_at,
            "updated_at": c.updated_at,
            "state": c.state,
            "country_code": c.country_code,
            "tags": c.tags,
            "accepts_marketing": c.accepts_marketing,
            "synced_at": ctx.synced_at,
        }
        for c in customers
    ]
    return LoadResult(upserted=upsert(conn, tables.customers, rows))


def load_products(conn: Connection, ctx: StoreContext, products: Sequence[Product]) -> LoadResult:
    """Upsert products and replace their variants; products with an inexact price are returned."""
    result = LoadResult()
    product_rows, variant_rows = [], []
    for product in products:
        try:
            variant_rows.extend(_variant_rows(ctx, product))
        except MalformedRecord as exc:
            result.rejected.append(
                rejected_record("product", product.product_id, str(exc), product)
            )
            continue
        product_rows.append(
            {
                "store": ctx.store,
                "product_id": product.product_id,
                "title": product.title,
                "product_type": product.product_type,
                "vendor": product.vendor,
                "status": product.status,
                "handle": product.handle,
                "tags": product.tags,
                "created_at": product.created_at,
                "updated_at": product.updated_at,
                "synced_at": ctx.synced_at,
            }
        )
    ids = [row["product_id"] for row in product_rows]
    if ids:
        conn.execute(
            delete(tables.variants).where(
                tables.variants.c.store == ctx.store, tables.variants.c.product_id.in_(ids)
            )
        )
        upsert(conn, tables.products, product_rows)
        insert(conn, tables.variants, variant_rows)
    result.upserted = len(ids)
    return result


def _variant_rows(ctx: StoreContext, product: Product) -> list[dict[str, Any]]:
    minor = Minor(ctx)
    return [
        {
            "store": ctx.store,
            "variant_id": v.variant_id,
            "product_id": product.product_id,
            "title": v.title,
            "sku": v.sku,
            "price_minor": minor(v.price, "variant price"),
            "cost_minor": None if v.cost is None else minor(v.cost, "variant cost"),
            "inventory_item_id": v.inventory_item_id,
            "created_at": v.created_at,
            "updated_at": v.updated_at,
        }
        for v in product.variants
    ]


def load_locations(
    conn: Connection, ctx: StoreContext, locations: Sequence[Location]
) -> LoadResult:
    """Upsert the shop's locations."""
    rows = [
        {
            "store": ctx.store,
            "location_id": loc.location_id,
            "name": loc.name,
            "active": loc.active,
            "country_code": loc.country_code,
            "synced_at": ctx.synced_at,
        }
        for loc in locations
    ]
    return LoadResult(upserted=upsert(conn, tables.locations, rows))


def load_inventory(
    conn: Connection, ctx: StoreContext, levels: Sequence[InventoryLevel], snapshot_date: date
) -> LoadResult:
    """Upsert one store-local day's inventory snapshot."""
    rows = [
        {
            "store": ctx.store,
            "inventory_item_id": level.inventory_item_id,
            "location_id": level.location_id,
            "snapshot_date": snapshot_date,
            "available": level.available,
            "updated_at": level.updated_at,
            "synced_at": ctx.synced_at,
        }
        for level in levels
    ]
    return LoadResult(upserted=upsert(conn, tables.inventory_levels, rows))


def load_deletions(
    conn: Connection, ctx: StoreContext, deletions: Sequence[OrderDeletion]
) -> LoadResult:
    """Mark deleted orders (rows stay, so history can still explain past reports)."""
    marked = 0
    for deletion in deletions:
        result = conn.execute(
            update(tables.orders)
            .where(
                tables.orders.c.store == ctx.store, tables.orders.c.order_id == deletion.order_id
            )
            .values(
                deleted_at=deletion.deleted_at, synced_at=ctx.synced_at, changed_at=ctx.synced_at
            )
        )
        marked += result.rowcount or 0
    return LoadResult(upserted=marked)


def clear_ga4_days(conn: Connection, store: str, first: date, last: date) -> None:
    """Forget what GA4 said of the days ``first``…``last`` before they are read again: GA4
    revises recent days, and a channel it no longer reports for a day must not keep its row."""
    t = tables.traffic_daily.c
    conn.execute(
        delete(tables.traffic_daily).where(
            t.store == store, t.local_date.between(first, last), t.source == "ga4"
        )
    )


def load_traffic(
    conn: Connection, ctx: StoreContext, days: Sequence[TrafficDay], source: TrafficSource
) -> LoadResult:
    """Upsert daily traffic per channel, noting where it came from.

    GA4 wins for the days it covers, whichever is loaded first: its days replace the CSV's
    rows of those days, and a CSV's rows for a day GA4 already has are not loaded.
    """
    t = tables.traffic_daily.c
    covered = sorted({day.day for day in days})
    if source == "ga4" and covered:
        conn.execute(
            delete(tables.traffic_daily).where(
                t.store == ctx.store, t.local_date.in_(covered), t.source != "ga4"
            )
        )
    elif covered:
        from_ga4 = set(
            conn.execute(
                select(t.local_date)
                .distinct()
                .where(t.store == ctx.store, t.local_date.in_(covered), t.source == "ga4")
            ).scalars()
        )
        days = [day for day in days if day.day not in from_ga4]
    minor = Minor(ctx)
    rows = [
        {
            "store": ctx.store,
            "local_date": day.day,
            "channel": day.channel,
            "sessions": day.sessions,
            "add_to_carts": day.add_to_carts,
            "checkouts": day.checkouts,
            "purchases": day.purchases,
            "source": source,
            "users": day.users,
            "revenue_minor": None if day.revenue is None else minor(day.revenue, "revenue"),
            "sampled_share": day.sampled_share,
            "thresholded": day.thresholded,
            "other_row": day.other_row,
            "synced_at": ctx.synced_at,
        }
        for day in days
    ]
    return LoadResult(upserted=upsert(conn, tables.traffic_daily, rows))
