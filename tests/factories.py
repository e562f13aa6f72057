"""Small factories for test data, through the services wherever one exists.

Departments go through ``identity.service.create_department`` (its checks included), tokens
through ``create_access_token``, and workflow records through the API (tests/hotline.py,
approval_hall.py, case_bureau.py). Two exceptions, each said where it is: users are stored
with one password hash computed once, and ``truncate_all`` empties the tables directly.
"""

import uuid
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import text, update
from sqlmodel import SQLModel

from app.identity.schemas import DepartmentCreate
from app.identity.security import create_access_token, hash_password
from app.identity.service import create_department
from app.models.identity import User
from app.seeds import seed_reference_data

PASSWORD = "correct horse battery staple"


@cache
def _password_hash() -> str:
    return hash_password(PASSWORD)


@dataclass
class Person:
    id: uuid.UUID
    username: str
    roles: tuple[str, ...]
    department_id: uuid.UUID | None
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def department(app: Any, code: str, **fields: Any) -> dict[str, Any]:
    data = DepartmentCreate(code=code, name=fields.pop("name", f"Department {code}"), **fields)
    async with app.state.sessionmaker() as session:
        row = await create_department(session, data)
        await session.commit()
        return {"id": row.id, "code": row.code, "districts": row.districts}


async def user(
    app: Any, roles: tuple[str, ...], department_row: dict[str, Any] | None, **fields: Any
) -> Person:
    username = fields.pop("username", None) or f"{'-'.join(roles) or 'user'}-{uuid.uuid4().hex[:8]}"
    # Not identity.service.create_user: it scores and hashes each password (about a second of
    # CPU on a loaded machine), and the suite makes thousands of users. The row is the one
    # the service would store, with one hash of PASSWORD computed once; the password rules
    # and the service's own checks are tested through the API (test_password_rules.py).
    async with app.state.sessionmaker() as session:
        row = User(
            username=username,
            password_hash=_password_hash(),
            roles=list(roles),
            department_id=department_row["id"] if department_row else None,
            full_name=fields.pop("full_name", username),
            **fields,
        )
        session.add(row)
        await session.commit()
        token, _ = create_access_token(app.state.settings, row.id)
        return Person(row.id, username, roles, row.department_id, token)


async def set_stored(app: Any, model: Any, record_id: str, **values: Any) -> None:
    """Set stored columns of one record directly: for what no clock or API can reach (each
    caller says why)."""
    async with app.state.sessionmaker() as session:
        await session.execute(
            update(model).where(model.id == uuid.UUID(record_id)).values(**values)
        )
        await session.commit()


async def truncate_all(app: Any) -> None:
    # Raw SQL on purpose: nothing in the app deletes everything, and each test starts empty.
    # DELETE, children first, not TRUNCATE: a test leaves a few rows, and PostgreSQL's
    # TRUNCATE of every table (new files for each) cost 0.23 s a test against 0.025 s.
    tables = [table.name for table in reversed(SQLModel.metadata.sorted_tables)]
    async with app.state.engine.begin() as connection:
        for name in tables:
            await connection.execute(text(f'DELETE FROM "{name}"'))
    async with app.state.sessionmaker() as session:
        await seed_reference_data(session)


def ticket_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "channel": "phone",
        "type": "complaint",
        "category_code": "zhandao_jingying",
        "title": "早市占道经营",
        "content": "人行道被摊贩占满，行人只能走机动车道。",
        "location": {"address": "建国路88号", "district": "朝阳区"},
        "reporter": {"name": "王女士", "phone": "13812345678"},
    }
    body.update(overrides)
    return body
