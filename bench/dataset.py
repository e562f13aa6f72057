"""Realistic hotline tickets with their full, hash-chained history, generated fast.

Each ticket gets a lifecycle (created → dispatched → signed → replied → closed, or
answered directly, returned, merged, cancelled) laid out in time, then cut at "now":
old tickets are closed, recent ones still open, as on a real line. Every step becomes an
event in the ticket's chain, hashed exactly as ``app.workflow.audit.event_hash`` does
(checked against it, see ``check_hashes``), so ``GET /api/v1/audit/verify`` holds on
bench data too.

Rows are plain tuples in the tables' column order, ready for ``COPY``.
"""

import hashlib
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from app.models.audit import Event
from app.models.ticket import Ticket
from app.workflow.audit import HASHED_FIELDS, event_hash
from bench import vocabulary as words

REQUEST_ID = "bench-load"  # marks every event the loader wrote
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SHANGHAI_OFFSET = 8 * 3600  # Asia/Shanghai has no daylight saving time
HOUR, DAY = 3600.0, 86400.0

TICKET_COLUMNS = tuple(column.name for column in Ticket.__table__.columns)  # type: ignore[attr-defined]
EVENT_COLUMNS = tuple(c.name for c in Event.__table__.columns if c.name != "id")  # type: ignore[attr-defined]
TICKET_DEFAULTS: dict[str, Any] = {
    "version": 1, "department_id": None, "created_by_id": None, "due_at": None,
    "clock_status": "stopped", "clock_unit": None, "clock_started_at": None,
    "clock_amount": None, "paused_at": None, "paused_days": 0, "deadline_basis": None,
    "is_overdue": False, "overdue_for": None, "address": "", "district": "", "lat": None,
    "lon": None, "media_url": None, "reporter_name": None, "reporter_phone": None,
    "reporter_anonymous": False,
    "reporter_confidential": False, "priority": "normal", "resolution_mode": None,
    "reply": None, "satisfaction": None, "satisfaction_comment": None, "duplicate_of": None,
    "supervised": 0, "reopen_count": 0, "extended_days": 0, "related_case_id": None,
    "dispatched_at": None, "return_until": None, "assigned_by_ruling": False,
    "signed_at": None, "replied_at": None, "closed_at": None,
}  # fmt: skip

CHANNELS = words.Weighted(
    ("phone", "app", "wechat", "web", "agency", "email"), (60, 15, 12, 8, 3, 2)
)
TYPES = words.Weighted(
    ("complaint", "help", "consultation", "report", "suggestion"), (35, 25, 20, 10, 10)
)
SATISFACTION = words.Weighted(("satisfied", "basically_satisfied", "unsatisfied"), (70, 18, 12))
MODES = words.Weighted(("service", "management", "enforcement"), (70, 20, 10))
CITIZEN_CHANNELS = ("app", "web")


@dataclass(frozen=True)
class Person:
    id: uuid.UUID
    username: str
    roles: tuple[str, ...]

    @property
    def roles_json(self) -> str:
        return orjson.dumps(sorted(self.roles)).decode()


@dataclass(frozen=True)
class Reference:
    """The departments and people tickets refer to; small enough to ship to each process."""

    district_departments: dict[str, uuid.UUID]
    city_departments: tuple[uuid.UUID, ...]
    operators: tuple[Person, ...]
    handlers: dict[uuid.UUID, tuple[Person, ...]]
    citizens: tuple[Person, ...]
    places: tuple[str, ...] = field(default_factory=tuple)


def to_datetime(timestamp: float) -> datetime:
    return EPOCH + timedelta(microseconds=round(timestamp * 1_000_000))


def local_day(timestamp: float) -> str:
    return (EPOCH + timedelta(seconds=timestamp + SHANGHAI_OFFSET)).strftime("%Y%m%d")


def creation_times(count: int, start: float, end: float, seed: int) -> list[float]:
    """Sorted creation times: busier by day (9–11, 14–17, 19–21) and growing over the years."""
    rng = random.Random(seed)
    hours = words.Weighted(
        range(24),
        (1, 1, 1, 1, 1, 2, 4, 8, 12, 14, 14, 12, 9, 10, 12, 12, 11, 10, 10, 13, 13, 10, 6, 3),
    )
    span_days = (end - start) / DAY
    times = []
    for _ in range(count):
        # Volume grows ~40% over the span: a triangular-ish skew towards recent days.
        day = int(span_days * (rng.random() ** 0.85))
        hour = int(hours.draw(rng))  # type: ignore[call-overload]
        local = day * DAY + hour * HOUR + rng.random() * HOUR
        times.append(min(end - 1.0, start + local))
    times.sort()
    return times


