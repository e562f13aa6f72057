"""chain head on records, calendar cache token, trigram search indexes

Revision ID: 0007
Revises: 0006

Each record row keeps the seq and hash of its last event, so appending an event reads
nothing; existing rows are filled from the events table. PostgreSQL gets pg_trgm GIN
indexes on the text keyword search matches (app/records/queries.py
``search_text``: the same expression, or the planner cannot use them), built
concurrently so a live table keeps taking writes.
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table -> (workflow kind, the columns keyword search matches, in the app's order)
RECORDS = {
    "tickets": ("ticket", ("title", "content", "address", "number")),
    "approvals": ("approval", ("number", "title", "applicant_name", "licence_number")),
    "cases": ("case", ("title", "number", "address", "decision_number")),
}


def _search_text(columns: Sequence[str]) -> str:
    return " || ' ' || ".join(f"coalesce({column}, '')" for column in columns)


def upgrade() -> None:
    op.create_table(
        "cache_versions",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("token", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    for table, (kind, _) in RECORDS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("last_event_seq", sa.Integer(), server_default="0", nullable=False)
            )
            batch_op.add_column(sa.Column("last_event_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        op.execute(
            f"UPDATE {table} SET (last_event_seq, last_event_hash) = ("
            f"SELECT e.seq, e.hash FROM events e WHERE e.kind = '{kind}' "
            f"AND e.record_id = {table}.id ORDER BY e.seq DESC LIMIT 1) "
            f"WHERE EXISTS (SELECT 1 FROM events e WHERE e.kind = '{kind}' "
            f"AND e.record_id = {table}.id)"
        )
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    with op.get_context().autocommit_block():
        for table, (_, columns) in RECORDS.items():
            op.execute(
                f"CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_{table}_search_trgm ON {table} "
                f"USING gin (({_search_text(columns)}) gin_trgm_ops)"
            )
            # A histogram of 1,000 samples of the text lets the planner tell a term that
            # matches a few hundred rows (read the index) from a common one (walk newest
            # first); at the default 100 both look alike.
            op.execute(f"ALTER INDEX ix_{table}_search_trgm ALTER COLUMN 1 SET STATISTICS 1000")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in RECORDS:
            op.execute(f"DROP INDEX IF EXISTS ix_{table}_search_trgm")
    for table in RECORDS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("last_event_hash")
            batch_op.drop_column("last_event_seq")
    op.drop_table("cache_versions")
