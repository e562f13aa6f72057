"""What the law asks of an application: its phases and periods, and the checks guarding actions.

Guards return why an action is refused (422 ``guard_failed``), or None; ``available``
checks depend on the record alone and also decide what ``allowed_actions`` shows.
"""

import math
from datetime import datetime
from typing import Any, Literal, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.approvals.schemas import ApproveBody, Material, SupplementBody
from app.core.calendar import Period, Unit
from app.errors import UnprocessableEntity
from app.models.approval import ApprovalApplication
from app.models.attachment import Attachment
from app.workflow.body import ActionBody
from app.workflow.context import ActionContext

# The phases of an application, each with its own deadline (acceptance_due_at,
# decision_due_at, due_at while delivering).
ACCEPTANCE_STATES = ("submitted", "awaiting_supplement")
DECISION_STATES = ("under_review", "suspended", "pending_decision")
DECIDED_STATES = ("approved", "rejected")

ACCEPTANCE_PERIOD = Period(5, Unit.working_days)
EXTENSION_PERIOD = Period(10, Unit.working_days)
DELIVERY_PERIOD = Period(10, Unit.working_days)


def phase_of(status: str) -> Literal["acceptance", "decision", "delivery"] | None:
    if status in ACCEPTANCE_STATES:
        return "acceptance"
    if status in DECISION_STATES:
        return "decision"
    if status in DECIDED_STATES:
        return "delivery"
    return None


BodyT = TypeVar("BodyT", bound=ActionBody)
# What an application's guards and effects see, by the action's body.
ApplicationContext = ActionContext[ApprovalApplication, BodyT]


def green_channel_limit(committed_limit_days: int, green_channel: bool) -> int:
    return math.ceil(committed_limit_days / 2) if green_channel else committed_limit_days


def missing_required(
    application: ApprovalApplication, attached: frozenset[str] = frozenset()
) -> list[dict[str, str]]:
    """Required materials neither marked provided nor uploaded under their code."""
    provided = {m["code"] for m in application.materials if m.get("provided")} | attached
    return [
        {"code": m["code"], "name": m["name"]}
        for m in application.required_materials
        if m.get("required") and m["code"] not in provided
    ]


async def materials_complete(ctx: ApplicationContext[ActionBody]) -> None:
    uploaded = await ctx.session.scalars(
        select(col(Attachment.kind)).where(
            col(Attachment.record_kind) == "approval", col(Attachment.record_id) == ctx.record.id
        )
    )
    missing = missing_required(ctx.record, frozenset(uploaded.all()))
    if missing:
        names = "; ".join(f"{m['name']} ({m['code']})" for m in missing)
        raise UnprocessableEntity(
            f"Required materials are missing: {names}",
            code="guard_failed",
            missing_materials=[m["code"] for m in missing],
        )


def one_notice_only(ctx: ApplicationContext[SupplementBody]) -> str | None:
    """一次性告知: a second notice may repeat items of the first, never add new ones."""
    body = ctx.body
    application = ctx.record
    if application.supplement_count == 0:
        return None
    noticed = {m["code"] for m in application.missing_materials}
    added = sorted({m.code for m in body.missing_materials} - noticed)
    if added:
        return (
            "Everything missing must be notified at once (行政许可法 第三十二条): "
            f"{', '.join(added)} was not in the first notice"
        )
    return None


def check_material_codes(catalogue: list[dict[str, Any]], materials: list[Material]) -> None:
    known = {m["code"] for m in catalogue}
    unknown = sorted({m.code for m in materials} - known)
    if unknown:
        raise UnprocessableEntity(
            f"Not materials of this service: {', '.join(unknown)}", code="unknown_material"
        )


async def check_material_files(
    session: AsyncSession, application: ApprovalApplication, materials: list[Material]
) -> None:
    """Each ``file_id`` names a file attached to this application as that material."""
    wanted = {m.file_id: m.code for m in materials if m.file_id is not None}
    if not wanted:
        return
    query = select(col(Attachment.id), col(Attachment.kind)).where(
        col(Attachment.record_kind) == "approval",
        col(Attachment.record_id) == application.id,
        col(Attachment.id).in_(wanted),
    )
    attached = {row.id: row.kind for row in (await session.execute(query)).all()}
    wrong = sorted(
        str(file_id) for file_id, code in wanted.items() if attached.get(file_id) != code
    )
    if wrong:
        raise UnprocessableEntity(
            f"file_id names no file attached to this application as that material: "
            f"{', '.join(wrong)}",
            code="unknown_file",
        )


def not_yet_extended(application: ApprovalApplication, now: datetime) -> str | None:
    if application.extended:
        return "The decision period can be extended once only (行政许可法 第四十二条)"
    return None


def decidable_here(application: ApprovalApplication, now: datetime) -> str | None:
    if application.status == "under_review" and not application.on_the_spot:
        return "Only on-the-spot services (即办件) are decided straight from review"
    return None


def valid_until_ahead(ctx: ApplicationContext[ApproveBody]) -> str | None:
    body = ctx.body
    today = ctx.now.astimezone(ctx.calendar.zone).date()
    if body.valid_until is not None and body.valid_until <= today:
        return "valid_until must be a day after today"
    return None
