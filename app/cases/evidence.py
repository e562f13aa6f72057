"""Evidence of an enforcement case: what it may be, who adds it, when it may still change.

行政处罚法 第四十六条 lists the evidence a penalty rests on; 第四十七条 requires the whole
procedure to be recorded and kept. Once the investigation is concluded (or the case was
decided on the spot), the evidence the decision was proposed on is fixed: files may still
be added while the case is open, but none is ever removed again, even if the case comes
back to investigation after a legal review or a revocation.
"""

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.cases.workflow import FINISHED
from app.models.case import CaseOfficer, EnforcementCase
from app.workflow.registry import AttachmentPolicy

EVIDENCE_KINDS = frozenset({"photo", "video", "audio", "transcript", "document", "on_site_record"})
EVIDENCE_STATES = ("registered", "investigating")


def _case(record: Any) -> EnforcementCase:
    assert isinstance(record, EnforcementCase)
    return record


def has_left_investigation(case: EnforcementCase) -> bool:
    """Concluded at least once (a proposed penalty), or decided and revoked since."""
    return (
        case.status not in EVIDENCE_STATES
        or case.proposed_kinds is not None
        or case.revoke_count > 0
    )


def evidence_open(record: Any) -> str | None:
    case = _case(record)
    if case.status in FINISHED:
        return f"The case is {case.status}: no evidence can be added"
    return None


def evidence_removable(record: Any) -> str | None:
    if has_left_investigation(_case(record)):
        return "Evidence is immutable once the case has left investigation"
    return None


async def case_officers(session: AsyncSession, record: Any) -> frozenset[uuid.UUID] | None:
    query = select(col(CaseOfficer.user_id)).where(col(CaseOfficer.case_id) == _case(record).id)
    officers = frozenset((await session.scalars(query)).all())
    return officers or None


# 第四十二条、第五十四条、第五十五条: evidence is gathered by the case's law-enforcement
# officers, inspectors of the owning department (case_rules.officers_qualified); before
# the case is filed and names them, by the department's inspectors who found it. The leader
# decides on it, the legal reviewer checks it (第五十八条), supervisors oversee: they read
# it and never add to it.
CASE_EVIDENCE = AttachmentPolicy(
    kinds=EVIDENCE_KINDS,
    uploadable=evidence_open,
    deletable=evidence_removable,
    added_by=frozenset({"inspector"}),
    removed_by=frozenset({"inspector"}),
    assigned=case_officers,
    assigned_means="the case's officers",
)
