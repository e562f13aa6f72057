"""The OpenAPI document, completed so every error a client can meet is declared.

FastAPI documents validation errors as its own JSON shape and leaves out errors raised
below the endpoint (a body that does not parse, the database being away). Every
operation here declares them, all as RFC 9457 problem documents.
"""

import json
from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from app.errors import PROBLEM_MEDIA_TYPE, Problem

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
ALWAYS = {
    "400": "Bad Request: the body or a parameter could not be read (`malformed_json`: the "
    "body is not valid JSON)",
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

# FastAPI names a component after its module when two models share a class name, so moving
# a module renames the component clients generate types from. These keep the names
# published before the code moved into domain packages (issue 16); a new model gets a
# name of its own instead (tests/test_public_api_unchanged.py).
PUBLISHED_COMPONENT_NAMES = {
    "app__approvals__schemas__SendBackBody": "app__schemas__approval__SendBackBody",
    "app__approvals__schemas__ServicePublic": "app__schemas__approval__ServicePublic",
    "app__cases__action_schemas__ExtendBody": "app__schemas__case__ExtendBody",
    "app__tickets__action_schemas__ExtendBody": "app__schemas__ticket_actions__ExtendBody",
}


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


OPEN311_KEY_SCHEME = {
    "type": "apiKey",
    "in": "query",
    "name": "api_key",
    "description": "Open311's own way to send an API client's key (GeoReport v2).",
}


def _open311_security(path: str, method: str, operation: dict[str, Any]) -> None:
    """Open311 reads need no key (the public view); a key, in `api_key` as the standard has
    it or in `X-API-Key`, gives a partner's fuller view. Filing needs one (in its form)."""
    if path.startswith(OWN_ERROR_FORMAT) and method == "get" and operation.get("security"):
        operation["security"] = [{}, {"APIKeyHeader": []}, {"Open311ApiKey": []}]


def _with_published_component_names(schema: dict[str, Any]) -> dict[str, Any]:
    text = json.dumps(schema, ensure_ascii=False)
    for generated, published in PUBLISHED_COMPONENT_NAMES.items():
        text = text.replace(
            f'"#/components/schemas/{generated}"', f'"#/components/schemas/{published}"'
        )
    renamed: dict[str, Any] = json.loads(text)
    components = renamed["components"]["schemas"]
    for generated, published in PUBLISHED_COMPONENT_NAMES.items():
        if generated in components:
            components[published] = components.pop(generated)
    return renamed


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
        schema["components"].setdefault("securitySchemes", {})["Open311ApiKey"] = OPEN311_KEY_SCHEME
        for path, operations in schema["paths"].items():
            for method, operation in operations.items():
                _open311_security(path, method, operation)
                if not path.startswith(OWN_ERROR_FORMAT):
                    _complete(operation)
                else:
                    # Open311 reports invalid input as a 400 in its own format, never a 422.
                    responses = operation.get("responses", {})
                    responses.pop("422", None)
                    # Its query strings are unbounded by the standard: a request line the
                    # HTTP server itself cannot parse is its plain-text 400, before the app.
                    if "400" in responses:
                        responses["400"].setdefault("content", {})["text/plain"] = {}
        # FastAPI's own validation shapes stay only where an operation still names them: a
        # dangling reference breaks ReDoc.
        paths = json.dumps(schema["paths"])
        if '"#/components/schemas/HTTPValidationError"' not in paths:
            for unused in ("HTTPValidationError", "ValidationError"):
                components.pop(unused, None)
        app.openapi_schema = _with_published_component_names(schema)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


# The Swagger UI and ReDoc assets come from the fastapi-offline package, so the pages work on
# an intranet without internet access (the FastAPI defaults load them from a CDN).
DOCS_ASSETS = Path(fastapi_offline.__file__).resolve().parent / "static"
DOCS_ASSETS_URL = "/docs-assets"
SWAGGER_UI_PARAMETERS = {"persistAuthorization": True, "displayRequestDuration": True}
# The password flow has no OAuth2 client: hide the client id, secret and their location.
HIDE_UNUSED_CLIENT_FIELDS = """<style>
.auth-container .wrapper:has(> label[for="password_type"]),
.auth-container .wrapper:has(> label[for^="client_id"]),
.auth-container .wrapper:has(> label[for^="client_secret"]) { display: none; }
</style>
</head>"""


def install_docs(app: FastAPI) -> None:
    """``/docs`` (Swagger UI) and ``/redoc`` served with assets from the app itself."""
    app.mount(DOCS_ASSETS_URL, StaticFiles(directory=DOCS_ASSETS), name="docs-assets")
    redirect_url = "/docs/oauth2-redirect"

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        page = get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} - Swagger UI",
            oauth2_redirect_url=f"{root}{redirect_url}",
            swagger_js_url=f"{root}{DOCS_ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{DOCS_ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}{DOCS_ASSETS_URL}/favicon.png",
            swagger_ui_parameters=SWAGGER_UI_PARAMETERS,
        )
        html = bytes(page.body).decode().replace("</head>", HIDE_UNUSED_CLIENT_FIELDS, 1)
        return HTMLResponse(html)

    @app.get(redirect_url, include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{root}{DOCS_ASSETS_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{DOCS_ASSETS_URL}/favicon.png",
            with_google_fonts=False,
        )
