"""Ticket statistics from the per-day rollups equal a full recount (``stats_rollups=false``).

Tickets are spread over the last days of the city zone, around its midnights too; then
random actions (dispatch, sign, return, assign, reply, close, reopen, urge, extend, merge,
cancel, answer) change them, with and without a refresh between, and deadlines pass
without a write. Every grouping and several periods, for an operator (all departments)
and a department's handler, read the same figures both ways.

"Time passing" is simulated by moving every ``updated_at`` and the watermark back
together: the order of writes and refreshes is kept, and a refresh then finds the older
writes outside its lag margin.
"""

import asyncio
import random
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text, update

from app.models.base import utcnow
from app.models.rollup import RollupWatermark, TicketRollup
from app.models.ticket import Ticket
from app.records.rollups import pending_late, rebuild, refresh
from app.tickets.stats import TICKET_ROLLUP
from tests.conftest import IS_POSTGRES, World
from tests.factories import set_stored
from tests.hotline import create

GROUPS = ("category", "district", "department", "type", "channel")
CATEGORIES = ("zhandao_jingying", "huanjing_weisheng", "shizheng_sheshi")
DISTRICTS = ("朝阳区", "海淀区")
TYPES = ("complaint", "help", "consultation")
CHANNELS = ("phone", "app", "wechat")
ZONE = ZoneInfo("Asia/Shanghai")


def _midnight(days_ago: int) -> datetime:
    today = utcnow().astimezone(ZONE).date()
    return datetime.combine(today - timedelta(days=days_ago), datetime.min.time(), ZONE)


def _periods() -> list[tuple[datetime | None, datetime | None]]:
    return [
        (None, None),
        (_midnight(6), None),
        (_midnight(5), _midnight(1)),  # whole days
        (_midnight(5) + timedelta(hours=7), _midnight(1) + timedelta(hours=13)),  # partial
        (_midnight(4) - timedelta(hours=1), _midnight(3) + timedelta(hours=1)),  # over midnight
        (_midnight(4) - timedelta(hours=2), _midnight(2) + timedelta(hours=2)),
        (None, _midnight(2) + timedelta(minutes=30)),
    ]


