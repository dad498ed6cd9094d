"""ad_spend and ad_budgets: spend per store, day, channel and campaign; monthly budgets

Revision ID: 0011
Revises: 0009 (0010 once the branch taking 0010 is merged before it)
Create Date: 2026-12-02 06:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ad_spend",
        sa.Column("store", sa.String(length=40), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("campaign", sa.String(length=255), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("spend_minor", sa.BigInteger(), nullable=False),
        sa.Column("clicks", sa.BigInteger(), nullable=False),
        sa.Column("impressions", sa.BigInteger(), nullable=False),
        sa.Column("conversions", sa.Float(), nullable=True),
        sa.Column("conversion_value_minor", sa.BigInteger(), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "store", "local_date", "channel", "campaign", name=op.f("pk_ad_spend")
        ),
    )
    op.create_index(
        op.f("ix_ad_spend_store_synced_at"), "ad_spend", ["store", "synced_at"], unique=False
    )
    op.create_table(
        "ad_budgets",
        sa.Column("store", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("budget_minor", sa.BigInteger(), nullable=True),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("store", "channel", "month", name=op.f("pk_ad_budgets")),
    )


def downgrade() -> None:
    op.drop_table("ad_budgets")
    op.drop_index(op.f("ix_ad_spend_store_synced_at"), table_name="ad_spend")
    op.drop_table("ad_spend")
