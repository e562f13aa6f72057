"""Every request body's example in the OpenAPI document is one the API accepts.

The example of an operation is what Swagger UI puts in "Try it out": the body schema's
first ``examples`` entry, else one built from its properties the way Swagger builds it
(a property's ``examples``, ``default``, first ``enum`` value, ``"string"``, ``0``,
``true``, Swagger's own fixed UUID). A string with a ``pattern`` and no example is
refused here, because Swagger fills it with a random string that rarely means anything
(a phone ``-487202112435``).

Substitution rule: a UUID in a body stands for a record that must exist, so before
sending, the test replaces every UUID by the seeded record its field names (see
``SEEDED_BY_FIELD``; a field not listed fails the test), and every path parameter by the
seeded record of that path. Nothing else is changed: an example that the API refuses
with 422 fails the test (but for the two rules in ``REFUSED_BY_HISTORY``). Other refusals
(409 for an action from the wrong state, 403) are about the seeded world, not the example.
"""

import datetime as dt
import re
from typing import Any

from httpx import AsyncClient

from tests import factories
from tests.approval_hall import deliver
from tests.conftest import World

SWAGGER_UUID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
STAFF_ROLES = (
    "admin",
    "operator",
    "handler",
    "supervisor",
    "clerk",
    "reviewer",
    "leader",
    "inspector",
    "legal_reviewer",
)
# body field -> the seeded record it names
SEEDED_BY_FIELD = {
    "department_id": "department",
    "parent_id": "parent_department",
    "default_department_id": "department",
    "duplicate_of": "other_ticket",
    "user_id": "officer",
    "file_id": "file",
    "units": "department",
    "departments": "department",
    "record_id": "delivered_approval",
}
# path prefix, path parameter -> the seeded record
SEEDED_BY_PATH = {
    ("/api/v1/departments", "department_id"): "department",
    ("/api/v1/users", "user_id"): "user",
    ("/api/v1/tickets", "record_id"): "ticket",
    ("/api/v1/approvals", "record_id"): "approval",
    ("/api/v1/cases", "record_id"): "case",
    ("/api/v1/ticket-categories", "category_id"): "category",
    ("/api/v1/routing-rules", "rule_id"): "rule",
    ("/api/v1/api-clients", "client_id"): "api_client",
    ("/api/v1/webhooks", "webhook_id"): "webhook",
    ("/api/v1/approval-services", "service_id"): "service",
    ("/api/v1/calendar/days", "date"): "date",
    ("/api/v1/reports", "programme"): "programme",
    ("/api/v1/reports", "period"): "month",
    ("/api/v1/assessments", "programme"): "programme",
    ("/api/v1/assessments", "period"): "quarter",
    ("/api/v1/rectifications", "record_id"): "rectification",
    # A document of another record answers 404 once its body is accepted: what is tested.
    **{(f"/api/v1/{c}", "document_id"): "document" for c in ("approvals", "cases", "tickets")},
    ("/api/v1/rectifications", "document_id"): "document",
    ("/api/v1/departments", "kind"): "document_kind",
}


# The actions run one after another on the same records, so a record moves on through its
# workflow. These two rules refuse what the record's history, not the example, decides.
REFUSED_BY_HISTORY = {
    "cases_request_hearing": "the example's 200-yuan fine gives no right to a hearing",
    "cases_proceed": "the party's statement window is still open",
}


class NoExample(Exception):
    pass


def _resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def swagger_sample(schema: dict[str, Any], components: dict[str, Any], where: str) -> Any:
    """The value Swagger UI would fill in for ``schema``."""
    schema = _resolve(schema, components)
    if schema.get("examples"):
        return schema["examples"][0]
    for key in ("example", "default", "const"):
        if schema.get(key) is not None:
            return schema[key]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf"):
        options = [o for o in schema.get(key, []) if _resolve(o, components).get("type") != "null"]
        if options:
            return swagger_sample(options[0], components, where)
    if "allOf" in schema:
        return swagger_sample(schema["allOf"][0], components, where)
    kind = schema.get("type", "object")
    if kind == "object":
        return {
            name: swagger_sample(prop, components, f"{where}.{name}")
            for name, prop in schema.get("properties", {}).items()
            if not _resolve(prop, components).get("readOnly")
        }
    if kind == "array":
        return [swagger_sample(schema.get("items", {}), components, f"{where}[]")]
    if kind == "string":
        if "pattern" in schema:
            raise NoExample(f"{where} has a pattern and no example")
        return {
            "uuid": SWAGGER_UUID,
            "date": dt.date.today().isoformat(),
            "date-time": dt.datetime.now(dt.UTC).isoformat(),
            "email": "user@example.com",
            "uri": "https://example.com/",
        }.get(schema.get("format", ""), "string")
    if kind in ("integer", "number"):
        return schema.get("minimum", schema.get("exclusiveMinimum", -1) + 1)
    if kind == "boolean":
        return True
    return None


def substitute(value: Any, seeded: dict[str, Any], field: str = "") -> Any:
    if isinstance(value, dict):
        return {name: substitute(item, seeded, name) for name, item in value.items()}
    if isinstance(value, list):
        items = [substitute(item, seeded, field) for item in value]
        if field == "officers":  # two officers are two people (行政处罚法 第四十二条)
            items = [
                {**item, "user_id": str(officer)}
                for item, officer in zip(items, seeded["officers"], strict=False)
            ]
        return items
    if isinstance(value, str) and UUID.match(value):
        assert field in SEEDED_BY_FIELD, f"no seeded record for a UUID in field {field!r}"
        return str(seeded[SEEDED_BY_FIELD[field]])
    return value


