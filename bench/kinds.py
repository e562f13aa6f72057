"""What bench approvals and cases share: model defaults, staff, a record's life, parties.

Like tickets (bench/dataset.py), each approval (bench/approvals.py) and case
(bench/cases.py) lives a plausible lifecycle through its workflow's actions, cut at "now",
and every step is a hash-chained event. Fields not set take the model's own defaults, so a
column added later with a default needs no change here.
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
from bench.dataset import DAY, Chain, Person, to_datetime

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


def clock(start: float, days: float, amount: int) -> dict[str, Any]:
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
