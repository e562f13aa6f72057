"""Personal data never reaches the logs: not in access lines, errors or database failures."""

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from tests.conftest import World
from tests.factories import ticket_body

PHONE = "13955551234"
NAME = "保密举报人甲"
INSERT_DEPARTMENT = text(
    "INSERT INTO departments (id, code, name, districts, version, created_at, updated_at)"
    " VALUES (:id, :code, 'x', '[]', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
)


async def test_logs_carry_no_phone_name_or_query_values(
    world: World, capsys: pytest.CaptureFixture[str], app: Any
) -> None:
    operator = await world.user("operator")
    api = world.as_(operator)
    created = await api.post(
        "/api/v1/tickets",
        json=ticket_body(
            type="report", reporter={"name": NAME, "phone": PHONE, "confidential": True}
        ),
    )
    assert created.status_code == 201
    await api.get("/api/v1/tickets", params={"reporter_phone": PHONE})
    await api.post("/api/v1/tickets", json=ticket_body(reporter={"name": NAME, "phone": "bad"}))
    # A database error (a duplicate department code raced past the check) is logged
    # without its statement's values.
    async with app.state.engine.begin() as connection:
        await connection.execute(INSERT_DEPARTMENT, {"id": "1" * 32, "code": PHONE})
        with pytest.raises(IntegrityError) as failure:
            await connection.execute(INSERT_DEPARTMENT, {"id": "2" * 32, "code": PHONE})
        assert PHONE not in str(failure.value)
        await connection.rollback()
    logged = capsys.readouterr().out
    assert '"event": "request"' in logged
    assert PHONE not in logged and NAME not in logged
