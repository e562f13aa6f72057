"""Case evidence (证据): taken while the case is open, fixed once the investigation is over.

行政处罚法 第四十六条 lists the evidence; 第四十七条 wants the whole procedure recorded. A file
may be removed only while the case is registered or under its first investigation: once
concluded, decided or revoked, what the decision rests on is never removed again.
"""

import hashlib
import uuid
from typing import Any

import pytest
from sqlalchemy import select, update

from app.models.audit import Event
from tests.case_bureau import (
    LEGAL_BASIS,
    PERSON,
    WARNING_AND_FINE,
    Bureau,
    decision_number,
)
from tests.factories import Person

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 300
PDF = b"%PDF-1.4\n" + b"0" * 300
KINDS = ("photo", "video", "audio", "transcript", "document", "on_site_record")


def _url(case: dict[str, Any], *parts: str) -> str:
    return "/".join((f"/api/v1/cases/{case['id']}/attachments", *parts))


async def _upload(
    bureau: Bureau,
    case: dict[str, Any],
    kind: str = "photo",
    who: Person | None = None,
    content: bytes = PNG,
    name: str = "现场照片.png",
) -> Any:
    return await bureau.world.as_(who or bureau.inspector).post(
        _url(case), files={"file": (name, content, "image/png")}, data={"kind": kind}
    )


async def _evidence(bureau: Bureau, case: dict[str, Any], kind: str = "photo") -> dict[str, Any]:
    response = await _upload(bureau, case, kind)
    assert response.status_code == 201, response.text
    attachment: dict[str, Any] = response.json()
    return attachment


async def _delete(bureau: Bureau, case: dict[str, Any], attachment: dict[str, Any]) -> Any:
    return await bureau.world.as_(bureau.inspector).delete(_url(case, attachment["id"]))


async def _conclude(bureau: Bureau, case: dict[str, Any]) -> dict[str, Any]:
    return await bureau.act(
        case, "conclude", facts="查明", legal_basis=LEGAL_BASIS, proposed_penalty=WARNING_AND_FINE
    )


async def test_each_kind_of_evidence_is_taken_and_no_other(bureau: Bureau) -> None:
    case = await bureau.filed()
    for kind in KINDS:
        response = await _upload(bureau, case, kind, content=PDF, name=f"{kind}.pdf")
        assert response.status_code == 201, response.text
        assert response.json()["content_type"] == "application/pdf"
    refused = await _upload(bureau, case, "contract")
    assert refused.status_code == 422 and refused.json()["code"] == "invalid_attachment_kind"
    listed = (await bureau.world.as_(bureau.leader).get(_url(case))).json()
    assert [a["kind"] for a in listed] == list(KINDS)


async def test_the_evidence_hash_is_in_the_cases_audit_chain(
    bureau: Bureau, app: Any, admin: Person
) -> None:
    case = await bureau.filed()
    photo = await _evidence(bureau, case)
    assert photo["sha256"] == hashlib.sha256(PNG).hexdigest()
    added = (await bureau.events(case))[-1]
    assert added["action"] == "attachment_added"
    assert added["payload"]["sha256"] == photo["sha256"]
    assert added["payload"]["attachment_id"] == photo["id"]

    verify = bureau.world.as_(admin)
    params = {"kind": "case", "id": case["id"]}
    assert (await verify.get("/api/v1/audit/verify", params=params)).json()["ok"] is True
    async with app.state.sessionmaker() as session:
        event = await session.scalar(
            select(Event).where(
                Event.record_id == uuid.UUID(case["id"]),  # type: ignore[arg-type]
                Event.seq == added["seq"],  # type: ignore[arg-type]
            )
        )
        assert event is not None
        forged = {**event.payload, "sha256": hashlib.sha256(b"other").hexdigest()}
        await session.execute(
            update(Event).where(Event.id == event.id).values(payload=forged)  # type: ignore[arg-type]
        )
        await session.commit()
    report = (await verify.get("/api/v1/audit/verify", params=params)).json()
    assert report["ok"] is False
    assert [link["seq"] for link in report["broken_links"]] == [added["seq"]]