def fill_path(path: str, seeded: dict[str, Any]) -> str:
    def seeded_value(match: re.Match[str]) -> str:
        parameter = match.group(1)
        for (prefix, name), key in SEEDED_BY_PATH.items():
            if path.startswith(prefix) and name == parameter:
                return str(seeded[key])
        raise AssertionError(f"no seeded record for {{{parameter}}} in {path}")

    return re.sub(r"\{(\w+)\}", seeded_value, path)


async def seed(world: World) -> dict[str, Any]:
    parent = await world.department("CGJ", name="城市管理局")
    department = await world.department("CGJ-ZF", name="城管执法局", districts=["朝阳区"])
    admin = await world.user(*STAFF_ROLES, department=department, username="examples-staff")
    officers = [await world.user("inspector", department=department) for _ in range(2)]
    staff = world.as_(admin)

    async def created(path: str, body: dict[str, Any]) -> Any:
        response = await staff.post(path, json=body)
        assert response.status_code == 201, f"{path}: {response.text}"
        return response.json()["id"]

    async def listed(path: str) -> list[dict[str, Any]]:
        page = (await staff.get(path)).json()
        return page["items"] if isinstance(page, dict) else page  # bare lists are older

    services = await listed("/api/v1/approval-services")
    for service in services:
        response = await staff.patch(
            f"/api/v1/approval-services/{service['id']}",
            json={"department_id": str(department["id"])},
        )
        assert response.status_code == 200, response.text
    categories = await listed("/api/v1/ticket-categories")
    ticket = factories.ticket_body()
    programme = substitute(example_body("ProgrammeCreate", world), {"department": department["id"]})
    programme["units"] = [str(department["id"])]
    assert (await staff.post("/api/v1/reports", json=programme)).status_code == 201
    scheme = example_body("AssessmentScheme", world)
    scheme_url = f"/api/v1/assessments/{programme['code']}/scheme"
    assert (await staff.put(scheme_url, json=scheme)).status_code == 200

    async def delivered_approval() -> str:
        record = await created("/api/v1/approvals", example_body("ApprovalCreate", world))
        people = dict.fromkeys(("clerk", "reviewer", "leader"), admin)
        return str((await deliver(world, people, {"id": record}))["id"])

    # A bad rating of a delivered approval opens the rectification the examples act on.
    rated = await delivered_approval()
    rating = await staff.post(
        "/api/v1/ratings",
        json={"kind": "approval", "record_id": rated, "level": "very_unsatisfied"},
    )
    assert rating.status_code == 201, rating.text
    documents = (await staff.get(f"/api/v1/approvals/{rated}/documents")).json()["items"]
    return {
        "document": documents[0]["id"],
        "document_kind": "penalty_decision",
        "programme": programme["code"],
        "month": f"{programme['year']}-09",
        "quarter": f"{programme['year']}-Q3",
        "delivered_approval": await delivered_approval(),
        "rectification": rating.json()["rectification_id"],
        "department": department["id"],
        "parent_department": parent["id"],
        "user": (await world.user("handler", department=department)).id,
        "officer": officers[0].id,
        "officers": [officers[0].id, officers[1].id],
        "ticket": await created("/api/v1/tickets", ticket),
        "other_ticket": await created("/api/v1/tickets", ticket),
        "approval": await created("/api/v1/approvals", example_body("ApprovalCreate", world)),
        "case": await created("/api/v1/cases", example_body("CaseCreate", world)),
        "category": categories[0]["id"],
        "service": services[0]["id"],
        "rule": await created(
            "/api/v1/routing-rules",
            {"district": "朝阳区", "department_id": str(department["id"])},
        ),
        "api_client": await created("/api/v1/api-clients", {"name": "12345 平台"}),
        "webhook": None,
        "file": None,
        "date": dt.date.today().isoformat(),
        "staff": staff,
    }


def example_body(component: str, world: World) -> Any:
    components = world.app.openapi()["components"]["schemas"]
    return swagger_sample({"$ref": f"#/components/schemas/{component}"}, components, component)


def json_operations(world: World) -> list[tuple[str, str, str, dict[str, Any]]]:
    document = world.app.openapi()
    found = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                schema = content["application/json"]["schema"]
                found.append((method, path, operation["operationId"], schema))
    return found


async def test_every_request_body_example_is_accepted_as_sent(
    world: World, client: AsyncClient
) -> None:
    seeded = await seed(world)
    components = world.app.openapi()["components"]["schemas"]
    refused = []
    for method, path, operation_id, schema in json_operations(world):
        try:
            body = swagger_sample(schema, components, operation_id)
        except NoExample as missing:
            refused.append(f"{operation_id}: {missing}")
            continue
        if "{webhook_id}" in path and seeded["webhook"] is None:
            refused.append(f"{operation_id}: the webhooks_create example made no webhook")
            continue
        url = fill_path(path, seeded)
        send = getattr(seeded["staff"], method)
        response = await send(url, json=substitute(body, seeded))
        by_history = response.status_code == 422 and operation_id in REFUSED_BY_HISTORY
        if by_history and response.json()["code"] == "guard_failed":
            continue
        if response.status_code == 422 or response.status_code >= 500:
            refused.append(f"{operation_id} {response.status_code}: {response.text}")
        elif path == "/api/v1/webhooks" and response.status_code == 201:
            seeded["webhook"] = response.json()["id"]
    assert not refused, "\n".join(refused)


async def test_unknown_parent_department_is_refused_naming_parent_id(
    world: World, admin: factories.Person
) -> None:
    response = await world.as_(admin).post(
        "/api/v1/departments", json={"code": "X", "name": "X", "parent_id": SWAGGER_UUID}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "parent_id"]
    assert "parent_id" in response.json()["detail"]
