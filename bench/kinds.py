"""Approval applications and enforcement cases for the bench, with their chained history.

Like tickets (bench/dataset.py), each record lives a plausible lifecycle through its
workflow's actions (app/workflows/approval.py, app/workflows/case.py), cut at "now", and
every step is a hash-chained event. Fields not set here take the model's own defaults, so
a column added later with a default needs no change here.
"""

import random
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from pydantic_core import PydanticUndefined
from sqlmodel import SQLModel

from bench import vocabulary as words
from bench.dataset import DAY, HOUR, Chain, Person, to_datetime

JSON_TYPES = ("JSON", "JSONB")


def model_defaults(model: type[SQLModel]) -> dict[str, Any]:
    """Each column's default as the model declares it, JSON columns already serialised."""
    defaults: dict[str, Any] = {}
    for column in model.__table__.columns:  # type: ignore[attr-defined]
        field = model.model_fields.get(column.name)
        value: Any = None
        if field is not None and field.default_factory is not None:
            value = field.default_factory()  # type: ignore[call-arg]
        elif field is not None and field.default is not PydanticUndefined:
            value = field.default
        defaults[column.name] = value
    return defaults


def json_columns(model: type[SQLModel]) -> set[str]:
    return {
        column.name
        for column in model.__table__.columns  # type: ignore[attr-defined]
        if type(column.type).__name__ in JSON_TYPES or "JSON" in repr(column.type)
    }


@dataclass(frozen=True)
class Staff:
    """Who acts on approvals and cases, per department and role."""

    by_role: dict[str, dict[uuid.UUID, tuple[Person, ...]]]
    citizens: tuple[Person, ...]

    def pick(self, rng: random.Random, role: str, department: uuid.UUID) -> Person:
        return rng.choice(self.by_role[role][department])


class Life:
    """A record's row and chain, moved on by actions until "now"."""

    def __init__(self, kind: str, row: dict[str, Any], rng: random.Random, now_ts: float) -> None:
        self.row, self.now_ts = row, now_ts
        self.chain = Chain(row["id"], rng, kind)

    def created(self, actor: Person, payload: dict[str, Any]) -> None:
        self.chain.add("created", None, self.row["status"], actor, self.row["created_at"], payload)

    def step(
        self,
        action: str,
        to_status: str | None,
        actor: Person,
        at: float,
        payload: dict[str, Any] | None = None,
        **fields: Any,
    ) -> bool:
        if at > self.now_ts:
            return False
        when = to_datetime(at)
        changes = {
            name: {"before": plain(self.row.get(name)), "after": plain(value)}
            for name, value in fields.items()
            if self.row.get(name) != value
        }
        from_status = self.row["status"]
        self.row.update(fields, status=to_status or from_status, updated_at=when)
        self.row["version"] += 1
        self.chain.add(action, from_status, self.row["status"], actor, when, payload or {}, changes)
        return True


def plain(value: Any) -> Any:
    """Money as the app's to_json_value writes it (a string); orjson does the rest."""
    return str(value) if isinstance(value, Decimal) else value


def _clock(start: float, days: float, amount: int) -> dict[str, Any]:
    return {
        "clock_status": "running",
        "clock_unit": "working_days",
        "clock_started_at": to_datetime(start),
        "clock_amount": amount,
        "due_at": to_datetime(start + days * DAY),
        "deadline_basis": "official",
    }


def resident_id(rng: random.Random) -> str:
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(20000))
    body = f"110{rng.randrange(101, 120)}{born:%Y%m%d}{rng.randrange(1000):03d}"
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(body))
    return body + "10X98765432"[total % 11]


def credit_code(rng: random.Random) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    return "9111" + "".join(rng.choice(alphabet) for _ in range(14))


