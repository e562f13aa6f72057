"""Who may call what: every endpoint refuses those who are not signed in properly, admin
areas refuse every other role, and records of others are 404 (no existence leak)."""

import re
import uuid
from datetime import timedelta
from typing import Any

import jwt
import pytest
from httpx import AsyncClient

from app.config import Settings
from app.main import create_app
from app.models.base import utcnow
from tests.conftest import World
from tests.factories import Person, ticket_body

ROLES = ("operator", "handler", "supervisor", "clerk", "reviewer", "leader", "inspector",
         "legal_reviewer", "citizen")  # fmt: skip
PUBLIC = {"/healthz", "/readyz", "/metrics", "/api/v1/auth/token"}
ADMIN_ONLY = ("/api/v1/users", "/api/v1/departments", "/api/v1/api-clients",
              "/api/v1/routing-rules")  # fmt: skip


def _operations() -> list[tuple[str, str, bool]]:
    document = create_app(Settings()).openapi()
    found = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            secured = bool(operation.get("security"))
            concrete = re.sub(r"\{[^}]+\}", lambda m: _fill(m.group(0)), path)
            found.append((method.upper(), concrete, secured))
    return found


def _fill(parameter: str) -> str:
    if "date" in parameter:
        return "2026-10-01"
    if "format" in parameter:
        return "json"
    if "code" in parameter:
        return "zhandao_jingying"
    return str(uuid.uuid4())


OPERATIONS = _operations()


def test_every_operation_except_the_public_ones_needs_authentication() -> None:
    unsecured = {path for _, path, secured in OPERATIONS if not secured}
    assert {p for p in unsecured if p.startswith("/api/")} == {"/api/v1/auth/token"}


# Open311 answers in its own standard's format and order (tests/test_open311.py).
@pytest.mark.parametrize(
    ("method", "path"), [(m, p) for m, p, s in OPERATIONS if s and not p.startswith("/open311/")]
)
async def test_bad_credentials_are_401_everywhere(
    method: str, path: str, client: AsyncClient, world: World, app: Any
) -> None:
    inactive = await world.user("operator", is_active=False)
    now = utcnow()
    secret = app.state.settings.secret_key
    expired = jwt.encode(
        {
            "sub": str(inactive.id),
            "iat": int((now - timedelta(hours=2)).timestamp()),
            "exp": int((now - timedelta(hours=1)).timestamp()),
        },
        secret,
        "HS256",
    )
    forged = jwt.encode(
        {
            "sub": str(inactive.id),
            "iat": int(now.timestamp()),
            "exp": int((now + timedelta(hours=1)).timestamp()),
        },
        "not-our-secret-key-but-long-enough-to-sign",
        "HS256",
    )
    for headers in (
        {},
        inactive.headers,
        {"Authorization": f"Bearer {expired}"},
        {"Authorization": f"Bearer {forged}"},
        {"X-API-Key": "gf_bad_key"},
    ):
        response = await client.request(method, path, headers=headers, json={})
        assert response.status_code == 401, (method, path, headers, response.text)
        assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("role", ROLES)
async def test_admin_areas_refuse_every_other_role(role: str, world: World) -> None:
    person = await world.user(role)
    api = world.as_(person)
    for prefix in ADMIN_ONLY:
        assert (await api.get(prefix)).status_code == 403, (role, prefix)
        assert (await api.post(prefix, json={})).status_code in (403, 422), (role, prefix)


@pytest.fixture
async def records(world: World) -> dict[str, Any]:
    """A dispatched ticket of department A, filed by a citizen."""
    department_a = await world.department("A")
    department_b = await world.department("B")
    operator = await world.user("operator")
    filer = await world.user("citizen")
    ticket = (
        await world.as_(filer).post("/api/v1/tickets", json=ticket_body(channel="app"))
    ).json()
    await world.as_(operator).post(
        f"/api/v1/tickets/{ticket['id']}/actions/dispatch",
        json={"department_id": str(department_a["id"])},
    )
    return {"ticket": ticket, "a": department_a, "b": department_b, "filer": filer}


# Who sees a dispatched ticket: (role, department "a"/"b"/None) -> status
TICKET_VISIBILITY = {
    ("operator", None): 200,
    ("supervisor", None): 200,
    ("admin", None): 200,
    ("handler", "a"): 200,
    ("handler", "b"): 404,
    ("clerk", "a"): 404,
    ("reviewer", "a"): 404,
    ("leader", "a"): 404,
    ("inspector", "a"): 404,
    ("legal_reviewer", "a"): 404,
    ("citizen", None): 404,
}


@pytest.mark.parametrize(("role", "department"), sorted(TICKET_VISIBILITY, key=str))
async def test_ticket_visibility_by_role_and_department(
    role: str, department: str | None, world: World, records: dict[str, Any]
) -> None:
    person: Person = await world.user(role, department=records[department] if department else None)
    api = world.as_(person)
    ticket_id = records["ticket"]["id"]
    expected = TICKET_VISIBILITY[(role, department)]
    for url in (
        f"/api/v1/tickets/{ticket_id}",
        f"/api/v1/tickets/{ticket_id}/events",
        f"/api/v1/tickets/{ticket_id}/attachments",
    ):
        assert (await api.get(url)).status_code == expected, (role, department, url)
    listed = (await api.get("/api/v1/tickets")).json()["items"]
    assert (ticket_id in {t["id"] for t in listed}) is (expected == 200)


async def test_the_filer_sees_their_own_ticket_and_no_one_elses(
    world: World, records: dict[str, Any]
) -> None:
    assert (
        await world.as_(records["filer"]).get(f"/api/v1/tickets/{records['ticket']['id']}")
    ).status_code == 200
    other = await world.user("citizen")
    assert (
        await world.as_(other).get(f"/api/v1/tickets/{records['ticket']['id']}")
    ).status_code == 404


async def test_record_ids_are_random_uuids_not_sequence_numbers(
    world: World, records: dict[str, Any]
) -> None:
    assert uuid.UUID(records["ticket"]["id"]).version == 4
