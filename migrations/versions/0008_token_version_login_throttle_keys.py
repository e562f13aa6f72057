"""token version on users, login throttles keyed per (username, address) and per address,
shown-once fields left out of idempotency replays

Revision ID: 0008
Revises: 0007

``users.token_version`` starts at 0, the version every token issued so far is read as, so
no one is signed out by the upgrade. ``login_throttles.username`` becomes ``key`` (a hash
of the username and the address, or of the address): the old rows, keyed by username only,
match no new key and are purged by the worker once their window has passed. Stored
idempotency answers are deleted: they are retry aids of at most a day, and the old ones may
hold an API key or a webhook secret that must not be shown again.
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("token_version", sa.Integer(), server_default="0", nullable=False)
        )
    with op.batch_alter_table("login_throttles", schema=None) as batch_op:
        batch_op.alter_column(
            "username",
            new_column_name="key",
            existing_type=sa.String(length=64),
            existing_nullable=False,
        )
    op.execute("DELETE FROM idempotency_records")
    with op.batch_alter_table("idempotency_records", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "omitted_fields", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("idempotency_records", schema=None) as batch_op:
        batch_op.drop_column("omitted_fields")
    with op.batch_alter_table("login_throttles", schema=None) as batch_op:
        batch_op.alter_column(
            "key",
            new_column_name="username",
            existing_type=sa.String(length=64),
            existing_nullable=False,
        )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("token_version")
