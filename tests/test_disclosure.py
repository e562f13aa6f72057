"""Public disclosure (公示): due in 7 working days, published on service, withdrawn on
revocation, and nothing personal on the public API."""

import json
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import quote
from xml.etree import ElementTree as ET

import pytest
from httpx import AsyncClient
from sqlalchemy import update
from sqlmodel import col

from app.documents.jobs import sweep_documents
from app.models.base import utcnow
from app.models.document import Disclosure
from tests.approval_hall import PERSON_ID, approved, make_hall
from tests.case_bureau import COMPANY, LEGAL_BASIS, PERSON, Bureau, decision_number
from tests.conftest import DATABASE_URL, World, run_alembic
from tests.document_reading import documents, of_kind, serve
from tests.factories import Person

# The party's data also appears inside the facts an officer wrote.
FACTS = (
    f"经查，当事人{PERSON['name']}（身份证号{PERSON['id_number']}，电话{PERSON['phone']}，"
    f"住{PERSON['address']}）在人行道上摆摊经营水果，影响行人通行。"
)


async def decide(bureau: Bureau, party: dict[str, Any] = PERSON, facts: str = FACTS) -> Any:
    case = await bureau.filed(party=party)
    penalty = {"kinds": ["fine"], "fine_amount": "2000.00"}
    await bureau.act(
        case, "conclude", facts=facts, legal_basis=LEGAL_BASIS, proposed_penalty=penalty
    )
    await bureau.act(case, "pass_review", opinion="同意。")
    await bureau.act(case, "notify", notified_at=utcnow().isoformat())
    await bureau.act(case, "proceed", waived=True)
    return await bureau.act(case, "decide", penalty=penalty, decision_number=decision_number())


async def decision_of(bureau: Bureau, case: Any) -> Any:
    return of_kind(
        await documents(bureau.world, bureau.inspector, "cases", case), "penalty_decision"
    )


async def serve_decision(bureau: Bureau, case: Any) -> Any:
    decision = await decision_of(bureau, case)
    await serve(
        bureau.world, bureau.inspector, "cases", case, decision,
        method="in_person", served_at=utcnow().isoformat(), signed_by=PERSON["name"],
    )  # fmt: skip
    return await decision_of(bureau, case)


def item_url(number: str) -> str:
    return f"/public/v1/penalty-decisions/{quote(number, safe='')}"


async def test_a_penalty_decision_is_disclosed_within_seven_working_days_once_served(
    bureau: Bureau, client: AsyncClient
) -> None:
    case = await decide(bureau)
    decision = await decision_of(bureau, case)
    assert decision["disclosure"]["status"] == "pending"
    calendar = await bureau.world.as_(bureau.inspector).get(
        "/api/v1/calendar/add", params={"start": decision["issued_at"], "days": 7}
    )
    due_at = datetime.fromisoformat(decision["disclosure"]["due_at"])
    assert due_at == datetime.fromisoformat(calendar.json()["due_at"])
    assert (await client.get(item_url(case["decision_number"]))).status_code == 404
    assert (await client.get("/public/v1/penalty-decisions")).json()["items"] == []
    served = await serve_decision(bureau, case)
    assert served["disclosure"]["status"] == "published"
    assert served["disclosure"]["published_late"] is False
    listing = await client.get("/public/v1/penalty-decisions")
    assert listing.status_code == 200 and "public" in listing.headers["cache-control"]
    [item] = listing.json()["items"]
    assert item["number"] == case["decision_number"] and item["agency"] == "朝阳城管执法大队"
    assert item["content"]["penalty"] == "罚款人民币2000.00元"
    assert item["content"]["party"] == {"type": "person", "name": "张某某"}
    one = await client.get(item_url(case["decision_number"]))
    assert one.status_code == 200 and one.json()["number"] == case["decision_number"]


async def test_public_responses_carry_no_personal_datum_of_the_party(
    bureau: Bureau, client: AsyncClient
) -> None:
    person_case = await decide(bureau)
    await serve_decision(bureau, person_case)
    company_case = await decide(bureau, party=COMPANY, facts="当事人某某餐饮有限公司占道经营。")
    await serve_decision(bureau, company_case)
    bodies = [
        (await client.get("/public/v1/penalty-decisions", params={"format": kind})).text
        for kind in ("json", "rss", "atom")
    ]
    bodies.append((await client.get(item_url(person_case["decision_number"]))).text)
    bodies.append((await client.get("/public/v1/penalty-decisions", params={"q": "张"})).text)
    for body in bodies:
        for datum in (
            PERSON["name"],
            PERSON["id_number"],
            PERSON["phone"],
            PERSON["address"],
            "三丰",
        ):
            assert datum not in body, datum
    listed = bodies[0]
    # 行政处罚法 第四十八条 publishes an organisation's name and credit code.
    assert COMPANY["name"] in listed and COMPANY["id_number"] in listed
    assert "张某某" in listed and "人行道上摆摊经营水果" in listed


