"""GET one record and the list pages answer the same JSON from the Core read path
(app/records/core_read.py, ``core_reads`` on) as from the ORM path, for every kind, every
viewer and records in many states with hostile values; masked data stays masked.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

from app.models.approval import ApprovalApplication
from app.models.case import EnforcementCase
from app.models.ticket import Ticket
from tests import approval_hall, hotline
from tests.case_bureau import COMPANY, LARGE_FINE, WARNING_AND_FINE, Bureau
from tests.conftest import World
from tests.factories import Person, set_stored

# Control characters (no NUL: PostgreSQL text refuses it), a line separator, emoji with
# joiners and a right-to-left mark: what a message channel may hand over.
HOSTILE = '早市\x01\x1f\x7f\u2028占道\u200f 👩‍👩‍👧 "引号" \\ </script>'
ANCIENT = datetime(1, 1, 1, 0, 0, 0, 1, tzinfo=UTC)
FAR = datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
Headers = dict[str, str]


@contextmanager
def core_reads(app: Any, on: bool) -> Iterator[None]:
    settings = app.state.settings
    before = settings.core_reads
    settings.core_reads = on
    try:
        yield
    finally:
        settings.core_reads = before


async def _same_on_both_paths(
    world: World, headers: Headers, url: str, params: dict[str, Any] | None = None
) -> Any:
    """The response with core reads on, after checking it equals the ORM path's."""
    answers = {}
    for on in (False, True):
        with core_reads(world.app, on):
            answers[on] = await world.client.get(url, headers=headers, params=params)
    orm, core = answers[False], answers[True]
    assert core.status_code == orm.status_code, (url, core.text, orm.text)
    assert core.headers["content-type"] == orm.headers["content-type"]
    assert core.headers.get("etag") == orm.headers.get("etag")
    assert core.json() == orm.json(), (url, params)
    return core.json()


async def _every_page_alike(
    world: World, headers: Headers, collection: str, **filters: Any
) -> list[Any]:
    """Every page of the list, three records a page, followed by its cursor."""
    seen: list[Any] = []
    params: dict[str, Any] = {"limit": 3, **filters}
    while True:
        page = await _same_on_both_paths(world, headers, f"/api/v1/{collection}", params)
        assert "items" in page, page
        seen.extend(page["items"])
        if page["next_cursor"] is None:
            return seen
        params["cursor"] = page["next_cursor"]


async def _check_kind(
    world: World,
    collection: str,
    records: list[dict[str, Any]],
    viewers: dict[str, Headers],
    filters: list[dict[str, Any]],
) -> dict[str, dict[str, Any]]:
    """Each viewer's GET of each record and list pages, alike on both paths; what the
    viewers were shown, by viewer and record id."""
    shown: dict[str, dict[str, Any]] = {}
    for name, headers in viewers.items():
        shown[name] = {}
        for record in records:
            body = await _same_on_both_paths(world, headers, f"/api/v1/{collection}/{record['id']}")
            if "id" in body:
                shown[name][body["id"]] = body
        listed = await _every_page_alike(world, headers, collection)
        assert {item["id"] for item in listed} == set(shown[name]), name
        for item in listed:
            assert item == shown[name][item["id"]], (name, item["id"])
        for params in filters:
            await _every_page_alike(world, headers, collection, **params)
    return shown


async def _api_client(world: World, admin: Person, scope: str, department: Any) -> Headers:
    created = await world.as_(admin).post(
        "/api/v1/api-clients",
        json={"name": f"省平台 {scope}", "scopes": [scope], "department_id": str(department["id"])},
    )
    assert created.status_code == 201, created.text
    return {"X-API-Key": created.json()["api_key"]}


async def test_tickets_read_alike_on_both_paths(world: World, admin: Person) -> None:
    office = await hotline.make_hotline(world)
    operator, handler = office["operator"], office["handler"]
    to_chaoyang = {"department_id": str(office["chaoyang"]["id"])}
    new = await hotline.create(world, operator, title="新工单 🚧")
    protected = await hotline.create(
        world, operator, type="report", reporter={"name": "举报人", "phone": "13900001111"}
    )
    confidential = await hotline.create(
        world, operator, reporter={"name": "保密", "phone": "010-12345678", "confidential": True}
    )
    anonymous = await hotline.create(world, operator, reporter={"anonymous": True})
    own = await hotline.create(world, office["citizen"], channel="app")
    duplicate = await hotline.create(world, operator)
    await hotline.act(world, operator, duplicate, "merge", duplicate_of=new["id"])
    signed = await hotline.create(world, operator)
    for ticket in (protected, confidential, signed):
        await hotline.act(world, operator, ticket, "dispatch", **to_chaoyang)
    await hotline.act(world, handler, signed, "sign")
    replied = await hotline.act(
        world, handler, signed, "reply", reply="已清理 ✅", resolution_mode="service"
    )
    # Rows no API writes: an import's control characters and times at the calendar's ends.
    await set_stored(world.app, Ticket, new["id"], content=HOSTILE, due_at=FAR)
    await set_stored(world.app, Ticket, anonymous["id"], title=HOSTILE, due_at=ANCIENT)
    records = [new, protected, confidential, anonymous, own, duplicate, replied]
    viewers = {
        name: office[name].headers
        for name in ("operator", "supervisor", "handler", "other_handler", "citizen")
    }
    viewers["stranger"] = (await world.user("citizen")).headers
    viewers["api_client"] = await _api_client(world, admin, "tickets:read", office["chaoyang"])
    filters = [{"status": "new"}, {"district": "朝阳区", "status": "replied"}, {"q": "占道"}]
    shown = await _check_kind(world, "tickets", records, viewers, filters)
    assert shown["operator"][new["id"]]["duplicates"] == [duplicate["id"]]
    assert shown["operator"][new["id"]]["content"] == HOSTILE
    assert shown["operator"][new["id"]]["due_at"] == "9999-12-31T23:59:59.999999Z"
    assert shown["operator"][protected["id"]]["reporter"]["phone"] == "13900001111"
    # The handling department sees the phone masked, and nothing of a protected reporter.
    assert shown["handler"][replied["id"]]["reporter"]["phone"] == "138****5678"
    for ticket in (protected, confidential):
        reporter = shown["handler"][ticket["id"]]["reporter"]
        assert (reporter["name"], reporter["phone"]) == (None, None)
    assert shown["api_client"][replied["id"]]["reporter"]["phone"] == "138****5678"
    assert set(shown["citizen"]) == {own["id"]} and not shown["stranger"]


