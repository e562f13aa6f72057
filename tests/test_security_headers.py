"""Security headers on every response, and CORS only for the configured origins.

The headers follow OWASP's REST Security Cheat Sheet: an API answer is never cached, never
sniffed into another type, never framed, and (CSP) loads nothing. The Swagger UI at /docs
loads its script from a CDN, so it alone goes without the CSP.
"""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from httpx import ASGITransport, AsyncClient, Response

from app.config import Settings
from app.main import create_app

PORTAL = "https://portal.example.gov.cn"
STRANGER = "https://evil.example.com"
HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
    "strict-transport-security": "max-age=31536000",
}
API_CSP = "default-src 'none'; frame-ancestors 'none'"


def _assert_secured(response: Response, csp: bool = True) -> None:
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, (name, response.status_code)
    if csp:
        assert response.headers.get("content-security-policy") == API_CSP
    assert response.headers.get("x-request-id")


def _cors_headers(response: Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k.startswith("access-control-")}


def _app_with(settings: Settings, **updates: Any) -> Any:
    """An app of its own with other settings; nothing it is asked here touches the database."""
    application = create_app(settings.model_copy(update=updates))

    async def fail() -> None:
        raise RuntimeError("an unexpected failure")

    application.add_api_route("/test-only/fail", fail, methods=["GET"])
    return application


@pytest.fixture(scope="module")
def plain_app(settings: Settings) -> Any:
    return _app_with(settings)


@pytest.fixture(scope="module")
def portal_app(settings: Settings) -> Any:
    return _app_with(settings, cors_origins=[PORTAL])


@asynccontextmanager
async def _client(application: Any) -> AsyncIterator[AsyncClient]:
    transport = ASGITransport(app=application, raise_app_exceptions=False)
    async with AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


def _preflight(origin: str, method: str = "POST") -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "authorization, content-type, idempotency-key, if-match",
    }


@pytest.mark.parametrize("path", ["/healthz", "/metrics"])
async def test_a_successful_answer_carries_the_security_headers(plain_app: Any, path: str) -> None:
    async with _client(plain_app) as http:
        response = await http.get(path)
    assert response.status_code == 200
    _assert_secured(response)


async def test_the_docs_page_is_not_framed_but_may_load_swagger_ui(plain_app: Any) -> None:
    async with _client(plain_app) as http:
        response = await http.get("/docs")
    assert response.status_code == 200
    _assert_secured(response, csp=False)
    assert "content-security-policy" not in response.headers


# Answered before any database work: an app of its own will do.
PROBLEMS: dict[str, tuple[int, Callable[[AsyncClient], Any]]] = {
    "404 unknown path": (404, lambda http: http.get("/api/v1/nothing-here")),
    "405 wrong method": (405, lambda http: http.delete("/healthz")),
    "413 body too large": (
        413,
        lambda http: http.post(
            "/api/v1/departments",
            content=b"{" + b" " * 2_000_000 + b"}",
            headers={"Content-Type": "application/json"},
        ),
    ),
}


def _assert_secured_problem(response: Response, status: int) -> None:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    _assert_secured(response)


@pytest.mark.parametrize(("status", "send"), PROBLEMS.values(), ids=PROBLEMS.keys())
async def test_a_problem_answer_carries_the_security_headers(
    plain_app: Any, status: int, send: Callable[[AsyncClient], Any]
) -> None:
    async with _client(plain_app) as http:
        _assert_secured_problem(await send(http), status)


async def test_authentication_and_validation_problems_carry_the_security_headers(
    client: AsyncClient,
) -> None:
    _assert_secured_problem(await client.get("/api/v1/me"), 401)
    _assert_secured_problem(await client.post("/api/v1/auth/token", data={}), 422)


async def test_an_unexpected_error_is_a_problem_with_the_security_headers(
    plain_app: Any,
) -> None:
    async with _client(plain_app) as http:
        response = await http.get("/test-only/fail")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "internal_error"
    assert "unexpected failure" not in response.text
    _assert_secured(response)


async def test_a_preflight_from_a_configured_origin_allows_the_api_methods_and_headers(
    portal_app: Any,
) -> None:
    async with _client(portal_app) as http:
        response = await http.options("/api/v1/tickets", headers=_preflight(PORTAL, "PATCH"))
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == PORTAL
    methods = {m.strip() for m in response.headers["access-control-allow-methods"].split(",")}
    assert {"GET", "POST", "PATCH", "DELETE"} <= methods
    allowed = {h.strip() for h in response.headers["access-control-allow-headers"].split(",")}
    assert {"authorization", "content-type", "idempotency-key", "if-match"} <= allowed
    assert "Origin" in response.headers["vary"]
    assert "access-control-allow-credentials" not in response.headers
    _assert_secured(response)


async def test_a_request_from_a_configured_origin_may_read_the_answer_and_its_headers(
    portal_app: Any,
) -> None:
    async with _client(portal_app) as http:
        response = await http.get("/healthz", headers={"Origin": PORTAL})
        problem = await http.get("/api/v1/nothing-here", headers={"Origin": PORTAL})
    for answer in (response, problem):
        assert answer.headers["access-control-allow-origin"] == PORTAL
        exposed = {h.strip() for h in answer.headers["access-control-expose-headers"].split(",")}
        assert {"ETag", "X-Request-ID", "Retry-After"} <= exposed
        assert "access-control-allow-credentials" not in answer.headers


async def test_an_unexpected_error_keeps_the_cors_headers_a_browser_needs_to_read_it(
    portal_app: Any,
) -> None:
    async with _client(portal_app) as http:
        response = await http.get("/test-only/fail", headers={"Origin": PORTAL})
    assert response.status_code == 500
    assert response.json()["code"] == "internal_error"
    assert response.headers["access-control-allow-origin"] == PORTAL
    _assert_secured(response)


async def test_an_unconfigured_origin_gets_no_cors_permission(portal_app: Any) -> None:
    async with _client(portal_app) as http:
        preflight = await http.options("/api/v1/tickets", headers=_preflight(STRANGER))
        simple = await http.get("/healthz", headers={"Origin": STRANGER})
        lookalike = await http.get("/healthz", headers={"Origin": PORTAL + ".evil.example.com"})
    assert preflight.status_code == 400
    for response in (preflight, simple, lookalike):
        assert "access-control-allow-origin" not in response.headers
        assert "access-control-allow-credentials" not in response.headers
        _assert_secured(response)


async def test_with_no_origins_configured_there_are_no_cors_headers_at_all(
    plain_app: Any,
) -> None:
    async with _client(plain_app) as http:
        preflight = await http.options("/api/v1/tickets", headers=_preflight(PORTAL))
        simple = await http.get("/healthz", headers={"Origin": PORTAL})
    assert preflight.status_code == 405
    for response in (preflight, simple):
        assert _cors_headers(response) == {}


async def test_a_wildcard_origin_is_never_combined_with_credentials(settings: Settings) -> None:
    async with _client(_app_with(settings, cors_origins=["*"])) as http:
        preflight = await http.options("/api/v1/tickets", headers=_preflight(STRANGER))
        simple = await http.get("/healthz", headers={"Origin": STRANGER})
    for response in (preflight, simple):
        assert response.headers["access-control-allow-origin"] == "*"
        assert "access-control-allow-credentials" not in response.headers
