"""Approval statistics: the hall's counts, and decision time against the committed limit."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import case, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.actor import Actor
from app.approvals.workflow import APPROVAL_WORKFLOW, IN_PROGRESS
from app.models.approval import ApprovalApplication as Application
from app.models.base import utcnow
from app.records.queries import overdue_clause
from app.records.stats_sql import average, count_if, grouped_counts, rate

ApprovalGroup = Literal["service", "department", "channel"]
GROUP_COLUMNS: dict[str, Any] = {
    "service": Application.service_code,
    "department": Application.department_id,
    "channel": Application.channel,
}


class ApprovalStatsRow(BaseModel):
    group: str | None
    received: int
    accepted: int = Field(description="Accepted by a clerk or deemed accepted.")
    approved: int
    rejected: int
    not_accepted: int
    withdrawn: int
    in_progress: int = Field(description="Received and not yet decided, refused or withdrawn.")
    overdue: int = Field(description="Past a running deadline now, or decided late.")
    decided: int
    average_decision_working_days: float | None = Field(
        description="From acceptance to decision, suspensions not counted."
    )
    average_committed_limit_days: float | None = Field(
        description="The committed limit of the same decided applications (green channel "
        "halved): the compressed time limit to compare against."
    )
    on_the_spot_share: float | None = Field(description="Decided on the spot, of all decided.")


class ApprovalStats(BaseModel):
    group_by: str
    date_from: datetime | None
    date_to: datetime | None
    rows: list[ApprovalStatsRow]


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


async def approval_stats(
    session: AsyncSession,
    actor: Actor,
    group_by: ApprovalGroup,
    date_from: datetime | None,
    date_to: datetime | None,
) -> ApprovalStats:
    status, decision = col(Application.status), col(Application.decision)
    decided = decision.isnot(None)
    group = GROUP_COLUMNS[group_by]
    query = grouped_counts(
        APPROVAL_WORKFLOW,
        actor,
        group,
        date_from,
        date_to,
        count_if(col(Application.id).isnot(None)).label("received"),
        count_if(col(Application.accepted_at).isnot(None)).label("accepted"),
        count_if(decision == "approved").label("approved"),
        count_if(decision == "rejected").label("rejected"),
        count_if(status == "not_accepted").label("not_accepted"),
        count_if(status == "withdrawn").label("withdrawn"),
        count_if(status.in_(IN_PROGRESS)).label("in_progress"),
        count_if(
            or_(overdue_clause(Application, utcnow()), col(Application.decided_late).is_(True))
        ).label("overdue"),
        count_if(decided).label("decided"),
        count_if(col(Application.decided_on_the_spot).is_(True)).label("on_the_spot"),
        average(case((decided, col(Application.decision_working_days)))).label("decision_days"),
        average(case((decided, col(Application.decision_limit_days)))).label("limit_days"),
    )
    rows = [
        ApprovalStatsRow(
            group=None if row.group is None else str(row.group),
            received=row.received,
            accepted=row.accepted,
            approved=row.approved,
            rejected=row.rejected,
            not_accepted=row.not_accepted,
            withdrawn=row.withdrawn,
            in_progress=row.in_progress,
            overdue=row.overdue,
            decided=row.decided,
            average_decision_working_days=_rounded(row.decision_days),
            average_committed_limit_days=_rounded(row.limit_days),
            on_the_spot_share=rate(row.on_the_spot, row.decided),
        )
        for row in (await session.execute(query)).all()
    ]
    return ApprovalStats(group_by=group_by, date_from=date_from, date_to=date_to, rows=rows)
