"""Settings, read from the environment with the ``GOVFLOW_`` prefix."""

from decimal import Decimal
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

PLACEHOLDER_SECRET = "change-me-development-only-secret-key"
MIN_SECRET_LENGTH = 32
# Passwords that sample files, images and tutorials ship with: a production database
# reachable with one of them is as good as open.
DEFAULT_DATABASE_PASSWORDS = frozenset({"govflow", "postgres", "password", "changeme", "secret"})


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GOVFLOW_", env_file=".env", extra="ignore")

    env: Literal["development", "production"] = "development"
    database_url: str = "sqlite+aiosqlite:///./govflow.db"
    allow_sqlite: bool = False
    secret_key: str = PLACEHOLDER_SECRET
    access_token_minutes: int = Field(default=60, ge=1, le=24 * 60)
    admin_username: str = "admin"
    admin_password: str | None = None
    cors_origins: list[str] = []
    timezone: str = "Asia/Shanghai"
    db_pool_size: int = Field(default=10, ge=1)
    db_pool_timeout_seconds: float = Field(default=5.0, gt=0)
    db_pre_ping: bool = False
    db_pool_recycle_seconds: int = Field(default=600, ge=-1)
    # A streaming replica for statistics, exports and the party timeline: reads that may be a
    # moment stale. Unset: they read the primary.
    read_database_url: str | None = None
    # The database URLs point at PgBouncer in transaction mode: no prepared statement may
    # outlive its transaction, and no statement runs outside one.
    db_pgbouncer: bool = False
    # GET one record and the list pages read rows with SQLAlchemy Core and write their JSON
    # directly (app/records/core_read.py); false: through the ORM entities and pydantic.
    core_reads: bool = True
    # Freeze what start-up left alive out of the garbage collector's passes and collect the
    # young generation less often (app/core/heap.py); false: CPython's defaults.
    gc_tuning: bool = True
    login_max_failures: int = Field(default=5, ge=1)
    login_lock_seconds: int = Field(default=300, ge=1)
    login_address_max_failures: int = Field(default=20, ge=1)
    idempotency_ttl_hours: int = Field(default=24, ge=1, le=24 * 30)
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    run_scheduler: bool = True
    # Ticket statistics from per-day rollups (exact at read time, refreshed by the
    # scheduler); false: one live scan of the period's tickets.
    stats_rollups: bool = True
    scheduler_interval_seconds: float = Field(default=60.0, gt=0)
    log_json: bool = True
    api_key_grace_seconds: int = Field(default=24 * 3600, ge=0)
    api_client_rate_limit_per_minute: int = Field(default=600, ge=1)
    # Open311 reads without a key, per client address (an IPv6 address's /64).
    open311_public_rate_limit_per_minute: int = Field(default=60, ge=1)
    webhook_max_age_seconds: int = Field(default=24 * 3600, ge=60)
    webhook_failure_threshold: int = Field(default=10, ge=1)
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    webhook_retry_base_seconds: float = Field(default=10.0, gt=0)
    webhook_poll_seconds: float = Field(default=2.0, gt=0)
    # 行政处罚法 第六十三条: the "large amount" of a fine that entitles a party to a hearing,
    # set by each province, in yuan.
    hearing_threshold_person: Decimal = Decimal("10000")
    hearing_threshold_organisation: Decimal = Decimal("100000")
    # A TrueType CJK font for documents (default: Debian's fonts-wqy-microhei).
    document_font_path: str | None = None
    # Requests a minute per client address on the public disclosure API (/public/v1).
    public_rate_limit_per_minute: int = Field(default=120, ge=1)
    storage_backend: Literal["local", "s3"] = "local"
    storage_path: str = "./storage"
    s3_bucket: str | None = None
    s3_endpoint_url: str | None = None
    s3_region: str | None = None
    attachment_max_bytes: int = Field(default=50 * 1024 * 1024, ge=1024)
    attachment_types: list[str] = [
        "image/jpeg",
        "image/png",
        "image/gif",
        "image/webp",
        "image/heic",
        "video/mp4",
        "video/quicktime",
        "audio/mpeg",
        "audio/mp4",
        "audio/x-wav",
        "audio/amr",
        "application/pdf",
        "text/plain",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/zip",
    ]

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> "Settings":
        if self.env != "production":
            return self
        if self.secret_key == PLACEHOLDER_SECRET or len(self.secret_key) < MIN_SECRET_LENGTH:
            raise ValueError(
                f"GOVFLOW_SECRET_KEY must be set to a random value of at least "
                f"{MIN_SECRET_LENGTH} characters in production"
            )
        try:
            password = make_url(self.database_url).password
        except ArgumentError:
            raise ValueError("GOVFLOW_DATABASE_URL is not a database URL") from None
        if password in DEFAULT_DATABASE_PASSWORDS:
            raise ValueError(
                "GOVFLOW_DATABASE_URL uses a default database password: set a random one "
                "(POSTGRES_PASSWORD in .env with docker compose)"
            )
        if self.read_database_url is not None:
            try:
                replica_password = make_url(self.read_database_url).password
            except ArgumentError:
                raise ValueError("GOVFLOW_READ_DATABASE_URL is not a database URL") from None
            if replica_password in DEFAULT_DATABASE_PASSWORDS:
                raise ValueError("GOVFLOW_READ_DATABASE_URL uses a default database password")
        if self.is_sqlite and not self.allow_sqlite:
            raise ValueError(
                "SQLite is not a production database: set GOVFLOW_DATABASE_URL to PostgreSQL "
                "or GOVFLOW_ALLOW_SQLITE=true"
            )
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@lru_cache
def get_settings() -> Settings:
    """Settings read from the environment for the code not yet handed the app's own
    (``app.state.settings``): being removed. Never call it from new code."""
    return Settings()
