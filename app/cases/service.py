"""Enforcement cases: registration, reading, listing, editing, and who sees the party."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, false, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.actor import Actor
from app.cases.evidence import CASE_EVIDENCE
from app.cases.penalties import ZERO, limitation_ends_on
from app.cases.rules import appeal_pending, local_day, payment_owed
from app.cases.schemas import (
    CaseCreate,
    CasePublic,
    CaseUpdate,
    OfficerPublic,
    PartyPublic,
    PaymentPublic,
    PenaltyPublic,
)
from app.cases.workflow import CASE_WORKFLOW
from app.config import Settings, get_settings
from app.core.masking import (
    Disclosure,
    PersonalFields,
    disclosure_for,
    mask_address,
    mask_id_number,
    mask_name,
    mask_phone,
    redact_free_text,
    redact_numbers,
)
from app.core.numbering import RecordNumber
from app.db import core_rows
from app.errors import Forbidden, UnprocessableEntity
from app.models.base import utcnow
from app.models.case import CaseOfficer, EnforcementCase
from app.models.ticket import Ticket
from app.schemas.party import Party
from app.tickets.action_schemas import EscalateBody
from app.tickets.categories import require_active_category
from app.tickets.schemas import Location
from app.workflow import engine
from app.workflow.clock import is_overdue_now
from app.workflow.context import ActionContext
from app.workflow.registry import RecordKind

CASE_ROLES = ("inspector", "leader")
FULL_VIEW_ROLES = ("admin", "supervisor")
EDITABLE = ("registered", "investigating")


PARTY = PersonalFields(
    nested="party",
    prefix="party_",
    masks={
        "name": mask_name,
        "id_number": mask_id_number,
        "phone": mask_phone,
        "address": mask_address,
    },
    # An organisation's registered name and address are public; a person's home is not.
    public_for_organisations=frozenset({"name", "address"}),
)


def party_disclosure(case: EnforcementCase, actor: Actor) -> Disclosure:
    """The owning department, supervisors and administrators see the party unmasked."""
    own_department = actor.department_id is not None and actor.department_id == case.department_id
    return disclosure_for(actor, entitled=actor.has_any(*FULL_VIEW_ROLES) or own_department)


def party_in_full_clause(actor: Actor) -> ColumnElement[bool]:
    if actor.has_any(*FULL_VIEW_ROLES):
        return true()
    if actor.department_id is None:
        return false()
    return col(EnforcementCase.department_id) == actor.department_id


def _party_of(case: Any) -> dict[str, str | None]:
    return {
        "name": case.party_name,
        "id_number": case.party_id_number,
        "address": case.party_address,
        "phone": case.party_phone,
    }


def party_view(case: EnforcementCase, actor: Actor) -> PartyPublic:
    shown = PARTY.apply(
        _party_of(case),
        party_disclosure(case, actor),
        organisation=case.party_type == "organisation",
    )
    return PartyPublic(type=case.party_type, **shown)


def _redacted_facts(text: str, case: Any) -> str:
    """ID and phone numbers removed (an organisation's credit code is a public fact), and a
    person's name and address, where the officers wrote them, as a masked viewer sees the
    party's fields."""
    if case.party_type == "organisation":
        return redact_numbers(text, keep=case.party_id_number)
    # Numbers first: the whole of "+86 138…" goes, not only the party's phone inside it.
    return PARTY.redact_text(redact_numbers(text), _party_of(case), Disclosure.MASKED)


# What officers write in their own words: the facts, the case's name, the legal review's
# opinion, the hearing's record, the reasons for a disposal, an action's reason or comment.
FREE_TEXT_COLUMNS = ("title", "facts", "review_opinion", "hearing_record", "disposal_reason")
FREE_TEXT_KEYS = frozenset({*FREE_TEXT_COLUMNS, "reason", "opinion", "record", "comment"})


def text_view(text: str | None, case: Any, actor: Actor) -> str | None:
    """Officers' words name the party: a viewer who sees the party masked reads them with
    the party masked too (个人信息保护法 第二十八条)."""
    if text is None or party_disclosure(case, actor) is Disclosure.FULL:
        return text
    return _redacted_facts(text, case)


def facts_view(case: EnforcementCase, actor: Actor) -> str | None:
    return text_view(case.facts, case, actor)


def mask_event_payload(
    payload: dict[str, Any], case: EnforcementCase, actor: Actor
) -> dict[str, Any]:
    """Hides the party in a creation payload, in edits' before/after values, and where the
    officers' words recorded by an action (facts, opinion, reason, …) name it."""
    disclosure = party_disclosure(case, actor)
    shown = PARTY.apply_payload(payload, disclosure, organisation=case.party_type == "organisation")
    if disclosure is Disclosure.FULL:
        return shown
    return redact_free_text(shown, FREE_TEXT_KEYS, lambda text: _redacted_facts(text, case))


def _penalty(kinds: list[str] | None, fine: Decimal | None, confiscated: str | None) -> Any:
    if kinds is None:
        return None
    return PenaltyPublic(kinds=kinds, fine_amount=fine, confiscated=confiscated)


def _payment_view(case: EnforcementCase, today: date) -> dict[str, Any]:
    if case.paid_at is not None and case.paid_amount is not None:
        surcharge = case.paid_surcharge or ZERO
        payment = PaymentPublic(
            paid_amount=case.paid_amount, late_surcharge=surcharge, paid_at=case.paid_at
        )
        return {"late_surcharge": surcharge, "amount_due": None, "payment": payment}
    if case.payment_due_on is None:
        return {"late_surcharge": ZERO, "amount_due": None, "payment": None}
    owed, surcharge, _ = payment_owed(case, today)
    return {"late_surcharge": surcharge, "amount_due": owed, "payment": None}


async def officers_of(
    session: AsyncSession, cases: list[Any]
) -> dict[uuid.UUID, list[OfficerPublic]]:
    """Each case's officers in order, for a whole page in one query."""
    found: dict[uuid.UUID, list[OfficerPublic]] = {case.id: [] for case in cases}
    if not cases:
        return found
    query = (
        select(
            col(CaseOfficer.case_id),
            col(CaseOfficer.user_id),
            col(CaseOfficer.name),
            col(CaseOfficer.credential_number),
        )
        .where(col(CaseOfficer.case_id).in_(list(found)))
        .order_by(col(CaseOfficer.case_id), col(CaseOfficer.position))
    )
    for row in (await core_rows(session, query)).all():
        found[row.case_id].append(
            OfficerPublic(
                user_id=row.user_id, name=row.name, credential_number=row.credential_number
            )
        )
    return found


async def render(session: AsyncSession, case: EnforcementCase, actor: Actor) -> CasePublic:
    return (await render_page(session, [case], actor))[0]


async def render_page(
    session: AsyncSession, cases: list[EnforcementCase], actor: Actor
) -> list[CasePublic]:
    officers = await officers_of(session, cases)
    now = utcnow()
    return [_public(case, actor, officers[case.id], now) for case in cases]


def public_fields(
    case: Any, actor: Actor, officers: list[OfficerPublic], now: datetime
) -> dict[str, Any]:
    """What CasePublic shows beyond (or instead of) the case's columns; ``case`` is an
    entity or a row (app/records/core_read.py)."""
    return {
        **{column: text_view(getattr(case, column), case, actor) for column in FREE_TEXT_COLUMNS},
        "party": party_view(case, actor),
        "location": Location(
            address=case.address, district=case.district, lat=case.lat, lon=case.lon
        ),
        "limitation_ends_on": limitation_ends_on(case.violation_occurred_on, case.serious_harm),
        "officers": officers,
        "proposed_penalty": _penalty(
            case.proposed_kinds, case.proposed_fine_amount, case.proposed_confiscated
        ),
        "penalty": _penalty(case.penalty_kinds, case.penalty_fine_amount, case.penalty_confiscated),
        "appeal_pending": appeal_pending(case),
        # Renderers take no settings yet (RecordKind.render): the zone from the global.
        **_payment_view(case, local_day(now, get_settings().zone)),
        "is_overdue": is_overdue_now(case, now),
        "allowed_actions": engine.allowed_actions(CASE_WORKFLOW, case, actor, now),
    }


def _public(
    case: EnforcementCase, actor: Actor, officers: list[OfficerPublic], now: datetime
) -> CasePublic:
    return CasePublic(**{**case.model_dump(), **public_fields(case, actor, officers, now)})


def _check_dates(occurred_on: date, discovered_on: date, zone: ZoneInfo) -> None:
    if discovered_on < occurred_on:
        raise UnprocessableEntity(
            "discovered_on is before violation_occurred_on", code="invalid_dates"
        )
    if discovered_on > local_day(utcnow(), zone):
        raise UnprocessableEntity("discovered_on is in the future", code="invalid_dates")


def _party_columns(party: Party) -> dict[str, Any]:
    return {
        "party_type": party.type,
        "party_name": party.name,
        "party_id_number": party.id_number,
        "party_address": party.address,
        "party_phone": party.phone,
    }


async def _register(
    session: AsyncSession,
    actor: Actor,
    values: dict[str, Any],
    payload: dict[str, Any],
    settings: Settings,
) -> EnforcementCase:
    _check_dates(values["violation_occurred_on"], values["discovered_on"], settings.zone)
    await require_active_category(session, values["category_code"])
    year = local_day(utcnow(), settings.zone).year
    return await engine.create(
        session,
        CASE_WORKFLOW,
        EnforcementCase(**values),
        actor,
        payload=payload,
        number=RecordNumber(f"case-{year}", f"ZF{year}-{{:06d}}"),
        settings=settings,
    )


async def create(
    session: AsyncSession, data: CaseCreate, actor: Actor, settings: Settings
) -> EnforcementCase:
    if not actor.has_any(*CASE_ROLES) or actor.department_id is None:
        raise Forbidden("Cases are registered by the inspectors and leaders of a department")
    values = {
        **data.model_dump(include={"source", "title", "category_code", "facts"}),
        **data.location.model_dump(),
        **_party_columns(data.party),
        "violation_occurred_on": data.violation_occurred_on,
        "discovered_on": data.discovered_on,
        "serious_harm": data.serious_harm,
        "legal_basis": data.legal_basis.model_dump(mode="json") if data.legal_basis else None,
        "measures": [measure.model_dump(mode="json") for measure in data.measures],
        "department_id": actor.department_id,
    }
    return await _register(session, actor, values, data.model_dump(mode="json"), settings)


async def create_from_ticket(
    session: AsyncSession,
    ticket: Ticket,
    actor: Actor,
    *,
    party: Party,
    violation_occurred_on: date,
    discovered_on: date | None,
    facts: str | None,
    settings: Settings,
) -> EnforcementCase:
    """A case the ticket's handling department takes up (the ticket's ``escalate``)."""
    values = {
        "source": "ticket",
        "source_ticket_id": ticket.id,
        "title": ticket.title,
        "category_code": ticket.category_code,
        "facts": facts or ticket.content,
        "address": ticket.address,
        "district": ticket.district,
        "lat": ticket.lat,
        "lon": ticket.lon,
        **_party_columns(party),
        "violation_occurred_on": violation_occurred_on,
        "discovered_on": discovered_on or local_day(ticket.created_at, settings.zone),
        "department_id": ticket.department_id,
    }
    payload = {
        "source": "ticket",
        "source_ticket_id": str(ticket.id),
        "ticket_number": ticket.number,
        "party": party.model_dump(mode="json"),
        "facts": values["facts"],
        "violation_occurred_on": violation_occurred_on.isoformat(),
        "discovered_on": values["discovered_on"].isoformat(),
    }
    return await _register(session, actor, values, payload, settings)


async def take_over_ticket(ctx: ActionContext[Ticket, EscalateBody]) -> EnforcementCase:
    """The ticket's ``escalate`` hands over here, through the engine (``receives``)."""
    body = ctx.body
    return await create_from_ticket(
        ctx.session, ctx.record, ctx.actor, party=body.party,
        violation_occurred_on=body.violation_occurred_on, discovered_on=body.discovered_on,
        facts=body.facts, settings=ctx.settings,
    )  # fmt: skip


async def get(session: AsyncSession, case_id: uuid.UUID, actor: Actor) -> EnforcementCase:
    return await engine.load_visible(session, CASE_WORKFLOW, EnforcementCase, case_id, actor)


async def update(
    session: AsyncSession,
    case: EnforcementCase,
    data: CaseUpdate,
    actor: Actor,
    if_match: str | None,
    settings: Settings,
) -> EnforcementCase:
    own_department = actor.department_id is not None and actor.department_id == case.department_id
    if not (actor.has_any(*CASE_ROLES) and own_department):
        raise Forbidden("Only the department's inspectors and leaders edit its cases")
    if case.status not in EDITABLE:
        raise UnprocessableEntity(
            "A case's details are edited only until the investigation concludes",
            code="not_editable",
        )
    # Only legal_basis may be cleared with null; a null anywhere else changes nothing.
    values = data.model_dump(
        exclude_unset=True,
        exclude_none=True,
        exclude={"party", "location", "legal_basis", "measures"},
    )
    dated = {"violation_occurred_on", "discovered_on", "serious_harm"} & values.keys()
    if dated and case.status != "registered":
        raise UnprocessableEntity(
            f"{', '.join(sorted(dated))} cannot change once the case is filed: the limitation "
            "was judged on them (第三十六条)",
            code="not_editable",
        )
    if data.party is not None:
        values.update(_party_columns(data.party))
    if data.location is not None:
        values.update(data.location.model_dump())
    if "legal_basis" in data.model_fields_set:
        values["legal_basis"] = (
            data.legal_basis.model_dump(mode="json") if data.legal_basis else None
        )
    if data.measures is not None:
        values["measures"] = [measure.model_dump(mode="json") for measure in data.measures]
    if data.category_code is not None:
        await require_active_category(session, data.category_code)
    _check_dates(
        values.get("violation_occurred_on", case.violation_occurred_on),
        values.get("discovered_on", case.discovered_on),
        settings.zone,
    )
    return await engine.update_fields(
        session, CASE_WORKFLOW, case, actor, values, if_match=if_match
    )


CASES = RecordKind(
    CASE_WORKFLOW,
    CasePublic,
    render,
    mask_event_payload,
    mask_event_text=text_view,
    disclosure=party_disclosure,
    attachments=CASE_EVIDENCE,
    receives={"ticket": take_over_ticket},
)
