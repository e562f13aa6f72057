"""What the soak run does to each module: how records are created, and the paths of actions
that walk them to the end of their workflow, with the body each action needs.

Each record follows one plan picked at creation (mostly the ordinary path, sometimes a
detour: a reopened ticket, a supplemented application, a case returned by legal review).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import count
from random import Random
from typing import Any
from zoneinfo import ZoneInfo

from _soak_seed import DISTRICT_HANDLERS, City

ZONE = ZoneInfo("Asia/Shanghai")
Body = dict[str, Any]


@dataclass
class Record:
    kind: str
    id: str
    status: str
    version: int
    plan: "Plan"
    step: int = 0
    busy: bool = False
    handler: str = ""  # tickets: the handler of the district it is routed to

    @property
    def next_step(self) -> "Step":
        return self.plan.steps[self.step]

    @property
    def done(self) -> bool:
        return self.step >= len(self.plan.steps)


@dataclass(frozen=True)
class Step:
    action: str
    actor: str  # a staff key, or "handler" for the ticket's district handler
    body: Callable[["Flows", Record], Body] = lambda flows, record: {}


@dataclass(frozen=True)
class Plan:
    name: str
    weight: float
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Module:
    kind: str
    collection: str
    creator: str
    plans: tuple[Plan, ...]
    create_body: Callable[["Flows", Plan], Body]
    # What a list of this module is filtered by.
    states: tuple[str, ...]


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def today() -> date:
    return datetime.now(ZONE).date()


# Tickets: 12345 calls routed by district, handled, replied and closed after the callback.

TICKET_CATEGORIES = ("zhandao_jingying", "cheliang_luanting", "xiao_guanggao", "daolu_yisa")
DISPATCH = Step("dispatch", "operator", lambda f, r: {"note": "按属地派单"})
SIGN = Step("sign", "handler")
REPLY = Step(
    "reply",
    "handler",
    lambda f, r: {"reply": "已派员到场处理，现场已恢复。", "resolution_mode": "management"},
)
CLOSE_TICKET = Step("close", "operator", lambda f, r: {"satisfaction": "satisfied"})


def ticket_body(flows: "Flows", plan: Plan) -> Body:
    district = flows.rng.choice(tuple(DISTRICT_HANDLERS))
    return {
        "channel": flows.rng.choice(("phone", "wechat", "web")),
        "type": "complaint",
        "category_code": flows.rng.choice(TICKET_CATEGORIES),
        "title": "早市占道经营堵塞人行道",
        "content": "每天早上6点到9点，商贩在人行道上摆摊，行人只能走机动车道。",
        "location": {
            "address": f"{district}建国路{flows.rng.randint(1, 300)}号",
            "district": district,
        },
        "reporter": {"name": "王女士", "phone": f"138{flows.rng.randint(0, 99_999_999):08d}"},
    }


TICKETS = Module(
    "ticket",
    "tickets",
    "operator",
    (
        Plan("replied and closed", 0.75, (DISPATCH, SIGN, REPLY, CLOSE_TICKET)),
        Plan(
            "urged, reopened after the callback",
            0.15,
            (
                DISPATCH,
                SIGN,
                Step("urge", "supervisor", lambda f, r: {"comment": "请加快办理"}),
                REPLY,
                Step("reopen", "operator", lambda f, r: {"reason": "回访不满意，问题仍在"}),
                REPLY,
                CLOSE_TICKET,
            ),
        ),
        Plan(
            "cancelled",
            0.10,
            (DISPATCH, Step("cancel", "operator", lambda f, r: {"reason": "来电人撤回诉求"})),
        ),
    ),
    ticket_body,
    ("new", "dispatched", "in_progress", "replied", "closed", "cancelled"),
)

# Approvals: registered at the counter, accepted, reviewed, decided and delivered.

PERSON_ID = "11010519491231002X"  # GB 11643's own example
COMPANY_CODE = "91350100M000100Y43"
ACCEPT = Step("accept", "clerk")
DELIVER = Step("deliver", "clerk", lambda f, r: {"method": f.rng.choice(("counter", "mail"))})
RECOMMEND_APPROVAL = Step("recommend", "reviewer", lambda f, r: {"opinion": "approve"})
APPROVE = Step(
    "approve",
    "approval_leader",
    lambda f, r: {
        "valid_until": (today() + timedelta(days=365)).isoformat(),
        "conditions": "按批准的范围和期限施工",
    },
)


def approval_body(flows: "Flows", plan: Plan) -> Body:
    service = flows.rng.choice(tuple(flows.city.services))
    required = flows.city.services[service]
    # A supplemented application arrives without its last required material.
    provided = required[:-1] if plan.name == "supplemented, rejected" else required
    applicant = flows.rng.choice(
        (
            {"type": "person", "name": "王建国", "id_number": PERSON_ID},
            {
                "type": "organisation",
                "name": "北京市某某建设工程有限公司",
                "id_number": COMPANY_CODE,
            },
        )
    )
    return {
        "service_code": service,
        "applicant": {**applicant, "phone": "13812345678"},
        "title": "建国路管线维修临时挖掘道路",
        "channel": "counter",
        "materials": [{"code": code, "provided": True} for code in provided],
    }


APPROVALS = Module(
    "approval",
    "approvals",
    "clerk",
    (
        Plan("approved", 0.60, (ACCEPT, RECOMMEND_APPROVAL, APPROVE, DELIVER)),
        Plan(
            "supplemented, rejected",
            0.20,
            (
                Step(
                    "request_supplement",
                    "clerk",
                    lambda f, r: {"missing_materials": [{"code": f.missing(r), "note": "请补交"}]},
                ),
                Step("resubmit", "clerk", lambda f, r: {"materials": [{"code": f.missing(r)}]}),
                ACCEPT,
                Step("recommend", "reviewer", lambda f, r: {"opinion": "reject"}),
                Step("reject", "approval_leader", lambda f, r: {"reason": "不符合道路挖掘条件"}),
                DELIVER,
            ),
        ),
        Plan(
            "suspended for expert review, approved",
            0.15,
            (
                ACCEPT,
                Step("suspend", "reviewer", lambda f, r: {"reason": "expert_review"}),
                Step("resume", "reviewer"),
                RECOMMEND_APPROVAL,
                APPROVE,
                DELIVER,
            ),
        ),
        Plan(
            "not accepted",
            0.05,
            (Step("refuse", "clerk", lambda f, r: {"reason": "不属于本机关职权"}),),
        ),
    ),
    approval_body,
    ("submitted", "awaiting_supplement", "under_review", "pending_decision", "completed"),
)

# Cases: the ordinary procedure, from filing to payment and closing.

WARNING_AND_FINE = {"kinds": ["warning", "fine"], "fine_amount": "5000.00"}
LEGAL_BASIS = {
    "violated": "《城市市容和环境卫生管理条例》第十四条",
    "applied": "《城市市容和环境卫生管理条例》第三十六条",
}
FILE = Step("file", "inspector", lambda f, r: {"officers": f.officers()})
CONCLUDE = Step(
    "conclude",
    "inspector",
    lambda f, r: {
        "facts": "查明当事人在人行道上摆摊经营。",
        "legal_basis": LEGAL_BASIS,
        "proposed_penalty": WARNING_AND_FINE,
    },
)
PASS_REVIEW = Step(
    "pass_review", "legal_reviewer", lambda f, r: {"opinion": "事实清楚，证据确凿。"}
)
NOTIFY = Step("notify", "inspector", lambda f, r: {"notified_at": now_iso()})
PROCEED = Step("proceed", "inspector", lambda f, r: {"waived": True})


def case_body(flows: "Flows", plan: Plan) -> Body:
    return {
        "source": "inspection",
        "title": "占道经营",
        "category_code": "zhandao_jingying",
        "party": {
            "type": "person",
            "name": "张三丰",
            "id_number": "110101199001011237",
            "address": "朝阳区幸福小区1号楼",
        },
        "location": {"address": "建国路88号", "district": "朝阳区"},
        "facts": "当事人在人行道上摆摊经营水果，影响行人通行。",
        "violation_occurred_on": (today() - timedelta(days=3)).isoformat(),
        "discovered_on": today().isoformat(),
    }


CASES = Module(
    "case",
    "cases",
    "inspector",
    (
        Plan(
            "fined, paid and closed",
            0.80,
            (
                FILE,
                CONCLUDE,
                PASS_REVIEW,
                NOTIFY,
                PROCEED,
                Step(
                    "decide",
                    "case_leader",
                    lambda f, r: {"penalty": WARNING_AND_FINE, "decision_number": f.decision()},
                ),
                Step(
                    "serve",
                    "inspector",
                    lambda f, r: {"method": "in_person", "served_at": now_iso()},
                ),
                Step(
                    "record_payment",
                    "inspector",
                    lambda f, r: {"amount": "5000.00", "paid_at": now_iso()},
                ),
                Step("close", "case_leader"),
            ),
        ),
        Plan(
            "returned by legal review, no penalty",
            0.12,
            (
                FILE,
                CONCLUDE,
                Step(
                    "return_review", "legal_reviewer", lambda f, r: {"reason": "证据不足，补充调查"}
                ),
                CONCLUDE,
                PASS_REVIEW,
                NOTIFY,
                PROCEED,
                Step(
                    "decide_no_penalty",
                    "case_leader",
                    lambda f, r: {"reason": "首次违法且及时改正"},
                ),
            ),
        ),
        Plan(
            "dismissed",
            0.08,
            (Step("dismiss", "inspector", lambda f, r: {"reason": "不构成违法"}),),
        ),
    ),
    case_body,
    ("registered", "investigating", "legal_review", "pending_decision", "served", "closed"),
)

MODULES = {module.kind: module for module in (TICKETS, APPROVALS, CASES)}


@dataclass
class Flows:
    """Bodies that need the city or the run: officers, unique decision numbers."""

    city: City
    rng: Random
    run_tag: str
    _numbers: "count[int]" = field(default_factory=lambda: count(1))
    # Approval id → the material it was registered without.
    _missing: dict[str, str] = field(default_factory=dict)

    def officers(self) -> list[Body]:
        people = (self.city.people["inspector"], self.city.people["partner"])
        return [
            {"user_id": person.id, "credential_number": f"1101{index:04d}"}
            for index, person in enumerate(people, start=1)
        ]

    def decision(self) -> str:
        return f"朝城管罚字〔{today().year}〕{self.run_tag}-{next(self._numbers)}号"

    def remember_missing(self, record: Record, body: Body) -> None:
        required = self.city.services[body["service_code"]]
        provided = {material["code"] for material in body["materials"]}
        missing = [code for code in required if code not in provided]
        if missing:
            self._missing[record.id] = missing[0]

    def missing(self, record: Record) -> str:
        return self._missing[record.id]

    def pick_plan(self, module: Module) -> Plan:
        return self.rng.choices(module.plans, weights=[p.weight for p in module.plans])[0]
