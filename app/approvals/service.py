"""Approval applications: receipt, reading, listing, editing, and who sees the applicant."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.actor import Actor
from app.approvals.catalogue import service_by_code
from app.approvals.rules import (
    ACCEPTANCE_STATES,
    check_material_codes,
    green_channel_limit,
    phase_of,
)
from app.approvals.schemas import (
    ApplicantPublic,
    ApprovalCreate,
    ApprovalPublic,
    ApprovalUpdate,
)
from app.approvals.workflow import APPROVAL_WORKFLOW
from app.config import Settings
from app.core.masking import (
    Disclosure,
    PersonalFields,
    disclosure_for,
    mask_id_number,
    mask_phone,
    redact_free_text,
)
from app.core.numbering import RecordNumber
from app.errors import Forbidden, UnprocessableEntity
from app.models.approval import ApprovalApplication, ApprovalService
from app.models.base import utcnow
from app.workflow import engine
from app.workflow.clock import is_overdue_now
from app.workflow.registry import AttachmentPolicy, RecordKind

STAFF_ROLES = ("clerk", "reviewer", "leader")
FULL_VIEW_ROLES = ("admin", "supervisor")
APPLICANT = PersonalFields(
    nested="applicant",
    prefix="applicant_",
    masks={"id_number": mask_id_number, "phone": mask_phone},
)


def applicant_disclosure(application: ApprovalApplication, actor: Actor) -> Disclosure:
    """Staff of the owning department, supervisors, administrators and the applicant."""
    own_department = actor.department_id is not None and (
        actor.department_id == application.department_id
    )
    return disclosure_for(
        actor,
        entitled=actor.has_any(*FULL_VIEW_ROLES)
        or (actor.has_any(*STAFF_ROLES) and own_department),
        own=application.created_by_id == actor.id,
    )


def applicant_view(application: ApprovalApplication, actor: Actor) -> ApplicantPublic:
    shown = APPLICANT.apply(
        {
            "name": application.applicant_name,
            "id_number": application.applicant_id_number,
            "phone": application.applicant_phone,
            "contact": application.applicant_contact,
        },
        applicant_disclosure(application, actor),
    )
    return ApplicantPublic(type=application.applicant_type, **shown)


# What staff write about the application: its title, the reasons for refusing, suspending
# or extending, the review's recommendation, the decision's reason and conditions.
FREE_TEXT_COLUMNS = (
    "title", "not_accepted_reason", "suspension_reason", "extension_reason", "recommendation",
    "recommendation_comment", "decision_reason", "conditions",
)  # fmt: skip
FREE_TEXT_KEYS = frozenset({*FREE_TEXT_COLUMNS, "reason", "opinion", "comment"})


def text_view(text: str | None, application: Any, actor: Actor) -> str | None:
    """The applicant's ID number and phone, where staff wrote them, masked as the fields
    are (个人信息保护法 第二十八条)."""
    level = applicant_disclosure(application, actor)
    if text is None or level is Disclosure.FULL:
        return text
    person = {"id_number": application.applicant_id_number, "phone": application.applicant_phone}
    return APPLICANT.redact_text(text, person, level)


def mask_event_payload(
    payload: dict[str, Any], application: ApprovalApplication, actor: Actor
) -> dict[str, Any]:
    level = applicant_disclosure(application, actor)
    shown = APPLICANT.apply_payload(payload, level)
    if level is Disclosure.FULL:
        return shown
    return redact_free_text(
        shown, FREE_TEXT_KEYS, lambda text: text_view(text, application, actor) or ""
    )


def phase_deadlines(application: ApprovalApplication) -> dict[str, datetime | None]:
    """Each phase's deadline: the running clock's for the current phase, else the kept one."""
    phase = phase_of(application.status)
    running = application.due_at
    return {
        "acceptance_due_at": running if phase == "acceptance" else application.acceptance_due_at,
        "decision_due_at": running if phase == "decision" else application.decision_due_at,
        "delivery_due_at": running if application.decision is not None else None,
    }


async def render(
    session: AsyncSession, application: ApprovalApplication, actor: Actor
) -> ApprovalPublic:
    return _public(application, actor, utcnow())


async def render_page(
    session: AsyncSession, applications: list[ApprovalApplication], actor: Actor
) -> list[ApprovalPublic]:
    now = utcnow()
    return [_public(application, actor, now) for application in applications]


def public_fields(application: Any, actor: Actor, _: None, now: datetime) -> dict[str, Any]:
    """What ApprovalPublic shows beyond (or instead of) the application's columns;
    ``application`` is an entity or a row (app/records/core_read.py)."""
    shown: dict[str, Any] = {
        **{
            column: text_view(getattr(application, column), application, actor)
            for column in FREE_TEXT_COLUMNS
        },
        "applicant": applicant_view(application, actor),
        "clock_phase": phase_of(application.status),
        "is_overdue": is_overdue_now(application, now),
        **phase_deadlines(application),
        "allowed_actions": engine.allowed_actions(APPROVAL_WORKFLOW, application, actor, now),
    }
    if application.channel == "online" and applicant_disclosure(application, actor) != "full":
        shown["created_by_id"] = None  # the applicant's own account: an id that names them
    return shown


def _public(application: ApprovalApplication, actor: Actor, now: datetime) -> ApprovalPublic:
    fields = application.model_dump(
        exclude={name for name in ApprovalApplication.model_fields if name.startswith("applicant_")}
    )
    return ApprovalPublic(**{**fields, **public_fields(application, actor, None, now)})


def _check_channel(data: ApprovalCreate, actor: Actor) -> str:
    channel = data.channel or ("counter" if actor.has_any("clerk") else "online")
    if channel == "online" and not actor.has_any("citizen"):
        raise UnprocessableEntity(
            "Online applications are filed by the applicants themselves", code="invalid_channel"
        )
    if channel != "online" and not actor.has_any("clerk"):
        raise UnprocessableEntity(
            "Applicants apply online; the approval hall's clerks register counter and "
            "door-to-door applications",
            code="invalid_channel",
        )
    if data.green_channel and channel == "online":
        raise Forbidden(
            "The green channel (绿色通道) is granted by the approval hall's clerks "
            "when they register the application"
        )
    return channel


async def _open_service(session: AsyncSession, code: str) -> ApprovalService:
    service = await service_by_code(session, code)
    if service is None or not service.is_active:
        raise UnprocessableEntity(
            f"service_code {code!r} is not in the service catalogue", code="unknown_service"
        )
    if service.department_id is None:
        raise UnprocessableEntity(
            f"Service {code!r} has no responsible department yet: an administrator assigns "
            f"one with PATCH /api/v1/approval-services/{service.id} "
            '{"department_id": "<department id>"}, or lists it under `services:` in the '
            "organisation file of `python -m app setup --file org.yaml`",
            code="service_not_assigned",
        )
    return service


def _no_files_yet(data: ApprovalCreate) -> None:
    if any(m.file_id is not None for m in data.materials):
        raise UnprocessableEntity(
            "Files are attached to the application once filed (kind: the material's code), "
            "then named by file_id in a resubmission",
            code="unknown_file",
        )


async def create(
    session: AsyncSession, data: ApprovalCreate, actor: Actor, settings: Settings
) -> ApprovalApplication:
    if not actor.has_any("clerk", "citizen"):
        raise Forbidden("Applications are filed online by applicants or registered by clerks")
    channel = _check_channel(data, actor)
    service = await _open_service(session, data.service_code)
    if channel != "online" and actor.department_id != service.department_id:
        raise Forbidden("Clerks register applications for their own department's services")
    _no_files_yet(data)
    check_material_codes(service.required_materials, data.materials)
    year = utcnow().astimezone(settings.zone).year
    applicant = data.applicant
    application = ApprovalApplication(
        status=APPROVAL_WORKFLOW.initial,
        title=data.title or service.name[:200],
        service_code=service.code,
        department_id=service.department_id,
        channel=channel,
        green_channel=data.green_channel,
        applicant_type=applicant.type,
        applicant_name=applicant.name,
        applicant_id_number=applicant.id_number,
        applicant_phone=applicant.phone,
        applicant_contact=applicant.contact,
        materials=[m.model_dump(mode="json") for m in data.materials],
        required_materials=list(service.required_materials),
        on_the_spot=service.on_the_spot,
        legal_limit_days=service.legal_limit_days,
        decision_limit_days=green_channel_limit(service.committed_limit_days, data.green_channel),
    )
    application.received_at = application.created_at
    return await engine.create(
        session,
        APPROVAL_WORKFLOW,
        application,
        actor,
        payload=data.model_dump(mode="json"),
        number=RecordNumber(f"approval-{year}", f"SP{year}-{{:06d}}"),
        settings=settings,
    )


async def get(
    session: AsyncSession, application_id: uuid.UUID, actor: Actor
) -> ApprovalApplication:
    return await engine.load_visible(
        session, APPROVAL_WORKFLOW, ApprovalApplication, application_id, actor
    )


async def update(
    session: AsyncSession,
    application: ApprovalApplication,
    data: ApprovalUpdate,
    actor: Actor,
    if_match: str | None,
    settings: Settings,
) -> ApprovalApplication:
    own_department = actor.department_id is not None and (
        actor.department_id == application.department_id
    )
    if application.created_by_id != actor.id and not (actor.has_any("clerk") and own_department):
        raise Forbidden("Only the applicant or the department's clerks edit an application")
    if application.status not in ACCEPTANCE_STATES:
        raise UnprocessableEntity(
            "An application's details can be edited only before acceptance", code="not_editable"
        )
    values: dict[str, Any] = {"title": data.title} if data.title is not None else {}
    if data.applicant is not None:
        for name, value in data.applicant.model_dump(exclude_unset=True).items():
            if value is None and name == "phone":
                raise UnprocessableEntity("The applicant's phone cannot be emptied")
            values[f"applicant_{name}"] = value
    return await engine.update_fields(
        session, APPROVAL_WORKFLOW, application, actor, values, if_match=if_match
    )


def material_kind(application: ApprovalApplication, kind: str) -> str | None:
    codes = sorted(m["code"] for m in application.required_materials)
    if kind not in codes:
        return f"kind is the code of one of this service's materials: {', '.join(codes)}"
    return None


def materials_open(application: ApprovalApplication) -> str | None:
    if application.status not in ACCEPTANCE_STATES:
        return "Materials change only until the application is accepted"
    return None


APPROVALS = RecordKind(
    APPROVAL_WORKFLOW,
    ApprovalPublic,
    render,
    mask_event_payload,
    mask_event_text=text_view,
    disclosure=applicant_disclosure,
    # Materials come from the applicant, or the hall's clerk who receives them at the
    # counter; reviewers, leaders and supervisors read them.
    attachments=AttachmentPolicy(
        check_kind=material_kind,
        uploadable=materials_open,
        deletable=materials_open,
        added_by=frozenset({"clerk", "citizen"}),
        removed_by=frozenset({"clerk"}),
    ),
)
