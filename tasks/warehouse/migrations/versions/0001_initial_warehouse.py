"""initial warehouse

Revision ID: 0001
Revises:
Create Date: 2026-11-25 05:14:59.556085
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "customers",
        sa.Column("store", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=True),
        sa.Column("country_code", sa.String(length=2), nullable=True),
        sa.Column("tags", sa.Text(), nullable=False),
        sa.Column("accepts_marketing", sa.Boolean(), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("store", "customer_id", name=op.f("pk_customers")),
    )
    op.create_table(
        "inventory_levels",
        sa.Column("store", sa.String(length=40), nullable=False),
        sa.Column("inventory_item_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("location_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("snapshot_date", sa.Date(), nullable=False),
        sa.Column("available", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "store",
            "inventory_item_id",
            "location_id",
            "snapshot_date",
            name=op.f("pk_inventory_levels"),
        ),
    )
    op.create_table(
        "locations",
        sa.Column("store", sa.String(length=40), nullable=False),
        sa.Column("location_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=True),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("store", "location_id", name=op.f("pk_locations")),
    )
    op.create_table(
        "order_discount_codes",
        sa.Column("store", sa.String(length=40), nullable=False),
        sa.Column("order_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("code", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("store", "order_id", "code", name=op.f("pk_order_discount_codes")),
    )
    op.create_table(
        "order_lines",
        sa.Column("store", sa.String(length=40), nullable=False),
        sa.Column("line_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("order_id", sa.BigInteger(), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=True),
        sa.Column("variant_id", sa.BigInteger(), nullable=True),
        sa.Column("sku", sa.String(length=255), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("variant_title", sa.Text(), nullable=True),
        sa.Column("vendor", sa.Text(), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("current_quantity", sa.Integer(), nullable=True),
        sa.Column("price_minor", sa.BigInteger(), nullable=False),
        sa.Column("discount_minor", sa.BigInteger(), nullable=False),
        sa.Column("tax_minor", sa.BigInteger(), nullable=False),
        sa.Column("gift_card", sa.Boolean(), nullable=False),
        sa.Column("fulfillment_status", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("store", "line_id", name=op.f("pk_order_lines")),
    )
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_order_lines_store_order_id"), ["store", "order_id"], unique=False
        )

    op.create_table(
        "orders",
        sa.Column("store", sa.String(length=40), nullable=False),
        sa.Column("order_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_reason", sa.String(length=40), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fulfilled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("local_week", sa.Date(), nullable=False),
        sa.Column("financial_status", sa.String(length=32), nullable=True),
        sa.Column("fulfillment_status", sa.String(length=32), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("presentment_currency", sa.String(length=3), nullable=True),
        sa.Column("source_name", sa.String(length=64), nullable=True),
        sa.Column("test", sa.Boolean(), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=True),
        sa.Column("country_code", sa.String(length=2), nullable=True),
        sa.Column("taxes_included", sa.Boolean(), nullable=False),
        sa.Column("line_items_minor", sa.BigInteger(), nullable=False),
        sa.Column("discounts_minor", sa.BigInteger(), nullable=False),
        sa.Column("subtotal_minor", sa.BigInteger(), nullable=False),
        sa.Column("shipping_minor", sa.BigInteger(), nullable=False),
        sa.Column("tax_minor", sa.BigInteger(), nullable=False),
        sa.Column("total_minor", sa.BigInteger(), nullable=False),
        sa.Column("current_total_minor", sa.BigInteger(), nullable=True),
        sa.Column("tags", sa.Text(), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("store", "order_id", name=op.f("pk_orders")),
    )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_orders_store_customer_id"), ["store", "customer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_orders_store_local_date"), ["store", "local_date"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_orders_store_updated_at"), ["store", "updated_at"], unique=False
        )

    op.create_table(
        "products",
        sa.Column("store", sa.String(length=40), nullable=False),
        sa.Column("product_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("product_type", sa.Text(), nullable=True),
        sa.Column("vendor", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=True),
        sa.Column("handle", sa.Text(), nullable=True),
        sa.Column("tags", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("store", "product_id", name=op.f("pk_products")),
    )
    op.create_table(
        "quarantine",
        sa.Column("store", sa.String(length=40), nullable=False),
        sa.Column("resource", sa.String(length=32), nullable=False),
        sa.Column("record_key", sa.String(length=128), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("store", "resource", "record_key", name=op.f("pk_quarantine")),
    )
    with op.batch_alter_table("quarantine", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_quarantine_last_seen_at"), ["last_seen_at"], unique=False
        )

    op.create_table(
        "refund_lines",
        sa.Column("store", sa.String(length=40), nullable=False),
        sa.Column("refund_line_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("refund_id", sa.BigInteger(), nullable=False),
        sa.Column("order_id", sa.BigInteger(), nullable=False),
        sa.Column("line_id", sa.BigInteger(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("subtotal_minor", sa.BigInteger(), nullable=False),
        sa.Column("tax_minor", sa.BigInteger(), nullable=False),
        sa.Column("restock_type", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("store", "refund_line_id", name=op.f("pk_refund_lines")),
    )
    with op.batch_alter_table("refund_lines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_refund_lines_store_order_id"), ["store", "order_id"], unique=False
        )

    op.create_table(
        "refunds",
        sa.Column("store", sa.String(length=40), nullable=False),
        sa.Column("refund_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("order_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("local_week", sa.Date(), nullable=False),
        sa.Column("lines_subtotal_minor", sa.BigInteger(), nullable=False),
        sa.Column("lines_tax_minor", sa.BigInteger(), nullable=False),
        sa.Column("shipping_minor", sa.BigInteger(), nullable=False),
        sa.Column("shipping_tax_minor", sa.BigInteger(), nullable=False),
        sa.Column("adjustments_minor", sa.BigInteger(), nullable=False),
        sa.Column("transactions_minor", sa.BigInteger(), nullable=False),
        sa.Column("restock", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("store", "refund_id", name=op.f("pk_refunds")),
    )
    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_refunds_store_local_date"), ["store", "local_date"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_refunds_store_order_id"), ["store", "order_id"], unique=False
        )

    op.create_table(
        "stores",
        sa.Column("store", sa.String(length=40), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=True),
        sa.Column("shop_name", sa.Text(), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("currency_exponent", sa.Integer(), nullable=False),
        sa.Column("shop_created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("plan", sa.String(length=40), nullable=True),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("store", name=op.f("pk_stores")),
    )
    op.create_table(
        "sync_runs",
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("store", sa.String(length=40), nullable=False),
        sa.Column("resource", sa.String(length=32), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fetched", sa.Integer(), nullable=False),
        sa.Column("upserted", sa.Integer(), nullable=False),
        sa.Column("quarantined", sa.Integer(), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("throttle_waits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "run_id", "store", "resource", "window_start", name=op.f("pk_sync_runs")
        ),
    )
    with op.batch_alter_table("sync_runs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sync_runs_store_finished_at"), ["store", "finished_at"], unique=False
        )

    op.create_table(
        "sync_state",
        sa.Column("store", sa.String(length=40), nullable=False),
        sa.Column("resource", sa.String(length=32), nullable=False),
        sa.Column("cursor", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deep_synced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("store", "resource", name=op.f("pk_sync_state")),
    )
    op.create_table(
        "traffic_daily",
        sa.Column("store", sa.String(length=40), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("sessions", sa.Integer(), nullable=False),
        sa.Column("add_to_carts", sa.Integer(), nullable=False),
        sa.Column("checkouts", sa.Integer(), nullable=False),
        sa.Column("purchases", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("store", "local_date", "channel", name=op.f("pk_traffic_daily")),
    )
    op.create_table(
        "variants",
        sa.Column("store", sa.String(length=40), nullable=False),
        sa.Column("variant_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("sku", sa.String(length=255), nullable=True),
        sa.Column("price_minor", sa.BigInteger(), nullable=False),
        sa.Column("cost_minor", sa.BigInteger(), nullable=True),
        sa.Column("inventory_item_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("store", "variant_id", name=op.f("pk_variants")),
    )
    with op.batch_alter_table("variants", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_variants_store_inventory_item_id"),
            ["store", "inventory_item_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_variants_store_product_id"), ["store", "product_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("variants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_variants_store_product_id"))
        batch_op.drop_index(batch_op.f("ix_variants_store_inventory_item_id"))

    op.drop_table("variants")
    op.drop_table("traffic_daily")
    op.drop_table("sync_state")
    with op.batch_alter_table("sync_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sync_runs_store_finished_at"))

    op.drop_table("sync_runs")
    op.drop_table("stores")
    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_refunds_store_order_id"))
        batch_op.drop_index(batch_op.f("ix_refunds_store_local_date"))

    op.drop_table("refunds")
    with op.batch_alter_table("refund_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_refund_lines_store_order_id"))

    op.drop_table("refund_lines")
    with op.batch_alter_table("quarantine", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quarantine_last_seen_at"))

    op.drop_table("quarantine")
    op.drop_table("products")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_orders_store_updated_at"))
        batch_op.drop_index(batch_op.f("ix_orders_store_local_date"))
        batch_op.drop_index(batch_op.f("ix_orders_store_customer_id"))

    op.drop_table("orders")
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_order_lines_store_order_id"))

    op.drop_table("order_lines")
    op.drop_table("order_discount_codes")
    op.drop_table("locations")
    op.drop_table("inventory_levels")
    op.drop_table("customers")