def numbers_for(times: Sequence[float]) -> list[str]:
    """RX{yyyymmdd}-{seq}: the app's format, numbered per local day in creation order."""
    numbers, day, counter = [], "", 0
    for timestamp in times:
        today = local_day(timestamp)
        counter = counter + 1 if today == day else 1
        day = today
        numbers.append(f"RX{today}-{counter:05d}")
    return numbers


def hash_content(content: dict[str, Any]) -> str:
    """``event_hash`` on already-plain values (ids and times as the strings it makes)."""
    return hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS)).hexdigest()


class Chain:
    """One record's events, each hashed over its content and the previous hash."""

    def __init__(self, record_id: uuid.UUID, rng: random.Random, kind: str = "ticket") -> None:
        self.kind = kind
        self.record_id = record_id
        self.rng = rng
        self.rows: list[tuple[Any, ...]] = []
        self.previous: str | None = None

    def add(
        self,
        action: str,
        from_status: str | None,
        to_status: str | None,
        actor: Person,
        occurred: datetime,
        payload: dict[str, Any],
        changes: dict[str, Any] | None = None,
    ) -> None:
        event_id = uuid.UUID(int=self.rng.getrandbits(128), version=4)
        ip = f"10.20.{self.rng.randrange(256)}.{self.rng.randrange(1, 255)}"
        # orjson writes UUIDs and aware datetimes exactly as the app's to_json_value does,
        # except occurred_at, which event_hash always writes with microseconds.
        content = {
            "event_id": event_id, "kind": self.kind, "record_id": self.record_id,
            "seq": len(self.rows) + 1, "action": action, "from_status": from_status,
            "to_status": to_status, "actor_type": "user", "actor_id": actor.id,
            "actor_name": actor.username, "actor_roles": sorted(actor.roles),
            "occurred_at": occurred.isoformat(timespec="microseconds"), "comment": None,
            "payload": payload, "changes": changes or {}, "client_ip": ip,
            "request_id": REQUEST_ID, "prev_hash": self.previous,
        }  # fmt: skip
        digest = hash_content(content)
        self.rows.append(
            (
                event_id, self.kind, self.record_id, content["seq"], action, from_status,
                to_status, "user", actor.id, actor.username, actor.roles_json,
                occurred, None, orjson.dumps(payload).decode(),
                orjson.dumps(content["changes"]).decode(), ip, REQUEST_ID, self.previous, digest,
            )
        )  # fmt: skip
        self.previous = digest


def chain_head(chain: Chain) -> dict[str, Any]:
    """The record row's copy of its chain's last event (``last_event_seq``/``_hash``)."""
    return {"last_event_seq": len(chain.rows), "last_event_hash": chain.previous}


def check_hashes(chain: Chain) -> None:
    """The loader's hashes equal the app's own ``event_hash`` on the Event as stored."""
    for row in chain.rows:
        values = dict(zip(EVENT_COLUMNS, row, strict=True))
        for name in ("actor_roles", "payload", "changes"):
            values[name] = orjson.loads(values[name])
        assert set(HASHED_FIELDS) <= set(values)
        if event_hash(Event(**values)) != values["hash"]:
            raise RuntimeError("bench hash differs from app.workflow.audit.event_hash")


def _clock(start: datetime, due: datetime, unit: str, amount: int) -> dict[str, Any]:
    return {
        "clock_status": "running", "clock_unit": unit, "clock_started_at": start,
        "clock_amount": amount, "due_at": due, "deadline_basis": "official",
        "paused_at": None, "paused_days": 0, "overdue_for": None,
    }  # fmt: skip


def _changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    return {
        name: {"before": before.get(name), "after": value}
        for name, value in after.items()
        if before.get(name) != value
    }


