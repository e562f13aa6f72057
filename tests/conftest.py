"""Test harness: one real database per run, built by ``alembic upgrade head``.

``GOVFLOW_TEST_DATABASE_URL`` picks the database (default: a fresh SQLite file);
``make test`` runs the suite once on SQLite and once on PostgreSQL. Every test
starts from empty tables, and drives the app over HTTP through httpx.
"""

import asyncio
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from app.config import Settings
from app.main import create_app
from tests import factories

ROOT = Path(__file__).resolve().parent.parent


# Folders this run made in the temporary directory; removed when the run ends.
TEMPORARY_FOLDERS: list[str] = []


def temporary_folder(prefix: str) -> str:
    folder = tempfile.mkdtemp(prefix=prefix)
    TEMPORARY_FOLDERS.append(folder)
    return folder


def is_test_database_name(name: str) -> bool:
    """The suite wipes its database: only one whose name says it is for tests."""
    return name.lower().startswith("test") or name.lower().endswith("test")


def refuse_unless_test_database(url: str) -> None:
    database = make_url(url).database or ""
    name = Path(database).stem if url.startswith("sqlite") else database
    if not is_test_database_name(name):
        raise pytest.UsageError(
            f"refusing to run the tests on database {name!r}: the suite drops everything in "
            "it. Use a database whose name starts or ends with 'test' (test, test_govflow, "
            "govflow_test) in GOVFLOW_TEST_DATABASE_URL."
        )


def _test_database_url() -> str:
    url = os.environ.get("GOVFLOW_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite+aiosqlite:///{temporary_folder('govflow-test-')}/test.db"


DATABASE_URL = _test_database_url()
IS_POSTGRES = DATABASE_URL.startswith("postgresql")


def pytest_configure() -> None:
    refuse_unless_test_database(DATABASE_URL)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every collected test gets its own node id.

    Schemathesis gives each operation's test (tests/test_api_fuzz.py) its function's node
    id; pytest's progress counts reports by node id, so it counted 135 tests as one and
    the run ended at "[ 77%]". The item's name holds the operation: the id is built from it.
    """
    counts = Counter(item.nodeid for item in items)
    for item in items:
        if counts[item.nodeid] > 1 and item.parent is not None:
            if hasattr(item, "_id"):  # pytest 9: a structured node id
                item._id = item.parent.id.child(item.name)
            else:
                item._nodeid = f"{item.parent.nodeid}::{item.name}"


def pytest_unconfigure() -> None:
    for folder in TEMPORARY_FOLDERS:
        shutil.rmtree(folder, ignore_errors=True)


def pytest_report_header() -> str:
    return f"govflow test database: {DATABASE_URL.split('@')[-1]}"


async def reset_database(url: str) -> None:
    """Drop everything so the migrations start from an empty database."""
    refuse_unless_test_database(url)
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
        else:
            tables = await connection.execute(
                text("SELECT name FROM sqlite_master WHERE type='table'")
            )
            for (name,) in tables.all():
                await connection.execute(text(f'DROP TABLE IF EXISTS "{name}"'))
    await engine.dispose()


async def run_alembic(url: str, *args: str) -> None:
    """Alembic's async env runs its own event loop, so it gets a thread of its own."""
    from alembic import command
    from alembic.config import Config

    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["database_url"] = url
    await asyncio.to_thread(getattr(command, args[0]), config, *args[1:])


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings(
        database_url=DATABASE_URL,
        secret_key="test-secret-key-that-is-long-enough-1234567890",
        admin_password="bootstrap-admin-password",
        run_scheduler=False,
        log_json=True,
        storage_path=temporary_folder("govflow-files-"),
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[Any]:
    await reset_database(settings.database_url)
    await run_alembic(settings.database_url, "upgrade", "head")
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(autouse=True)
async def clean_tables(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    if "app" not in request.fixturenames:
        yield
        return
    application = request.getfixturevalue("app")
    yield
    await factories.truncate_all(application)


@pytest.fixture
async def client(app: Any) -> AsyncIterator[AsyncClient]:
    transport = ASGITransport(app=app, client=("203.0.113.7", 50000))
    async with AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


@dataclass
class World:
    """Factories bound to the running app: people, departments and their tokens."""

    app: Any
    client: AsyncClient

    async def department(self, code: str = "CGJ", **fields: Any) -> dict[str, Any]:
        return await factories.department(self.app, code=code, **fields)

    async def user(
        self, *roles: str, department: dict[str, Any] | None = None, **fields: Any
    ) -> factories.Person:
        return await factories.user(self.app, roles, department, **fields)

    def as_(self, user: factories.Person) -> "AuthedClient":
        return AuthedClient(self.client, user.headers)


@dataclass
class AuthedClient:
    client: AsyncClient
    headers: dict[str, str]

    def __getattr__(self, method: str) -> Callable[..., Awaitable[Any]]:
        call = getattr(self.client, method)

        async def send(url: str, **kwargs: Any) -> Any:
            headers = {**self.headers, **kwargs.pop("headers", {})}
            return await call(url, headers=headers, **kwargs)

        return send


@pytest.fixture
async def world(app: Any, client: AsyncClient) -> World:
    return World(app, client)


@pytest.fixture
async def admin(world: World) -> factories.Person:
    return await world.user("admin", username="root-admin")


# The offices most test files work in; built through the API by their helper modules
# (imported here when used: they import this module for World).
@pytest.fixture
async def hotline(world: World) -> dict[str, Any]:
    from tests.hotline import make_hotline

    return await make_hotline(world)


@pytest.fixture
async def hall(world: World, admin: factories.Person) -> dict[str, Any]:
    from tests.approval_hall import make_hall

    return await make_hall(world, admin)


@pytest.fixture
async def bureau(world: World) -> Any:
    from tests.case_bureau import make_bureau

    return await make_bureau(world)
