"""Departments, users, sign-in and the bootstrap administrator."""

import re
import secrets
import uuid
from collections.abc import Sequence
from typing import Any

import structlog
from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.config import Settings
from app.core.catalogue_checks import check_department, flush_unique
from app.core.versioning import check_if_match, save_versioned
from app.errors import Conflict, Forbidden, NotFound, Unauthorized, UnprocessableEntity
from app.identity import login_throttle
from app.identity.password_policy import check_password, weakness
from app.identity.schemas import DepartmentCreate, DepartmentUpdate, UserCreate, UserUpdate
from app.identity.security import hash_off_loop, hash_password, verify_off_loop
from app.models.base import utcnow
from app.models.identity import Department, User
from app.pagination import newest_first_page
from app.startup import StartupRefused
from app.workflow.definition import Workflow
from app.workflow.roles import roles_needing_department

log = structlog.get_logger(__name__)
# Computed by the database, so two concurrent revocations both count.
_next_token_version = col(User.token_version) + 1


async def get_department(session: AsyncSession, department_id: uuid.UUID) -> Department:
    department = await session.get(Department, department_id)
    if department is None:
        raise NotFound("No such department")
    return department


async def create_department(session: AsyncSession, data: DepartmentCreate) -> Department:
    await check_department(session, data.parent_id, "parent_id")
    department = Department(**data.model_dump())
    session.add(department)
    await flush_unique(session, f"A department with code {data.code!r}")
    return department


async def update_department(
    session: AsyncSession, department: Department, data: DepartmentUpdate, if_match: str | None
) -> Department:
    check_if_match(if_match, department.version)
    changes = data.model_dump(exclude_unset=True)
    if changes.get("parent_id") is not None:
        if changes["parent_id"] == department.id:
            raise UnprocessableEntity("A department cannot be its own parent")
        await check_department(session, changes["parent_id"], "parent_id")
    try:
        async with session.begin_nested():
            await save_versioned(session, department, department.version, changes)
    except IntegrityError:
        raise Conflict(
            "A department with that code already exists", code="already_exists"
        ) from None
    return department


async def list_departments(
    session: AsyncSession, limit: int, cursor: str | None
) -> list[Department]:
    return await newest_first_page(session, Department, limit, cursor)


async def get_user(session: AsyncSession, user_id: uuid.UUID) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound("No such user")
    return user


def check_roles_have_department(
    roles: list[str], department_id: uuid.UUID | None, workflows: Sequence[Workflow]
) -> None:
    """A handler, clerk or inspector without a department would see and do nothing."""
    needing = sorted(set(roles) & roles_needing_department(list(workflows)))
    if needing and department_id is None:
        raise UnprocessableEntity(
            f"The role(s) {', '.join(needing)} work within a department: give department_id "
            "(GET /api/v1/departments lists them)",
            code="department_required",
            errors=[
                {"loc": ["body", "department_id"], "msg": "required for " + ", ".join(needing)}
            ],
        )


async def create_user(
    session: AsyncSession, data: UserCreate, workflows: Sequence[Workflow]
) -> User:
    """``workflows``: those served, whose scopes say which roles work within a department."""
    check_roles_have_department([str(role) for role in data.roles], data.department_id, workflows)
    await check_department(session, data.department_id)
    await check_password(data.password, data.username, [data.full_name])
    values = data.model_dump(exclude={"password"})
    values["roles"] = sorted({str(role) for role in data.roles})
    user = User(**values, password_hash=await hash_off_loop(data.password))
    session.add(user)
    await flush_unique(session, f"A user named {data.username!r}")
    return user


async def update_user(
    session: AsyncSession,
    user: User,
    data: UserUpdate,
    if_match: str | None,
    workflows: Sequence[Workflow],
) -> User:
    check_if_match(if_match, user.version)
    changes: dict[str, Any] = data.model_dump(exclude_unset=True, exclude={"password"})
    if "roles" in changes and changes["roles"] is not None:
        changes["roles"] = sorted({str(role) for role in changes["roles"]})
    if "roles" in changes or "department_id" in changes:
        # Only a change of roles or department can leave a role without its department:
        # an account made before the rule can still be deactivated or renamed.
        check_roles_have_department(
            changes["roles"] if changes.get("roles") is not None else user.roles,
            changes.get("department_id", user.department_id),
            workflows,
        )
    if "department_id" in changes:
        await check_department(session, changes["department_id"])
    if data.password is not None:
        changes |= await _password_changes(user, data.password, data.full_name)
    if "is_active" in changes and changes["is_active"] != user.is_active:
        # A deactivation ends every session, and a reactivation must not bring them back.
        changes["token_version"] = _next_token_version
    await save_versioned(session, user, user.version, changes)
    return user


