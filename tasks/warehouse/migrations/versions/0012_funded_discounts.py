"""orders: who funded the discounts, the shop or the platform, where the source says

Revision ID: 0012
Revises: 0009
Create Date: 2026-12-02 06:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("discount_shop_minor", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("discount_platform_minor", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("discount_platform_minor")
        batch.drop_column("discount_shop_minor")
