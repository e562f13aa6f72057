"""The offices the transition matrix (tests/test_transition_matrix.py) runs: for each
workflow, its people, the walks to its states, a valid body per action and its rules' refusals."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from app.approvals.workflow import APPROVAL_WORKFLOW
from app.cases.workflow import CASE_WORKFLOW
from app.models.base import utcnow
from app.tickets.workflow import TICKET_WORKFLOW
from tests.approval_hall import application_body, make_hall
from tests.case_bureau import (
    LARGE_FINE,
    LEGAL_BASIS,
    PERSON,
    WARNING_AND_FINE,
    decision_number,
    make_bureau,
    move_dates,
    today,
)
from tests.conftest import World
from tests.factories import Person, ticket_body
from tests.transition_matrix import ROLES, Office, Record, Refusal


def _now() -> str:
    return utcnow().isoformat()


def _days(days: int) -> str:
    return (today() + timedelta(days=days)).isoformat()


def preferring(preferred: dict[str, str], workflow: Any) -> Callable[[str, str], str]:
    def acting(action: str, state: str) -> str:
        roles = workflow.actions[action].roles_from(state)
        return preferred[action] if preferred.get(action) in roles else sorted(roles)[0]

    return acting


async def people_of(world: World, department: dict[str, Any], **given: Person) -> dict[str, Person]:
    """One person per role, in ``department`` (whatever roles the workflow gives scopes)."""
    people = dict(given)
    for role in ROLES:
        if role not in people:
            people[role] = await world.user(role, department=department)
    return people


async def ticket_office(world: World) -> Office:
    department = await world.department("CY", districts=["朝阳区"])
    citizen = await world.user("citizen")
    people = await people_of(world, department, citizen=citizen)
    dept = str(department["id"])

    async def create(**fields: Any) -> Record:
        body = ticket_body(channel="app", **fields)
        response = await world.as_(citizen).post("/api/v1/tickets", json=body)
        assert response.status_code == 201, response.text
        return dict(response.json())

    spare = await create()  # an open ticket to merge duplicates into
    bodies = {
        "dispatch": lambda r: {"department_id": dept},
        "answer": lambda r: {"reply": "可通过政务服务网办理。"},
        "merge": lambda r: {"duplicate_of": spare["id"]},
        "sign": lambda r: {},
        "return": lambda r: {"reason_code": "wrong_district", "reason": "不属本区管辖"},
        "assign": lambda r: {"department_id": dept, "reason": "裁定由朝阳区办理"},
        "reply": lambda r: {"reply": "已清理占道摊点。", "resolution_mode": "management"},
        "extend": lambda r: {"reason": "需协调多个部门", "days": 2},
        "close": lambda r: {"satisfaction": "satisfied"},
        "reopen": lambda r: {"reason": "问题仍未解决"},
        "escalate": lambda r: {
            "party": PERSON,
            "violation_occurred_on": _days(-3),
            "discovered_on": _days(0),
        },
        "urge": lambda r: {"comment": "请加快办理"},
        "cancel": lambda r: {"reason": "来电人撤回诉求"},
    }
    replied = ("dispatch", "sign", "reply")
    return Office(
        world,
        TICKET_WORKFLOW,
        people,
        create,
        walks={
            "new": (),
            "dispatched": ("dispatch",),
            "in_progress": ("dispatch", "sign"),
            "returned": ("dispatch", "return"),
            "replied": replied,
            "closed": (*replied, "close"),
            "merged": ("merge",),
            "cancelled": ("cancel",),
        },
        bodies=bodies,
        acting=preferring({"close": "operator", "reopen": "operator"}, TICKET_WORKFLOW),
        variants={("new", "answer"): ({"type": "consultation"}, ())},
        refusals=(
            Refusal("new", "answer", "Only consultations and suggestions are answered"),
            Refusal(
                "new",
                "merge",
                "cannot be a duplicate of itself",
                body=lambda r: {"duplicate_of": r["id"]},
            ),
            Refusal(
                "dispatched",
                "return",
                "assigned this ticket by ruling",
                walk=("dispatch", "return", "assign"),
            ),
            Refusal(
                "in_progress",
                "extend",
                "Extensions total at most 10 working days",
                walk=("dispatch", "sign", ("extend", {"reason": "复杂", "days": 10})),
            ),
            Refusal(
                "in_progress",
                "escalate",
                "already taken up as case",
                walk=("dispatch", "sign", "escalate"),
            ),
        ),
    )


async def approval_office(world: World) -> Office:
    hall = await make_hall(world, await world.user("admin"))
    people = await people_of(
        world,
        hall["urban"],
        **{
            role: hall[role]
            for role in ("admin", "clerk", "reviewer", "leader", "supervisor", "citizen")
        },
    )

    async def create(**fields: Any) -> Record:
        response = await world.as_(hall["citizen"]).post(
            "/api/v1/approvals", json=application_body(**fields)
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    reviewed = ("accept", "recommend")
    on_the_spot = {"service_code": "zhaopai_jiban", "materials": [{"code": "shenqingshu"}]}
    return Office(
        world,
        APPROVAL_WORKFLOW,
        people,
        create,
        walks={
            "submitted": (),
            "awaiting_supplement": ("request_supplement",),
            "under_review": ("accept",),
            "suspended": ("accept", "suspend"),
            "pending_decision": reviewed,
            "approved": (*reviewed, "approve"),
            "rejected": (*reviewed, "reject"),
            "completed": (*reviewed, "approve", "deliver"),
            "not_accepted": ("refuse",),
            "withdrawn": ("withdraw",),
        },
        bodies={
            "accept": lambda r: {},
            "request_supplement": lambda r: {"missing_materials": [{"code": "weituoshu"}]},
            "resubmit": lambda r: {"materials": [{"code": "weituoshu", "provided": True}]},
            "refuse": lambda r: {"reason": "不属于本机关职权范围"},
            "withdraw": lambda r: {},
            "suspend": lambda r: {"reason": "expert_review"},
            "resume": lambda r: {},
            "extend": lambda r: {"reason": "需现场勘验，情况复杂"},
            "recommend": lambda r: {"opinion": "approve"},
            "approve": lambda r: {"valid_until": _days(365)},
            "reject": lambda r: {"reason": "施工方案不符合道路管理要求"},
            "send_back": lambda r: {"comment": "请补充审查交通影响"},
            "deliver": lambda r: {"method": "electronic"},
        },
        acting=preferring({"resubmit": "citizen"}, APPROVAL_WORKFLOW),
        variants={
            ("under_review", "approve"): (on_the_spot, ("accept",)),
            ("under_review", "reject"): (on_the_spot, ("accept",)),
        },
        refusals=(
            Refusal(
                "submitted",
                "accept",
                "Required materials are missing: 施工方案",
                create={"materials": [{"code": "shenqingshu"}]},
            ),
            Refusal(
                "submitted",
                "request_supplement",
                "shigong_fangan was not in the first notice",
                walk=("request_supplement", "resubmit"),
                body={"missing_materials": [{"code": "shigong_fangan"}]},
            ),
            Refusal(
                "under_review", "extend", "can be extended once only", walk=("accept", "extend")
            ),
            Refusal("under_review", "approve", "Only on-the-spot services"),
            Refusal("under_review", "reject", "Only on-the-spot services"),
            Refusal(
                "pending_decision",
                "approve",
                "valid_until must be a day after today",
                body={"valid_until": _days(0)},
            ),
        ),
    )


async def case_office(world: World) -> Office:
    bureau = await make_bureau(world)
    people = await people_of(
        world,
        bureau.brigade,
        inspector=bureau.inspector,
        leader=bureau.leader,
        legal_reviewer=bureau.reviewer,
        supervisor=bureau.supervisor,
    )

    async def create(**fields: Any) -> Record:
        return await bureau.create(**fields)

    async def payment_overdue(record: Record) -> None:
        await move_dates(world.app, record, payment_due_on=today() - timedelta(days=5))

    def later(days: int) -> str:
        return (utcnow() + timedelta(days=days)).isoformat()

    penalty = LARGE_FINE  # a fine large enough for the party to have a right to a hearing
    notified = ("file", "conclude", "pass_review", "notify")
    decided = (*notified, "proceed", "decide")
    served = (*decided, "serve")
    spot = {
        "officers": bureau.officers(),
        "penalty": {"kinds": ["warning"]},
        "legal_basis": LEGAL_BASIS,
    }
    small_fine = (
        "conclude",
        {"facts": "查明。", "legal_basis": LEGAL_BASIS, "proposed_penalty": WARNING_AND_FINE},
    )
    return Office(
        world,
        CASE_WORKFLOW,
        people,
        create,
        walks={
            "registered": (),
            "investigating": ("file",),
            "legal_review": ("file", "conclude"),
            "review_passed": ("file", "conclude", "pass_review"),
            "notified": notified,
            "hearing": (*notified, "request_hearing"),
            "pending_decision": (*notified, "proceed"),
            "decided": decided,
            "served": served,
            "enforcement_applied": (*served, payment_overdue, "apply_enforcement"),
            "executed": (*served, "record_payment"),
            "closed": (*served, "record_payment", "close"),
            "dismissed": ("dismiss",),
            "transferred": ("file", "transfer"),
        },
        bodies={
            "file": lambda r: {"officers": bureau.officers()},
            "decide_on_the_spot": lambda r: {**spot, "decision_number": decision_number()},
            "dismiss": lambda r: {"reason": "违法事实不能成立"},
            "conclude": lambda r: {
                "facts": "查明当事人占道经营。",
                "legal_basis": LEGAL_BASIS,
                "proposed_penalty": penalty,
            },
            "pass_review": lambda r: {"opinion": "事实清楚，证据确凿，适用法律正确。"},
            "return_review": lambda r: {"reason": "证据不足，补充调查"},
            "notify": lambda r: {"notified_at": _now()},
            "request_hearing": lambda r: {},
            "schedule_hearing": lambda r: {"hearing_at": later(10), "place": "执法大队听证室"},
            "conclude_hearing": lambda r: {"record": "听证笔录：当事人陈述申辩。"},
            "proceed": lambda r: {"waived": True},
            "decide": lambda r: {"penalty": penalty, "decision_number": decision_number()},
            "decide_no_penalty": lambda r: {"reason": "违法行为轻微并及时改正"},
            "transfer": lambda r: {"to": "police", "reason": "涉嫌犯罪，移送公安机关"},
            "serve": lambda r: {"method": "in_person", "served_at": _now()},
            "record_appeal": lambda r: {"kind": "administrative_review", "filed_on": _days(0)},
            "conclude_appeal": lambda r: {"outcome": "upheld", "concluded_on": _days(0)},
            "remind_payment": lambda r: {},
            "apply_enforcement": lambda r: {"court": "北京市朝阳区人民法院"},
            "record_payment": lambda r: {"amount": r["amount_due"] or "1.00", "paid_at": _now()},
            "close": lambda r: {},
            "revoke": lambda r: {"reason": "认定事实错误"},
            "extend": lambda r: {"reason": "案情复杂", "days": 30},
        },
        acting=preferring({}, CASE_WORKFLOW),
        variants={
            ("served", "conclude_appeal"): ({}, (*served, "record_appeal")),
            ("served", "remind_payment"): ({}, (*served, payment_overdue)),
            ("served", "apply_enforcement"): ({}, (*served, payment_overdue)),
        },
        refusals=(
            Refusal(
                "registered", "file", "第三十六条", create={"violation_occurred_on": _days(-800)}
            ),
            Refusal(
                "registered",
                "file",
                "Each officer is named once",
                body={"officers": bureau.officers(bureau.inspector, bureau.inspector)},
            ),
            Refusal(
                "registered",
                "decide_on_the_spot",
                "A decision on the spot fines a person at most 200 yuan",
                body={**spot, "penalty": LARGE_FINE, "decision_number": "X-1"},
            ),
            Refusal(
                "review_passed",
                "notify",
                "cannot precede the legal review",
                body={"notified_at": later(-1)},
            ),
            Refusal(
                "notified",
                "request_hearing",
                "gives no right to a hearing",
                walk=("file", small_fine, "pass_review", "notify"),
            ),
            Refusal(
                "hearing", "schedule_hearing", "7", body={"hearing_at": later(1), "place": "听证室"}
            ),
            Refusal(
                "notified",
                "proceed",
                "proceed after that, or with waived: true",
                body={"waived": False},
            ),
            Refusal(
                "pending_decision",
                "decide",
                "heavier",
                body={
                    "penalty": {"kinds": ["fine"], "fine_amount": "20000.00"},
                    "decision_number": "X-2",
                },
            ),
            Refusal(
                "decided",
                "serve",
                "served_at is before the decision was made",
                body={"method": "in_person", "served_at": later(-1)},
            ),
            Refusal(
                "served",
                "record_appeal",
                "An appeal is already pending",
                walk=(*served, "record_appeal"),
            ),
            Refusal(
                "served",
                "record_appeal",
                "The date is in the future",
                body={"kind": "lawsuit", "filed_on": _days(2)},
            ),
            Refusal("served", "conclude_appeal", "No appeal is pending"),
            Refusal("served", "remind_payment", "court enforcement is applied for only when"),
            Refusal("served", "apply_enforcement", "court enforcement is applied for only when"),
            Refusal(
                "served",
                "record_payment",
                "The amount due on",
                body=lambda r: {"amount": "1.00", "paid_at": _now()},
            ),
        ),
    )


OFFICES = {"ticket": ticket_office, "approval": approval_office, "case": case_office}
