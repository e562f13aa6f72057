"""Bench approval applications: received, accepted, recommended, decided, delivered.

The path follows app/approvals/workflow.py, with refusals, withdrawals and one-time
supplement notices on the way.
"""

import random
import uuid
from datetime import timedelta
from typing import Any

from bench.dataset import DAY, HOUR, to_datetime
from bench.kinds import Life, Staff, clock, party


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
        **clock(created, 7, 5),
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
            **clock(t, 7, 5),
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
        **clock(t, limit * 1.4, limit),
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
        **clock(t, 14, 10),
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
