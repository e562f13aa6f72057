"""The application list's filters: the query parameters of the list and the export, and
the clauses they become."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field
from sqlmodel import col

from app.actor import Actor
from app.approvals.schemas import Channel, Code
from app.approvals.workflow import STATES
from app.models.approval import ApprovalApplication
from app.records.queries import common_filters
from app.schemas.common import IsoDateTime

ApprovalStatus = Literal[STATES]  # type: ignore[valid-type]


@dataclass(frozen=True, kw_only=True)
class ApprovalFilters:
    """The list's and the export's query parameters, in the order the API documents them."""

    status: ApprovalStatus | None = None
    service_code: Code | None = None
    department_id: uuid.UUID | None = None
    is_overdue: bool | None = None
    channel: Channel | None = None
    green_channel: bool | None = None
    created_from: IsoDateTime | None = None
    created_to: IsoDateTime | None = None
    q: Annotated[str | None, Field(min_length=1, max_length=100)] = None


def filter_clauses(filters: ApprovalFilters, actor: Actor, now: datetime) -> list[Any]:
    model = ApprovalApplication
    return common_filters(
        model,
        now,
        equal={
            col(model.status): filters.status,
            col(model.service_code): filters.service_code,
            col(model.department_id): filters.department_id,
            col(model.channel): filters.channel,
            col(model.green_channel): filters.green_channel,
        },
        is_overdue=filters.is_overdue,
        created_from=filters.created_from,
        created_to=filters.created_to,
        keyword=filters.q,
        keyword_columns=[
            col(model.number),
            col(model.title),
            col(model.applicant_name),
            col(model.licence_number),
        ],
    )