async def revoked(bureau: Bureau, reason: str) -> Any:
    """A decision served, disclosed, then revoked."""
    case = await decide(bureau)
    await serve_decision(bureau, case)
    await bureau.act(case, "revoke", reason=reason)
    return case


async def test_a_revoked_decision_is_withdrawn_from_publication_with_its_reason(
    bureau: Bureau, client: AsyncClient
) -> None:
    case = await revoked(bureau, "适用法律错误，有错必纠")
    assert (await client.get("/public/v1/penalty-decisions")).json()["items"] == []
    notice = (await client.get(item_url(case["decision_number"]))).json()
    assert notice["status"] == "withdrawn" and notice["content"] is None
    assert notice["withdrawal_reason"] == "适用法律错误，有错必纠"
    revocation = (await bureau.events(case))[-1]
    assert revocation["action"] == "revoke"
    assert (
        revocation["payload"]["disclosures_withdrawn"][0]["document_number"]
        == case["decision_number"]
    )
    state = (await decision_of(bureau, case))["disclosure"]
    assert state["status"] == "withdrawn" and state["withdrawn_at"] is not None


async def test_a_reason_stored_before_the_scrub_is_scrubbed_by_the_migration(
    bureau: Bureau, client: AsyncClient
) -> None:
    """Migration 0020: reasons withdrawn by earlier versions were published as typed."""
    case = await revoked(bureau, "适用法律错误")
    as_typed = f"当事人{PERSON['name']}住{PERSON['address']}，电话{PERSON['phone']}"
    app = bureau.world.app
    async with app.state.sessionmaker() as session:
        number = col(Disclosure.document_number) == case["decision_number"]
        await session.execute(update(Disclosure).where(number).values(withdrawal_reason=as_typed))
        await session.commit()
    assert (await client.get(item_url(case["decision_number"]))).json()["withdrawal_reason"] == (
        as_typed
    )
    await run_alembic(DATABASE_URL, "downgrade", "0019")
    await run_alembic(DATABASE_URL, "upgrade", "head")
    notice = (await client.get(item_url(case["decision_number"]))).json()
    assert notice["withdrawal_reason"] == "当事人张某某住［已隐去］，电话［已隐去］"


async def test_permits_granted_are_published_with_the_applicant_reduced_to_the_surname(
    world: World, admin: Person, client: AsyncClient
) -> None:
    hall = await make_hall(world, admin)
    application = await approved(world, hall, valid_until=date.today() + timedelta(days=90))
    decision = of_kind(
        await documents(world, hall["clerk"], "approvals", application), "approval_decision"
    )
    await serve(
        world,
        hall["clerk"],
        "approvals",
        application,
        decision,
        method="electronic",
        consent=True,
        served_at=utcnow().isoformat(),
    )
    listing = await client.get("/public/v1/permits")
    [permit] = listing.json()["items"]
    assert permit["content"]["party"] == {"type": "person", "name": "王某某"}
    assert permit["content"]["licence_number"].startswith("XK")
    assert (
        "王建国" not in listing.text
        and PERSON_ID not in listing.text
        and "13812345678" not in listing.text
    )
    assert (await client.get("/public/v1/penalty-decisions")).json()["items"] == []


async def test_public_lists_filter_by_department_date_and_keyword_with_cursor_pages(
    bureau: Bureau, client: AsyncClient
) -> None:
    for facts in ("当事人在人行道上摆摊经营水果。", "当事人在广场上违规设置广告牌。"):
        await serve_decision(bureau, await decide(bureau, facts=facts))
    url = "/public/v1/penalty-decisions"
    first = (await client.get(url, params={"limit": 1})).json()
    assert len(first["items"]) == 1 and first["next_cursor"]
    second = (await client.get(url, params={"limit": 1, "cursor": first["next_cursor"]})).json()
    assert len(second["items"]) == 1 and second["next_cursor"] is None
    assert first["items"][0]["number"] != second["items"][0]["number"]
    [billboard] = (await client.get(url, params={"q": "广告牌"})).json()["items"]
    assert "广告牌" in billboard["content"]["facts"]
    mine = await client.get(url, params={"department_id": str(bureau.brigade["id"])})
    assert len(mine.json()["items"]) == 2
    other = await client.get(url, params={"department_id": "00000000-0000-0000-0000-000000000001"})
    assert other.json()["items"] == []
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    assert (await client.get(url, params={"published_from": tomorrow})).json()["items"] == []
    assert (await client.get(url, params={"published_from": "0001-01-01"})).status_code == 422
    # A number is not read as a Unix timestamp's day.
    assert (await client.get(url, params={"published_to": "0"})).status_code == 422
    assert (await client.get(url, params={"cursor": "%%%"})).status_code == 400
    rss = await client.get(url, params={"format": "rss"})
    assert rss.headers["content-type"].startswith("application/rss+xml")
    assert len(ET.fromstring(rss.content).findall("./channel/item")) == 2
    atom = await client.get(url, params={"format": "atom"})
    entries = ET.fromstring(atom.content).findall("{http://www.w3.org/2005/Atom}entry")
    assert len(entries) == 2


