"""The soak run's city, built through the API as an administrator would build it.

A hotline with two handling departments reached by routing rules (朝阳区, 海淀区), an
approval hall with the seeded services assigned to it, an enforcement brigade with its
legal office, and one signed-in person per role the three workflows need.
"""

import asyncio
from dataclasses import dataclass
from typing import Any

import httpx

PASSWORD = "soak-password-0123456789"

DEPARTMENTS = {
    "hotline_cy": {"code": "SOAK-CY", "name": "朝阳街道城管科", "districts": ["朝阳区"]},
    "hotline_hd": {"code": "SOAK-HD", "name": "海淀街道城管科", "districts": ["海淀区"]},
    "approvals": {"code": "SOAK-SP", "name": "城管局审批科"},
    "brigade": {"code": "SOAK-ZF", "name": "朝阳城管执法大队", "districts": ["朝阳区"]},
    "legal": {"code": "SOAK-FZK", "name": "法制科"},
}
# Staff key → (roles, department key).
STAFF = {
    "operator": (["operator"], None),
    "supervisor": (["supervisor"], None),
    "handler_cy": (["handler"], "hotline_cy"),
    "handler_hd": (["handler"], "hotline_hd"),
    "clerk": (["clerk"], "approvals"),
    "reviewer": (["reviewer"], "approvals"),
    "approval_leader": (["leader"], "approvals"),
    "inspector": (["inspector"], "brigade"),
    "partner": (["inspector"], "brigade"),
    "case_leader": (["leader"], "brigade"),
    "legal_reviewer": (["legal_reviewer"], "legal"),
}
DISTRICT_HANDLERS = {"朝阳区": "handler_cy", "海淀区": "handler_hd"}
APPROVAL_SERVICES = ("chengshi_daolu_zhanyong_wajue", "jianzhu_laji_chuzhi")


@dataclass
class Person:
    key: str
    id: str
    token: str
    department_id: str | None

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class City:
    people: dict[str, Person]
    departments: dict[str, str]
    # Service code → the codes of its required materials.
    services: dict[str, list[str]]


def _created(response: httpx.Response) -> dict[str, Any]:
    if response.status_code not in (200, 201):
        raise RuntimeError(
            f"seeding {response.request.method} {response.request.url.path} answered "
            f"{response.status_code}: {response.text[:500]}"
        )
    body: dict[str, Any] = response.json()
    return body


async def sign_in(http: httpx.AsyncClient, username: str, password: str) -> str:
    response = await http.post(
        "/api/v1/auth/token", data={"username": username, "password": password}
    )
    token: str = _created(response)["access_token"]
    return token


async def build_city(http: httpx.AsyncClient, admin_password: str) -> City:
    admin = {"Authorization": f"Bearer {await sign_in(http, 'admin', admin_password)}"}
    departments = {}
    for key, body in DEPARTMENTS.items():
        response = await http.post("/api/v1/departments", json=body, headers=admin)
        departments[key] = _created(response)["id"]

    async def add_person(key: str) -> Person:
        roles, department = STAFF[key]
        username = f"soak-{key.replace('_', '-')}"
        department_id = departments[department] if department else None
        body = {
            "username": username,
            "password": PASSWORD,
            "full_name": key,
            "roles": roles,
            "department_id": department_id,
        }
        user = _created(await http.post("/api/v1/users", json=body, headers=admin))
        return Person(key, user["id"], await sign_in(http, username, PASSWORD), department_id)

    # Password hashing makes these the slow part of seeding: both workers take a share.
    people = {p.key: p for p in await asyncio.gather(*(add_person(key) for key in STAFF))}

    for district, handler in DISTRICT_HANDLERS.items():
        rule = {"district": district, "department_id": people[handler].department_id}
        _created(await http.post("/api/v1/routing-rules", json=rule, headers=admin))

    # The seeded catalogue has no departments: the administrator assigns each service.
    services = {}
    for service in _created_list(await http.get("/api/v1/approval-services", headers=admin)):
        if service["code"] not in APPROVAL_SERVICES:
            continue
        response = await http.patch(
            f"/api/v1/approval-services/{service['id']}",
            json={"department_id": departments["approvals"]},
            headers={**admin, "If-Match": f'"{service["version"]}"'},
        )
        _created(response)
        services[service["code"]] = [
            material["code"] for material in service["required_materials"] if material["required"]
        ]
    if set(services) != set(APPROVAL_SERVICES):
        raise RuntimeError(
            f"seeded approval services missing: {set(APPROVAL_SERVICES) - set(services)}"
        )
    return City(people, departments, services)


def _created_list(response: httpx.Response) -> list[dict[str, Any]]:
    if response.status_code != 200:
        raise RuntimeError(f"seeding GET {response.request.url.path}: {response.status_code}")
    items: list[dict[str, Any]] = response.json()
    return items
