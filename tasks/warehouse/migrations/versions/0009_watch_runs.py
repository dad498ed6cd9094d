"""watch_runs: the intraday watch's readings, one per store and run

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 04:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "watch_runs",
        sa.Column("store", sa.String(length=40), nullable=False),
        sa.Column("moment", sa.DateTime(), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("expected", sa.Float(), nullable=False),
        sa.Column("lower", sa.Float(), nullable=False),
        sa.Column("below", sa.Boolean(), nullable=False),
        sa.Column("ran_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("store", "moment", name=op.f("pk_watch_runs")),
    )


def downgrade() -> None:
    op.drop_table("watch_runs")
