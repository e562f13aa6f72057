"""The city the API fuzz run attacks, built through the API as an administrator builds one.

Two departments with their own staff and records, so that generated path parameters hit
real tickets, applications, cases, attachments, users, clients and subscriptions of the
caller's department and of the other one. Every caller the run uses is signed in here;
the records the fuzzer may change or delete are listed apart from the callers' own
accounts and keys, so a generated ``PATCH`` never signs a caller out mid-run.
"""

from dataclasses import dataclass, field
from typing import Any

import httpx

PASSWORD = "fuzz-password-0123456789"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 300
# A literal public address: in production the webhook guard resolves names, and the run
# must not depend on DNS.
HOOK_URL = "https://93.184.215.14/govflow-hook"
APPROVAL_SERVICE = "chengshi_daolu_zhanyong_wajue"


@dataclass
class City:
    """What the fuzz run needs: the callers' credentials and the ids worth aiming at."""

    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    open311_key: str = ""
    # Dictionary name → values, for schemathesis' parameter dictionaries.
    ids: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, *values: Any) -> None:
        self.ids.setdefault(name, []).extend(str(value) for value in values)


def _ok(response: httpx.Response) -> Any:
    if response.status_code not in (200, 201):
        raise RuntimeError(
            f"seeding {response.request.method} {response.request.url.path} answered "
            f"{response.status_code}: {response.text[:500]}"
        )
    return response.json()


def _sign_in(http: httpx.Client, username: str, password: str) -> dict[str, str]:
    token = _ok(http.post("/api/v1/auth/token", data={"username": username, "password": password}))
    return {"Authorization": f"Bearer {token['access_token']}"}


def _ticket(district: str, **fields: Any) -> dict[str, Any]:
    return {
        "channel": "phone",
        "type": "complaint",
        "category_code": "zhandao_jingying",
        "title": "早市占道经营",
        "content": "人行道被摊贩占满，行人只能走机动车道。",
        "location": {"address": "建国路88号", "district": district},
        "reporter": {"name": "王女士", "phone": "13812345678"},
        **fields,
    }


CASE = {
    "source": "inspection",
    "title": "占道经营",
    "category_code": "zhandao_jingying",
    "party": {
        "type": "person",
        "name": "张三丰",
        "id_number": "110101199001011237",
        "address": "朝阳区幸福小区1号楼",
        "phone": "13812345678",
    },
    "location": {"address": "建国路88号", "district": "朝阳区"},
    "facts": "当事人在人行道上摆摊经营水果，影响行人通行。",
}