async def test_applications_read_alike_on_both_paths(world: World, admin: Person) -> None:
    hall = await approval_hall.make_hall(world, admin)
    citizen, clerk = hall["citizen"], hall["clerk"]
    online = await approval_hall.apply_for(world, citizen, title="线上 👩‍👩‍👧")
    company = await approval_hall.apply_for(
        world,
        clerk,
        applicant={"type": "organisation", "name": "某某建设有限公司 🏗",
                   "id_number": approval_hall.COMPANY_CODE, "phone": "13812345678",
                   "contact": "张工"},
    )  # fmt: skip
    accepted = await approval_hall.accepted_application(world, hall)
    granted = await approval_hall.approved(world, hall, valid_until=date(2100, 12, 31))
    delivered = await approval_hall.delivered(world, hall)
    housing = await approval_hall.apply_for(world, citizen, service_code="shigong_xuke")
    await set_stored(world.app, ApprovalApplication, accepted["id"], due_at=ANCIENT)
    await set_stored(world.app, ApprovalApplication, online["id"], title=f"线上 {HOSTILE}")
    records = [online, company, accepted, granted, delivered, housing]
    viewers = {
        name: hall[name].headers
        for name in ("clerk", "reviewer", "leader", "other_clerk", "supervisor", "citizen")
    }
    viewers["other_citizen"] = hall["other_citizen"].headers
    viewers["admin"] = admin.headers
    viewers["api_client"] = await _api_client(world, admin, "approvals:read", hall["urban"])
    filters = [{"status": "under_review"}, {"q": "线上"}]
    shown = await _check_kind(world, "approvals", records, viewers, filters)
    assert shown["clerk"][online["id"]]["applicant"]["id_number"] == approval_hall.PERSON_ID
    assert shown["clerk"][granted["id"]]["valid_until"] == "2100-12-31"
    # Another agency's system sees the applicant masked, and not the applicant's own account
    # behind an online application; another department's clerk does not see it at all.
    seen = shown["api_client"][online["id"]]
    assert seen["applicant"]["id_number"] == "110105********002X"
    assert seen["applicant"]["phone"] == "138****5678" and seen["created_by_id"] is None
    assert set(shown["other_clerk"]) == {housing["id"]}


async def test_cases_read_alike_on_both_paths(world: World, bureau: Bureau, admin: Person) -> None:
    registered = await bureau.create(facts="张三丰 13812345678 🐟")
    organisation = await bureau.create(
        party=COMPANY, facts=f"某某餐饮有限公司 {COMPANY['id_number']}"
    )
    filed = await bureau.filed()
    in_review = await bureau.in_review(LARGE_FINE | {"fine_amount": "4999999999.99"})
    decided = await bureau.decided()
    served = await bureau.served(WARNING_AND_FINE | {"fine_amount": "0.01"})
    other = await bureau.create(bureau.outsider)
    await set_stored(world.app, EnforcementCase, filed["id"], due_at=FAR)
    hostile_facts = f"张三丰 13812345678 {HOSTILE}"
    await set_stored(world.app, EnforcementCase, registered["id"], facts=hostile_facts)
    records = [registered, organisation, filed, in_review, decided, served, other]
    viewers = {
        "inspector": bureau.inspector.headers,
        "leader": bureau.leader.headers,
        "legal_reviewer": bureau.reviewer.headers,
        "supervisor": bureau.supervisor.headers,
        "outsider": bureau.outsider.headers,
        "admin": admin.headers,
        "api_client": await _api_client(world, admin, "cases:read", bureau.brigade),
    }
    filters = [{"status": "investigating"}, {"q": "占道"}]
    shown = await _check_kind(world, "cases", records, viewers, filters)
    mine = shown["inspector"]
    assert mine[in_review["id"]]["proposed_penalty"]["fine_amount"] == "4999999999.99"
    assert mine[served["id"]]["amount_due"] == "0.01"
    assert mine[registered["id"]]["party"]["id_number"] == "110101199001011237"
    assert [o["name"] for o in mine[filed["id"]]["officers"]] == ["李执法", "王执法"]
    # Outside the department the person is masked, in the party and in the facts naming it.
    seen = shown["api_client"][registered["id"]]
    assert seen["party"]["name"] == "张**" and seen["party"]["id_number"] == "110101********1237"
    assert "张三丰" not in seen["facts"] and "13812345678" not in seen["facts"]
    company = shown["api_client"][organisation["id"]]
    assert company["party"]["name"] == COMPANY["name"]
    assert COMPANY["id_number"] in company["facts"]
    assert in_review["id"] in shown["legal_reviewer"]
    assert registered["id"] not in shown["legal_reviewer"]
