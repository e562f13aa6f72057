"""Official documents (文书): issued by their actions, numbered, rendered, hashed, listed."""

import asyncio
import io
from typing import Any

import pytest
from pypdf import PdfReader

from tests.case_bureau import COMPANY, PERSON, Bureau, make_bureau
from tests.conftest import IS_POSTGRES, World


@pytest.fixture
async def bureau(world: World) -> Bureau:
    return await make_bureau(world)


async def documents(bureau: Bureau, case: dict[str, Any], who: Any = None) -> list[Any]:
    response = await bureau.world.as_(who or bureau.inspector).get(
        f"/api/v1/cases/{case['id']}/documents"
    )
    assert response.status_code == 200, response.text
    items: list[Any] = response.json()["items"]
    return items


async def pdf_text(bureau: Bureau, case: dict[str, Any], document: dict[str, Any]) -> str:
    response = await bureau.world.as_(bureau.inspector).get(
        f"/api/v1/cases/{case['id']}/documents/{document['id']}/content"
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return "".join(page.extract_text() for page in reader.pages).replace("\n", "")


def of_kind(items: list[Any], kind: str) -> dict[str, Any]:
    return next(item for item in items if item["kind"] == kind)


async def test_decision_letter_carries_every_item_the_law_requires(bureau: Bureau) -> None:
    case = await bureau.decided()
    items = await documents(bureau, case)
    assert [item["kind"] for item in items] == ["filing_form", "prior_notice", "penalty_decision"]
    decision = of_kind(items, "penalty_decision")
    assert decision["number"] == case["decision_number"]
    assert decision["template_version"] == 1 and len(decision["sha256"]) == 64
    text = await pdf_text(bureau, case, decision)
    # 行政处罚法 第五十九条: party, facts, kind and basis, performance, remedies, agency, date.
    for expected in (
        case["decision_number"], PERSON["name"], PERSON["id_number"], "朝阳城管执法大队",
        "罚款人民币5000.00元", "警告", "第三十六条", "15日内", "六十日内", "六个月内", "第五十九条",
    ):  # fmt: skip
        assert expected in text, expected
