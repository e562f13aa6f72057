"""Administration from the command line, run as an operator would: ``python -m app …``.

Each command runs in a process of its own against the test database, then the result is
checked through the HTTP API. Start-up failures are checked by starting the server.
"""

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from httpx import AsyncClient
from sqlalchemy import func, select

from app.approvals.schemas import ApprovalCreate
from app.models.rollup import TicketRollup
from tests.conftest import DATABASE_URL, ROOT, World
from tests.factories import Person
from tests.hotline import create

EXAMPLE = ROOT / "docs" / "examples" / "org.yaml"
STRONG = "湖畔 晨跑 七点 整 好"


def govflow(*args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "GOVFLOW_DATABASE_URL": DATABASE_URL,
        "GOVFLOW_STORAGE_PATH": env.pop("storage", tempfile.gettempdir()),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=ROOT,
        env=environment,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=180,
    )


async def sign_in(client: AsyncClient, username: str, password: str) -> dict[str, str]:
    response = await client.post(
        "/api/v1/auth/token", data={"username": username, "password": password}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def passwords(output: str) -> dict[str, str]:
    return dict(re.findall(r"password for (\S+): (\S+)", output))


async def test_setup_from_the_example_lets_a_clerk_register_an_approval_at_once(
    world: World, admin: Person
) -> None:
    first = govflow("setup", "--file", str(EXAMPLE))
    assert first.returncode == 0, first.stderr
    assert "departments: 6 created" in first.stdout
    clerk = await sign_in(world.client, "li.na", passwords(first.stdout)["li.na"])

    example = ApprovalCreate.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]
    created = await world.client.post("/api/v1/approvals", json=example, headers=clerk)
    assert created.status_code == 201, created.text

    again = govflow("setup", "--file", str(EXAMPLE))
    assert again.returncode == 0, again.stderr
    assert "0 created, 0 updated, 6 unchanged" in again.stdout
    assert passwords(again.stdout) == {}
    departments = (await world.as_(admin).get("/api/v1/departments?limit=100")).json()["items"]
    assert len(departments) == 6


async def test_setup_with_an_error_changes_nothing_and_says_where(
    world: World, admin: Person, tmp_path: Path
) -> None:
    org = tmp_path / "org.yaml"
    org.write_text(
        "departments:\n  - {code: A, name: 甲}\n"
        "users:\n  - {username: nobody.s.clerk, roles: [clerk]}\n",
        encoding="utf-8",
    )
    run = govflow("setup", "--file", str(org))
    assert run.returncode == 1
    assert run.stderr.strip().startswith("error: user nobody.s.clerk:")
    assert "department" in run.stderr and "Traceback" not in run.stderr
    departments = (await world.as_(admin).get("/api/v1/departments")).json()["items"]
    assert departments == []


async def test_unassigned_service_error_says_how_to_fix_it(world: World) -> None:
    clerk = await world.user("clerk", department=await world.department("SP"))
    example: Any = ApprovalCreate.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]
    refused = await world.as_(clerk).post("/api/v1/approvals", json=example)
    assert refused.status_code == 422 and refused.json()["code"] == "service_not_assigned"
    assert "PATCH /api/v1/approval-services/" in refused.json()["detail"]
    assert "python -m app setup" in refused.json()["detail"]


async def test_users_commands_create_reset_and_deactivate(world: World) -> None:
    await world.department("CG-SP")
    created = govflow("users", "create", "zhang.san", "--role", "clerk", "--department", "CG-SP")
    assert created.returncode == 0, created.stderr
    generated = re.search(r"password (\S+) \(shown once", created.stdout)
    assert generated is not None
    await sign_in(world.client, "zhang.san", generated.group(1))

    refused = govflow("users", "create", "li.si", "--role", "clerk")
    assert refused.returncode == 1 and "department" in refused.stderr

    reset = govflow("users", "reset-password", "zhang.san", "--password-stdin", stdin=STRONG)
    assert reset.returncode == 0, reset.stderr
    await sign_in(world.client, "zhang.san", STRONG)

    assert govflow("users", "deactivate", "zhang.san").returncode == 0
    signed_in = await world.client.post(
        "/api/v1/auth/token", data={"username": "zhang.san", "password": STRONG}
    )
    assert signed_in.status_code == 401


async def test_check_reports_each_part_and_fails_on_unwritable_storage(
    app: Any, tmp_path: Path
) -> None:
    healthy = govflow("check", storage=str(tmp_path))
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    for part in ("configuration", "database", "migrations", "storage"):
        assert re.search(rf"^ok +{part}:", healthy.stdout, re.MULTILINE), healthy.stdout

    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")
    broken = govflow("check", storage=str(blocked / "storage"))
    assert broken.returncode == 1
    assert re.search(r"^FAIL storage:", broken.stdout, re.MULTILINE), broken.stdout


def start_server(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Start the real server on a database of its own; it is expected to stop by itself."""
    database = f"sqlite+aiosqlite:///{tmp_path}/startup.db"
    environment = {**os.environ, "GOVFLOW_DATABASE_URL": database}
    subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"],
        cwd=ROOT,
        env=environment,
        check=True,
        capture_output=True,
    )
    return subprocess.run(
        [sys.executable, "-m", "uvicorn", "app.main:app", "--port", "0"],
        cwd=ROOT,
        env={**environment, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_refused_bootstrap_password_stops_start_up_in_one_line(tmp_path: Path) -> None:
    run = start_server(tmp_path, GOVFLOW_ADMIN_PASSWORD="password123")
    assert run.returncode != 0
    output = run.stdout + run.stderr
    assert "Traceback" not in output, output
    reasons = [line for line in output.splitlines() if "GOVFLOW_ADMIN_PASSWORD is refused" in line]
    assert len(reasons) == 1, output


def test_bad_setting_stops_start_up_in_one_line(tmp_path: Path) -> None:
    run = start_server(tmp_path, GOVFLOW_ENV="production", GOVFLOW_ALLOW_SQLITE="true")
    assert run.returncode != 0
    assert "Traceback" not in run.stderr, run.stderr
    assert run.stderr.strip().splitlines() == [
        "govflow cannot start: GOVFLOW_SECRET_KEY must be set to a random value of at least "
        "32 characters in production"
    ]


async def _received_in_rollups(world: World) -> int:
    async with world.app.state.sessionmaker() as session:
        total = await session.scalar(
            select(func.sum(TicketRollup.received)).where(
                TicketRollup.dimension == "category", TicketRollup.across_departments.is_(True)
            )
        )
    return int(total or 0)


async def test_rollups_rebuild_then_refresh_count_what_was_written_since(
    world: World, hotline: dict[str, Any]
) -> None:
    for _ in range(2):
        await create(world, hotline["operator"])
    rebuilt = govflow("rollups", "rebuild")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "rebuilt the ticket statistics' rollups" in rebuilt.stdout
    assert await _received_in_rollups(world) == 2

    await create(world, hotline["operator"])
    assert await _received_in_rollups(world) == 2  # nothing counts it until a refresh
    refreshed = govflow("rollups", "refresh")
    assert refreshed.returncode == 0, refreshed.stderr
    assert re.search(r"refreshed .* 1 days recounted", refreshed.stdout), refreshed.stdout
    assert await _received_in_rollups(world) == 3
