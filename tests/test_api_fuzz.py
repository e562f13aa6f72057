"""Schemathesis against the app's own OpenAPI document, as an administrator and a citizen.

A real server on 127.0.0.1 with a database of its own; a bounded number of generated
requests per operation. Standard checks: no 5xx, status codes, content types, headers
and bodies as documented, schema-violating requests refused. (Positive-data acceptance
is left out: business rules such as the calendar's 1990–2100 range refuse some
schema-valid inputs by design, with a documented 422.)
"""

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.main import create_app
from tests.receiver import free_port

ROOT = Path(__file__).resolve().parent.parent
ADMIN_PASSWORD = "fuzz-admin-password-123"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


def _server_env(folder: str) -> dict[str, str]:
    return {
        **os.environ,
        "GOVFLOW_DATABASE_URL": f"sqlite+aiosqlite:///{folder}/fuzz.db",
        "GOVFLOW_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "GOVFLOW_STORAGE_PATH": f"{folder}/files",
        "GOVFLOW_RUN_SCHEDULER": "false",
        "GOVFLOW_API_CLIENT_RATE_LIMIT_PER_MINUTE": "100000",
        "GOVFLOW_LOGIN_MAX_FAILURES": "100000",
    }


@pytest.fixture(scope="module")
def server() -> Iterator[dict[str, Any]]:
    folder = tempfile.mkdtemp(prefix="govflow-fuzz-")
    env = _server_env(folder)
    subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    port = free_port()
    log = open(f"{folder}/server.log", "w")  # noqa: SIM115  closed after the server stops
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app.main:app", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        admin = _token(base, "admin", ADMIN_PASSWORD)
        created = httpx.post(
            f"{base}/api/v1/users",
            headers=_bearer(admin),
            json={
                "username": "fuzz-citizen",
                "password": "citizen-password-1",
                "roles": ["citizen"],
            },
        )
        assert created.status_code == 201, created.text
        citizen = _token(base, "fuzz-citizen", "citizen-password-1")
        yield {"base": base, "tokens": {"admin": admin, "citizen": citizen}}
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()
    server_log = Path(f"{folder}/server.log").read_text()
    assert "unhandled_error" not in server_log, "the server logged an unhandled error"


def _token(base: str, username: str, password: str) -> str:
    response = httpx.post(
        f"{base}/api/v1/auth/token", data={"username": username, "password": password}
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# The document the server serves is the one the app builds; loading it from the app object
# keeps collection independent of the server fixture.
schema = schemathesis.openapi.from_dict(create_app().openapi())


@schema.parametrize()
@settings(
    max_examples=int(os.environ.get("GOVFLOW_FUZZ_EXAMPLES", "3")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_own_document(case: Any, server: dict[str, Any]) -> None:
    for token in server["tokens"].values():
        case.call_and_validate(base_url=server["base"], headers=_bearer(token), checks=CHECKS)
