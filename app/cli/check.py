"""``python -m app check``: will this installation start and work?

Configuration, database reachable, migrations at head, storage writable: one line each,
and a non-zero exit when any fails.
"""

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from pydantic import ValidationError
from sqlalchemy import text

from app.config import Settings
from app.db import create_engine
from app.files.storage import storage_from_settings
from app.startup import describe_invalid_settings

ALEMBIC_INI = Path(__file__).resolve().parents[2] / "alembic.ini"


@dataclass(frozen=True)
class Finding:
    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'} {self.name}: {self.detail}"


async def _one_chunk() -> AsyncIterator[bytes]:
    yield b"govflow check"


async def _storage(settings: Settings) -> Finding:
    storage = storage_from_settings(settings)
    key = f"govflow-check-{uuid.uuid4().hex}"
    where = settings.storage_path if settings.storage_backend == "local" else settings.s3_bucket
    try:
        await storage.write(key, _one_chunk())
        await storage.delete(key)
    except Exception as error:  # any failure to write is the finding itself
        return Finding("storage", False, f"cannot write to {where}: {error}")
    return Finding("storage", True, f"{settings.storage_backend} storage {where} is writable")


async def run_checks() -> list[Finding]:
    try:
        settings = Settings()
    except ValidationError as error:
        return [Finding("configuration", False, describe_invalid_settings(error))]
    findings = [Finding("configuration", True, f"{settings.env} settings are valid")]
    engine = create_engine(settings)
    where = settings.database_url.split("@")[-1]
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
            current = await connection.run_sync(
                lambda sync: set(MigrationContext.configure(sync).get_current_heads())
            )
    except Exception as error:  # unreachable, refused, bad credentials: all the finding
        findings.append(Finding("database", False, f"{where} is not reachable: {error}"))
        findings.append(Finding("migrations", False, "not checked: no database"))
    else:
        findings.append(Finding("database", True, f"{where} answers"))
        heads = set(ScriptDirectory.from_config(Config(str(ALEMBIC_INI))).get_heads())
        if current == heads:
            findings.append(Finding("migrations", True, f"at head {', '.join(sorted(heads))}"))
        else:
            findings.append(
                Finding(
                    "migrations",
                    False,
                    f"database at {', '.join(sorted(current)) or 'nothing'}, code at "
                    f"{', '.join(sorted(heads))}: run `alembic upgrade head` (make migrate)",
                )
            )
    finally:
        await engine.dispose()
    findings.append(await _storage(settings))
    return findings
