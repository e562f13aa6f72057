"""The request log writes the route, never the query string (Open311 ``api_key``,
``reporter_phone``), and a server started without ``--no-access-log`` writes no access line
of uvicorn's own either."""

import asyncio
import json
import os
import socket
import sys
from pathlib import Path

import httpx

from tests.conftest import ROOT, run_alembic

SECRET = "gk_live_request_log_secret_0001"
PHONE = "13955557777"
START_TIMEOUT = 60.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def _wait_until_up(base_url: str, server: asyncio.subprocess.Process) -> None:
    deadline = asyncio.get_running_loop().time() + START_TIMEOUT
    async with httpx.AsyncClient(base_url=base_url) as http:
        while asyncio.get_running_loop().time() < deadline:
            assert server.returncode is None, "the server stopped while starting"
            try:
                if (await http.get("/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise AssertionError("the server did not start")


async def test_a_plain_uvicorn_server_logs_routes_and_no_query_values(tmp_path: Path) -> None:
    database_url = f"sqlite+aiosqlite:///{tmp_path}/request-log.db"
    await run_alembic(database_url, "upgrade", "head")
    port = _free_port()
    env = {
        **os.environ,
        "GOVFLOW_DATABASE_URL": database_url,
        "GOVFLOW_RUN_SCHEDULER": "false",
        "GOVFLOW_ADMIN_PASSWORD": "request-log-admin-passphrase-71",
        "GOVFLOW_STORAGE_PATH": str(tmp_path / "storage"),
        "GOVFLOW_LOG_JSON": "true",
    }
    server = await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port)),
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        base_url = f"http://127.0.0.1:{port}"
        await _wait_until_up(base_url, server)
        async with httpx.AsyncClient(base_url=base_url) as http:
            query = {"api_key": SECRET, "reporter_phone": PHONE}
            await http.get("/open311/v2/requests.json", params=query)
            await http.get("/api/v1/tickets", params={"reporter_phone": PHONE})
    finally:
        server.terminate()
        output, _ = await asyncio.wait_for(server.communicate(), timeout=30)
    logged = output.decode()
    assert SECRET not in logged and PHONE not in logged, logged
    lines = [json.loads(line) for line in logged.splitlines() if line.startswith("{")]
    requests = [line for line in lines if line.get("event") == "request"]
    assert {"path": "/open311/v2/requests.{format}", "method": "GET"}.items() <= next(
        line for line in requests if line["path"].startswith("/open311")
    ).items()
    assert any(line["path"] == "/api/v1/tickets" and line["status"] == 401 for line in requests)
    assert all("?" not in line["path"] for line in requests)
    assert '"GET /' not in logged  # uvicorn's own access line: `"GET /path?query HTTP/1.1" 200`
