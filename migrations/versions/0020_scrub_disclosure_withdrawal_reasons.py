"""the published reasons of withdrawn disclosures scrubbed of the party's data

Revision ID: 0020
Revises: 0019

A withdrawal's reason is published with the notice (行政处罚法 第四十八条). Reasons written
before the scrub read the party's whole document (an early version kept them as typed; a
later one removed only the name and number-shaped text, not the address): each is scrubbed
again here against the party its document was issued to. Scrubbing is idempotent, so
nothing is lost by running it over reasons already scrubbed; the downgrade keeps them so.
"""
import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from app.documents.redaction import document_recipient, scrub_text

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WITHDRAWN = sa.text(
    "SELECT d.id, d.withdrawal_reason, doc.data, doc.recipient_type, doc.recipient_name "
    "FROM disclosures d JOIN documents doc ON doc.id = d.document_id "
    "WHERE d.withdrawal_reason IS NOT NULL"
)
SCRUBBED = sa.text("UPDATE disclosures SET withdrawal_reason = :reason WHERE id = :id")


def _data(value: Any) -> dict[str, Any]:
    loaded = json.loads(value) if isinstance(value, str | bytes) else value
    return loaded if isinstance(loaded, dict) else {}


def upgrade() -> None:
    connection = op.get_bind()
    for row in connection.execute(WITHDRAWN).mappings():
        recipient = document_recipient(
            _data(row["data"]), row["recipient_type"], row["recipient_name"]
        )
        reason = scrub_text(row["withdrawal_reason"], recipient)
        if reason != row["withdrawal_reason"]:
            connection.execute(SCRUBBED, {"reason": reason, "id": row["id"]})


def downgrade() -> None:
    """The raw reasons are gone for good, as they should be."""
