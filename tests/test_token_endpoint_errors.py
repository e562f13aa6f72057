"""The token endpoint answers OAuth2's error fields (RFC 6749 §5.2) beside the problem's, so
OAuth2 clients and Swagger's Authorize dialog can say what went wrong."""

from typing import Any

from httpx import AsyncClient, Response

from tests.conftest import World
from tests.factories import PASSWORD

TOKEN_URL = "/api/v1/auth/token"


def _assert_oauth2_problem(response: Response, status: int, error: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["code"] and body["detail"]
    assert body["error"] == error
    assert body["error_description"] == body["detail"]
    return body


async def test_wrong_password_is_invalid_grant_saying_incorrect_username_or_password(
    world: World, client: AsyncClient
) -> None:
    await world.user("operator", username="li")
    response = await client.post(TOKEN_URL, data={"username": "li", "password": "wrong-pass"})
    body = _assert_oauth2_problem(response, 401, "invalid_grant")
    assert body["error_description"] == "Incorrect username or password"
    assert body["code"] == "invalid_credentials"


async def test_unknown_user_reads_exactly_like_a_wrong_password(client: AsyncClient) -> None:
    response = await client.post(TOKEN_URL, data={"username": "nobody", "password": "x" * 12})
    body = _assert_oauth2_problem(response, 401, "invalid_grant")
    assert body["error_description"] == "Incorrect username or password"


async def test_lockout_is_429_invalid_grant_with_the_wait_in_the_description(
    world: World, client: AsyncClient, app: Any
) -> None:
    await world.user("operator", username="zhao")
    for _ in range(app.state.settings.login_max_failures):
        await client.post(TOKEN_URL, data={"username": "zhao", "password": "bad-password"})
    locked = await client.post(TOKEN_URL, data={"username": "zhao", "password": PASSWORD})
    body = _assert_oauth2_problem(locked, 429, "invalid_grant")
    assert "Too many failed sign-ins" in body["error_description"]
    assert f"wait {locked.headers['Retry-After']} seconds" in body["error_description"]


async def test_a_form_without_the_password_is_invalid_request_naming_the_field(
    client: AsyncClient,
) -> None:
    response = await client.post(TOKEN_URL, data={"username": "li"})
    body = _assert_oauth2_problem(response, 422, "invalid_request")
    assert ["body", "password"] in [error["loc"] for error in body["errors"]]
    assert "password" in body["error_description"]


async def test_another_grant_type_is_invalid_request(client: AsyncClient) -> None:
    form = {"username": "li", "password": PASSWORD, "grant_type": "client_credentials"}
    body = _assert_oauth2_problem(await client.post(TOKEN_URL, data=form), 422, "invalid_request")
    assert "grant_type" in body["error_description"]


async def test_a_json_body_is_415_saying_the_endpoint_wants_form_fields(
    world: World, client: AsyncClient
) -> None:
    await world.user("operator", username="li")
    response = await client.post(TOKEN_URL, json={"username": "li", "password": PASSWORD})
    body = _assert_oauth2_problem(response, 415, "invalid_request")
    assert body["code"] == "unsupported_media_type"
    assert "application/x-www-form-urlencoded" in body["detail"]
    assert "not JSON" in body["detail"]


async def test_control_characters_are_invalid_request(client: AsyncClient) -> None:
    response = await client.post(TOKEN_URL, data={"username": "li\x00", "password": PASSWORD})
    _assert_oauth2_problem(response, 422, "invalid_request")


async def test_the_right_password_still_gives_a_plain_token(
    world: World, client: AsyncClient
) -> None:
    await world.user("operator", username="li")
    response = await client.post(TOKEN_URL, data={"username": "li", "password": PASSWORD})
    assert response.status_code == 200, response.text
    assert set(response.json()) == {"access_token", "token_type", "expires_in"}