async def test_evidence_may_be_removed_before_filing_and_during_investigation(
    bureau: Bureau,
) -> None:
    case = await bureau.create()
    before_filing = await _evidence(bureau, case)
    assert (await _delete(bureau, case, before_filing)).status_code == 204
    await bureau.act(case, "file", officers=bureau.officers())
    during = await _evidence(bureau, case, "transcript")
    assert (await _delete(bureau, case, during)).status_code == 204
    assert (await bureau.world.as_(bureau.inspector).get(_url(case))).json() == []
    actions = [event["action"] for event in await bureau.events(case)]
    assert actions.count("attachment_deleted") == 2


async def test_evidence_is_immutable_once_the_investigation_is_concluded(bureau: Bureau) -> None:
    case = await bureau.filed()
    photo = await _evidence(bureau, case)
    await _conclude(bureau, case)
    refused = await _delete(bureau, case, photo)
    assert refused.status_code == 422 and refused.json()["code"] == "attachment_immutable"
    # Evidence may still be added by the officers while the case is open, during the review.
    note = await _upload(bureau, case, "document", content=PDF)
    assert note.status_code == 201, note.text

    # Back in investigation after the review, what it was concluded on stays.
    await bureau.act(case, "return_review", reason="证据不足，补充调查")
    for attachment in (photo, note.json()):
        refused = await _delete(bureau, case, attachment)
        assert refused.status_code == 422 and refused.json()["code"] == "attachment_immutable"
    listed = (await bureau.world.as_(bureau.inspector).get(_url(case))).json()
    assert {a["id"] for a in listed} == {photo["id"], note.json()["id"]}
    actions = [event["action"] for event in await bureau.events(case)]
    assert "attachment_deleted" not in actions


async def test_evidence_of_a_revoked_decision_on_the_spot_stays(bureau: Bureau) -> None:
    case = await bureau.create()
    photo = await _evidence(bureau, case)
    await bureau.act(
        case,
        "decide_on_the_spot",
        officers=bureau.officers(),
        penalty={"kinds": ["warning"]},
        decision_number=decision_number(),
        legal_basis=LEGAL_BASIS,
    )
    revoked = await bureau.act(case, "revoke", reason="认定事实不清")
    assert revoked["status"] == "investigating"
    refused = await _delete(bureau, case, photo)
    assert refused.status_code == 422 and refused.json()["code"] == "attachment_immutable"


@pytest.mark.parametrize("ending", ["dismissed", "transferred", "closed"])
async def test_no_evidence_is_added_to_a_finished_case(bureau: Bureau, ending: str) -> None:
    match ending:
        case "dismissed":
            case = await bureau.create()
            await bureau.act(case, "dismiss", reason="不予立案")
        case "transferred":
            case = await bureau.filed()
            await bureau.act(case, "transfer", to="police", reason="涉嫌犯罪")
        case _:
            case = await bureau.pending()
            await bureau.act(case, "decide_no_penalty", reason="首违不罚")
    refused = await _upload(bureau, case)
    assert refused.status_code == 422 and refused.json()["code"] == "attachment_not_allowed"


async def test_another_departments_inspector_finds_no_evidence(bureau: Bureau) -> None:
    case = await bureau.filed()
    photo = await _evidence(bureau, case)
    outsider = bureau.world.as_(bureau.outsider)
    assert (await outsider.get(_url(case))).status_code == 404
    assert (await outsider.get(_url(case, photo["id"], "content"))).status_code == 404
    assert (await outsider.delete(_url(case, photo["id"]))).status_code == 404
    assert (await _upload(bureau, case, who=bureau.outsider)).status_code == 404
    assert len((await bureau.world.as_(bureau.inspector).get(_url(case))).json()) == 1


async def test_evidence_leaves_the_partys_masking_as_it_was(bureau: Bureau) -> None:
    case = await bureau.filed()
    photo = await _evidence(bureau, case)
    await _conclude(bureau, case)
    reviewer = bureau.world.as_(bureau.reviewer)
    content = await reviewer.get(_url(case, photo["id"], "content"))
    assert content.status_code == 200 and content.content == PNG
    party = (await bureau.get(case, bureau.reviewer)).json()["party"]
    assert party["name"] == "张**" and party["id_number"] == "110101********1237"
    history = await bureau.events(case, bureau.reviewer)
    for secret in (PERSON["name"], PERSON["id_number"], PERSON["phone"]):
        assert secret not in str(history)
    added = next(event for event in history if event["action"] == "attachment_added")
    assert added["payload"]["sha256"] == photo["sha256"]
    inside = await bureau.events(case, bureau.inspector)
    assert PERSON["id_number"] in str(inside)
