"""Who registers, sees and edits a case; the party's data masked outside the department and
its ID number checked; a hotline ticket taken up as a case."""

from datetime import timedelta

import pytest

from tests.case_bureau import (
    COMPANY,
    LEGAL_BASIS,
    PARTIES,
    PERSON,
    WARNING_AND_FINE,
    Bureau,
    case_body,
    today,
)
from tests.conftest import World
from tests.factories import ticket_body


async def test_escalating_a_ticket_creates_a_case_linked_both_ways(
    bureau: Bureau, world: World
) -> None:
    operator = await world.user("operator")
    handler = await world.user("handler", department=bureau.brigade)
    other_handler = await world.user("handler", department=await world.department("HD-CG"))
    created = await world.as_(operator).post("/api/v1/tickets", json=ticket_body())
    ticket = created.json()
    ticket_url = f"/api/v1/tickets/{ticket['id']}"
    await world.as_(operator).post(
        f"{ticket_url}/actions/dispatch", json={"department_id": str(bureau.brigade["id"])}
    )
    signed = (await world.as_(handler).post(f"{ticket_url}/actions/sign")).json()
    assert "escalate" in signed["allowed_actions"]
    escalation = {
        "party": PERSON,
        "violation_occurred_on": (today() - timedelta(days=1)).isoformat(),
    }
    refused = await world.as_(other_handler).post(f"{ticket_url}/actions/escalate", json=escalation)
    assert refused.status_code == 404

    response = await world.as_(handler).post(f"{ticket_url}/actions/escalate", json=escalation)
    assert response.status_code == 200, response.text
    escalated = response.json()
    assert escalated["status"] == "in_progress"
    assert escalated["resolution_mode"] == "enforcement" and escalated["related_case_id"]
    assert "escalate" not in escalated["allowed_actions"]

    case = (await bureau.get({"id": escalated["related_case_id"]})).json()
    assert case["status"] == "registered" and case["source"] == "ticket"
    assert case["source_ticket_id"] == ticket["id"]
    assert case["department_id"] == str(bureau.brigade["id"])
    assert case["title"] == ticket["title"] and case["facts"] == ticket["content"]
    assert case["party"]["id_number"] == PERSON["id_number"]

    ticket_events = (await world.as_(operator).get(f"{ticket_url}/events")).json()["items"]
    assert ticket_events[-1]["action"] == "escalate"
    assert ticket_events[-1]["payload"]["case_id"] == case["id"]
    assert PERSON["id_number"] not in str(ticket_events)
    case_events = await bureau.events(case)
    assert case_events[0]["action"] == "created"
    assert case_events[0]["actor"]["id"] == str(handler.id)
    assert case_events[0]["payload"]["source_ticket_id"] == ticket["id"]

    again = await world.as_(handler).post(f"{ticket_url}/actions/escalate", json=escalation)
    assert again.status_code == 422 and again.json()["code"] == "guard_failed"


async def test_another_departments_cases_are_404(bureau: Bureau) -> None:
    case = await bureau.create()
    outsider = bureau.world.as_(bureau.outsider)
    assert (await bureau.get(case, bureau.outsider)).status_code == 404
    assert (await outsider.get(f"/api/v1/cases/{case['id']}/events")).status_code == 404
    assert (await outsider.get("/api/v1/cases")).json()["items"] == []
    await bureau.act(case, "file", who=bureau.outsider, expect=404, officers=bureau.officers())
    patch = await outsider.patch(f"/api/v1/cases/{case['id']}", json={"title": "改"})
    assert patch.status_code == 404


async def test_only_inspectors_and_leaders_register_cases(bureau: Bureau) -> None:
    for who in (bureau.reviewer, bureau.supervisor):
        response = await bureau.world.as_(who).post("/api/v1/cases", json=case_body())
        assert response.status_code == 403
    await bureau.create(who=bureau.leader)


async def test_legal_reviewers_see_cases_in_review_and_those_they_reviewed(
    bureau: Bureau, world: World
) -> None:
    other_reviewer = await world.user("legal_reviewer")
    case = await bureau.filed()
    assert (await bureau.get(case, bureau.reviewer)).status_code == 404
    await bureau.act(
        case, "conclude", facts="查明", legal_basis=LEGAL_BASIS, proposed_penalty=WARNING_AND_FINE
    )
    queue = (await world.as_(bureau.reviewer).get("/api/v1/cases")).json()["items"]
    assert [c["id"] for c in queue] == [case["id"]]
    assert queue[0]["allowed_actions"] == ["pass_review", "return_review"]
    await bureau.act(case, "pass_review", opinion="同意")
    assert (await bureau.get(case, bureau.reviewer)).status_code == 200
    assert (await bureau.get(case, other_reviewer)).status_code == 404


