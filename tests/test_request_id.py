"""X-Request-ID: a caller's safe id is echoed and logged as sent; an unsafe one is replaced."""

import json
import uuid
from typing import Any

import pytest
from httpx import AsyncClient

SAFE_IDS = [
    "3f1c1c6e-8a9b-4c1e-9a52-1d1f5f0a0b7c",
    "0123456789abcdef0123456789abcdef",  # 32 hex characters, as many gateways send
    "00-0123456789abcdef0123456789abcdef-b7ad6b7169203331-01",  # W3C traceparent
    "Root=1-67891233-abcdef012345678912345678;Parent=53995c3f42cd8ad8",
    "gw:edge-3/req#42 retry",
    "x" * 128,
]
UNSAFE_IDS = [
    "x" * 129,
    "abc\x01def",
    "line\x7fdel",
    " leading-space",
]


def _replaced(sent: str, answered: str) -> bool:
    return answered != sent and uuid.UUID(answered).hex == answered.replace("-", "")


@pytest.mark.parametrize("given", SAFE_IDS)
async def test_a_safe_request_id_is_echoed_as_sent(client: AsyncClient, given: str) -> None:
    response = await client.get("/healthz", headers={"X-Request-ID": given})
    assert response.headers["X-Request-ID"] == given


async def test_a_safe_request_id_is_the_one_in_the_request_log(
    client: AsyncClient, capsys: Any
) -> None:
    given = "00-0123456789abcdef0123456789abcdef-b7ad6b7169203331-01"
    await client.get("/healthz", headers={"X-Request-ID": given})
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines() if given in line]
    assert any(line["event"] == "request" and line["request_id"] == given for line in logged)


@pytest.mark.parametrize("given", UNSAFE_IDS, ids=["too long", "control", "DEL", "space"])
async def test_an_unsafe_request_id_is_replaced_by_a_fresh_one(
    client: AsyncClient, given: str
) -> None:
    response = await client.get("/healthz", headers={"X-Request-ID": given.encode()})
    assert _replaced(given, response.headers["X-Request-ID"])


async def test_a_non_ascii_request_id_is_replaced(client: AsyncClient) -> None:
    given = "请求-42".encode()
    response = await client.get("/healthz", headers={"X-Request-ID": given})
    assert _replaced(given.decode("latin-1"), response.headers["X-Request-ID"])


async def test_no_request_id_gets_a_generated_one(client: AsyncClient) -> None:
    first = (await client.get("/healthz")).headers["X-Request-ID"]
    second = (await client.get("/healthz")).headers["X-Request-ID"]
    assert uuid.UUID(first) and uuid.UUID(second) and first != second
