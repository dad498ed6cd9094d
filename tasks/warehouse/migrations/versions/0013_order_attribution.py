"""orders: the visit's marketing source (UTM values, click id name, marketing channel)

Revision ID: 0013
Revises: 0011 (0012 once the branch taking 0012 is merged before it)
Create Date: 2026-12-08 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

COLUMNS = ("utm_source", "utm_medium", "utm_campaign", "click_id", "marketing_channel")


def upgrade() -> None:
    # Orders stored before stay null until re-read: their platform's attribution is unknown.
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("utm_source", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("utm_medium", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("utm_campaign", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("click_id", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("marketing_channel", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        for column in reversed(COLUMNS):
            batch_op.drop_column(column)
