"""Every user changes their own password with the current one; other sessions end."""

from typing import Any

from httpx import AsyncClient

from tests.conftest import AuthedClient, World
from tests.factories import PASSWORD

URL = "/api/v1/me/password"
NEW_PASSWORD = "violet lanterns drift over quiet harbours"


async def _sign_in(client: AsyncClient, username: str, password: str) -> Any:
    return await client.post(
        "/api/v1/auth/token", data={"username": username, "password": password}
    )


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_citizen_changes_her_password_and_signs_in_with_the_new_one(
    world: World, client: AsyncClient
) -> None:
    citizen = await world.user("citizen", username="chen.mei")
    changed = await world.as_(citizen).post(
        URL, json={"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert changed.status_code == 200, changed.text
    assert (await _sign_in(client, "chen.mei", PASSWORD)).status_code == 401
    assert (await _sign_in(client, "chen.mei", NEW_PASSWORD)).status_code == 200


async def test_other_sessions_end_and_the_answer_carries_a_fresh_token(
    world: World, client: AsyncClient
) -> None:
    operator = await world.user("operator", username="li.na")
    elsewhere = (await _sign_in(client, "li.na", PASSWORD)).json()["access_token"]
    changed = await world.as_(operator).post(
        URL, json={"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert changed.status_code == 200, changed.text
    fresh = changed.json()["access_token"]
    for old in (elsewhere, operator.token):
        revoked = await client.get("/api/v1/me", headers=_bearer(old))
        assert revoked.status_code == 401 and revoked.json()["code"] == "token_revoked"
    me = await client.get("/api/v1/me", headers=_bearer(fresh))
    assert me.status_code == 200 and me.json()["username"] == "li.na"


async def test_a_wrong_current_password_is_403_and_changes_nothing(
    world: World, client: AsyncClient
) -> None:
    handler = await world.user("handler", username="zhou.yu")
    refused = await world.as_(handler).post(
        URL, json={"current_password": "not-my-password", "new_password": NEW_PASSWORD}
    )
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "wrong_current_password"
    assert (await _sign_in(client, "zhou.yu", PASSWORD)).status_code == 200
    assert (await world.as_(handler).get("/api/v1/me")).status_code == 200


async def test_wrong_current_passwords_lock_like_failed_sign_ins(
    world: World, client: AsyncClient, app: Any
) -> None:
    handler = await world.user("handler", username="sun.li")
    wrong = {"current_password": "not-my-password", "new_password": NEW_PASSWORD}
    answers = [
        (await world.as_(handler).post(URL, json=wrong)).status_code
        for _ in range(app.state.settings.login_max_failures + 1)
    ]
    assert answers[-1] == 429 and set(answers[:-1]) == {403}
    right = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    locked = await world.as_(handler).post(URL, json=right)
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0


async def test_a_weak_new_password_is_422_naming_new_password(world: World) -> None:
    citizen = await world.user("citizen", username="wu.fang")
    for weak in ("password123", "wu.fang2024", "aaaaaaaaaaaa"):
        refused = await world.as_(citizen).post(
            URL, json={"current_password": PASSWORD, "new_password": weak}
        )
        assert refused.status_code == 422, weak
        assert ["body", "new_password"] in [error["loc"] for error in refused.json()["errors"]]


async def test_the_same_password_again_is_refused(world: World) -> None:
    citizen = await world.user("citizen")
    refused = await world.as_(citizen).post(
        URL, json={"current_password": PASSWORD, "new_password": PASSWORD}
    )
    assert refused.status_code == 422 and refused.json()["code"] == "password_unchanged"


async def test_an_api_client_has_no_password_to_change(world: World, admin: Any) -> None:
    created = await world.as_(admin).post(
        "/api/v1/api-clients", json={"name": "partner", "scopes": ["tickets:read"]}
    )
    key = created.json()["api_key"]
    refused = await world.client.post(
        URL,
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers={"X-API-Key": key},
    )
    assert refused.status_code == 403


async def test_changing_a_password_needs_a_token(client: AsyncClient) -> None:
    anonymous = await client.post(
        URL, json={"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert anonymous.status_code == 401


async def test_a_replayed_password_change_does_not_show_the_token_again(world: World) -> None:
    citizen = await world.user("citizen")
    body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    headers = {"Idempotency-Key": "5b3c1d2e-0f7a-4c1b-9e8d-7a6b5c4d3e2f"}
    first = await world.as_(citizen).post(URL, json=body, headers=headers)
    assert first.status_code == 200 and first.json()["access_token"]
    fresh = AuthedClient(world.client, _bearer(first.json()["access_token"]))
    replay = await fresh.post(URL, json=body, headers=headers)
    assert replay.status_code == 200, replay.text  # the replay, not a second change
    assert "access_token" not in replay.json()
    assert first.json()["access_token"] not in replay.text
