"""The migrations build exactly the models' schema, and can be undone and redone."""

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

from app.models import described_by_models
from tests.conftest import DATABASE_URL, run_alembic


def _diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_object": described_by_models}
    )
    return list(compare_metadata(context, SQLModel.metadata))


async def _schema_diff() -> list[Any]:
    engine = create_async_engine(DATABASE_URL)
    async with engine.connect() as connection:
        diff = await connection.run_sync(_diff)
    await engine.dispose()
    return diff


async def test_upgrade_head_builds_exactly_the_models_schema(app: Any) -> None:
    assert await _schema_diff() == []


async def test_downgrade_to_base_then_upgrade_again_restores_the_schema(app: Any) -> None:
    await app.state.engine.dispose()
    await run_alembic(DATABASE_URL, "downgrade", "base")
    leftover = await _schema_diff()
    assert any(op[0] == "add_table" for op in leftover), "downgrade left the tables in place"
    await run_alembic(DATABASE_URL, "upgrade", "head")
    assert await _schema_diff() == []
