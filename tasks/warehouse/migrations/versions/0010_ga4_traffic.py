"""traffic_daily: GA4's users, revenue and report-quality flags beside each day's funnel

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

COLUMNS = ("users", "revenue_minor", "sampled_share", "thresholded", "other_row")


def upgrade() -> None:
    with op.batch_alter_table("traffic_daily", schema=None) as batch_op:
        batch_op.add_column(sa.Column("users", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("revenue_minor", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("sampled_share", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("thresholded", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("other_row", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("traffic_daily", schema=None) as batch_op:
        for name in reversed(COLUMNS):
            batch_op.drop_column(name)
