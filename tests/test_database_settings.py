"""GOVFLOW_DB_PGBOUNCER and GOVFLOW_READ_DATABASE_URL as the engines see them. Behind a real
PgBouncer the suite's smoke subset runs in `make test-pgbouncer`."""

from typing import Any

from app.config import Settings
from app.db import create_engine, create_sessionmakers, postgres_connect_args

POSTGRES = "postgresql+asyncpg://app@db:5432/govflow"


def _settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def _isolation(sessionmaker: Any) -> Any:
    return sessionmaker.kw["bind"].get_execution_options().get("isolation_level")


def test_behind_pgbouncer_no_statement_is_cached_or_shares_a_name() -> None:
    direct = postgres_connect_args(_settings(database_url=POSTGRES))
    pooled = postgres_connect_args(_settings(database_url=POSTGRES, db_pgbouncer=True))
    assert "statement_cache_size" not in direct
    assert pooled["statement_cache_size"] == 0
    assert pooled["prepared_statement_cache_size"] == 0
    names = {pooled["prepared_statement_name_func"]() for _ in range(100)}
    assert len(names) == 100


async def test_behind_pgbouncer_reads_keep_their_transaction() -> None:
    for pgbouncer, expected in ((False, "AUTOCOMMIT"), (True, None)):
        settings = _settings(database_url=POSTGRES, db_pgbouncer=pgbouncer)
        engine = create_engine(settings)
        makers = create_sessionmakers(engine, settings)
        assert _isolation(makers.primary_read) == expected
        assert _isolation(makers.primary) is None
        await engine.dispose()


async def test_a_replica_url_gets_an_engine_of_its_own_for_reads_and_exports() -> None:
    replica_url = "postgresql+asyncpg://app@replica:5432/govflow"
    settings = _settings(database_url=POSTGRES, read_database_url=replica_url)
    engine = create_engine(settings)
    makers = create_sessionmakers(engine, settings)
    assert makers.replica_engine is not None
    assert makers.replica_engine.url.host == "replica"
    assert makers.replica_read is not None
    assert makers.replica_read.kw["bind"].url.host == "replica"
    assert makers.replica_stream.kw["bind"].url.host == "replica"
    assert makers.primary.kw["bind"].url.host == "db"
    await makers.dispose_secondary_engines()
    await engine.dispose()


async def test_without_a_replica_exports_stream_from_the_primary() -> None:
    settings = _settings(database_url=POSTGRES)
    engine = create_engine(settings)
    makers = create_sessionmakers(engine, settings)
    assert makers.replica_engine is None and makers.replica_read is None
    assert makers.replica_stream.kw["bind"] is engine
    await engine.dispose()
