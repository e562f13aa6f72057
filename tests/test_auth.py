"""Sign-in, tokens, the caller, and who may manage departments and users."""

from datetime import timedelta
from typing import Any

import jwt
from httpx import AsyncClient

from app.models.base import utcnow
from tests.conftest import World
from tests.factories import PASSWORD, Person


async def test_sign_in_with_password_gives_a_bearer_token_that_reads_me(
    world: World, client: AsyncClient
) -> None:
    department = await world.department("CGJ", name="城管局")
    user = await world.user("operator", "supervisor", department=department, username="wang")
    response = await client.post(
        "/api/v1/auth/token", data={"username": "wang", "password": PASSWORD}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] > 0
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["username"] == "wang"
    assert sorted(me.json()["roles"]) == ["operator", "supervisor"]
    assert me.json()["department"]["name"] == "城管局"
    assert "password" not in me.text and "password_hash" not in me.text
    assert me.json()["id"] == str(user.id)


async def test_wrong_password_is_401_problem(world: World, client: AsyncClient) -> None:
    await world.user("operator", username="li")
    response = await client.post(
        "/api/v1/auth/token", data={"username": "li", "password": "wrong-password"}
    )
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "invalid_credentials"


async def test_repeated_failed_logins_are_throttled_with_retry_after(
    world: World, client: AsyncClient, app: Any
) -> None:
    await world.user("operator", username="zhao")
    attempts = app.state.settings.login_max_failures
    for _ in range(attempts):
        response = await client.post(
            "/api/v1/auth/token", data={"username": "zhao", "password": "bad-password"}
        )
        assert response.status_code == 401
    locked = await client.post(
        "/api/v1/auth/token", data={"username": "zhao", "password": PASSWORD}
    )
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) > 0
    assert locked.json()["code"] == "rate_limited"


async def test_missing_expired_and_foreign_tokens_are_401(
    world: World, client: AsyncClient, app: Any
) -> None:
    user = await world.user("operator")
    assert (await client.get("/api/v1/me")).status_code == 401
    now = utcnow()
    expired = jwt.encode(
        {
            "sub": str(user.id),
            "iat": int((now - timedelta(hours=2)).timestamp()),
            "exp": int((now - timedelta(hours=1)).timestamp()),
        },
        app.state.settings.secret_key,
        algorithm="HS256",
    )
    foreign = jwt.encode(
        {
            "sub": str(user.id),
            "iat": int(now.timestamp()),
            "exp": int((now + timedelta(hours=1)).timestamp()),
        },
        "some-other-key-that-is-also-long-enough-xx",
        algorithm="HS256",
    )
    for token in (expired, foreign, "not-a-jwt"):
        response = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401
        assert response.json()["code"] == "invalid_token"


async def test_deactivated_user_is_refused(world: World, admin: Person) -> None:
    user = await world.user("operator")
    response = await world.as_(admin).patch(f"/api/v1/users/{user.id}", json={"is_active": False})
    assert response.status_code == 200
    me = await world.as_(user).get("/api/v1/me")
    assert me.status_code == 401
    assert me.json()["code"] == "inactive_account"


async def test_admin_manages_departments_and_users(world: World, admin: Person) -> None:
    api = world.as_(admin)
    created = await api.post(
        "/api/v1/departments",
        json={"code": "HD-CG", "name": "海淀城管", "districts": ["海淀区"]},
    )
    assert created.status_code == 201
    department = created.json()
    assert department["districts"] == ["海淀区"] and department["version"] == 1
    assert created.headers["ETag"] == '"1"'

    duplicate = await api.post("/api/v1/departments", json={"code": "HD-CG", "name": "x"})
    assert duplicate.status_code == 409

    user = await api.post(
        "/api/v1/users",
        json={
            "username": "handler1",
            "password": "a-long-password-1",
            "roles": ["handler"],
            "department_id": department["id"],
            "full_name": "张三",
        },
    )
    assert user.status_code == 201
    assert "password" not in user.json()
    signed_in = await world.client.post(
        "/api/v1/auth/token", data={"username": "handler1", "password": "a-long-password-1"}
    )
    assert signed_in.status_code == 200

    listed = await api.get("/api/v1/users", params={"limit": 100})
    assert {u["username"] for u in listed.json()["items"]} >= {"handler1", admin.username}


async def test_unknown_role_is_a_validation_problem(world: World, admin: Person) -> None:
    response = await world.as_(admin).post(
        "/api/v1/users",
        json={"username": "x-user", "password": "a-long-password-1", "roles": ["wizard"]},
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["errors"][0]["loc"][:3] == ["body", "roles", 0]


async def test_non_admin_cannot_manage_users_or_departments(world: World) -> None:
    operator = await world.user("operator")
    api = world.as_(operator)
    assert (await api.get("/api/v1/users")).status_code == 403
    assert (
        await api.post("/api/v1/departments", json={"code": "A", "name": "A"})
    ).status_code == 403


async def test_stale_if_match_is_412_and_current_one_succeeds(world: World, admin: Person) -> None:
    api = world.as_(admin)
    department = (await api.post("/api/v1/departments", json={"code": "D1", "name": "One"})).json()
    url = f"/api/v1/departments/{department['id']}"
    first = await api.patch(url, json={"name": "Two"}, headers={"If-Match": '"1"'})
    assert first.status_code == 200 and first.json()["version"] == 2
    stale = await api.patch(url, json={"name": "Three"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    assert stale.json()["code"] == "version_mismatch"
    assert (await api.get(url)).json()["name"] == "Two"
