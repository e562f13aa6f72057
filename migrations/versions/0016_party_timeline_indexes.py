"""indexes for a party's timeline

Revision ID: 0016
Revises: 0015

The party timeline (一件事) reads approvals by applicant and cases by party, newest first:
each gets an index on (party number, created_at, id), the cases' replacing the one on the
number alone. On PostgreSQL they are built concurrently, so live tables keep taking writes.
"""
from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    _party_indexes(
        ("ix_approvals_applicant_created", "approvals", "applicant_id_number"),
        ("ix_cases_party_created", "cases", "party_id_number"),
    )
    _drop_index("ix_cases_party_id_number", "cases")


def _party_indexes(*indexes: tuple[str, str, str]) -> None:
    for name, table, column in indexes:
        if op.get_bind().dialect.name == "postgresql":
            with op.get_context().autocommit_block():
                op.execute(
                    f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} "
                    f"({column}, created_at, id)"
                )
        else:
            op.create_index(name, table, [column, "created_at", "id"])


def _drop_index(name: str, table: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_index(name)


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index("ix_cases_party_id_number", ["party_id_number"], unique=False)
    _drop_index("ix_cases_party_created", "cases")
    _drop_index("ix_approvals_applicant_created", "approvals")
