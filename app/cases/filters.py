"""The case list's filters: the query parameters of the list and the export, and the
clauses they become."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import Field
from sqlalchemy import exists
from sqlmodel import col

from app.actor import Actor
from app.cases.schemas import Source
from app.cases.service import party_in_full_clause
from app.cases.workflow import STATES
from app.core.masking import refuse_personal_search
from app.models.case import CaseOfficer, EnforcementCase
from app.records.queries import common_filters
from app.schemas.common import AsciiDecimal, IsoDateTime

CaseStatus = Literal[STATES]  # type: ignore[valid-type]
Yuan = Annotated[
    Decimal | None,
    AsciiDecimal,
    Field(ge=0, max_digits=12, decimal_places=2, description="Yuan, e.g. 200.00"),
]


@dataclass(frozen=True, kw_only=True)
class CaseFilters:
    """The list's and the export's query parameters, in the order the API documents them."""

    status: CaseStatus | None = None
    source: Source | None = None
    category_code: Annotated[str | None, Field(max_length=64)] = None
    district: Annotated[str | None, Field(max_length=100)] = None
    department_id: uuid.UUID | None = None
    is_overdue: bool | None = None
    created_from: IsoDateTime | None = None
    created_to: IsoDateTime | None = None
    q: Annotated[
        str | None,
        Field(
            min_length=1,
            max_length=100,
            description="Case-insensitive substring of the title, number, address or "
            "decision number; `%` and `_` match literally.",
        ),
    ] = None
    officer_id: Annotated[uuid.UUID | None, Field(description="Cases this officer handles.")] = None
    fine_min: Annotated[Yuan, Field(description="Decided fine at least this.")] = None
    fine_max: Annotated[Yuan, Field(description="Decided fine at most this.")] = None
    party_id_number: Annotated[
        str | None,
        Field(
            max_length=64,
            description="Exact match; finds only cases whose party the caller sees in full.",
        ),
    ] = None


def filter_clauses(filters: CaseFilters, actor: Actor, now: datetime) -> list[Any]:
    fine = col(EnforcementCase.penalty_fine_amount)
    clauses = common_filters(
        EnforcementCase,
        now,
        equal={
            col(EnforcementCase.status): filters.status,
            col(EnforcementCase.source): filters.source,
            col(EnforcementCase.category_code): filters.category_code,
            col(EnforcementCase.district): filters.district,
            col(EnforcementCase.department_id): filters.department_id,
        },
        is_overdue=filters.is_overdue,
        created_from=filters.created_from,
        created_to=filters.created_to,
        keyword=filters.q,
        keyword_columns=[
            col(EnforcementCase.title),
            col(EnforcementCase.number),
            col(EnforcementCase.address),
            col(EnforcementCase.decision_number),
        ],
    )
    if filters.officer_id is not None:
        clauses.append(
            exists().where(
                col(CaseOfficer.case_id) == col(EnforcementCase.id),
                col(CaseOfficer.user_id) == filters.officer_id,
            )
        )
    if filters.fine_min is not None:
        clauses.append(fine >= filters.fine_min)
    if filters.fine_max is not None:
        clauses.append(fine <= filters.fine_max)
    if filters.party_id_number is not None:
        refuse_personal_search(actor, True, "the party's ID number")
        # Searching by the party finds only cases the caller may see the party of.
        clauses.append(col(EnforcementCase.party_id_number) == filters.party_id_number.upper())
        clauses.append(party_in_full_clause(actor))
    return clauses
