"""The schemathesis configuration of one caller's fuzz run, written as TOML.

Each operation gets its own ``[[operations]]`` entry binding its path (and matching query)
parameters to the seeded ids of the right kind, with a probability below one so the
generated values (random UUIDs, NUL bytes, wrong types) still come through. Operations
that change or revoke an account or a key aim only at records no caller signs in with.
"""

import json
import re
from typing import Any

# Path parameter → dictionary, where the name alone decides.
BY_NAME = {
    "department_id": "department_id",
    "webhook_id": "webhook_id",
    "rule_id": "rule_id",
    "category_id": "category_id",
    "service_id": "service_id",
    "service_request_id": "service_request_id",
    "service_code": "service_code",
    "name": "workflow",
    "api_key": "open311_key",
}
SINGULAR = {"tickets": "ticket", "approvals": "approval", "cases": "case"}
# Seeded ids are aimed at this often; the rest of the time the generator's own values go.
PROBABILITY = 0.75
# What a hostile client types into any text field, query or path parameter, taken from
# the attacks of issue 15: C0 controls and NUL, spreadsheet formulas, dates at the ends of
# the calendar, digits that are not ASCII, path and markup tricks. Drawn this often in
# place of a generated string (only where the schema allows it, for positive cases).
HOSTILE_STRINGS = (
    "\x00",
    "a\x00b",
    "\x01\x02\x08\x0b\x0c\x0e\x1f",
    "\x1b[31mred",
    "\x7f",
    '=HYPERLINK("http://evil.example","click")',
    "+1+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "-2+3",
    "0001-01-01",
    "9999-12-31",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59-12:00",
    "\u00b2",
    "\u0661\u0662\u0663",
    "99999999999999999999",
    "../../../etc/passwd",
    "<script>alert(1)</script>",
    "' OR '1'='1",
    "\ufeff\u202e\u200b",
)
HOSTILE_PROBABILITY = 0.25
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "ignored_auth",
    "unsupported_method",
    "use_after_free",
)


def dictionary_for(method: str, path: str, parameter: str) -> str | None:
    collection = re.match(r"^/api/v1/([a-z-]+)", path)
    area = collection.group(1) if collection else ""
    if parameter == "record_id" and area in SINGULAR:
        return f"{SINGULAR[area]}_id"
    if parameter == "attachment_id" and area in SINGULAR:
        return f"{area}_attachment_id"
    if parameter == "user_id":
        return "any_user_id" if method == "get" else "victim_user_id"
    if parameter == "client_id":
        return "any_client_id" if method == "get" else "victim_client_id"
    return BY_NAME.get(parameter)


def operation_bindings(document: dict[str, Any]) -> list[tuple[str, dict[str, str]]]:
    """(operationId, {"path.x": dictionary}) for every operation with a parameter to aim."""
    found = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            bindings = {}
            for parameter in operation.get("parameters", []):
                where, name = parameter["in"], parameter["name"]
                dictionary = dictionary_for(method, path, name)
                if where not in ("path", "query"):
                    continue
                if dictionary:
                    bindings[f"{where}.{name}"] = dictionary
                elif _takes_text(parameter.get("schema", {})):
                    bindings[f"{where}.{name}"] = "hostile"
            for name, schema in _body_properties(document, operation).items():
                dictionary = BY_NAME.get(name)
                if dictionary:
                    bindings[f"body.{name}"] = dictionary
                elif _takes_text(schema):
                    bindings[f"body.{name}"] = "hostile"
            if bindings:
                found.append((operation["operationId"], bindings))
    return found


def _body_properties(document: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any]:
    """The top-level fields of an operation's request body (JSON or form), by name."""
    found: dict[str, Any] = {}
    for media in operation.get("requestBody", {}).get("content", {}).values():
        schema = media.get("schema", {})
        if "$ref" in schema:
            schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        found = {**schema.get("properties", {}), **found}
    return found


def _takes_text(schema: dict[str, Any]) -> bool:
    """A string that is not one of a list (``anyOf`` with null too): text, a date, a code.

    Headers are left out: a control character there is refused by the HTTP server itself
    (uvicorn's plain 400), before the app sees the request.
    """
    options = schema.get("anyOf", [schema])
    return any(option.get("type") == "string" and "enum" not in option for option in options)


def _chance(dictionary: str) -> float:
    return HOSTILE_PROBABILITY if dictionary == "hostile" else PROBABILITY


def _toml(value: Any) -> str:
    # JSON's strings (non-ASCII escaped), numbers, booleans and arrays are TOML's too.
    return json.dumps(value)


def write_config(
    document: dict[str, Any],
    ids: dict[str, list[str]],
    headers: dict[str, str],
    *,
    base_url: str,
    max_examples: int,
    seed: int,
    coverage: set[str] | None = None,
) -> str:
    """The TOML for one caller; ``coverage`` limits the coverage phase to these operations."""
    lines = [
        f"base-url = {_toml(base_url)}",
        f"seed = {seed}",
        "continue-on-failure = true",
        "request-timeout = 30",
        "",
        "[generation]",
        f"max-examples = {max_examples}",
        # NUL and every other code point in generated strings, as a hostile client sends them.
        "allow-x00 = true",
        'codec = "utf-8"',
        "",
        # Scenarios of linked calls (create, then read, change, delete what was created).
        "[phases.stateful.generation]",
        f"max-examples = {max(10, max_examples)}",
        "",
        "[headers]",
        *(f"{_toml(name)} = {_toml(value)}" for name, value in headers.items()),
        "",
        "[dictionaries.hostile]",
        f"values = {_toml(list(HOSTILE_STRINGS))}",
        "",
    ]
    for name, values in sorted(ids.items()):
        lines += [f"[dictionaries.{name}]", f"values = {_toml(sorted(set(values)))}", ""]
    bindings = dict(operation_bindings(document))
    for operation_id in operation_ids(document):
        entry = []
        usable = {
            key: name
            for key, name in bindings.get(operation_id, {}).items()
            if name in ids or name == "hostile"
        }
        if usable:
            table = ", ".join(
                f"{_toml(key)} = {{ dictionary = {_toml(name)}, probability = {_chance(name)} }}"
                for key, name in usable.items()
            )
            entry.append(f"parameters = {{ {table} }}")
        if coverage is not None and operation_id not in coverage:
            entry.append("phases = { coverage = { enabled = false } }")
        if entry:
            lines += ["[[operations]]", f"include-operation-id = {_toml(operation_id)}", *entry, ""]
    return "\n".join(lines)


def operation_ids(document: dict[str, Any]) -> list[str]:
    return [
        operation["operationId"]
        for operations in document["paths"].values()
        for operation in operations.values()
    ]
