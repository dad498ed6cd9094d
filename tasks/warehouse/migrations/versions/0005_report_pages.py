"""report_pages: each digest and weekly review as a self-contained HTML page, per language

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 16:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_pages",
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", "language", name=op.f("pk_report_pages")),
    )


def downgrade() -> None:
    op.drop_table("report_pages")
