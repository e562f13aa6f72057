"""Conventions every endpoint shares: problems, request ids, health, idempotency, limits."""

from typing import Any

from httpx import AsyncClient

from tests.conftest import World
from tests.factories import Person


async def test_unknown_path_and_wrong_method_are_problems(client: AsyncClient) -> None:
    missing = await client.get("/api/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["code"] == "not_found"
    wrong = await client.delete("/healthz")
    assert wrong.status_code == 405
    assert wrong.json()["code"] == "method_not_allowed"


async def test_malformed_json_is_a_400_problem(world: World, admin: Person) -> None:
    response = await world.as_(admin).post(
        "/api/v1/departments", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_json"


async def test_request_id_is_echoed_or_generated(client: AsyncClient) -> None:
    given = "3f1c1c6e-8a9b-4c1e-9a52-1d1f5f0a0b7c"
    echoed = await client.get("/healthz", headers={"X-Request-ID": given})
    assert echoed.headers["X-Request-ID"] == given
    generated = await client.get("/healthz")
    assert len(generated.headers["X-Request-ID"]) >= 32


async def test_request_id_appears_in_json_logs(client: AsyncClient, capsys: Any) -> None:
    given = "9d5ad7e2-1b44-4f7e-8a55-0d6c1f2b3a4e"
    await client.get("/healthz", headers={"X-Request-ID": given})
    lines = [line for line in capsys.readouterr().out.splitlines() if given in line]
    assert lines and '"event": "request"' in lines[-1]


async def test_health_readiness_and_metrics(client: AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["database"] == "ok"
    metrics = await client.get("/metrics")
    assert "govflow_http_requests_total" in metrics.text


async def test_readyz_is_503_when_the_database_is_unreachable(app: Any) -> None:
    from httpx import ASGITransport

    from app.config import Settings
    from app.main import create_app

    broken = create_app(
        Settings(
            database_url="postgresql+asyncpg://nobody@127.0.0.1:1/none",
            db_pool_timeout_seconds=1,
            _env_file=None,  # type: ignore[call-arg]
        )
    )
    from app.db import create_engine, create_sessionmaker

    broken.state.engine = create_engine(broken.state.settings)
    broken.state.sessionmaker = create_sessionmaker(broken.state.engine)
    async with AsyncClient(transport=ASGITransport(app=broken), base_url="http://t") as http:
        response = await http.get("/readyz")
    await broken.state.engine.dispose()
    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"


async def test_security_headers_are_set(client: AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


async def test_oversized_body_is_413(world: World, admin: Person, app: Any) -> None:
    limit = app.state.settings.max_body_bytes
    response = await world.as_(admin).post(
        "/api/v1/departments",
        content=b'{"code": "A", "name": "' + b"x" * limit + b'"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


async def test_idempotency_key_replays_first_response_and_creates_nothing_new(
    world: World, admin: Person
) -> None:
    api = world.as_(admin)
    body = {"code": "IDEM", "name": "Idempotent"}
    headers = {"Idempotency-Key": "create-dept-1"}
    first = await api.post("/api/v1/departments", json=body, headers=headers)
    again = await api.post("/api/v1/departments", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    listed = (await api.get("/api/v1/departments")).json()["items"]
    assert [d["code"] for d in listed].count("IDEM") == 1


async def test_idempotency_key_with_a_different_body_is_409(world: World, admin: Person) -> None:
    api = world.as_(admin)
    headers = {"Idempotency-Key": "create-dept-2"}
    await api.post("/api/v1/departments", json={"code": "K1", "name": "a"}, headers=headers)
    other = await api.post("/api/v1/departments", json={"code": "K2", "name": "b"}, headers=headers)
    assert other.status_code == 409
    assert other.json()["code"] == "idempotency_key_reused"


async def test_failed_request_releases_its_idempotency_key(world: World, admin: Person) -> None:
    api = world.as_(admin)
    headers = {"Idempotency-Key": "retry-after-fix"}
    bad = await api.post("/api/v1/departments", json={"code": "", "name": "a"}, headers=headers)
    assert bad.status_code == 422
    good = await api.post("/api/v1/departments", json={"code": "", "name": "a"}, headers=headers)
    assert good.status_code == 422  # same failing body runs again rather than replaying


async def test_list_pagination_walks_every_item_once(world: World, admin: Person) -> None:
    api = world.as_(admin)
    for index in range(7):
        await api.post("/api/v1/departments", json={"code": f"P{index}", "name": f"n{index}"})
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        page = (await api.get("/api/v1/departments", params=params)).json()
        seen += [d["code"] for d in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == [f"P{index}" for index in range(7)]


async def test_invalid_cursor_and_limit_are_problems(world: World, admin: Person) -> None:
    api = world.as_(admin)
    bad_cursor = await api.get("/api/v1/departments", params={"cursor": "!!!"})
    assert bad_cursor.status_code == 400 and bad_cursor.json()["code"] == "invalid_cursor"
    too_many = await api.get("/api/v1/departments", params={"limit": 101})
    assert too_many.status_code == 422


async def test_openapi_operations_have_unique_ids_and_summaries(client: AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    ids = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary"), f"{method} {path} has no summary"
            assert operation.get("description"), f"{method} {path} has no description"
            ids.append(operation["operationId"])
    assert len(ids) == len(set(ids))


async def test_wrong_method_lists_every_allowed_method(world: World, admin: Person) -> None:
    response = await world.as_(admin).delete("/api/v1/users")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, POST"


async def test_patch_refuses_null_for_fields_that_cannot_be_cleared(
    world: World, admin: Person
) -> None:
    api = world.as_(admin)
    parent = (await api.post("/api/v1/departments", json={"code": "P", "name": "上级"})).json()
    child = (
        await api.post(
            "/api/v1/departments", json={"code": "C", "name": "下级", "parent_id": parent["id"]}
        )
    ).json()
    url = f"/api/v1/departments/{child['id']}"
    refused = await api.patch(url, json={"name": None})
    assert refused.status_code == 422 and "name cannot be null" in refused.text
    cleared = await api.patch(url, json={"parent_id": None})
    assert cleared.status_code == 200 and cleared.json()["parent_id"] is None


async def test_dates_in_filters_must_be_iso_8601(world: World, admin: Person) -> None:
    operator = await world.user("operator")
    api = world.as_(operator)
    assert (await api.get("/api/v1/tickets", params={"created_from": "0.5"})).status_code == 422
    assert (
        await api.get("/api/v1/tickets", params={"created_from": "2026-11-01"})
    ).status_code == 200


async def test_every_error_response_is_documented_as_a_problem(client: AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    for path, operations in document["paths"].items():
        if path.startswith("/open311/"):
            continue
        for method, operation in operations.items():
            responses = operation["responses"]
            assert {"400", "500", "503"} <= set(responses), f"{method} {path}"
            for status, response in responses.items():
                if int(status) >= 400:
                    assert list(response["content"]) == ["application/problem+json"], (
                        f"{method} {path} {status}"
                    )