async def change_password(
    session: AsyncSession,
    user: User,
    new_password: str,
    if_match: str | None = None,
    *,
    field: str = "password",
) -> User:
    """Set a new password; every token issued before it stops working."""
    check_if_match(if_match, user.version)
    changes = await _password_changes(user, new_password, None, field)
    await save_versioned(session, user, user.version, changes)
    return user


async def change_own_password(
    session: AsyncSession,
    settings: Settings,
    user_id: uuid.UUID,
    current_password: str,
    new_password: str,
    address: str | None,
) -> User:
    """A user's own password change, proven by the current password; wrong guesses count
    against the same throttle as sign-in, so a stolen token cannot try passwords freely."""
    user = await get_user(session, user_id)
    now = utcnow()
    keys = login_throttle.keys_for(settings, user.username, address)
    await login_throttle.refuse_if_locked(session, keys, now)
    if not await verify_off_loop(current_password, user.password_hash):
        await login_throttle.count_failure(session, settings, keys, now)
        await session.commit()
        raise Forbidden("The current password is not correct", code="wrong_current_password")
    if new_password == current_password:
        raise UnprocessableEntity(
            "The new password is the current one: choose another",
            code="password_unchanged",
            errors=[{"loc": ["body", "new_password"], "msg": "same as the current password"}],
        )
    return await change_password(session, user, new_password, field="new_password")


async def _password_changes(
    user: User, new_password: str, full_name: str | None, field: str = "password"
) -> dict[str, Any]:
    await check_password(new_password, user.username, [full_name or user.full_name], field)
    password_hash = await hash_off_loop(new_password)
    return {"password_hash": password_hash, "token_version": _next_token_version}


async def revoke_sessions(session: AsyncSession, user_id: uuid.UUID) -> None:
    """Sign out everywhere: every token the user holds, this request's included, stops."""
    await session.execute(
        update(User).where(col(User.id) == user_id).values(token_version=_next_token_version)
    )
    log.info("sessions_revoked", user_id=str(user_id))


async def list_users(session: AsyncSession, limit: int, cursor: str | None) -> list[User]:
    return await newest_first_page(session, User, limit, cursor)


# C0 control characters other than tab, newline and carriage return: no account has them,
# and PostgreSQL refuses NUL in text.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


async def authenticate(
    session: AsyncSession,
    settings: Settings,
    username: str,
    password: str,
    address: str | None,
) -> User:
    """The user behind these credentials. Failures are throttled per (username, address)
    and per address (``login_throttle``)."""
    for field, value in (("username", username), ("password", password)):
        if _CONTROL_CHARACTERS.search(value):
            raise UnprocessableEntity(
                f"The {field} contains a control character",
                errors=[{"loc": ["body", field], "msg": "control characters are not allowed"}],
            )
    now = utcnow()
    keys = login_throttle.keys_for(settings, username, address)
    pair_row = await login_throttle.refuse_if_locked(session, keys, now)
    user = (await session.scalars(select(User).where(User.username == username))).first()
    known = user.password_hash if user else None
    if await verify_off_loop(password, known) and user and user.is_active:
        if pair_row is not None:
            await login_throttle.forget_pair(session, keys)
        return user
    if await login_throttle.count_failure(session, settings, keys, now):
        log.warning("login_locked")
    # The failure count must stick even though this request answers with an error.
    await session.commit()
    raise Unauthorized("Incorrect username or password", code="invalid_credentials")


async def bootstrap_admin(session: AsyncSession, settings: Settings) -> None:
    """When no user exists yet, create the configured administrator."""
    if await session.scalar(select(func.count()).select_from(User)):
        return
    password = settings.admin_password
    if password:
        reason = weakness(password, settings.admin_username)
        if reason is not None:
            raise StartupRefused(
                f"GOVFLOW_ADMIN_PASSWORD is refused: {reason}; choose a longer, less "
                "guessable one, or leave it unset to have one generated"
            )
    else:
        password = secrets.token_urlsafe(18)
        log.warning(
            "bootstrap_admin_password_generated",
            username=settings.admin_username,
            password=password,
            note="shown once: sign in and change it with POST /api/v1/me/password, or set a "
            f"new one with `python -m app users reset-password {settings.admin_username}`",
        )
    session.add(
        User(
            username=settings.admin_username,
            password_hash=hash_password(password),
            full_name="Administrator",
            roles=["admin"],
        )
    )
    try:
        await session.commit()
    except IntegrityError:
        # Another app process bootstrapped at the same moment.
        await session.rollback()
