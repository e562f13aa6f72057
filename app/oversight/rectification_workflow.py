"""The rectification (整改) workflow, declared as data.

国办发〔2019〕51号 (关于建立政务服务"好差评"制度提高政务服务水平的意见): a bad rating given
under the rater's real name is verified, rectified and answered within 15 working days;
the supervising office reviews the result and may send it back.
"""

from typing import Annotated

from pydantic import Field, StrictBool

from app.core.calendar import Period, Unit
from app.models.rating import Rectification
from app.schemas.common import Reason
from app.workflow.context import ActionContext
from app.workflow.definition import (
    ALL,
    DEPARTMENT,
    STOP,
    ActionBody,
    ActionsOf,
    Workflow,
    start,
)

# 国办发〔2019〕51号: 差评 verified and rectified within 15 working days.
RECTIFICATION_PERIOD = Period(15, Unit.working_days)
RESPONSIBLE = ("handler", "clerk", "leader")


class VerifyBody(ActionBody):
    founded: StrictBool = Field(description="Whether the complaint behind the rating is founded.")
    reasons: Reason


class RectifyBody(ActionBody):
    measures: Annotated[
        Reason, Field(description="What was done, or why nothing needed doing if unfounded.")
    ]


class ReviewBody(ActionBody):
    comment: Reason


class SendBackBody(ActionBody):
    reason: Reason


def _verify(ctx: ActionContext[Rectification, VerifyBody]) -> None:
    body = ctx.body
    ctx.set(founded=body.founded, verification=body.reasons)


def _rectify(ctx: ActionContext[Rectification, RectifyBody]) -> None:
    body = ctx.body
    ctx.set(measures=body.measures)


def _review(ctx: ActionContext[Rectification, ReviewBody]) -> None:
    body = ctx.body
    ctx.set(review_comment=body.comment, closed_at=ctx.now)


def _send_back(ctx: ActionContext[Rectification, SendBackBody]) -> None:
    body = ctx.body
    ctx.set(review_comment=body.reason, sent_back_count=ctx.current("sent_back_count") + 1)


action = ActionsOf(Rectification)

RECTIFICATION_WORKFLOW = Workflow(
    name="rectification",
    collection="rectifications",
    model=Rectification,
    initial="open",
    states=("open", "verified", "rectified", "closed"),
    terminal=frozenset({"closed"}),
    description="A bad real-name rating's rectification (整改), verified, rectified and "
    "reviewed within 15 working days.",
    role_scopes={
        "admin": ALL,
        "supervisor": ALL,
        **dict.fromkeys(RESPONSIBLE, DEPARTMENT),
    },
    create_clock=(
        start(lambda ctx: RECTIFICATION_PERIOD, describe="rectify within 15 working days"),
    ),
    actions={
        a.name: a
        for a in (
            action(
                "verify",
                "open",
                "verified",
                RESPONSIBLE,
                "Verify the complaint (核实): founded or not, with reasons",
                body=VerifyBody,
                effect=_verify,
            ),
            action(
                "rectify",
                "verified",
                "rectified",
                RESPONSIBLE,
                "Record what was done (整改)",
                body=RectifyBody,
                effect=_rectify,
            ),
            action(
                "review",
                "rectified",
                "closed",
                "supervisor",
                "Accept the rectification (复核通过)",
                body=ReviewBody,
                effect=_review,
                clock=STOP,
            ),
            action(
                "send_back",
                "rectified",
                "verified",
                "supervisor",
                "Send the rectification back (退回重新整改)",
                body=SendBackBody,
                effect=_send_back,
            ),
        )
    },
)
