"""ad_spend: the time of the export that wrote each row, so an older export never overwrites it

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 07:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ad_spend") as batch:
        batch.add_column(sa.Column("exported_at", sa.DateTime(timezone=True), nullable=True))
    # A row stored before knew only when it was loaded: that stands for its export's time.
    op.execute("UPDATE ad_spend SET exported_at = synced_at")
    with op.batch_alter_table("ad_spend") as batch:
        batch.alter_column("exported_at", existing_type=sa.DateTime(timezone=True), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("ad_spend") as batch:
        batch.drop_column("exported_at")