class TicketMaker:
    """Builds tickets and their chains; one per process, seeded per chunk."""

    def __init__(self, reference: Reference) -> None:
        self.ref = reference
        self.districts = words.Weighted(words.DISTRICTS, words.zipf_weights(16, 0.9))
        codes = words.category_order()
        self.categories = words.Weighted(codes, words.zipf_weights(len(codes), 1.0))
        self.city = words.Weighted(
            reference.city_departments, words.zipf_weights(len(reference.city_departments), 1.1)
        )
        self.places = words.Weighted(
            reference.places, words.zipf_weights(len(reference.places), 0.8)
        )

    def department(self, rng: random.Random, district: str, category: str) -> uuid.UUID:
        city_management = category in ("chengshi_guanli", "weifa_jianshe", "zhandao_jingying",
                                       "xiao_guanggao", "huwai_guanggao", "jianzhu_gongdi",
                                       "daolu_yisa", "limian_kongjian", "jisi_fenshao")  # fmt: skip
        if city_management or rng.random() < 0.35:
            return self.ref.district_departments[district]
        return self.city.draw(rng)  # type: ignore[return-value]

    def intake(self, rng: random.Random, record_id: uuid.UUID) -> dict[str, Any]:
        """What a caller reports: the fields of a TicketCreate, and its payload."""
        district = str(self.districts.draw(rng))
        category = str(self.categories.draw(rng))
        place = str(self.places.draw(rng))
        subject = rng.choice(words.CATEGORY_SUBJECTS[category])
        road = rng.choice(words.ROADS)
        address = f"{district}{road}{rng.randrange(1, 300)}号{place}"
        content = (
            f"来电人反映{address}附近{subject}，"
            f"{rng.choice(('已持续一周', '多次反映未解决', '近期情况加重', '影响居民正常生活'))}，"
            f"{rng.choice(('希望相关部门尽快处理。', '请求尽快核实处理。', '要求给予答复。'))}"
        )
        lat, lon = words.DISTRICT_CENTRES[district]
        ticket_type = str(TYPES.draw(rng))
        if category == "zixun":
            ticket_type = "consultation"
        anonymous = rng.random() < 0.05
        channel = str(CHANNELS.draw(rng))
        surname = rng.choice(words.SURNAMES)
        values = {
            "id": record_id, "channel": channel, "type": ticket_type, "category_code": category,
            "title": f"{place}{subject}", "content": content, "address": address,
            "district": district, "lat": round(lat + rng.uniform(-0.05, 0.05), 6),
            "lon": round(lon + rng.uniform(-0.05, 0.05), 6),
            "reporter_name": None if anonymous else surname + rng.choice(("先生", "女士")),
            "reporter_phone": None if anonymous else f"1{rng.choice('3456789')}"
            f"{rng.randrange(10**9):09d}",
            "reporter_anonymous": anonymous, "reporter_confidential": rng.random() < 0.03,
            "priority": "urgent" if rng.random() < 0.03 else "normal",
        }  # fmt: skip
        payload = {
            "channel": channel, "type": ticket_type, "category_code": category,
            "title": values["title"], "content": content,
            "location": {"address": address, "district": district, "lat": values["lat"],
                         "lon": values["lon"]},
            "reporter": {"name": values["reporter_name"], "phone": values["reporter_phone"],
                         "anonymous": anonymous, "confidential": values["reporter_confidential"]},
            "priority": values["priority"],
        }  # fmt: skip
        return {"values": values, "payload": payload}

    def ticket(
        self,
        rng: random.Random,
        created_ts: float,
        number: str,
        now_ts: float,
        *,
        stop_at: str | None = None,
        creator: Person | None = None,
        duplicate_candidates: Sequence[uuid.UUID] = (),
        record_id: uuid.UUID | None = None,
        department: uuid.UUID | None = None,
    ) -> tuple[tuple[Any, ...], Chain]:
        """One ticket as a row, with its chain; ``stop_at='dispatched'`` makes a sign pool."""
        record_id = record_id or uuid.UUID(int=rng.getrandbits(128), version=4)
        report = self.intake(rng, record_id)
        row: dict[str, Any] = {**TICKET_DEFAULTS, **report["values"]}
        created = to_datetime(created_ts)
        row.update(number=number, created_at=created, updated_at=created, status="new")
        if creator is None:
            citizen = row["channel"] in CITIZEN_CHANNELS and self.ref.citizens
            pool = self.ref.citizens if citizen else self.ref.operators
            creator = rng.choice(pool)
        row["created_by_id"] = creator.id
        chain = Chain(record_id, rng)
        chain.add("created", None, "new", creator, created, report["payload"])
        operator = rng.choice(self.ref.operators)
        department = department or self.department(rng, row["district"], row["category_code"])
        handler = rng.choice(self.ref.handlers[department])
        urgent = row["priority"] == "urgent"

        def step(action: str, to_status: str | None, actor: Person, at: float,
                 payload: dict[str, Any], set_fields: dict[str, Any]) -> bool:  # fmt: skip
            if at > now_ts:
                return False
            when = to_datetime(at)
            before = {name: row.get(name) for name in set_fields}
            from_status = row["status"]
            row.update(set_fields, status=to_status or from_status, updated_at=when)
            row["version"] += 1
            chain.add(action, from_status, row["status"], actor, when, payload,
                      _changes(before, set_fields))  # fmt: skip
            return True

        t = created_ts
        fate = rng.random()
        if stop_at is None and fate < 0.03 and duplicate_candidates:
            original = rng.choice(duplicate_candidates)
            step("merge", "merged", operator, t + rng.uniform(600, 3 * HOUR),
                 {"duplicate_of": str(original)}, {"duplicate_of": original})  # fmt: skip
            return self._finish(row, now_ts, chain), chain
        if stop_at is None and fate < 0.06:
            step("cancel", "cancelled", operator, t + rng.uniform(HOUR, 3 * DAY),
                 {"reason": rng.choice(words.REASONS)}, {})  # fmt: skip
            return self._finish(row, now_ts, chain), chain
        if stop_at is None and row["type"] == "consultation" and rng.random() < 0.6:
            t += rng.uniform(300, DAY)
            reply = rng.choice(words.REPLIES)
            if step("answer", "replied", operator, t, {"reply": reply},
                    {"reply": reply, "replied_at": to_datetime(t)}):  # fmt: skip
                self._close(rng, row, step, operator, t)
            return self._finish(row, now_ts, chain), chain

        t += rng.uniform(300, 2 * HOUR)
        dispatched = to_datetime(t)
        sign_due = t + (0.5 * HOUR if urgent else rng.uniform(1, 3) * DAY)
        fields = {"department_id": department, "dispatched_at": dispatched,
                  "return_until": to_datetime(t + 2.5 * DAY), "signed_at": None,
                  "assigned_by_ruling": False,
                  **_clock(dispatched, to_datetime(sign_due), "working_days", 1)}  # fmt: skip
        if not step("dispatch", "dispatched", operator, t,
                    {"department_id": str(department), "note": None}, fields):  # fmt: skip
            return self._finish(row, now_ts, chain), chain
        if stop_at == "dispatched":
            return self._finish(row, now_ts, chain), chain
        t += rng.uniform(600, 20 * HOUR)
        reply_due = (t + 24 * HOUR) if urgent else (created_ts + rng.uniform(6, 8) * DAY)
        fields = {"signed_at": to_datetime(t),
                  **_clock(dispatched, to_datetime(reply_due), "working_days", 5)}  # fmt: skip
        if not step("sign", "in_progress", handler, t, {}, fields):
            return self._finish(row, now_ts, chain), chain
        t += rng.expovariate(1 / (2.5 * DAY)) + HOUR
        reply = rng.choice(words.REPLIES)
        mode = str(MODES.draw(rng))
        fields = {"reply": reply, "resolution_mode": mode, "replied_at": to_datetime(t),
                  "clock_status": "stopped", "is_overdue": t > reply_due}  # fmt: skip
        if step("reply", "replied", handler, t, {"reply": reply, "resolution_mode": mode}, fields):
            self._close(rng, row, step, operator, t)
        return self._finish(row, now_ts, chain), chain

    @staticmethod
    def _close(rng: random.Random, row: dict[str, Any], step: Any, operator: Person,
               t: float) -> None:  # fmt: skip
        if rng.random() < 0.015:  # the callback never happened: stays replied
            return
        t += rng.uniform(HOUR, 2 * DAY)
        satisfaction = str(SATISFACTION.draw(rng))
        step("close", "closed", operator, t, {"satisfaction": satisfaction},
             {"satisfaction": satisfaction, "satisfaction_comment": None,
              "closed_at": to_datetime(t)})  # fmt: skip

    @staticmethod
    def _finish(row: dict[str, Any], now_ts: float, chain: "Chain") -> tuple[Any, ...]:
        # The sweeper flags a running clock once its deadline passed.
        if row["clock_status"] == "running" and row["due_at"] is not None:
            row["is_overdue"] = row["is_overdue"] or row["due_at"] < to_datetime(now_ts)
        row.update(chain_head(chain))
        return tuple(row[name] for name in TICKET_COLUMNS)
