"""The case lists' filters and the statistics the bureau reports."""

from typing import Any

from app.models.base import utcnow
from tests.case_bureau import (
    COMPANY,
    LEGAL_BASIS,
    PERSON,
    Bureau,
    decision_number,
    today,
)
from tests.conftest import World
from tests.factories import Person


async def _on_the_spot(
    bureau: Bureau, officers: list[Person], party: dict[str, Any], fine: str
) -> dict[str, Any]:
    case = await bureau.create(party=party)
    return await bureau.act(
        case,
        "decide_on_the_spot",
        officers=bureau.officers(*officers),
        penalty={"kinds": ["fine"], "fine_amount": fine},
        decision_number=decision_number(),
        legal_basis=LEGAL_BASIS,
    )


async def test_list_filters_by_officer_fine_party_and_keyword(bureau: Bureau, world: World) -> None:
    third = await world.user("inspector", department=bureau.brigade)
    small = await _on_the_spot(bureau, [bureau.inspector, bureau.partner], PERSON, "200")
    large = await _on_the_spot(bureau, [bureau.inspector, third], COMPANY, "3000")
    await bureau.create()

    async def ids(who: Person = bureau.inspector, **params: Any) -> list[str]:
        response = await world.as_(who).get("/api/v1/cases", params=params)
        assert response.status_code == 200, response.text
        return [case["id"] for case in response.json()["items"]]

    assert await ids(officer_id=str(bureau.partner.id)) == [small["id"]]
    assert await ids(officer_id=str(bureau.inspector.id)) == [large["id"], small["id"]]
    assert await ids(fine_min="1000") == [large["id"]]
    assert await ids(fine_max="200.00") == [small["id"]]
    assert await ids(fine_min="200", fine_max="3000", status="decided") == [
        large["id"],
        small["id"],
    ]
    assert await ids(q=small["decision_number"]) == [small["id"]]
    assert len(await ids(party_id_number=PERSON["id_number"].lower())) == 2
    assert await ids(party_id_number=COMPANY["id_number"]) == [large["id"]]
    assert await ids(bureau.outsider, party_id_number=PERSON["id_number"]) == []
    bad = await world.as_(bureau.inspector).get("/api/v1/cases", params={"fine_min": "1.001"})
    assert bad.status_code == 422


async def test_statistics_count_what_the_bureau_reports(bureau: Bureau, world: World) -> None:
    await _on_the_spot(bureau, [bureau.inspector, bureau.partner], PERSON, "200")
    dismissed = await bureau.create()
    await bureau.act(dismissed, "dismiss", reason="不予立案")
    transferred = await bureau.filed()
    await bureau.act(transferred, "transfer", to="judicial", reason="移送")
    no_penalty = await bureau.pending()
    await bureau.act(no_penalty, "decide_no_penalty", reason="首违不罚")
    paid = await bureau.served()
    await bureau.act(paid, "record_payment", amount="5000.00", paid_at=utcnow().isoformat())
    measured = await bureau.create(
        category_code="weifa_jianshe",
        measures=[{"type": "seizure", "started_on": today().isoformat(),
                   "ends_on": today().isoformat()}],
    )  # fmt: skip
    await bureau.act(measured, "file", officers=bureau.officers())

    response = await world.as_(bureau.supervisor).get(
        "/api/v1/stats/cases", params={"group_by": "category"}
    )
    assert response.status_code == 200, response.text
    rows = {row["group"]: row for row in response.json()["rows"]}
    street = rows["zhandao_jingying"]
    assert street["registered"] == 5 and street["filed"] == 3
    assert street["simple_procedure"] == 1 and street["dismissed"] == 1
    assert street["decided"] == 2 and street["no_penalty"] == 1
    assert street["penalties_by_kind"] == {
        "warning": 1, "fine": 2, "confiscation": 0, "suspension": 0,
        "licence_revocation": 0, "other": 0,
    }  # fmt: skip
    assert street["fines_decided"] == "5200.00" and street["fines_collected"] == "5000.00"
    assert street["transferred_to_judicial"] == 1 and street["transferred_to_police"] == 0
    assert street["open"] == 2 and street["revoked"] == 0  # decided on the spot, executed
    assert rows["weifa_jianshe"]["measures_taken"] == 1 and rows["weifa_jianshe"]["open"] == 1

    by_status = await world.as_(bureau.outsider).get(
        "/api/v1/stats/cases", params={"group_by": "status"}
    )
    assert by_status.json()["rows"] == []
