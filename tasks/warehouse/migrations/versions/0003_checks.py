"""checks: findings, alerts and their events, silences

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

OPEN = sa.text("status = 'open'")


def _finding() -> list[sa.Column]:
    return [
        sa.Column("metric", sa.String(length=64), nullable=False),
        sa.Column("check_name", sa.String(length=32), nullable=False),
        sa.Column("dimension_value", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        *(
            sa.Column(name, sa.Float(), nullable=True)
            for name in ("actual", "expected", "lower", "upper", "score")
        ),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "check_findings",
        sa.Column("store", sa.String(length=40), nullable=False),
        sa.Column("check_day", sa.Date(), nullable=False),
        sa.Column("fingerprint", sa.String(length=255), nullable=False),
        *_finding(),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "store", "check_day", "fingerprint", name=op.f("pk_check_findings")
        ),
    )
    op.create_table(
        "alerts",
        sa.Column("alert_id", sa.String(length=36), nullable=False),
        sa.Column("fingerprint", sa.String(length=255), nullable=False),
        sa.Column("store", sa.String(length=40), nullable=False),
        *_finding(),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("opened_for", sa.Date(), nullable=False),
        sa.Column("last_seen_for", sa.Date(), nullable=False),
        sa.Column("resolved_for", sa.Date(), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("silenced", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("alert_id", name=op.f("pk_alerts")),
    )
    op.create_index(
        "uq_alerts_open_fingerprint",
        "alerts",
        ["fingerprint"],
        unique=True,
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )
    op.create_index(op.f("ix_alerts_store_status"), "alerts", ["store", "status"])
    op.create_table(
        "alert_events",
        sa.Column("alert_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("report_date", sa.Date(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("alert_id", "seq", name=op.f("pk_alert_events")),
    )
    op.create_table(
        "alert_silences",
        sa.Column("fingerprint", sa.String(length=255), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("fingerprint", name=op.f("pk_alert_silences")),
    )


def downgrade() -> None:
    op.drop_table("alert_silences")
    op.drop_table("alert_events")
    op.drop_index(op.f("ix_alerts_store_status"), table_name="alerts")
    op.drop_index("uq_alerts_open_fingerprint", table_name="alerts")
    op.drop_table("alerts")
    op.drop_table("check_findings")
