"""metrics: metric values and state, targets, exchange rates; orders' cancellation day

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 06:26:21.049432
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op


revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "exchange_rates",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("reporting_currency", sa.String(length=3), nullable=False),
        sa.Column("rate", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint(
            "day", "currency", "reporting_currency", name=op.f("pk_exchange_rates")
        ),
    )
    op.create_table(
        "metric_state",
        sa.Column("store", sa.String(length=40), nullable=False),
        sa.Column("metric", sa.String(length=64), nullable=False),
        sa.Column("definition_version", sa.Integer(), nullable=False),
        sa.Column("computed_through", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("store", "metric", name=op.f("pk_metric_state")),
    )
    op.create_table(
        "metric_values",
        sa.Column("store", sa.String(length=40), nullable=False),
        sa.Column("metric", sa.String(length=64), nullable=False),
        sa.Column("grain", sa.String(length=8), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("dimension", sa.String(length=32), nullable=False),
        sa.Column("dimension_value", sa.String(length=255), nullable=False),
        sa.Column("value_minor", sa.BigInteger(), nullable=True),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("definition_version", sa.Integer(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "store",
            "metric",
            "grain",
            "period_start",
            "dimension",
            "dimension_value",
            name=op.f("pk_metric_values"),
        ),
    )
    with op.batch_alter_table("metric_values", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_metric_values_store_grain_period_start"),
            ["store", "grain", "period_start"],
            unique=False,
        )

    op.create_table(
        "unit_costs",
        sa.Column("store", sa.String(length=40), nullable=False),
        sa.Column("sku", sa.String(length=255), nullable=False),
        sa.Column("cost_minor", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("store", "sku", name=op.f("pk_unit_costs")),
    )
    op.create_table(
        "targets",
        sa.Column("store", sa.String(length=40), nullable=False),
        sa.Column("metric", sa.String(length=64), nullable=False),
        sa.Column("grain", sa.String(length=8), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("target_minor", sa.BigInteger(), nullable=True),
        sa.Column("target", sa.Float(), nullable=True),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "store", "metric", "grain", "period_start", name=op.f("pk_targets")
        ),
    )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cancelled_local_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("fulfilled_local_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("first_synced_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("content_hash", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("customer_order_number", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("previous_order_date", sa.Date(), nullable=True))
        # Metrics find changed orders by when they were synced, not when the shop changed them.
        batch_op.drop_index("ix_orders_store_updated_at")
        batch_op.create_index("ix_orders_store_changed_at", ["store", "changed_at"])
        batch_op.create_index(
            "ix_orders_store_cancelled_local_date", ["store", "cancelled_local_date"]
        )
        batch_op.create_index(
            "ix_orders_store_fulfilled_local_date", ["store", "fulfilled_local_date"]
        )
    _date_local_days()
    op.execute("UPDATE orders SET first_synced_at = synced_at, changed_at = synced_at")
    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_synced_at", sa.DateTime(timezone=True), nullable=True))


def _date_local_days() -> None:
    """Give orders synced before this revision their store-local cancellation and fulfilment days."""
    conn = op.get_bind()
    zones = {s: ZoneInfo(z) for s, z in conn.execute(sa.text("SELECT store, timezone FROM stores"))}
    for column in ("cancelled", "fulfilled"):
        rows = conn.execute(
            sa.text(f"SELECT store, order_id, {column}_at FROM orders WHERE {column}_at IS NOT NULL")
        ).all()
        for store, order_id, moment in rows:
            if store not in zones:
                continue
            moment = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
            moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
            conn.execute(
                sa.text(
                    f"UPDATE orders SET {column}_local_date = :day"
                    " WHERE store = :store AND order_id = :order_id"
                ),
                {"day": moment.astimezone(zones[store]).date(), "store": store,
                 "order_id": order_id},
            )


def downgrade() -> None:

    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index("ix_orders_store_fulfilled_local_date")
        batch_op.drop_index("ix_orders_store_cancelled_local_date")
        batch_op.drop_index("ix_orders_store_changed_at")
        batch_op.create_index("ix_orders_store_updated_at", ["store", "updated_at"])
        batch_op.drop_column("previous_order_date")
        batch_op.drop_column("customer_order_number")
        batch_op.drop_column("changed_at")
        batch_op.drop_column("content_hash")
        batch_op.drop_column("first_synced_at")
        batch_op.drop_column("fulfilled_local_date")
    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.drop_column("first_synced_at")
        batch_op.drop_column("cancelled_local_date")

    op.drop_table("targets")
    op.drop_table("unit_costs")
    with op.batch_alter_table("metric_values", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_metric_values_store_grain_period_start"))

    op.drop_table("metric_values")
    op.drop_table("metric_state")
    op.drop_table("exchange_rates")
