"""per-day rollups of the ticket statistics, their watermark, and the indexes reads use

Revision ID: 0019
Revises: 0018

The rollups are counted here from the tickets already stored, set-based (INSERT … SELECT
per dimension, a day list joined on created_at), in the zone GOVFLOW_TIMEZONE names
(1,000,000 tickets: about two minutes on two busy cores).
"""
import os
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING_CLOCK = sa.text("clock_status = 'running' AND is_overdue = false")
MEASURES = (
    "received", "closed", "open", "overdue", "closed_on_time", "rated", "satisfied", "handled",
)
MODES = ("mode_service", "mode_management", "mode_enforcement")


def upgrade() -> None:
    op.create_table(
        "rollup_watermarks",
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("watermark", sa.DateTime(timezone=True), nullable=False),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("kind"),
    )
    op.create_table(
        "ticket_rollups",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("dimension", sa.String(length=32), nullable=False),
        sa.Column("value", sa.String(length=100), nullable=True),
        sa.Column("department_id", sa.Uuid(), nullable=True),
        sa.Column("across_departments", sa.Boolean(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in MEASURES),
        sa.Column("handling_seconds", sa.Float(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in MODES),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_ticket_rollups_read",
        "ticket_rollups",
        ["dimension", "across_departments", "department_id", "day"],
        postgresql_include=["value", *MEASURES, "handling_seconds", *MODES],
    )
    op.create_index("ix_ticket_rollups_day", "ticket_rollups", ["day"])
    op.create_index("ix_tickets_updated_at", "tickets", ["updated_at"])
    op.create_index(
        "ix_tickets_clock_pending",
        "tickets",
        ["due_at"],
        postgresql_where=PENDING_CLOCK,
        sqlite_where=PENDING_CLOCK,
    )
    _backfill()


def _backfill() -> None:
    # The app's own statements (app/records/rollups.py), so the rows are exactly what a
    # refresh would write; they read only columns every revision from 0017 on has.
    from app.models.base import utcnow
    from app.models.rollup import RollupWatermark
    from app.records.rollups import LAG_MARGIN, all_days, recount_statements
    from app.tickets.stats import TICKET_ROLLUP

    bind = op.get_bind()
    zone_name = os.environ.get("GOVFLOW_TIMEZONE", "Asia/Shanghai")
    zone = ZoneInfo(zone_name)
    started = utcnow()
    created_at = TICKET_ROLLUP.model.created_at
    first, last = bind.execute(sa.select(sa.func.min(created_at), sa.func.max(created_at))).one()
    if first is None:
        # No watermark: statistics read live until the first refresh rebuilds, so tickets
        # bulk-loaded after this migration (the bench's COPY) are never missed.
        return
    days = all_days(first, last, zone)
    for statement in recount_statements(TICKET_ROLLUP, bind.dialect.name, days, zone):
        bind.execute(statement)
    op.bulk_insert(
        RollupWatermark.__table__,  # type: ignore[arg-type]
        [
            {
                "kind": "ticket",
                "watermark": started - LAG_MARGIN,
                "zone": zone_name,
                "refreshed_at": started,
            }
        ],
    )


def downgrade() -> None:
    op.drop_index("ix_tickets_clock_pending", table_name="tickets")
    op.drop_index("ix_tickets_updated_at", table_name="tickets")
    op.drop_index("ix_ticket_rollups_day", table_name="ticket_rollups")
    op.drop_index("ix_ticket_rollups_read", table_name="ticket_rollups")
    op.drop_table("ticket_rollups")
    op.drop_table("rollup_watermarks")
