"""Bench enforcement cases: registered, filed, investigated, reviewed, decided, served, paid.

The path follows app/cases/workflow.py, with on-the-spot decisions, dismissals and
transfers on the way; each case has two officers (case_officers rows).
"""

import random
import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

from bench import vocabulary as words
from bench.dataset import DAY, HOUR, Person, to_datetime
from bench.kinds import Life, Staff, clock, party

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
        **clock(created, 10, 7),
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
            {"filed_at": None, "procedure": "ordinary", **clock(t, 125, 90)},
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
