"""App processes start together on a fresh database: each seeds the reference data (ticket
categories, approval services, document templates) if none is there, and a process that
loses the race to another must start all the same (uvicorn stops every worker when one
fails its start-up)."""

import asyncio
from typing import Any

from sqlalchemy import delete, func, select
from sqlmodel import col

from app.models.approval import ApprovalService
from app.models.document import DocumentTemplate
from app.models.ticket import TicketCategory
from app.seeds import seed_reference_data


async def test_processes_seeding_at_the_same_moment_all_start_and_seed_once(app: Any) -> None:
    sessionmaker = app.state.sessionmaker
    async with sessionmaker() as session:
        for model in (DocumentTemplate, ApprovalService, TicketCategory):
            await session.execute(delete(model))
        await session.commit()
    sessions = [sessionmaker() for _ in range(3)]
    # The sessions' reads and writes interleave at every await: each finds nothing seeded.
    outcomes = await asyncio.gather(
        *(seed_reference_data(session) for session in sessions), return_exceptions=True
    )
    for session in sessions:
        await session.close()
    assert outcomes == [None, None, None]
    async with sessionmaker() as session:
        for model, key in (
            (DocumentTemplate, col(DocumentTemplate.kind)),
            (ApprovalService, col(ApprovalService.code)),
            (TicketCategory, col(TicketCategory.code)),
        ):
            counts = (await session.execute(select(key, func.count()).group_by(key))).all()
            assert counts, model
            assert {count for _, count in counts} == {1}, (model, counts)
