"""``python -m app users create|reset-password|deactivate``: for the day a password is lost."""

import secrets
import uuid

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from app.cli.context import WORKFLOWS, CommandFailed
from app.errors import GovflowError
from app.identity import service as identity
from app.identity.schemas import UserCreate, UserUpdate
from app.models.identity import Department, Role, User


async def _user(session: AsyncSession, username: str) -> User:
    user = (await session.scalars(select(User).where(User.username == username))).first()
    if user is None:
        raise CommandFailed(f"no user named {username!r}")
    return user


async def _department_id(session: AsyncSession, code: str | None) -> uuid.UUID | None:
    if code is None:
        return None
    query = select(Department).where(Department.code == code)
    department = (await session.scalars(query)).first()
    if department is None:
        raise CommandFailed(f"no department with code {code!r}")
    return department.id


def _password(given: str | None) -> tuple[str, bool]:
    """The password to set, and whether it was generated (and so must be shown)."""
    return (given, False) if given else (secrets.token_urlsafe(12), True)


async def create(
    session: AsyncSession,
    username: str,
    roles: list[str],
    department: str | None,
    full_name: str,
    password: str | None,
) -> str:
    chosen, generated = _password(password)
    try:
        data = UserCreate(
            username=username,
            password=chosen,
            full_name=full_name,
            roles=[Role(role) for role in roles],
            department_id=await _department_id(session, department),
        )
        await identity.create_user(session, data, WORKFLOWS)
    except (GovflowError, ValueError) as error:
        raise CommandFailed(getattr(error, "detail", str(error)).splitlines()[0]) from None
    shown = f"; password {chosen} (shown once: change it after signing in)" if generated else ""
    return f"created user {username}{shown}"


async def reset_password(session: AsyncSession, username: str, password: str | None) -> str:
    user = await _user(session, username)
    chosen, generated = _password(password)
    try:
        await identity.update_user(session, user, UserUpdate(password=chosen), None, WORKFLOWS)
    except GovflowError as error:
        raise CommandFailed(error.detail) from None
    # No sign-in lock to lift: a lock holds only the (username, address) pair that failed,
    # kept as a keyed hash, and ends with its window (GOVFLOW_LOGIN_LOCK_SECONDS).
    shown = f": {chosen} (shown once: change it after signing in)" if generated else ""
    return f"new password for {username}{shown}"


async def deactivate(session: AsyncSession, username: str) -> str:
    user = await _user(session, username)
    await identity.update_user(session, user, UserUpdate(is_active=False), None, WORKFLOWS)
    return f"deactivated user {username}"
