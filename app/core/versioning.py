"""Optimistic concurrency: versions, ETags and If-Match, for every mutable record."""

from typing import Any

from fastapi import Response
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import PreconditionFailed
from app.models.base import VersionedTable, utcnow


def etag_for(version: int) -> str:
    return f'"{version}"'


def set_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = etag_for(version)


def check_if_match(if_match: str | None, current_version: int) -> None:
    """412 when the client's If-Match names a version other than the current one."""
    if if_match is None or if_match.strip() == "*":
        return
    wanted = {tag.strip().removeprefix("W/").strip('"') for tag in if_match.split(",")}
    if str(current_version) not in wanted:
        raise PreconditionFailed(
            f"The record is at version {current_version}, not {if_match}: reload and retry",
            current_version=current_version,
        )


async def save_versioned(
    session: AsyncSession, record: VersionedTable, expected_version: int, values: dict[str, Any]
) -> None:
    """Write ``values`` only if nobody changed the record since ``expected_version`` was read."""
    model = type(record)
    result = await session.execute(
        update(model)
        .where(model.id == record.id, model.version == expected_version)  # type: ignore[arg-type]
        .values(**values, version=expected_version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise PreconditionFailed(
            "The record was changed by someone else meanwhile: reload and retry"
        )
    await session.refresh(record)
