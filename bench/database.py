"""The bench database: where it is, creating and migrating it, and refusing any other.

The loader drops and rebuilds the bench database's schema, so it only ever works on a
database whose name contains ``bench`` (never ``test``, which the test suites share).
"""

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/govflow_bench"


@dataclass(frozen=True)
class BenchDatabase:
    url: str  # SQLAlchemy form, as the app takes it

    @classmethod
    def from_env(cls) -> "BenchDatabase":
        database = cls(os.environ.get("GOVFLOW_BENCH_DATABASE_URL") or DEFAULT_URL)
        database.check_safe()
        return database

    @property
    def dsn(self) -> str:
        """The same database for asyncpg, psql and pgbench."""
        return self.url.replace("postgresql+asyncpg://", "postgresql://", 1)

    @property
    def name(self) -> str:
        return urlsplit(self.dsn).path.lstrip("/")

    @property
    def parts(self) -> dict[str, str]:
        split = urlsplit(self.dsn)
        return {
            "host": split.hostname or "127.0.0.1",
            "port": str(split.port or 5432),
            "user": split.username or "postgres",
            "password": split.password or "",
            "dbname": self.name,
        }

    def check_safe(self) -> None:
        if not self.url.startswith("postgresql+asyncpg://"):
            raise SystemExit("GOVFLOW_BENCH_DATABASE_URL must be postgresql+asyncpg://…")
        if self.name == "test" or "bench" not in self.name:
            raise SystemExit(
                f"refusing database {self.name!r}: the bench rebuilds its schema, so its "
                "database name must contain 'bench' (and is never the tests' 'test')"
            )

    async def connect(self) -> asyncpg.Connection:
        return await asyncpg.connect(self.dsn)

    async def create_if_missing(self) -> None:
        server = self.dsn.rsplit("/", 1)[0] + "/postgres"
        connection = await asyncpg.connect(server)
        try:
            exists = await connection.fetchval(
                "SELECT 1 FROM pg_database WHERE datname = $1", self.name
            )
            if not exists:
                await connection.execute(f'CREATE DATABASE "{self.name}"')
                print(f"bench: created database {self.name}", flush=True)
        finally:
            await connection.close()

    def _run_module(self, *arguments: str) -> None:
        """``python -m …`` of this checkout against the bench database."""
        subprocess.run(
            [sys.executable, "-m", *arguments],
            cwd=ROOT,
            env={**os.environ, "GOVFLOW_DATABASE_URL": self.url},
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def migrate(self) -> None:
        self._run_module("alembic", "upgrade", "head")

    def refresh_rollups(self) -> float:
        """The worker's rollup pass, once (the bench runs no worker): seconds it took. The
        first pass after a load finds no watermark and rebuilds every day."""
        started = time.monotonic()
        self._run_module("app", "rollups", "refresh")
        return round(time.monotonic() - started, 2)

    async def reset_schema(self) -> None:
        connection = await self.connect()
        try:
            await connection.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public")
        finally:
            await connection.close()

    def pgbench_environment(self) -> dict[str, str]:
        parts = self.parts
        environment = {
            **os.environ,
            "PGHOST": parts["host"],
            "PGPORT": parts["port"],
            "PGUSER": parts["user"],
            "PGDATABASE": parts["dbname"],
        }
        if parts["password"]:
            environment["PGPASSWORD"] = parts["password"]
        return environment


async def server_facts(connection: asyncpg.Connection) -> dict[str, str]:
    facts = {"version": await connection.fetchval("SHOW server_version")}
    for setting in ("shared_buffers", "work_mem", "max_connections", "synchronous_commit"):
        facts[setting] = await connection.fetchval(f"SHOW {setting}")
    return facts