def party(rng: random.Random) -> dict[str, Any]:
    if rng.random() < 0.55:
        name = rng.choice(words.SURNAMES) + rng.choice("伟芳娜敏静丽强磊军洋勇艳杰涛明超")
        return {"type": "person", "name": name, "id_number": resident_id(rng)}
    trade = rng.choice(("商贸", "建筑", "餐饮", "物业"))
    name = f"北京{rng.choice(words.PLACE_PREFIXES)}{trade}有限公司"
    return {"type": "organisation", "name": name, "id_number": credit_code(rng)}


def approval(
    rng: random.Random,
    index: int,
    created: float,
    now_ts: float,
    base: dict[str, Any],
    services: list[dict[str, Any]],
    staff: Staff,
) -> Life:
    """Received → accepted → recommended → decided → delivered, with the usual detours."""
    service = rng.choice(services)
    department = service["department_id"]
    applicant = party(rng)
    channel = rng.choice(("online", "online", "counter", "door_to_door"))
    year = to_datetime(created).year
    materials = [
        {"code": m["code"], "provided": True, "file_id": None}
        for m in service["required_materials"]
        if m.get("required")
    ]
    limit = service["committed_limit_days"]
    row = {
        **base,
        "id": uuid.UUID(int=rng.getrandbits(128), version=4),
        "created_at": to_datetime(created),
        "updated_at": to_datetime(created),
        "number": f"SP{year}-{index:06d}",
        "status": "submitted",
        "title": service["name"][:200],
        "department_id": department,
        "service_code": service["code"],
        "channel": channel,
        "applicant_type": applicant["type"],
        "applicant_name": applicant["name"],
        "applicant_id_number": applicant["id_number"],
        "applicant_phone": f"13{rng.randrange(10**9):09d}",
        "materials": materials,
        "required_materials": service["required_materials"],
        "legal_limit_days": service["legal_limit_days"],
        "decision_limit_days": limit,
        "received_at": to_datetime(created),
        **_clock(created, 7, 5),
    }
    life = Life("approval", row, rng, now_ts)
    citizen = rng.choice(staff.citizens)
    creator = citizen if channel == "online" else staff.pick(rng, "clerk", department)
    row["created_by_id"] = creator.id
    life.created(
        creator,
        {
            "service_code": service["code"],
            "channel": channel,
            "applicant": {**applicant, "phone": row["applicant_phone"]},
            "materials": materials,
            "green_channel": False,
        },
    )
    clerk = staff.pick(rng, "clerk", department)
    t = created + rng.uniform(2 * HOUR, 4 * DAY)
    fate = rng.random()
    if fate < 0.04:
        life.step(
            "refuse",
            "not_accepted",
            clerk,
            t,
            {"reason": "不属于本机关职权范围"},
            not_accepted_reason="不属于本机关职权范围",
            clock_status="stopped",
        )
        return life
    if fate < 0.07:
        life.step("withdraw", "withdrawn", citizen, t, {}, clock_status="stopped")
        return life
    if fate < 0.15:
        missing = [{"code": materials[-1]["code"], "note": "材料不清晰，请重新提交"}]
        if not life.step(
            "request_supplement",
            "awaiting_supplement",
            clerk,
            t,
            {"missing": missing},
            missing_materials=missing,
            clock_status="paused",
            paused_at=to_datetime(t),
        ):
            return life
        t += rng.uniform(DAY, 10 * DAY)
        if not life.step(
            "resubmit",
            "submitted",
            citizen,
            t,
            {},
            supplement_count=1,
            received_at=to_datetime(t),
            **_clock(t, 7, 5),
        ):
            return life
        t += rng.uniform(2 * HOUR, 3 * DAY)
    accepted = t
    if not life.step(
        "accept",
        "under_review",
        clerk,
        t,
        {},
        accepted_at=to_datetime(t),
        acceptance_due_at=row["due_at"],
        decision_due_at=to_datetime(t + limit * 1.4 * DAY),
        **_clock(t, limit * 1.4, limit),
    ):
        return life
    reviewer = staff.pick(rng, "reviewer", department)
    t += rng.uniform(0.3, 0.8) * limit * 1.4 * DAY
    opinion = "approve" if rng.random() < 0.9 else "reject"
    if not life.step(
        "recommend",
        "pending_decision",
        reviewer,
        t,
        {"opinion": opinion, "comment": None},
        recommendation=opinion,
    ):
        return life
    leader = staff.pick(rng, "leader", department)
    t += rng.uniform(2 * HOUR, 3 * DAY)
    decided = {
        "decision": "approved" if opinion == "approve" else "rejected",
        "decided_at": to_datetime(t),
        "decision_working_days": max(1, round((t - accepted) / DAY / 1.4)),
        "decided_late": t > accepted + limit * 1.4 * DAY,
        **_clock(t, 14, 10),
    }
    if opinion == "approve":
        decided |= {
            "licence_number": f"XK{year}-{index:07d}",
            "valid_until": (to_datetime(t) + timedelta(days=365 * 3)).date(),
        }
    reason = None if opinion == "approve" else "申请材料不符合法定条件"
    if not life.step(
        opinion,
        decided["decision"],
        leader,
        t,
        {"reason": reason},
        decision_reason=reason,
        **decided,
    ):
        return life
    t += rng.uniform(HOUR, 5 * DAY)
    method = rng.choice(("counter", "mail", "electronic"))
    life.step(
        "deliver",
        "completed",
        clerk,
        t,
        {"method": method},
        delivery_method=method,
        delivered_at=to_datetime(t),
        clock_status="stopped",
    )
    return life


