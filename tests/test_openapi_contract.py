"""The OpenAPI document declares what the API answers: found wanting by the fuzz run."""

import json
from typing import Any

from httpx import AsyncClient

from tests.conftest import World
from tests.factories import Person
from tests.test_attachments import PNG


def _references(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(_references(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(_references(value) for value in node))
    return set()


async def test_every_reference_in_the_document_resolves(client: AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    schemas = document["components"]["schemas"]
    dangling = {ref for ref in _references(document) if ref.rsplit("/", 1)[1] not in schemas}
    assert not dangling


async def test_every_authenticated_operation_declares_forbidden(client: AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    undeclared = [
        f"{method} {path}"
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if operation.get("security") and "403" not in operation["responses"]
    ]
    assert not undeclared


async def test_an_api_client_refused_an_area_gets_a_documented_403(
    world: World, admin: Person, client: AsyncClient
) -> None:
    created = await world.as_(admin).post(
        "/api/v1/api-clients", json={"name": "partner", "scopes": ["tickets:read"]}
    )
    response = await client.get(
        "/api/v1/calendar/workdays",
        params={"from": "2026-01-05", "to": "2026-01-09"},
        headers={"X-API-Key": created.json()["api_key"]},
    )
    assert response.status_code == 403
    document = (await client.get("/openapi.json")).json()
    assert "403" in document["paths"]["/api/v1/calendar/workdays"]["get"]["responses"]


async def test_an_attachment_downloads_with_a_documented_media_type(
    world: World, client: AsyncClient
) -> None:
    operator = await world.user("operator")
    body = {
        "channel": "phone",
        "type": "complaint",
        "category_code": "zhandao_jingying",
        "title": "占道",
        "content": "人行道被占",
    }
    ticket = (await world.as_(operator).post("/api/v1/tickets", json=body)).json()
    uploaded = await world.as_(operator).post(
        f"/api/v1/tickets/{ticket['id']}/attachments",
        data={"kind": "photo"},
        files={"file": ("现场.png", PNG, "image/png")},
    )
    assert uploaded.status_code == 201, uploaded.text
    content = await world.as_(operator).get(
        f"/api/v1/tickets/{ticket['id']}/attachments/{uploaded.json()['id']}/content"
    )
    assert content.headers["content-type"] == "image/png"
    document = (await client.get("/openapi.json")).json()
    path = "/api/v1/tickets/{record_id}/attachments/{attachment_id}/content"
    declared = document["paths"][path]["get"]["responses"]["200"]["content"]
    assert "*/*" in declared or "image/png" in declared, json.dumps(declared)


async def test_open311_reads_declare_their_key_optional_and_in_either_place(
    client: AsyncClient,
) -> None:
    document = (await client.get("/openapi.json")).json()
    assert document["components"]["securitySchemes"]["Open311ApiKey"]["in"] == "query"
    for path in (
        "/open311/v2/requests.{format}",
        "/open311/v2/requests/{service_request_id}.{format}",
    ):
        security = document["paths"][path]["get"]["security"]
        assert {} in security and {"Open311ApiKey": []} in security
        assert {"APIKeyHeader": []} in security
    # Filing needs a key: no anonymous alternative.
    assert {} not in document["paths"]["/open311/v2/requests.{format}"]["post"]["security"]
    # And the public read really answers without one.
    public = await client.get("/open311/v2/requests.json")
    assert public.status_code == 200
