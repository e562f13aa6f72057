"""The OpenAPI document, completed so every error a client can meet is declared.

FastAPI documents validation errors as its own JSON shape and leaves out errors raised
below the endpoint (a body that does not parse, the database being away). Every
operation here declares them, all as RFC 9457 problem documents.
"""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from app.errors import PROBLEM_MEDIA_TYPE, Problem

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
ALWAYS = {
    "400": "Bad Request: the body or a parameter could not be read",
    "500": "Internal Server Error",
    "503": "Service Unavailable: the database is not reachable; retry after `Retry-After`",
}
WITH_INPUT = {"422": "Unprocessable Content: see `errors`"}
AUTHENTICATED = {
    "401": "Unauthorized",
    "403": "Forbidden: the caller's roles, or an API client's scopes, do not allow this",
    "429": "Too Many Requests (API clients)",
}
# Open311 answers errors in that standard's own format.
OWN_ERROR_FORMAT = ("/open311/",)


def _complete(operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    extra = dict(ALWAYS)
    if operation.get("parameters") or operation.get("requestBody"):
        extra |= WITH_INPUT
    if operation.get("security"):
        extra |= AUTHENTICATED
    for status, description in extra.items():
        responses.setdefault(status, {"description": description})
    for status, response in responses.items():
        if status.isdigit() and int(status) >= 400:
            response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM_REF}}


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            tags=app.openapi_tags,
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["Problem"] = Problem.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
        components.update(components["Problem"].pop("$defs", {}))
        for path, operations in schema["paths"].items():
            for operation in operations.values():
                if not path.startswith(OWN_ERROR_FORMAT):
                    _complete(operation)
                else:
                    # Open311 reports invalid input as a 400 in its own format, never a 422.
                    operation.get("responses", {}).pop("422", None)
        for unused in ("HTTPValidationError", "ValidationError"):
            components.pop(unused, None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
