"""Small inconsistencies a client trips over: one list shape, one title per status, 400 for
unreadable JSON, one version, one dispatch comment, the citizen as reporter, one log line per
request, and a page behind every problem `type`."""

import ast
import json
import logging
import re
import tomllib
import uuid
from pathlib import Path
from typing import Any

import pytest
from httpx import AsyncClient

from app.errors import _HTTP_CODES
from tests.conftest import ROOT, World
from tests.factories import Person

TICKET = {
    "channel": "app",
    "type": "complaint",
    "category_code": "zhandao_jingying",
    "title": "占道经营",
    "content": "商贩占道",
    "location": {"address": "建国路1号", "district": "朝阳区"},
}


async def test_ticket_categories_are_a_page_like_every_other_list(
    world: World, admin: Person
) -> None:
    page = (await world.as_(admin).get("/api/v1/ticket-categories")).json()
    assert set(page) == {"items", "next_cursor"} and page["next_cursor"] is None
    assert "zhandao_jingying" in {category["code"] for category in page["items"]}


async def test_every_422_is_titled_unprocessable_content(world: World, admin: Person) -> None:
    invalid = await world.as_(admin).post("/api/v1/departments", json={"code": ""})
    refused = await world.as_(admin).post(
        "/api/v1/users", json={"username": "weak.one", "password": "password123"}
    )
    assert refused.json()["code"] == "weak_password"
    for answer in (invalid, refused):
        assert answer.status_code == 422, answer.text
        assert answer.json()["title"] == "Unprocessable Content"