async def test_the_sweeper_flags_a_disclosure_left_unpublished_past_its_due_date(
    bureau: Bureau, admin: Person
) -> None:
    case = await decide(bureau)
    app = bureau.world.app
    await sweep_documents(
        app.state.sessionmaker,
        app.state.registry,
        now=utcnow() + timedelta(days=2),
        settings=app.state.settings,
    )
    assert (await decision_of(bureau, case))["disclosure"]["overdue"] is False
    await sweep_documents(
        app.state.sessionmaker,
        app.state.registry,
        now=utcnow() + timedelta(days=20),
        settings=app.state.settings,
    )
    await sweep_documents(
        app.state.sessionmaker,
        app.state.registry,
        now=utcnow() + timedelta(days=21),
        settings=app.state.settings,
    )
    assert (await decision_of(bureau, case))["disclosure"]["overdue"] is True
    flagged = [e for e in await bureau.events(case) if e["action"] == "disclosure_overdue"]
    assert len(flagged) == 1
    stats = await bureau.world.as_(admin).get("/api/v1/disclosures/statistics")
    [row] = stats.json()
    assert row["department_id"] == str(bureau.brigade["id"])
    assert (row["total"], row["pending"], row["published_on_time"]) == (1, 1, 0)


async def test_the_public_api_needs_no_sign_in_and_limits_each_address(
    bureau: Bureau, client: AsyncClient, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app.state.settings, "public_rate_limit_per_minute", 3)
    statuses = [(await client.get("/public/v1/permits")).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert json.loads((await client.get("/public/v1/permits")).text)["code"] == "rate_limited"


@pytest.mark.parametrize(
    "url",
    [
        "/public/v1/permits?q=a%00b",
        "/public/v1/penalty-decisions/a%00b",
        "/public/v1/permits?cursor=%C2%B2",
    ],
)
async def test_hostile_public_queries_are_refused_not_crashed(
    client: AsyncClient, url: str
) -> None:
    response = await client.get(url)
    assert response.status_code in (400, 422), response.text


async def test_phones_written_with_separators_or_prefixes_are_not_published(
    bureau: Bureau, client: AsyncClient
) -> None:
    phones = ("138-1234-5678", "+86 13812345678", "0086-138 1234 5678", "138 1234 5678")
    facts = f"经查，当事人另留电话{'、'.join(phones)}，单位座机010-12345678，占道经营水果。"
    case = await decide(bureau, facts=facts)
    await serve_decision(bureau, case)
    bodies = [
        (await client.get("/public/v1/penalty-decisions", params={"format": kind})).text
        for kind in ("json", "rss", "atom")
    ]
    bodies.append((await client.get(item_url(case["decision_number"]))).text)
    for body in bodies:
        for digits in ("5678", "12345678", "+86", "0086"):
            assert digits not in body, (digits, body)
    assert "占道经营水果" in bodies[0]


async def test_a_correction_reason_is_published_without_the_partys_name_or_numbers(
    bureau: Bureau, client: AsyncClient
) -> None:
    case = await decide(bureau)
    decision = await serve_decision(bureau, case)
    reason = f"当事人张三丰手机138-1234-5678有误，身份证110101199001011237，住{PERSON['address']}"
    corrected = await bureau.world.as_(bureau.inspector).post(
        f"/api/v1/cases/{case['id']}/documents/{decision['id']}/corrections",
        json={"reason": reason, "corrections": {"facts": "查明当事人占道经营水果摊。"}},
    )
    assert corrected.status_code == 201, corrected.text
    notice = await client.get(item_url(case["decision_number"]))
    assert notice.status_code == 200, notice.text
    published = notice.json()["withdrawal_reason"]
    assert published == "更正：当事人张某某手机［已隐去］有误，身份证［已隐去］，住［已隐去］"
    for body in (notice.text, (await client.get("/public/v1/penalty-decisions")).text):
        for datum in (PERSON["name"], "三丰", PERSON["id_number"], "1234-5678", "幸福小区"):
            assert datum not in body, datum
