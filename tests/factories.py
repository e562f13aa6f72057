"""Small factories for test data. They go through the services, never raw SQL."""

import uuid
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import text
from sqlmodel import SQLModel

from app.identity.security import create_access_token, hash_password
from app.models.identity import Department, User
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
    async with app.state.sessionmaker() as session:
        row = Department(code=code, name=fields.pop("name", f"Department {code}"), **fields)
        session.add(row)
        await session.commit()
        return {"id": row.id, "code": row.code, "districts": row.districts}


async def user(
    app: Any, roles: tuple[str, ...], department_row: dict[str, Any] | None, **fields: Any
) -> Person:
    username = fields.pop("username", None) or f"{'-'.join(roles) or 'user'}-{uuid.uuid4().hex[:8]}"
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


async def truncate_all(app: Any) -> None:
    tables = [table.name for table in reversed(SQLModel.metadata.sorted_tables)]
    async with app.state.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            await connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
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