async def test_party_data_is_masked_outside_the_department(bureau: Bureau) -> None:
    case = await bureau.create()
    patched = await bureau.world.as_(bureau.inspector).patch(
        f"/api/v1/cases/{case['id']}", json={"party": {**PERSON, "phone": "13900001111"}}
    )
    assert patched.status_code == 200 and patched.json()["party"]["phone"] == "13900001111"
    await bureau.act(case, "file", officers=bureau.officers())
    await bureau.act(
        case, "conclude", facts="查明", legal_basis=LEGAL_BASIS, proposed_penalty=WARNING_AND_FINE
    )
    masked = (await bureau.get(case, bureau.reviewer)).json()["party"]
    assert masked == {
        "type": "person",
        "name": "张**",
        "id_number": "110101********1237",
        "address": "北京市****",
        "phone": "139****1111",
    }
    history = str(await bureau.events(case, bureau.reviewer))
    for secret in ("张三丰", PERSON["id_number"], "13812345678", "13900001111", "幸福小区"):
        assert secret not in history
    assert "110101********1237" in history
    for insider in (bureau.inspector, bureau.leader, bureau.supervisor):
        assert (await bureau.get(case, insider)).json()["party"]["name"] == "张三丰"
    assert "13900001111" in str(await bureau.events(case, bureau.leader))


async def test_an_organisations_name_is_not_masked(bureau: Bureau) -> None:
    case = await bureau.in_review(party=COMPANY)
    party = (await bureau.get(case, bureau.reviewer)).json()["party"]
    assert party["name"] == "某某餐饮有限公司" and party["id_number"] == "911101********XK2J"
    # A registered address is public; a person's home is masked (above).
    assert party["address"] == COMPANY["address"]


async def test_details_are_editable_only_until_the_investigation_concludes(
    bureau: Bureau,
) -> None:
    case = await bureau.filed()
    api = bureau.world.as_(bureau.inspector)
    url = f"/api/v1/cases/{case['id']}"
    measures = [{"type": "seizure", "started_on": today().isoformat(),
                 "ends_on": (today() + timedelta(days=30)).isoformat()}]  # fmt: skip
    edited = await api.patch(url, json={"measures": measures, "legal_basis": LEGAL_BASIS})
    assert edited.status_code == 200 and edited.json()["measures"][0]["type"] == "seizure"
    dates = await api.patch(url, json={"violation_occurred_on": "2020-01-01"})
    assert dates.status_code == 422 and "第三十六条" in dates.json()["detail"]
    too_long = [{**measures[0], "ends_on": (today() + timedelta(days=61)).isoformat()}]
    assert (await api.patch(url, json={"measures": too_long})).status_code == 422
    assert (await api.patch(url, json={"status": "closed"})).status_code == 422
    refused_null = await api.patch(url, json={"title": None})
    assert refused_null.status_code == 422 and "title cannot be null" in refused_null.text
    cleared = await api.patch(url, json={"legal_basis": None})
    assert cleared.status_code == 200 and cleared.json()["title"] == case["title"]
    assert cleared.json()["legal_basis"] is None
    supervisor_edit = await bureau.world.as_(bureau.supervisor).patch(url, json={"title": "x"})
    assert supervisor_edit.status_code == 403
    await bureau.act(
        case, "conclude", facts="查明", legal_basis=LEGAL_BASIS, proposed_penalty=WARNING_AND_FINE
    )
    frozen = await api.patch(url, json={"title": "改标题"})
    assert frozen.status_code == 422 and frozen.json()["code"] == "not_editable"


async def test_registration_checks_dates_and_category(bureau: Bureau) -> None:
    api = bureau.world.as_(bureau.inspector)
    backwards = case_body(discovered_on=(today() - timedelta(days=10)).isoformat())
    assert (await api.post("/api/v1/cases", json=backwards)).json()["code"] == "invalid_dates"
    unknown = await api.post("/api/v1/cases", json=case_body(category_code="nope"))
    assert unknown.json()["code"] == "unknown_category"
    from_ticket = await api.post("/api/v1/cases", json=case_body(source="ticket"))
    assert from_ticket.status_code == 422


@pytest.mark.parametrize(
    ("party_type", "id_number", "accepted"),
    [
        ("person", PERSON["id_number"], True),
        ("person", "11010519491231002x", True),  # GB 11643's own example, lower-case x
        ("person", "110101199001011234", False),  # wrong check digit
        ("person", "110101199002301237", False),  # 30 February
        ("person", COMPANY["id_number"], False),
        ("organisation", COMPANY["id_number"], True),
        ("organisation", COMPANY["id_number"].lower(), True),
        ("organisation", "91110105MA01C3XK2Y", False),  # wrong check character
        ("organisation", PERSON["id_number"], False),
        ("person", None, True),  # a party who gave no number
    ],
)
async def test_party_id_numbers_are_validated_by_their_check_digit(
    bureau: Bureau, party_type: str, id_number: str | None, accepted: bool
) -> None:
    party = {**PARTIES[party_type], "id_number": id_number}
    response = await bureau.world.as_(bureau.inspector).post(
        "/api/v1/cases", json=case_body(party=party)
    )
    assert response.status_code == (201 if accepted else 422), response.text
    if accepted:
        seen = response.json()["party"]["id_number"]
        assert seen == (id_number.upper() if id_number else None)
    else:
        problem = response.json()
        assert problem["errors"][0]["loc"][:2] == ["body", "party"]
        assert "check" in problem["errors"][0]["msg"]


