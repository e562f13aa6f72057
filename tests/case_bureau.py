"""An enforcement bureau to drive cases through the API: people, bodies and shortcuts.

Shared by every test file about cases (the procedure, evidence, exports).
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import count
from typing import Any
from zoneinfo import ZoneInfo

from app.models.base import utcnow
from app.models.case import EnforcementCase
from tests.conftest import World
from tests.factories import Person, set_stored

ZONE = ZoneInfo("Asia/Shanghai")
WARNING_AND_FINE = {"kinds": ["warning", "fine"], "fine_amount": "5000.00"}
LARGE_FINE = {"kinds": ["fine"], "fine_amount": "10000.00"}
LEGAL_BASIS = {
    "violated": "《城市市容和环境卫生管理条例》第十四条",
    "applied": "《城市市容和环境卫生管理条例》第三十六条",
}
PERSON = {
    "type": "person",
    "name": "张三丰",
    "id_number": "110101199001011237",
    "address": "北京市朝阳区幸福小区1号楼",
    "phone": "13812345678",
}
COMPANY = {
    "type": "organisation",
    "name": "某某餐饮有限公司",
    "id_number": "91110105MA01C3XK2J",
    "address": "北京市朝阳区建国路88号",
}
PARTIES = {"person": PERSON, "organisation": COMPANY}
_decision_numbers = count(1)


def today() -> date:
    return datetime.now(ZONE).date()


def case_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "source": "inspection",
        "title": "占道经营",
        "category_code": "zhandao_jingying",
        "party": PERSON,
        "location": {"address": "建国路88号", "district": "朝阳区"},
        "facts": "当事人在人行道上摆摊经营水果，影响行人通行。",
        "violation_occurred_on": (today() - timedelta(days=3)).isoformat(),
        "discovered_on": today().isoformat(),
    }
    body.update(overrides)
    return body


def decision_number() -> str:
    return f"朝城管罚字〔2026〕{next(_decision_numbers)}号"


@dataclass
class Bureau:
    """An enforcement brigade, a second one, the legal office and a supervisor."""

    world: World
    brigade: dict[str, Any]
    inspector: Person
    partner: Person
    leader: Person
    reviewer: Person
    supervisor: Person
    outsider: Person
    roles: dict[str, Person] = field(default_factory=dict)

    def officers(self, *people: Person) -> list[dict[str, str]]:
        people = people or (self.inspector, self.partner)
        return [
            {"user_id": str(person.id), "credential_number": f"1101{index:04d}"}
            for index, person in enumerate(people, start=1)
        ]

    async def create(self, who: Person | None = None, **overrides: Any) -> dict[str, Any]:
        response = await self.world.as_(who or self.inspector).post(
            "/api/v1/cases", json=case_body(**overrides)
        )
        assert response.status_code == 201, response.text
        return response.json()

    async def act(
        self,
        case: dict[str, Any],
        action: str,
        who: Person | None = None,
        expect: int = 200,
        **body: Any,
    ) -> dict[str, Any]:
        actor = who or self.roles.get(action, self.inspector)
        response = await self.world.as_(actor).post(
            f"/api/v1/cases/{case['id']}/actions/{action}", json=body
        )
        assert response.status_code == expect, response.text
        return response.json()

    async def get(self, case: dict[str, Any], who: Person | None = None) -> Any:
        return await self.world.as_(who or self.inspector).get(f"/api/v1/cases/{case['id']}")

    async def events(self, case: dict[str, Any], who: Person | None = None) -> list[Any]:
        response = await self.world.as_(who or self.supervisor).get(
            f"/api/v1/cases/{case['id']}/events", params={"limit": 100}
        )
        assert response.status_code == 200, response.text
        items: list[Any] = response.json()["items"]
        return items

    async def filed(self, **overrides: Any) -> dict[str, Any]:
        case = await self.create(**overrides)
        return await self.act(case, "file", officers=self.officers())

    async def in_review(self, penalty: dict[str, Any] = WARNING_AND_FINE, **kw: Any) -> Any:
        case = await self.filed(**kw)
        return await self.act(
            case, "conclude", facts="查明当事人占道经营。", legal_basis=LEGAL_BASIS,
            proposed_penalty=penalty,
        )  # fmt: skip

    async def notified(self, penalty: dict[str, Any] = WARNING_AND_FINE, **kw: Any) -> Any:
        case = await self.in_review(penalty, **kw)
        await self.act(case, "pass_review", opinion="事实清楚，证据确凿，适用法律正确。")
        return await self.act(case, "notify", notified_at=utcnow().isoformat())

    async def pending(self, penalty: dict[str, Any] = WARNING_AND_FINE, **kw: Any) -> Any:
        case = await self.notified(penalty, **kw)
        return await self.act(case, "proceed", waived=True)

    async def decided(self, penalty: dict[str, Any] = WARNING_AND_FINE, **kw: Any) -> Any:
        case = await self.pending(penalty, **kw)
        return await self.act(case, "decide", penalty=penalty, decision_number=decision_number())

    async def served(self, penalty: dict[str, Any] = WARNING_AND_FINE, **kw: Any) -> Any:
        case = await self.decided(penalty, **kw)
        return await self.act(case, "serve", method="in_person", served_at=utcnow().isoformat())


async def make_bureau(world: World) -> Bureau:
    brigade = await world.department("CY-ZF", name="朝阳城管执法大队", districts=["朝阳区"])
    other = await world.department("HD-ZF", name="海淀城管执法大队", districts=["海淀区"])
    legal = await world.department("FZK", name="法制科")
    leader = await world.user("leader", department=brigade)
    reviewer = await world.user("legal_reviewer", department=legal)
    supervisor = await world.user("supervisor")
    return Bureau(
        world=world,
        brigade=brigade,
        inspector=await world.user("inspector", department=brigade, full_name="李执法"),
        partner=await world.user("inspector", department=brigade, full_name="王执法"),
        leader=leader,
        reviewer=reviewer,
        supervisor=supervisor,
        outsider=await world.user("inspector", department=other),
        roles={
            **dict.fromkeys(
                ("decide", "decide_no_penalty", "transfer", "apply_enforcement", "close", "extend"),
                leader,
            ),
            "pass_review": reviewer,
            "return_review": reviewer,
            "revoke": supervisor,
        },
    )


async def move_dates(app: Any, case: dict[str, Any], **values: Any) -> None:
    """As if days had passed: set the stored dates of a case directly.

    The engine and the case rules read the time themselves (``utcnow()``), not the app's
    injected clock (``app.state.clock``), so time cannot be moved forward for them yet."""
    await set_stored(app, EnforcementCase, case["id"], **values)
