"""Stored templates cannot make a render cost minutes: bounded values, loops and output;
number templates are plain placeholders that fit the number column."""

from typing import Any

import pytest

from tests.case_bureau import Bureau
from tests.document_reading import documents, of_kind
from tests.factories import Person


async def store(bureau: Bureau, admin: Person, body: str, kind: str = "filing_form") -> Any:
    return await bureau.world.as_(admin).post(
        "/api/v1/document-templates", json={"kind": kind, "body": body}
    )


@pytest.mark.parametrize(
    "body",
    [
        "{{ 'a' * 100000000 }}",
        "{{ 10 ** 100000000 }}",
        "{{ 'a'|center(100000000) }}",
        "{{ '%0100000000d' % 1 }}",
        "{% set r = range(100000) %}{% for i in r %}{% for j in r %}{% endfor %}{% endfor %}",
        "{% for i in range(5000) %}{{ 'x' * 1000 }}{% endfor %}",
    ],
)
async def test_a_template_too_costly_to_render_is_refused_when_stored(
    bureau: Bureau, admin: Person, body: str
) -> None:
    response = await store(bureau, admin, body)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "invalid_template"


async def test_a_costly_render_answers_422_and_the_next_action_issues_its_document(
    bureau: Bureau, admin: Person
) -> None:
    # Depends on the contents, so storing it (no document yet to sample) cannot tell.
    bomb = "{{ 'a' * (party.name|length * 100000000) }}"
    assert (await store(bureau, admin, bomb)).status_code == 201
    case = await bureau.create()
    response = await bureau.world.as_(bureau.inspector).post(
        f"/api/v1/cases/{case['id']}/actions/file", json={"officers": bureau.officers()}
    )
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "template_failed"
    assert (await bureau.get(case)).json()["status"] == case["status"]
    assert (await store(bureau, admin, "<p>立案：{{ party.name }}</p>")).status_code == 201
    filed = await bureau.filed()
    filing = of_kind(await documents(bureau.world, bureau.inspector, "cases", filed), "filing_form")
    assert filing["template_version"] == 3


@pytest.mark.parametrize(
    "template",
    [
        "{year}{seq:>99999999}",
        "{dept_abbr!r}〔{year}〕{seq}号",
        "{dept_abbr!r:{seq}}〔{year}〕{seq}号",
        "{year}{seq}" + "号" * 60,
    ],
)
async def test_a_number_template_is_plain_fields_that_fit_the_number_column(
    bureau: Bureau, admin: Person, template: str
) -> None:
    url = f"/api/v1/departments/{bureau.brigade['id']}/document-numbers/prior_notice"
    response = await bureau.world.as_(admin).put(url, json={"template": template})
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "invalid_number_template"


async def test_a_long_abbreviation_cannot_push_the_number_past_its_column(
    bureau: Bureau, admin: Person
) -> None:
    url = f"/api/v1/departments/{bureau.brigade['id']}/document-numbers/prior_notice"
    rule = {"template": "{dept_abbr}{dept_abbr}综执告〔{year}〕{seq}号", "abbreviation": "朝" * 32}
    response = await bureau.world.as_(admin).put(url, json=rule)
    assert response.status_code == 422 and response.json()["code"] == "invalid_number_template"
    rule["abbreviation"] = "朝城管"
    assert (await bureau.world.as_(admin).put(url, json=rule)).status_code == 200


async def test_a_template_cannot_embed_an_image_read_from_the_server(
    bureau: Bureau, admin: Person
) -> None:
    for body in ('<img src="/etc/passwd">', "{{ '<'|safe }}IMG src=x>"):
        response = await store(bureau, admin, body)
        assert response.status_code == 422 and response.json()["code"] == "invalid_template"
    built = "{{ ('<' ~ party.name[:0] ~ 'img src=\"/etc/hosts\">')|safe }}"
    assert (await store(bureau, admin, built)).status_code == 201  # needs a party to tell
    case = await bureau.create()
    await bureau.act(case, "file", expect=422, officers=bureau.officers())


async def test_html_the_renderer_cannot_lay_out_is_a_422_not_a_500(
    bureau: Bureau, admin: Person
) -> None:
    assert (await store(bureau, admin, '<h1 align="x">{{ party.name }}</h1>')).status_code == 201
    case = await bureau.create()
    response = await bureau.world.as_(bureau.inspector).post(
        f"/api/v1/cases/{case['id']}/actions/file", json={"officers": bureau.officers()}
    )
    assert response.status_code == 422 and response.json()["code"] == "template_failed"