async def test_edits_and_escalations_check_the_partys_id_number_too(
    bureau: Bureau, world: World
) -> None:
    wrong = {**PERSON, "id_number": "110101199001011234"}
    case = await bureau.create()
    patched = await world.as_(bureau.inspector).patch(
        f"/api/v1/cases/{case['id']}", json={"party": wrong}
    )
    assert patched.status_code == 422 and "GB 11643" in patched.text
    operator = await world.user("operator")
    handler = await world.user("handler", department=bureau.brigade)
    ticket = (await world.as_(operator).post("/api/v1/tickets", json=ticket_body())).json()
    url = f"/api/v1/tickets/{ticket['id']}"
    await world.as_(operator).post(
        f"{url}/actions/dispatch", json={"department_id": str(bureau.brigade["id"])}
    )
    await world.as_(handler).post(f"{url}/actions/sign")
    escalation = {"party": wrong, "violation_occurred_on": today().isoformat()}
    refused = await world.as_(handler).post(f"{url}/actions/escalate", json=escalation)
    assert refused.status_code == 422 and "GB 11643" in refused.text


async def test_facts_naming_the_party_are_masked_for_those_who_see_the_party_masked(
    bureau: Bureau,
) -> None:
    """The officers' own words name the party: masking the party's fields alone would still
    tell a masked viewer who it is, and its ID and phone (个人信息保护法 第二十八条)."""
    written = (
        "张三丰（身份证110101199001011237，电话138-1234-5678，住北京市朝阳区幸福小区1号楼）"
        "在人行道摆摊。"
    )
    case = await bureau.create(facts=written)
    await bureau.act(case, "file", officers=bureau.officers())
    await bureau.act(
        case, "conclude", facts=written, legal_basis=LEGAL_BASIS, proposed_penalty=WARNING_AND_FINE
    )
    secrets = ("张三丰", "110101199001011237", "138-1234-5678", "幸福小区")
    seen = (await bureau.get(case, bureau.reviewer)).json()["facts"]
    assert "张**" in seen and "在人行道摆摊" in seen
    assert not any(secret in seen for secret in secrets)
    history = str(await bureau.events(case, bureau.reviewer))
    assert "在人行道摆摊" in history
    assert not any(secret in history for secret in secrets)
    exported = await bureau.world.as_(bureau.reviewer).get(
        "/api/v1/cases/export", params={"format": "csv"}
    )
    assert exported.status_code == 200 and "在人行道摆摊" in exported.text
    assert not any(secret in exported.text for secret in secrets)
    assert (await bureau.get(case, bureau.inspector)).json()["facts"] == written
    assert written in str(await bureau.events(case, bureau.leader))


async def test_every_text_the_officers_write_masks_the_party_for_masked_viewers(
    bureau: Bureau,
) -> None:
    """The case's name, the review's opinion and an action's comment name the party as
    often as the facts do: 张三丰占道经营案."""
    case = await bureau.in_review(title="张三丰占道经营案")
    await bureau.act(
        case, "pass_review", opinion="张三丰（电话13812345678）违法事实清楚，同意。",
        comment="已电话告知张三丰",
    )  # fmt: skip
    secrets = ("张三丰", "13812345678")
    seen = (await bureau.get(case, bureau.reviewer)).json()
    assert seen["title"] == "张**占道经营案"
    assert seen["review_opinion"].startswith("张**（电话［已隐去］）违法事实清楚")
    history = await bureau.events(case, bureau.reviewer)
    review = next(event for event in history if event["action"] == "pass_review")
    assert review["comment"] == "已电话告知张**"
    assert "违法事实清楚" in str(review["payload"])
    exported = await bureau.world.as_(bureau.reviewer).get(
        "/api/v1/cases/export", params={"format": "csv"}
    )
    assert exported.status_code == 200 and "占道经营案" in exported.text
    for shown in (str(seen), str(history), exported.text):
        assert not any(secret in shown for secret in secrets)
    insider = (await bureau.get(case, bureau.leader)).json()
    assert insider["title"] == "张三丰占道经营案" and "13812345678" in insider["review_opinion"]
    assert "已电话告知张三丰" in str(await bureau.events(case, bureau.leader))
