"""the department scorecard (部门考评), and the rater's number for the party timeline

Revision ID: 0018
Revises: 0017

``scorecard_schemes`` keeps every version of the admin's scheme and ``scorecard_runs`` each
quarter's computation. ``ratings.rater_id_number`` (with an index on it, newest first) lets
the party timeline read a party's ratings without a scan; ratings already given take their
approval's applicant when given under the real name.
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import app.models.base

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "scorecard_schemes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("definition", JSON, nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("version"),
    )
    op.create_table(
        "scorecard_runs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("period", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column("scheme_version", sa.Integer(), nullable=False),
        sa.Column("results", JSON, nullable=False),
        sa.Column("computed_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("computed_by", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["computed_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("scorecard_runs", schema=None) as batch_op:
        batch_op.create_index("ix_scorecard_runs_period", ["period", "computed_at"], unique=False)
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("rater_id_number", sqlmodel.sql.sqltypes.AutoString(length=18), nullable=True)
        )
    op.execute(
        "UPDATE ratings SET rater_id_number = (SELECT approvals.applicant_id_number "
        "FROM approvals WHERE approvals.id = ratings.record_id) "
        "WHERE kind = 'approval' AND real_name"
    )
    if op.get_bind().dialect.name == "postgresql":
        with op.get_context().autocommit_block():
            op.execute(
                "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_ratings_rater_rated ON ratings "
                "(rater_id_number, rated_at, id)"
            )
    else:
        op.create_index("ix_ratings_rater_rated", "ratings", ["rater_id_number", "rated_at", "id"])


def downgrade() -> None:
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.drop_index("ix_ratings_rater_rated")
        batch_op.drop_column("rater_id_number")
    with op.batch_alter_table("scorecard_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_scorecard_runs_period")
    op.drop_table("scorecard_runs")
    op.drop_table("scorecard_schemes")
