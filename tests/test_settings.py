"""Settings refuse an unsafe production start; the first start creates an administrator."""

from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

from app.config import PLACEHOLDER_SECRET, Settings
from app.identity.service import bootstrap_admin
from app.models.identity import User
from tests.factories import truncate_all

STRONG = "x" * 40
POSTGRES = "postgresql+asyncpg://app@db:5432/govflow"


def _settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ({"secret_key": PLACEHOLDER_SECRET, "database_url": POSTGRES}, "SECRET_KEY"),
        ({"secret_key": "short", "database_url": POSTGRES}, "SECRET_KEY"),
        ({"secret_key": STRONG}, "SQLite"),
        (
            {"secret_key": STRONG, "database_url": "postgresql+asyncpg://govflow:govflow@db/g"},
            "default database password",
        ),
        (
            {"secret_key": STRONG, "database_url": "postgresql+asyncpg://app:postgres@db/g"},
            "default database password",
        ),
    ],
)
def test_production_refuses_weak_secrets_and_sqlite(values: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        _settings(env="production", **values)


def test_production_starts_with_a_strong_secret_on_postgres_or_allowed_sqlite() -> None:
    assert _settings(env="production", secret_key=STRONG, database_url=POSTGRES).env == "production"
    assert _settings(env="production", secret_key=STRONG, allow_sqlite=True).is_sqlite


def test_development_accepts_the_defaults() -> None:
    assert _settings().env == "development"


async def test_bootstrap_creates_the_admin_once_and_logs_a_generated_password(
    app: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = app.state.settings.model_copy(
        update={"admin_password": None, "admin_username": "first-admin"}
    )
    await truncate_all(app)  # the app's own start-up already bootstrapped one
    async with app.state.sessionmaker() as session:
        await bootstrap_admin(session, settings)
        await bootstrap_admin(session, settings)
        admins = await session.scalar(select(func.count()).select_from(User))
    assert admins == 1
    logged = [
        line
        for line in capsys.readouterr().out.splitlines()
        if "bootstrap_admin_password_generated" in line
    ]
    assert len(logged) == 1 and "first-admin" in logged[0]
    assert "python -m app users reset-password first-admin" in logged[0], "says how to change it"