async def _stats(
    world: World, who: Any, group_by: str, period: tuple[datetime | None, datetime | None]
) -> dict[str, Any]:
    params = {"group_by": group_by}
    if period[0] is not None:
        params["from"] = period[0].isoformat()
    if period[1] is not None:
        params["to"] = period[1].isoformat()
    response = await world.as_(who).get("/api/v1/stats/tickets", params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _assert_rollups_equal_recount(world: World, people: list[Any]) -> int:
    """Every grouping and period, for each person, both ways; returns the rows compared."""
    settings = world.app.state.settings
    compared = 0
    for who in people:
        for group_by in GROUPS:
            for period in _periods():
                settings.stats_rollups = True
                rolled_up = await _stats(world, who, group_by, period)
                settings.stats_rollups = False
                try:
                    recounted = await _stats(world, who, group_by, period)
                finally:
                    settings.stats_rollups = True
                assert rolled_up == recounted, (who.username, group_by, period)
                compared += len(recounted["rows"])
    return compared


async def _pass_time(world: World, hours: int = 1) -> None:
    """Every write and the watermark an hour older, in the same order."""
    earlier = timedelta(hours=hours)
    async with world.app.state.sessionmaker() as session:
        for record_id, moment in (
            await session.execute(select(Ticket.id, Ticket.updated_at))
        ).all():
            await session.execute(
                update(Ticket).where(Ticket.id == record_id).values(updated_at=moment - earlier)
            )
        for mark in (await session.scalars(select(RollupWatermark))).all():
            mark.watermark -= earlier
        await session.commit()


async def _refresh(world: World) -> int:
    async with world.app.state.sessionmaker() as session:
        days = await refresh(session, TICKET_ROLLUP, world.app.state.settings.timezone)
        await session.commit()
    return days


async def _rollup_rows(world: World) -> list[tuple[Any, ...]]:
    async with world.app.state.sessionmaker() as session:
        rows = (await session.execute(select(TicketRollup))).scalars().all()
        return sorted(
            (tuple(v for k, v in row.model_dump().items() if k != "id") for row in rows),
            key=repr,
        )


async def _spread_tickets(
    world: World, hotline: dict[str, Any], rng: random.Random
) -> list[dict[str, Any]]:
    tickets = []
    for n in range(16):
        ticket = await create(
            world,
            hotline["operator"],
            category_code=rng.choice(CATEGORIES),
            type=rng.choice(TYPES),
            channel=rng.choice(CHANNELS),
            location={"address": "建国路88号", "district": rng.choice(DISTRICTS)},
        )
        # Days back, some a few minutes either side of a local midnight.
        created = _midnight(n % 6 + 1) + rng.choice(
            [timedelta(minutes=5), timedelta(hours=23, minutes=50), timedelta(hours=10)]
        )
        await set_stored(world.app, Ticket, ticket["id"], created_at=created)
        tickets.append(ticket)
    return tickets


async def _random_actions(
    world: World,
    hotline: dict[str, Any],
    tickets: list[dict[str, Any]],
    rng: random.Random,
    count: int,
) -> None:
    departments = {"chaoyang": hotline["chaoyang"], "haidian": hotline["haidian"]}
    handlers = {
        str(hotline["chaoyang"]["id"]): hotline["handler"],
        str(hotline["haidian"]["id"]): hotline["other_handler"],
    }
    operator, supervisor = hotline["operator"], hotline["supervisor"]
    for _ in range(count):
        ticket = rng.choice(tickets)
        current = (await world.as_(operator).get(f"/api/v1/tickets/{ticket['id']}")).json()
        status, department = current["status"], current.get("department_id")
        handler = handlers.get(str(department), hotline["handler"])
        choices: list[tuple[Any, str, dict[str, Any]]] = [
            (supervisor, "urge", {"comment": "请尽快办理"}),
            (operator, "cancel", {"reason": "重复来电"}),
        ]
        if status in ("new", "returned"):
            target = rng.choice(list(departments.values()))
            choices.append((operator, "dispatch", {"department_id": str(target["id"])}))
        if status == "new":
            choices.append((operator, "answer", {"reply": "已答复"}))
            others = [t for t in tickets if t["id"] != ticket["id"]]
            choices.append((operator, "merge", {"duplicate_of": rng.choice(others)["id"]}))
        if status == "dispatched":
            choices += [(handler, "sign", {}), (handler, "sign", {})]
            choices.append(
                (handler, "return", {"reason_code": "wrong_district", "reason": "不属本区"})
            )
        if status == "returned":
            target = rng.choice(list(departments.values()))
            choices.append(
                (supervisor, "assign", {"department_id": str(target["id"]), "reason": "裁定"})
            )
        if status == "in_progress":
            mode = rng.choice(["service", "management", "enforcement"])
            choices += [(handler, "reply", {"reply": "已处理", "resolution_mode": mode})] * 2
            choices.append((supervisor, "extend", {"reason": "需协调", "days": 2}))
        if status == "replied":
            satisfaction = rng.choice(["satisfied", "basically_satisfied", "unsatisfied"])
            choices += [(operator, "close", {"satisfaction": satisfaction})] * 2
            choices.append((operator, "reopen", {"reason": "群众不满意"}))
        who, action, body = rng.choice(choices)
        response = await world.as_(who).post(
            f"/api/v1/tickets/{ticket['id']}/actions/{action}", json=body
        )
        assert response.status_code < 500, response.text


async def _deadlines_pass(world: World) -> int:
    """Running clocks reach their deadline with no write: the sweeper has not run."""
    async with world.app.state.engine.begin() as connection:
        result = await connection.execute(
            update(Ticket)
            .where(Ticket.clock_status == "running")
            .values(due_at=utcnow() - timedelta(hours=1))
        )
    return int(result.rowcount)


async def test_rollups_equal_a_full_recount_after_random_actions(
    world: World, hotline: dict[str, Any]
) -> None:
    rng = random.Random(20)
    people = [hotline["operator"], hotline["handler"]]
    tickets = await _spread_tickets(world, hotline, rng)
    await _random_actions(world, hotline, tickets, rng, 30)
    # Not yet refreshed: every day is dirty, counted live.
    assert await _assert_rollups_equal_recount(world, people)
    await _pass_time(world)
    assert await _refresh(world) > 0
    assert await _assert_rollups_equal_recount(world, people)
    # Changes after the refresh: their days are recounted live until the next one.
    await _random_actions(world, hotline, tickets, rng, 40)
    assert await _assert_rollups_equal_recount(world, people)
    await _pass_time(world)
    await _refresh(world)
    await _random_actions(world, hotline, tickets, rng, 20)
    await _pass_time(world)
    await _refresh(world)
    # The clock moves, nothing is written: lateness is counted live.
    assert await _deadlines_pass(world) > 0
    assert await _assert_rollups_equal_recount(world, people)


async def test_refresh_is_idempotent_and_equals_a_rebuild(
    world: World, hotline: dict[str, Any]
) -> None:
    rng = random.Random(7)
    tickets = await _spread_tickets(world, hotline, rng)
    await _random_actions(world, hotline, tickets, rng, 30)
    await _pass_time(world)
    await _refresh(world)
    await _random_actions(world, hotline, tickets, rng, 20)
    await _pass_time(world)
    await _refresh(world)
    incremental = await _rollup_rows(world)
    assert incremental
    await _refresh(world)
    assert await _rollup_rows(world) == incremental
    async with world.app.state.sessionmaker() as session:
        await rebuild(session, TICKET_ROLLUP, world.app.state.settings.timezone)
        await session.commit()
    assert await _rollup_rows(world) == incremental
    # The figures do come from the rollups: a wrong row shows in a period of whole days.
    async with world.app.state.engine.begin() as connection:
        await connection.execute(update(TicketRollup).values(received=TicketRollup.received + 100))
    whole_days = (_midnight(6), _midnight(1))
    figures = await _stats(world, hotline["operator"], "category", whole_days)
    assert sum(row["received"] for row in figures["rows"]) >= 100


@pytest.mark.skipif(not IS_POSTGRES, reason="asyncpg's prepared statements: PostgreSQL only")
async def test_late_clocks_are_found_through_their_partial_index_in_a_generic_plan(
    app: Any,
) -> None:
    """asyncpg prepares every statement, and a generic plan sees bound values only as
    ``$n``: the partial index's predicate must be written in the query itself (a bound
    'running' scanned all 1,000,000 tickets, 0.45 s of every statistics request)."""
    query = select(Ticket.id).where(pending_late(Ticket, utcnow()))
    async with app.state.engine.connect() as connection:
        compiled = str(query.compile(connection.engine))
        assert compiled.count("$") == 1, compiled  # the deadline, and nothing else, bound
        await connection.execute(text("SET LOCAL plan_cache_mode = force_generic_plan"))
        await connection.execute(text("SET LOCAL enable_seqscan = off"))
        await connection.execute(text(f"PREPARE late_clocks AS {compiled}"))
        rows = await connection.execute(text("EXPLAIN EXECUTE late_clocks(now())"))
        plan = "\n".join(row[0] for row in rows)
    assert "ix_tickets_clock_pending" in plan, plan


@pytest.mark.skipif(not IS_POSTGRES, reason="SQLite serialises its writers itself")
async def test_two_workers_never_refresh_or_rebuild_one_kind_at_once(
    world: World, hotline: dict[str, Any]
) -> None:
    """Each worker process refreshes on its own timer: two deleting and inserting the same
    rollup rows would fail on their keys or count a day twice."""
    await create(world, hotline["operator"])
    zone = world.app.state.settings.timezone
    sessionmaker = world.app.state.sessionmaker
    async with sessionmaker() as first:
        assert await refresh(first, TICKET_ROLLUP, zone) > 0  # the first pass rebuilds
        async with sessionmaker() as second:
            assert await refresh(second, TICKET_ROLLUP, zone) == 0  # at once, nothing done
            waiting = asyncio.create_task(rebuild(second, TICKET_ROLLUP, zone))
            await asyncio.sleep(0.5)
            assert not waiting.done()  # a rebuild waits for the refresh to commit
            await first.commit()
            assert await asyncio.wait_for(waiting, timeout=10) > 0
            await second.commit()
    async with sessionmaker() as third:
        marks = (await third.execute(select(RollupWatermark))).scalars().all()
        assert [mark.kind for mark in marks] == [TICKET_ROLLUP.kind]
    assert await _rollup_rows(world)
