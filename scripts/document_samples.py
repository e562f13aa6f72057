"""Render one document of each module from the test data, as PDF and PNG (for the README).

    .venv/bin/python -m scripts.document_samples docs/images

Builds a throw-away SQLite database, drives a case, an application and a ticket through
the API as the tests do, and writes each module's decision or reply with ``pdftoppm``
(Debian's poppler-utils) beside it.
"""

import asyncio
import subprocess
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from httpx import ASGITransport, AsyncClient

from app.config import Settings
from app.main import create_app
from tests.approval_hall import application_body, make_hall
from tests.case_bureau import make_bureau
from tests.conftest import World, reset_database, run_alembic
from tests.document_reading import documents, of_kind, pdf_bytes
from tests.factories import ticket_body


async def _act(world: World, who: Any, path: str, body: dict[str, Any]) -> None:
    response = await world.as_(who).post(path, json=body)
    assert response.status_code == 200, response.text


async def samples() -> list[tuple[str, bytes]]:
    work = tempfile.mkdtemp(prefix="govflow-samples-")
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{work}/samples.db",
        allow_sqlite=True,
        secret_key="sample-secret-key-that-is-long-enough-1234567890",
        admin_password="bootstrap-admin-password",
        run_scheduler=False,
        storage_path=work,
        _env_file=None,  # type: ignore[call-arg]
    )
    await reset_database(settings.database_url)
    await run_alembic(settings.database_url, "upgrade", "head")
    app = create_app(settings)
    written = []
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://samples") as client,
    ):
        world = World(app, client)
        bureau = await make_bureau(world)
        case = await bureau.decided()
        decision = of_kind(
            await documents(world, bureau.inspector, "cases", case), "penalty_decision"
        )
        written.append(
            (
                "case_penalty_decision",
                await pdf_bytes(world, bureau.inspector, "cases", case, decision),
            )
        )
        admin = await world.user("admin")
        hall = await make_hall(world, admin)
        application = (
            await world.as_(hall["citizen"]).post("/api/v1/approvals", json=application_body())
        ).json()
        base = f"/api/v1/approvals/{application['id']}/actions"
        await _act(world, hall["clerk"], f"{base}/accept", {})
        await _act(world, hall["reviewer"], f"{base}/recommend", {"opinion": "approve"})
        valid = (date.today() + timedelta(days=365)).isoformat()
        await _act(
            world,
            hall["leader"],
            f"{base}/approve",
            {"valid_until": valid, "conditions": "夜间施工须设置围挡和警示灯"},
        )
        permit = of_kind(
            await documents(world, hall["clerk"], "approvals", application), "approval_decision"
        )
        written.append(
            (
                "approval_decision",
                await pdf_bytes(world, hall["clerk"], "approvals", application, permit),
            )
        )
        department = await world.department("CGJ-RX", name="城市管理局")
        operator, handler = (
            await world.user("operator"),
            await world.user("handler", department=department),
        )
        ticket = (await world.as_(operator).post("/api/v1/tickets", json=ticket_body())).json()
        base = f"/api/v1/tickets/{ticket['id']}/actions"
        await _act(world, operator, f"{base}/dispatch", {"department_id": str(department["id"])})
        await _act(world, handler, f"{base}/sign", {})
        await _act(
            world,
            handler,
            f"{base}/reply",
            {
                "reply": "经现场核查，已责令摊贩撤离，并安排早晚高峰巡查。",
                "resolution_mode": "enforcement",
                "in_writing": True,
            },
        )
        letter = of_kind(await documents(world, operator, "tickets", ticket), "reply_letter")
        written.append(
            ("ticket_reply_letter", await pdf_bytes(world, operator, "tickets", ticket, letter))
        )
    return written


def write_pages(folder: Path, written: list[tuple[str, bytes]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, pdf in written:
        (folder / f"{name}.pdf").write_bytes(pdf)
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "70",
                "-singlefile",
                str(folder / f"{name}.pdf"),
                str(folder / name),
            ],
            check=True,
        )
        print(folder / f"{name}.png")


if __name__ == "__main__":
    write_pages(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/images"), asyncio.run(samples()))
