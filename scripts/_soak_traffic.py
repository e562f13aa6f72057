"""Open-loop mixed traffic: requests leave on a fixed schedule whether or not the earlier ones
have been answered, so a slow server shows as latency instead of quietly lowering the rate.

Seven requests in ten read (a record, its history, a filtered list, a work queue); three
write (create a record, or take the next action on one), spread evenly over the three
modules. A small share of the writes are races: the same action on the same record sent
at once by two clients, both with ``If-Match`` of the version they read. Exactly one may
win; the other must get 409 or 412 and change nothing.
"""

import asyncio
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from random import Random
from typing import Any

import httpx
from _soak_flows import MODULES, Flows, Module, Record, Step
from _soak_seed import DISTRICT_HANDLERS, City, Person

RACE_LOSS = frozenset({409, 412})
# Requests under way at once: beyond this the generator records a failure instead of
# sending, so an overloaded server cannot make it pile up connections without bound.
MAX_IN_FLIGHT = 500
# A new connection for every request, as from many separate callers (the deployment has
# no proxy in front). Kept-alive connections from one generator all went to one worker
# (its CPU 1%, the other's 23%), leaving the other barely exercised. No cap on
# connections either: a request never waits for one, which is where httpcore 1.0.9 leaks
# pool slots when requests time out (encode/httpcore#1093) until every request fails
# with PoolTimeout.
KEEP_ALIVE = 0
MAX_CLIENT_SOCKETS = MAX_IN_FLIGHT
# Records under way per module: below the floor a write creates, at the ceiling it advances.
MIN_ACTIVE, MAX_ACTIVE = 8, 150
READERS = {"ticket": "operator", "approval": "supervisor", "case": "supervisor"}
QUEUE_OWNERS = (
    "operator", "supervisor", "handler_cy", "handler_hd", "clerk", "reviewer",
    "approval_leader", "inspector", "case_leader", "legal_reviewer",
)  # fmt: skip


@dataclass
class Answer:
    at: float  # when it was due to leave, seconds into the run
    latency: float  # seconds from when it was due to its answer
    status: int  # the HTTP status; 0 when no answer came (transport error, timeout)
    operation: str
    intended: bool = False  # the losing side of a race, answered 409 or 412


@dataclass
class Write:
    """A write the server acknowledged (2xx), or refused, by its request id."""

    request_id: str
    kind: str
    record_id: str
    action: str  # "created" for a creation


