"""a ticket's media link (Open311 ``media_url``) in a column of its own

Revision ID: 0017
Revises: 0016

Open311 requests used to append the link to the ticket's content on a last line
(``media_url: …``); reading still splits such old rows, so they need no data migration.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("media_url", sa.String(length=1000), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("media_url")
