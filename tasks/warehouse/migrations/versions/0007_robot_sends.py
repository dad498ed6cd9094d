"""robot_sends: chat robots' rate limits shared by every process; outbox.parts_sent

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 03:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "robot_sends",
        sa.Column("robot", sa.String(length=64), nullable=False),
        sa.Column("window_ms", sa.Integer(), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("robot", "window_ms", "slot", name=op.f("pk_robot_sends")),
    )
    op.add_column(
        "outbox",
        sa.Column("parts_sent", sa.Integer(), nullable=False, server_default=sa.text("0")),
    )


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("parts_sent")
    op.drop_table("robot_sends")