CASE_CATEGORIES = (
    "weifa_jianshe",
    "zhandao_jingying",
    "xiao_guanggao",
    "huwai_guanggao",
    "jianzhu_gongdi",
    "daolu_yisa",
    "huanjing_weisheng",
    "cheliang_luanting",
)


def case(
    rng: random.Random,
    index: int,
    created: float,
    now_ts: float,
    base: dict[str, Any],
    departments: list[uuid.UUID],
    staff: Staff,
) -> tuple[Life, list[tuple[Any, ...]]]:
    """Registered → filed → investigated → reviewed → notified → decided → served → paid."""
    department = rng.choice(departments)
    district = words.DISTRICTS[departments.index(department) % len(words.DISTRICTS)]
    inspectors = staff.by_role["inspector"][department]
    officers = rng.sample(inspectors, 2)
    who = party(rng)
    category = rng.choice(CASE_CATEGORIES)
    subject = rng.choice(words.CATEGORY_SUBJECTS[category])
    year = to_datetime(created).year
    discovered = to_datetime(created).date()
    row = {
        **base,
        "id": uuid.UUID(int=rng.getrandbits(128), version=4),
        "created_at": to_datetime(created),
        "updated_at": to_datetime(created),
        "number": f"ZF{year}-{index:06d}",
        "status": "registered",
        "title": subject,
        "department_id": department,
        "created_by_id": officers[0].id,
        "source": rng.choice(("inspection", "inspection", "report", "other")),
        "category_code": category,
        "party_type": who["type"],
        "party_name": who["name"],
        "party_id_number": who["id_number"],
        "district": district,
        "address": f"{district}{rng.choice(words.ROADS)}{rng.randrange(1, 300)}号",
        "facts": f"执法人员巡查发现当事人{who['name']}{subject}，违反相关规定。",
        "violation_occurred_on": discovered - timedelta(days=rng.randrange(30)),
        "discovered_on": discovered,
        **_clock(created, 10, 7),
    }
    life = Life("case", row, rng, now_ts)
    life.created(
        officers[0],
        {
            "source": row["source"],
            "category_code": category,
            "party": {"type": who["type"], "name": who["name"]},
            "facts": row["facts"],
        },
    )
    officer_rows = [
        (row["id"], person.id, position, person.username, f"1101{index:06d}{position}")
        for position, person in enumerate(officers, start=1)
    ]
    leader = staff.pick(rng, "leader", department)
    t = created + rng.uniform(HOUR, 5 * DAY)
    fate = rng.random()
    fine = Decimal(rng.choice((200, 500, 1000, 2000, 5000, 10000, 20000)))
    decision_number = f"京{district[:2]}城管罚字〔{year}〕第{index:07d}号"
    if fate < 0.08:
        life.step(
            "dismiss",
            "dismissed",
            leader,
            t,
            {"reason": "违法事实不能成立"},
            disposal_reason="违法事实不能成立",
            clock_status="stopped",
        )
        return life, officer_rows
    if fate < 0.20:
        if life.step(
            "decide_on_the_spot",
            "decided",
            officers[0],
            t,
            {"fine": "200.00"},
            procedure="simple",
            penalty_kinds=["fine"],
            penalty_fine_amount=Decimal(200),
            decision_number=decision_number,
            decided_at=to_datetime(t),
            clock_status="stopped",
        ):
            _serve_and_pay(life, rng, officers[0], leader, t, Decimal(200))
        return life, officer_rows
    steps: list[tuple[str, str, Person, float, dict[str, Any]]] = [
        (
            "file",
            "investigating",
            officers[0],
            0,
            {"filed_at": None, "procedure": "ordinary", **_clock(t, 125, 90)},
        ),
        (
            "conclude",
            "legal_review",
            officers[0],
            rng.uniform(5, 60),
            {"proposed_kinds": ["fine"], "proposed_fine_amount": fine},
        ),
        (
            "pass_review",
            "review_passed",
            rng.choice(staff.by_role["legal_reviewer"][department]),
            rng.uniform(1, 7),
            {"review_opinion": "事实清楚，证据确凿，程序合法"},
        ),
        ("notify", "notified", officers[0], rng.uniform(1, 5), {"statement_waived": False}),
        ("proceed", "pending_decision", officers[0], rng.uniform(3, 10), {}),
        (
            "decide",
            "decided",
            leader,
            rng.uniform(1, 5),
            {
                "penalty_kinds": ["fine"],
                "penalty_fine_amount": fine,
                "decision_number": decision_number,
            },
        ),
    ]
    for action, status, actor, days, fields in steps:
        t += days * DAY
        if action == "file":
            fields["filed_at"] = to_datetime(t)
        if action == "pass_review":
            fields |= {"reviewed_by_id": actor.id, "reviewed_at": to_datetime(t)}
        if action == "notify":
            fields |= {
                "notified_at": to_datetime(t),
                "statement_window_until": to_datetime(t + 7 * DAY),
            }
        if action == "decide":
            fields |= {"decided_at": to_datetime(t), "clock_status": "stopped"}
        payload = {k: v for k, v in fields.items() if k in ("proposed_kinds", "penalty_kinds")}
        if not life.step(action, status, actor, t, payload, **fields):
            return life, officer_rows
        if action == "conclude" and rng.random() < 0.04:
            life.step(
                "transfer",
                "transferred",
                leader,
                t + DAY,
                {"to": "police"},
                transferred_to="police",
                clock_status="stopped",
            )
            return life, officer_rows
    _serve_and_pay(life, rng, officers[0], leader, t, fine)
    return life, officer_rows


def _serve_and_pay(
    life: Life, rng: random.Random, officer: Person, leader: Person, t: float, fine: Decimal
) -> None:
    t += rng.uniform(HOUR, 6 * DAY)
    method = rng.choice(("direct", "mail", "electronic"))
    if not life.step(
        "serve",
        "served",
        officer,
        t,
        {"method": method},
        served_at=to_datetime(t),
        service_method=method,
        payment_due_on=(to_datetime(t) + timedelta(days=15)).date(),
    ):
        return
    if rng.random() < 0.1:
        return  # unpaid, awaiting court enforcement
    t += rng.uniform(DAY, 14 * DAY)
    if not life.step(
        "record_payment",
        "executed",
        officer,
        t,
        {"amount": str(fine)},
        paid_amount=fine,
        paid_surcharge=Decimal(0),
        paid_at=to_datetime(t),
    ):
        return
    t += rng.uniform(DAY, 10 * DAY)
    life.step("close", "closed", leader, t, {}, closed_at=to_datetime(t))