def build_city(http: httpx.Client, admin_password: str, today: str) -> City:
    city = City()
    admin = _sign_in(http, "admin", admin_password)
    city.headers["admin"] = admin

    departments = {}
    for key, code, name, district in (
        ("a", "FUZZ-CY", "朝阳街道城管科", "朝阳区"),
        ("b", "FUZZ-HD", "海淀街道城管科", "海淀区"),
    ):
        body = {"code": code, "name": name, "districts": [district]}
        departments[key] = _ok(http.post("/api/v1/departments", json=body, headers=admin))["id"]
        rule = {"district": district, "department_id": departments[key]}
        city.add("rule_id", _ok(http.post("/api/v1/routing-rules", json=rule, headers=admin))["id"])
    city.add("department_id", *departments.values())

    people: dict[str, dict[str, str]] = {}
    for key, roles, department in (
        ("handler_a", ["handler"], "a"),
        ("handler_b", ["handler"], "b"),
        ("clerk_a", ["clerk"], "a"),
        ("inspector_a", ["inspector", "leader"], "a"),
        ("operator", ["operator"], None),
        ("citizen", ["citizen"], None),
        ("citizen_b", ["citizen"], None),
    ):
        body = {
            "username": f"fuzz-{key.replace('_', '-')}",
            "password": PASSWORD,
            "full_name": key,
            "phone": "13900000000",
            "roles": roles,
            "department_id": departments[department] if department else None,
        }
        user = _ok(http.post("/api/v1/users", json=body, headers=admin))
        people[key] = _sign_in(http, body["username"], PASSWORD)
        city.add("any_user_id", user["id"])
        # The callers' own accounts are read, never changed, by the generated requests.
        if key not in ("handler_a", "citizen"):
            city.add("victim_user_id", user["id"])
    city.headers["department_user"] = people["handler_a"]
    city.headers["citizen"] = people["citizen"]

    # The seeded catalogue has no departments: assign one service so approvals can be made.
    for service in _ok(http.get("/api/v1/approval-services", headers=admin)):
        city.add("service_id", service["id"])
        if service["code"] == APPROVAL_SERVICE:
            assigned = _ok(
                http.patch(
                    f"/api/v1/approval-services/{service['id']}",
                    json={"department_id": departments["a"]},
                    headers={**admin, "If-Match": f'"{service["version"]}"'},
                )
            )
            materials = [m["code"] for m in assigned["required_materials"] if m["required"]]
    for category in _ok(http.get("/api/v1/ticket-categories", headers=admin))["items"]:
        city.add("category_id", category["id"])
        city.add("service_code", category["code"])

    confidential = _ok(
        http.post(
            "/api/v1/tickets",
            json=_ticket("朝阳区", channel="app", type="report", reporter={"confidential": True}),
            headers=people["citizen"],
        )
    )
    other = _ok(http.post("/api/v1/tickets", json=_ticket("海淀区"), headers=people["operator"]))
    plain = _ok(http.post("/api/v1/tickets", json=_ticket("朝阳区"), headers=people["operator"]))
    tickets = (confidential, other, plain)
    for ticket in tickets:
        # Dispatched by the routing rules, so each department's handler sees its own.
        _ok(
            http.post(
                f"/api/v1/tickets/{ticket['id']}/actions/dispatch",
                json={},
                headers=people["operator"],
            )
        )
    city.add("ticket_id", *(ticket["id"] for ticket in tickets))
    city.add("service_request_id", *(ticket["number"] for ticket in tickets))
    approval = _ok(
        http.post(
            "/api/v1/approvals",
            json={
                "service_code": APPROVAL_SERVICE,
                "applicant": {
                    "type": "person",
                    "name": "王建国",
                    "id_number": "11010519491231002X",
                    "phone": "13812345678",
                },
                "title": "建国路管线维修临时挖掘道路",
                "materials": [{"code": code} for code in materials],
            },
            headers=people["citizen"],
        )
    )
    city.add("approval_id", approval["id"])
    case = _ok(
        http.post(
            "/api/v1/cases",
            json={**CASE, "violation_occurred_on": today, "discovered_on": today},
            headers=people["inspector_a"],
        )
    )
    city.add("case_id", case["id"])

    for collection, record, uploader in (
        ("tickets", plain, people["handler_a"]),
        ("tickets", confidential, people["citizen"]),
        ("tickets", other, people["handler_b"]),
        ("approvals", approval, people["citizen"]),
        ("cases", case, people["inspector_a"]),
    ):
        attachment = _ok(
            http.post(
                f"/api/v1/{collection}/{record['id']}/attachments",
                data={"kind": "shenqingshu" if collection == "approvals" else "photo"},
                files={"file": ("现场.png", PNG, "image/png")},
                headers=uploader,
            )
        )
        city.add(f"{collection}_attachment_id", attachment["id"])

    scopes = ["tickets:read", "tickets:write", "approvals:read", "cases:read", "webhooks:manage"]
    for key, body in (
        ("api_client", {"name": "fuzz partner A", "department_id": departments["a"]}),
        ("open311", {"name": "fuzz open311 app", "scopes": ["tickets:read", "tickets:write"]}),
        ("victim", {"name": "fuzz victim", "scopes": ["cases:read"]}),
    ):
        body.setdefault("scopes", scopes)
        client = _ok(http.post("/api/v1/api-clients", json=body, headers=admin))
        city.add("any_client_id", client["id"])
        if key == "victim":
            city.add("victim_client_id", client["id"])
        if key == "api_client":
            city.headers["api_client"] = {"X-API-Key": client["api_key"]}
        elif key == "open311":
            city.open311_key = client["api_key"]
            city.add("open311_key", client["api_key"])

    for headers in (admin, city.headers["api_client"]):
        hook = {"url": HOOK_URL, "event_types": ["ticket.*"]}
        city.add("webhook_id", _ok(http.post("/api/v1/webhooks", json=hook, headers=headers))["id"])
    return city