async def test_malformed_json_is_a_400_malformed_json_problem(
    world: World, admin: Person, client: AsyncClient
) -> None:
    answer = await world.as_(admin).post(
        "/api/v1/departments",
        content=b'{"code": "CG", "name": }',
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["code"] == "malformed_json" and problem["title"] == "Bad Request"
    assert problem["position"] == 23 and "not valid JSON" in problem["detail"]
    document = (await client.get("/openapi.json")).json()
    bad_request = document["paths"]["/api/v1/departments"]["post"]["responses"]["400"]
    assert "malformed_json" in bad_request["description"]


async def test_the_openapi_version_is_the_packages(client: AsyncClient) -> None:
    with (ROOT / "pyproject.toml").open("rb") as file:
        package_version = tomllib.load(file)["project"]["version"]
    assert (await client.get("/openapi.json")).json()["info"]["version"] == package_version


async def _dispatch(world: World, body: dict[str, Any]) -> tuple[int, list[dict[str, Any]]]:
    operator = await world.user("operator")
    department = await world.department(f"D-{uuid.uuid4().hex[:8]}")
    ticket = (
        await world.as_(operator).post("/api/v1/tickets", json={**TICKET, "channel": "phone"})
    ).json()
    answer = await world.as_(operator).post(
        f"/api/v1/tickets/{ticket['id']}/actions/dispatch",
        json={"department_id": str(department["id"]), **body},
    )
    events = (await world.as_(operator).get(f"/api/v1/tickets/{ticket['id']}/events")).json()
    return answer.status_code, events["items"]


async def test_dispatch_takes_comment_and_still_accepts_note_as_its_old_name(
    world: World, client: AsyncClient
) -> None:
    for body in ({"comment": "请尽快处理"}, {"note": "请尽快处理"}):
        status, events = await _dispatch(world, body)
        assert status == 200
        [dispatched] = [event for event in events if event["action"] == "dispatch"]
        assert dispatched["comment"] == "请尽快处理"
        assert "note" not in dispatched.get("payload", {})
    status, _ = await _dispatch(world, {"comment": "一", "note": "二"})
    assert status == 422
    document = (await client.get("/openapi.json")).json()
    properties = document["components"]["schemas"]["DispatchBody"]["properties"]
    assert properties["note"]["deprecated"] is True and "comment" in properties


async def test_a_citizens_own_ticket_names_her_as_the_reporter(world: World) -> None:
    citizen = await world.user("citizen", full_name="陈美", phone="13912345678")
    operator = await world.user("operator")
    filed = await world.as_(citizen).post("/api/v1/tickets", json=TICKET)
    assert filed.status_code == 201, filed.text
    seen = (await world.as_(operator).get(f"/api/v1/tickets/{filed.json()['id']}")).json()
    assert seen["reporter"]["name"] == "陈美" and seen["reporter"]["phone"] == "13912345678"
    anonymous = await world.as_(citizen).post(
        "/api/v1/tickets", json={**TICKET, "reporter": {"anonymous": True}}
    )
    hidden = (await world.as_(operator).get(f"/api/v1/tickets/{anonymous.json()['id']}")).json()
    assert hidden["reporter"]["name"] is None and hidden["reporter"]["phone"] is None


async def test_a_request_is_logged_once(
    client: AsyncClient, capsys: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """One JSON line per request, whatever X-Request-ID came: no second, plain-text line
    from a library (in production those reach stderr through logging's last resort)."""
    capsys.readouterr()
    for request_id in ("gw-7f3a/42", "bad\x01id", "x" * 300):
        caplog.clear()
        await client.get("/healthz", headers={"X-Request-ID": request_id.encode()})
        captured = capsys.readouterr()
        lines = [line for line in (captured.out + captured.err).splitlines() if line.strip()]
        library_lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
        assert len(lines) == 1 and not library_lines, (lines, library_lines)
        assert json.loads(lines[0])["event"] == "request"


def _names_code(target: ast.expr) -> bool:
    if isinstance(target, ast.Name):
        return target.id == "code"
    return isinstance(target, ast.Tuple) and any(_names_code(e) for e in target.elts)


def _codes_raised_in_app() -> set[str]:
    """Every problem code the app's source names: ``code="…"`` arguments, class-level
    ``code = "…"``, the codes given to ``problem_response`` and the HTTP error codes."""
    codes = set(_HTTP_CODES.values()) | {"http_error"}
    for path in Path(ROOT / "app").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword) and node.arg == "code":
                # Problem codes are snake_case; other `code=` arguments (a document kind's
                # numbering character, 送) are not problems.
                if (
                    isinstance(node.value, ast.Constant)
                    and isinstance(node.value.value, str)
                    and re.fullmatch("[a-z_]+", node.value.value)
                ):
                    codes.add(node.value.value)
            elif isinstance(node, ast.Assign) and any(_names_code(t) for t in node.targets):
                values = node.value.elts if isinstance(node.value, ast.Tuple) else [node.value]
                codes |= {
                    v.value
                    for v in values
                    if isinstance(v, ast.Constant)
                    and isinstance(v.value, str)
                    and re.fullmatch("[a-z_]+", v.value)
                }
            elif (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", "") == "problem_response"
                and len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant)
            ):
                codes.add(str(node.args[1].value))
    return codes


async def test_every_problem_code_raised_in_the_app_has_a_page(client: AsyncClient) -> None:
    codes = _codes_raised_in_app()
    assert {"invalid_credentials", "malformed_json", "guard_failed", "not_found"} <= codes
    listed = (await client.get("/problems")).json()
    assert codes <= {entry["code"] for entry in listed}, codes - {e["code"] for e in listed}
    for code in codes:
        page = await client.get(f"/problems/{code}")
        assert page.status_code == 200, code
        entry = page.json()
        assert entry["type"] == f"/problems/{code}" and entry["means"] and entry["fix"]


async def test_a_problems_type_resolves_to_its_page_in_json_and_html(client: AsyncClient) -> None:
    problem = (
        await client.post("/api/v1/auth/token", data={"username": "x", "password": "y"})
    ).json()
    assert problem["type"] == "/problems/invalid_credentials"
    page = await client.get(problem["type"])
    assert page.json()["status"] == 401 and "password" in page.json()["means"]
    html = await client.get(problem["type"], headers={"Accept": "text/html"})
    assert html.headers["content-type"].startswith("text/html")
    assert "invalid_credentials" in html.text and "What to do" in html.text
    listing = await client.get("/problems", headers={"Accept": "text/html,*/*"})
    assert listing.text.count("<section") == len((await client.get("/problems")).json())
    missing = await client.get("/problems/no_such_code")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
