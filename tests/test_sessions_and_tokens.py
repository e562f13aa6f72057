"""A token lives until it expires, the password changes, the account is deactivated, or its
holder signs out everywhere; reactivating an account does not bring old tokens back."""

from httpx import AsyncClient

from tests.conftest import World
from tests.factories import PASSWORD, Person

NEW_PASSWORD = "a different long passphrase 42"


async def _sign_in(client: AsyncClient, username: str, password: str = PASSWORD) -> str:
    response = await client.post(
        "/api/v1/auth/token", data={"username": username, "password": password}
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


async def _me(client: AsyncClient, token: str) -> int:
    response = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    return response.status_code


async def test_a_password_change_ends_every_token_issued_before_it(
    world: World, client: AsyncClient, admin: Person
) -> None:
    user = await world.user("operator", username="qian")
    token = await _sign_in(client, "qian")
    assert await _me(client, token) == 200
    changed = await world.as_(admin).patch(
        f"/api/v1/users/{user.id}", json={"password": NEW_PASSWORD}
    )
    assert changed.status_code == 200, changed.text
    refused = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 401
    assert refused.json()["code"] == "token_revoked"
    assert refused.headers["WWW-Authenticate"] == "Bearer"
    assert await _me(client, await _sign_in(client, "qian", NEW_PASSWORD)) == 200


async def test_a_token_issued_before_a_deactivation_stays_dead_after_reactivation(
    world: World, client: AsyncClient, admin: Person
) -> None:
    await world.user("handler", username="sun")
    token = await _sign_in(client, "sun")
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    url = f"/api/v1/users/{me.json()['id']}"
    api = world.as_(admin)
    assert (await api.patch(url, json={"is_active": False})).status_code == 200
    assert await _me(client, token) == 401
    assert (await api.patch(url, json={"is_active": True})).status_code == 200
    revived = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert revived.status_code == 401
    assert revived.json()["code"] == "token_revoked"
    assert await _me(client, await _sign_in(client, "sun")) == 200


async def test_editing_other_fields_keeps_the_users_tokens(
    world: World, client: AsyncClient, admin: Person
) -> None:
    user = await world.user("operator", username="zhou")
    token = await _sign_in(client, "zhou")
    edited = await world.as_(admin).patch(
        f"/api/v1/users/{user.id}", json={"full_name": "周一", "is_active": True}
    )
    assert edited.status_code == 200
    assert await _me(client, token) == 200


async def test_sign_out_everywhere_ends_every_token_of_the_caller_and_no_one_elses(
    world: World, client: AsyncClient
) -> None:
    await world.user("operator", username="wu")
    other = await world.user("operator", username="zheng")
    laptop, phone = await _sign_in(client, "wu"), await _sign_in(client, "wu")
    revoked = await client.post(
        "/api/v1/me/sessions/revoke", headers={"Authorization": f"Bearer {laptop}"}
    )
    assert revoked.status_code == 204
    for token in (laptop, phone):
        response = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401
        assert response.json()["code"] == "token_revoked"
    assert await _me(client, other.token) == 200
    assert await _me(client, await _sign_in(client, "wu")) == 200


async def test_signing_out_everywhere_again_ends_the_newer_tokens_too(
    world: World, client: AsyncClient
) -> None:
    await world.user("operator", username="feng")
    first = await _sign_in(client, "feng")
    headers = {"Authorization": f"Bearer {first}"}
    assert (await client.post("/api/v1/me/sessions/revoke", headers=headers)).status_code == 204
    second = await _sign_in(client, "feng")
    again = await client.post(
        "/api/v1/me/sessions/revoke", headers={"Authorization": f"Bearer {second}"}
    )
    assert again.status_code == 204
    assert await _me(client, second) == 401
    assert await _me(client, await _sign_in(client, "feng")) == 200


async def test_an_api_client_has_no_sessions_to_revoke(world: World, admin: Person) -> None:
    created = await world.as_(admin).post(
        "/api/v1/api-clients", json={"name": "partner", "scopes": ["tickets:read"]}
    )
    assert created.status_code == 201, created.text
    response = await world.client.post(
        "/api/v1/me/sessions/revoke", headers={"X-API-Key": created.json()["api_key"]}
    )
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
