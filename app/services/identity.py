"""Departments, users, sign-in and the bootstrap administrator."""

import secrets
import uuid
from datetime import timedelta

import structlog
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from app.config import Settings
from app.errors import Conflict, NotFound, TooManyRequests, Unauthorized, UnprocessableEntity
from app.models.base import utcnow
from app.models.identity import Department, LoginThrottle, User
from app.pagination import newest_first_page
from app.schemas.identity import DepartmentCreate, DepartmentUpdate, UserCreate, UserUpdate
from app.security import hash_password, verify_password
from app.services.catalogue_checks import check_department, flush_unique
from app.services.password_policy import check_password, weakness
from app.services.versioning import check_if_match, save_versioned
from app.startup import StartupRefused
from app.workflow.registry import record_kinds
from app.workflow.roles import roles_needing_department

log = structlog.get_logger(__name__)


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


def check_roles_have_department(roles: list[str], department_id: uuid.UUID | None) -> None:
    """A handler, clerk or inspector without a department would see and do nothing."""
    needing = sorted(set(roles) & roles_needing_department([k.workflow for k in record_kinds()]))
    if needing and department_id is None:
        raise UnprocessableEntity(
            f"The role(s) {', '.join(needing)} work within a department: give department_id "
            "(GET /api/v1/departments lists them)",
            code="department_required",
            errors=[
                {"loc": ["body", "department_id"], "msg": "required for " + ", ".join(needing)}
            ],
        )


async def create_user(session: AsyncSession, data: UserCreate) -> User:
    check_roles_have_department([str(role) for role in data.roles], data.department_id)
    await check_department(session, data.department_id)
    await check_password(data.password, data.username, [data.full_name])
    values = data.model_dump(exclude={"password"})
    values["roles"] = sorted({str(role) for role in data.roles})
    user = User(**values, password_hash=hash_password(data.password))
    session.add(user)
    await flush_unique(session, f"A user named {data.username!r}")
    return user


async def update_user(
    session: AsyncSession, user: User, data: UserUpdate, if_match: str | None
) -> User:
    check_if_match(if_match, user.version)
    changes = data.model_dump(exclude_unset=True, exclude={"password"})
    if "roles" in changes and changes["roles"] is not None:
        changes["roles"] = sorted({str(role) for role in changes["roles"]})
    check_roles_have_department(
        changes["roles"] if changes.get("roles") is not None else user.roles,
        changes.get("department_id", user.department_id),
    )
    if "department_id" in changes:
        await check_department(session, changes["department_id"])
    if data.password is not None:
        await check_password(data.password, user.username, [data.full_name or user.full_name])
        changes["password_hash"] = hash_password(data.password)
    await save_versioned(session, user, user.version, changes)
    return user


async def list_users(session: AsyncSession, limit: int, cursor: str | None) -> list[User]:
    return await newest_first_page(session, User, limit, cursor)


async def authenticate(
    session: AsyncSession, settings: Settings, username: str, password: str
) -> User:
    """The user behind these credentials; repeated failures lock the username for a while."""
    now = utcnow()
    throttle = await session.get(LoginThrottle, username, with_for_update=True)
    if throttle and throttle.locked_until and throttle.locked_until > now:
        retry = int((throttle.locked_until - now).total_seconds()) + 1
        raise TooManyRequests(
            "Too many failed sign-ins for this username: wait and retry", retry_after=retry
        )
    user = (await session.scalars(select(User).where(User.username == username))).first()
    if verify_password(password, user.password_hash if user else None) and user and user.is_active:
        if throttle:
            await session.delete(throttle)
        return user
    window = timedelta(seconds=settings.login_lock_seconds)
    if throttle is None:
        throttle = LoginThrottle(username=username, failures=0, window_started_at=now)
        session.add(throttle)
    elif now - throttle.window_started_at > window:
        throttle.failures, throttle.window_started_at = 0, now
    throttle.failures += 1
    if throttle.failures >= settings.login_max_failures:
        throttle.locked_until = now + window
        log.warning("login_locked", failures=throttle.failures)
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
