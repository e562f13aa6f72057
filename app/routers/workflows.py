"""Introspection, the work queue and the audit-chain check: one set for every workflow."""

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response

from app.actor import Actor
from app.deps import (
    CurrentActor,
    RegistryDep,
    SessionDep,
    TransactionSessionDep,
    require_roles,
)
from app.errors import NotFound, problem_responses
from app.identity.schemas import RolePublic
from app.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page
from app.records import tasks
from app.responses import json_response
from app.workflow.audit import heads_not_matching, verify_chains
from app.workflow.diagram import definition
from app.workflow.roles import role_summaries
from app.workflow.schemas import BrokenLinkPublic, TaskItem, VerifyReport

router = APIRouter(prefix="/api/v1")


@router.get(
    "/workflows",
    tags=["workflows"],
    summary="Every workflow definition",
    description="States, actions, roles, required fields and clock effects of each workflow, "
    "with a Mermaid `stateDiagram-v2` text of it.",
    responses=problem_responses(401),
    operation_id="workflows_list",
)
async def list_workflows(_: CurrentActor, registry: RegistryDep) -> list[dict[str, Any]]:
    return [definition(workflow) for workflow in registry.workflows]


@router.get(
    "/workflows/{name}",
    tags=["workflows"],
    summary="One workflow definition",
    description="The definition of one workflow (`ticket`, `approval`, `case`).",
    responses=problem_responses(401, 404),
    operation_id="workflows_get",
)
async def read_workflow(name: str, _: CurrentActor, registry: RegistryDep) -> dict[str, Any]:
    kind = registry.get(name)
    if kind is None:
        raise NotFound(f"No workflow named {name!r}")
    return definition(kind.workflow)


@router.get(
    "/roles",
    tags=["workflows"],
    response_model=list[RolePublic],
    summary="Every role: what it does, whether it needs a department, its actions",
    description="Read from the workflow definitions, as the README's roles table is. "
    "`system` is listed for completeness: the deadline sweeper acts under it; no user has it.",
    responses=problem_responses(401),
    operation_id="roles_list",
)
async def list_roles(_: CurrentActor, registry: RegistryDep) -> list[RolePublic]:
    return [RolePublic(**summary.__dict__) for summary in role_summaries(registry.workflows)]


@router.get(
    "/tasks/mine",
    tags=["workflows"],
    response_model=Page[TaskItem],
    summary="My work queue (待办)",
    description="Every record on which the caller may act now, across all workflows, "
    "soonest deadline first. Filter by `kind` and `overdue`.",
    responses=problem_responses(400, 401, 422),
    operation_id="tasks_mine",
)
async def my_tasks(
    session: SessionDep,
    actor: CurrentActor,
    registry: RegistryDep,
    kind: Annotated[str | None, Query(max_length=32)] = None,
    overdue: bool | None = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Response:
    items, next_cursor = await tasks.my_tasks(
        session, actor, registry, kind=kind, overdue=overdue, limit=limit, cursor=cursor
    )
    return json_response(Page(items=items, next_cursor=next_cursor))


@router.get(
    "/audit/verify",
    tags=["audit"],
    response_model=VerifyReport,
    summary="Verify the audit hash chains",
    description="Recomputes every record's chain of events (or one record's with `kind` and "
    "`id`) and reports each broken link: record, sequence number, expected and stored hash. "
    "Each record also keeps its chain's last event, so deleting the newest events shows.",
    responses=problem_responses(401, 403, 422),
    operation_id="audit_verify",
)
async def verify_audit(
    session: TransactionSessionDep,
    _: Annotated[Actor, Depends(require_roles("admin", "supervisor"))],
    registry: RegistryDep,
    kind: Annotated[Literal["ticket", "approval", "case"] | None, Query()] = None,
    id: uuid.UUID | None = None,
) -> VerifyReport:
    records, events, broken = await verify_chains(session, kind, id)
    for registered in registry:
        if kind is None or registered.workflow.name == kind:
            workflow = registered.workflow
            broken += await heads_not_matching(session, workflow.name, workflow.model, id)
    return VerifyReport(
        ok=not broken,
        records_checked=records,
        events_checked=events,
        broken_links=[BrokenLinkPublic(**link.__dict__) for link in broken],
    )