@dataclass
class Traffic:
    city: City
    base_url: str
    rng: Random
    flows: Flows
    timeout: float = 10.0
    race_share: float = 0.03
    answers: list[Answer] = field(default_factory=list)
    acknowledged: list[Write] = field(default_factory=list)
    refused: list[Write] = field(default_factory=list)
    unknown: list[Write] = field(default_factory=list)
    races: dict[str, int] = field(default_factory=dict)
    unexpected: list[dict[str, Any]] = field(default_factory=list)
    records: dict[str, list[Record]] = field(default_factory=dict)
    active: dict[str, list[Record]] = field(default_factory=dict)
    late_starts: int = 0
    race_answers: defaultdict[str, Counter[str]] = field(
        default_factory=lambda: defaultdict(Counter)
    )
    _raced: Counter[tuple[str, str]] = field(default_factory=Counter)
    max_start_lag: float = 0.0
    _origin: float = 0.0

    def __post_init__(self) -> None:
        limits = httpx.Limits(max_connections=None, max_keepalive_connections=KEEP_ALIVE)
        # Two clients, so the two sides of a race come over different connections.
        self.clients = [
            httpx.AsyncClient(base_url=self.base_url, timeout=self.timeout, limits=limits)
            for _ in range(2)
        ]
        for kind in MODULES:
            self.records[kind], self.active[kind] = [], []
        self.races = {"sent": 0, "one_winner": 0, "other": 0}

    async def close(self) -> None:
        for client in self.clients:
            await client.aclose()

    # The schedule.

    async def run(self, rate: float, duration: float) -> None:
        loop = asyncio.get_running_loop()
        self._origin = loop.time()
        in_flight: set[asyncio.Task[None]] = set()
        for n in range(int(rate * duration)):
            at = n / rate
            delay = self._origin + at - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            lag = loop.time() - self._origin - at
            self.max_start_lag = max(self.max_start_lag, lag)
            self.late_starts += lag > 0.1
            if len(in_flight) >= MAX_IN_FLIGHT:
                self._record(at, 0.0, -1, "not sent: too many in flight")
                continue
            task = asyncio.create_task(self._one(at))
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)
        if in_flight:
            await asyncio.wait(in_flight)

    async def _one(self, at: float) -> None:
        if self.rng.random() < 0.7:
            await self._read(at)
        else:
            await self._write(at)

    # Sending and recording.

    async def _send(
        self,
        at: float,
        operation: str,
        person: Person,
        method: str,
        url: str,
        *,
        client: int = 0,
        intended: frozenset[int] = frozenset(),
        **kwargs: Any,
    ) -> tuple[httpx.Response | None, str]:
        request_id = str(uuid.uuid4())
        headers = {**person.headers, "X-Request-ID": request_id, **kwargs.pop("headers", {})}
        loop = asyncio.get_running_loop()
        try:
            response = await self.clients[client].request(method, url, headers=headers, **kwargs)
        except httpx.HTTPError as error:
            self._record(at, loop.time() - self._origin - at, 0, operation)
            self._unexpected(operation, 0, type(error).__name__, request_id, at)
            return None, request_id
        status = response.status_code
        self._record(at, loop.time() - self._origin - at, status, operation, status in intended)
        if not response.is_success and status not in intended:
            self._unexpected(operation, status, response.text[:500], request_id, at)
        return response, request_id

    def _record(
        self, at: float, latency: float, status: int, operation: str, intended: bool = False
    ) -> None:
        self.answers.append(Answer(at, latency, status, operation, intended))

    def _unexpected(
        self, operation: str, status: int, detail: str, request_id: str, at: float
    ) -> None:
        if len(self.unexpected) < 50:
            self.unexpected.append(
                {"at": round(at, 1), "operation": operation, "status": status,
                 "request_id": request_id, "detail": detail}
            )  # fmt: skip

    # Reads: 70% of the traffic.

    async def _read(self, at: float) -> None:
        people = self.city.people
        kind = self.rng.choice(tuple(MODULES))
        module = MODULES[kind]
        known = self.records[kind]
        choice = self.rng.random()
        if known and choice < 0.30:
            record = self.rng.choice(known)
            await self._send(
                at, f"GET /{module.collection}/{{id}}", people[READERS[kind]],
                "GET", f"/api/v1/{module.collection}/{record.id}",
            )  # fmt: skip
        elif known and choice < 0.50:
            record = self.rng.choice(known)
            await self._send(
                at, f"GET /{module.collection}/{{id}}/events", people["supervisor"],
                "GET", f"/api/v1/{module.collection}/{record.id}/events", params={"limit": 50},
            )  # fmt: skip
        elif choice < 0.80:
            reader, filters = self._list_query(module)
            await self._send(
                at, f"GET /{module.collection}?filters", people[reader],
                "GET", f"/api/v1/{module.collection}", params=filters,
            )  # fmt: skip
        else:
            owner = self.rng.choice(QUEUE_OWNERS)
            params: dict[str, Any] = {"limit": 20}
            if self.rng.random() < 0.3:
                params["kind"] = kind
            await self._send(
                at, "GET /tasks/mine", people[owner], "GET", "/api/v1/tasks/mine", params=params
            )

    def _list_query(self, module: Module) -> tuple[str, dict[str, Any]]:
        params: dict[str, Any] = {"limit": 20, "status": self.rng.choice(module.states)}
        match module.kind:
            case "ticket":
                district = self.rng.choice(tuple(DISTRICT_HANDLERS))
                if self.rng.random() < 0.5:
                    return DISTRICT_HANDLERS[district], params
                return "operator", {**params, "district": district}
            case "approval":
                if self.rng.random() < 0.2:
                    return "supervisor", {"limit": 20, "q": "管线"}
                return "clerk", {
                    **params,
                    "service_code": self.rng.choice(tuple(self.city.services)),
                }
            case _:
                reader = self.rng.choice(("inspector", "case_leader", "supervisor"))
                return reader, params

    # Writes: 30% of the traffic.

    async def _write(self, at: float) -> None:
        if self.rng.random() < self.race_share and await self._race_somewhere(at):
            return
        kind = self.rng.choice(tuple(MODULES))
        module = MODULES[kind]
        active = self.active[kind]
        idle = [record for record in active if not record.busy]
        average_path = sum(len(plan.steps) * plan.weight for plan in module.plans)
        create = (
            not idle
            or len(active) < MIN_ACTIVE
            or (len(active) < MAX_ACTIVE and self.rng.random() < 1 / (1 + average_path))
        )
        if create:
            await self._create(at, module)
        else:
            await self._advance(at, module, self.rng.choice(idle))

    async def _create(self, at: float, module: Module) -> None:
        plan = self.flows.pick_plan(module)
        body = module.create_body(self.flows, plan)
        response, request_id = await self._send(
            at, f"POST /{module.collection}", self.city.people[module.creator],
            "POST", f"/api/v1/{module.collection}", json=body,
        )  # fmt: skip
        if response is None or not response.is_success:
            self._note_failed(response, Write(request_id, module.kind, "", "created"))
            return
        created = response.json()
        record = Record(module.kind, created["id"], created["status"], created["version"], plan)
        if module.kind == "ticket":
            record.handler = DISTRICT_HANDLERS[body["location"]["district"]]
        if module.kind == "approval":
            self.flows.remember_missing(record, body)
        self.records[module.kind].append(record)
        self.active[module.kind].append(record)
        self.acknowledged.append(Write(request_id, module.kind, record.id, "created"))

    def _actor(self, record: Record, step: Step) -> Person:
        return self.city.people[record.handler if step.actor == "handler" else step.actor]

    async def _act(
        self, at: float, module: Module, record: Record, *, client: int = 0, race: bool = False
    ) -> tuple[httpx.Response | None, Write]:
        step = record.next_step
        extra: dict[str, Any] = {"headers": {"If-Match": f'"{record.version}"'}} if race else {}
        path = f"{module.collection}/{{id}}/actions/{step.action}"
        response, request_id = await self._send(
            at, f"POST /{path}", self._actor(record, step),
            "POST", f"/api/v1/{path.format(id=record.id)}",
            json=step.body(self.flows, record), client=client,
            intended=RACE_LOSS if race else frozenset(), **extra,
        )  # fmt: skip
        return response, Write(request_id, module.kind, record.id, step.action)

    def _accept(self, record: Record, response: httpx.Response, write: Write) -> None:
        answered = response.json()
        record.status, record.version = answered["status"], answered["version"]
        record.step += 1
        self.acknowledged.append(write)
        if record.done:
            self.active[record.kind].remove(record)

    def _note_failed(self, response: httpx.Response | None, write: Write) -> None:
        (self.unknown if response is None else self.refused).append(write)

    async def _advance(self, at: float, module: Module, record: Record) -> None:
        record.busy = True
        try:
            response, write = await self._act(at, module, record)
        finally:
            record.busy = False
        if response is not None and response.is_success:
            self._accept(record, response, write)
            return
        self._note_failed(response, write)
        # Something unexpected: leave the record alone rather than retry it all run long.
        if record in self.active[record.kind]:
            self.active[record.kind].remove(record)

    async def _race_somewhere(self, at: float) -> bool:
        """Race the action raced least so far, taking the modules in turn, so that even a
        short run races the first actions of every workflow."""
        module = MODULES[tuple(MODULES)[self.races["sent"] % len(MODULES)]]
        idle = [record for record in self.active[module.kind] if not record.busy]
        if not idle:
            return False
        fewest = min(self._raced[(module.kind, r.next_step.action)] for r in idle)
        record = self.rng.choice(
            [r for r in idle if self._raced[(module.kind, r.next_step.action)] == fewest]
        )
        self._raced[(module.kind, record.next_step.action)] += 1
        await self._race(at, module, record)
        return True

    async def _race(self, at: float, module: Module, record: Record) -> None:
        record.busy = True
        self.races["sent"] += 1
        action = f"{module.collection} {record.next_step.action}"
        try:
            outcomes = await asyncio.gather(
                *(self._act(at, module, record, client=side, race=True) for side in (0, 1))
            )
        finally:
            record.busy = False
        winners = [(r, w) for r, w in outcomes if r is not None and r.is_success]
        losers = [(r, w) for r, w in outcomes if not (r is not None and r.is_success)]
        for response, write in losers:
            self._note_failed(response, write)
        for response, write in winners:
            self._accept(record, response, write)
            break
        clean = len(winners) == 1 and all(
            r is not None and r.status_code in RACE_LOSS for r, _ in losers
        )
        self.races["one_winner" if clean else "other"] += 1
        answers = "+".join(sorted(str(r.status_code if r else 0) for r, _ in outcomes))
        self.race_answers[action][answers] += 1
        if not clean:
            self._unexpected(
                f"race on {action}",
                -2,
                f"answers {answers}",
                ",".join(w.request_id for _, w in outcomes),
                at,
            )
            if len(winners) > 1:
                # Both "won": the second acknowledgement is the one a lost update would hide.
                self.acknowledged.append(winners[1][1])
