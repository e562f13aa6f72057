import uuid

from fastapi import APIRouter, Response, status

from app.core.versioning import set_etag
from app.deps import AdminActor, IfMatch, SessionDep
from app.errors import problem_responses
from app.identity import service as identity
from app.identity.schemas import DepartmentCreate, DepartmentPublic, DepartmentUpdate
from app.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page, next_cursor_for

router = APIRouter(prefix="/api/v1/departments", tags=["departments"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=DepartmentPublic,
    summary="Create a department",
    description="Admin only. `districts` lists the district names the department serves.",
    responses=problem_responses(401, 403, 409, 422),
    operation_id="departments_create",
)
async def create_department(
    data: DepartmentCreate, session: SessionDep, _: AdminActor, response: Response
) -> DepartmentPublic:
    department = await identity.create_department(session, data)
    set_etag(response, department.version)
    return DepartmentPublic.model_validate(department, from_attributes=True)


@router.get(
    "",
    response_model=Page[DepartmentPublic],
    summary="List departments",
    description="Admin only. Newest first, keyset-paginated.",
    responses=problem_responses(400, 401, 403, 422),
    operation_id="departments_list",
)
async def list_departments(
    session: SessionDep,
    _: AdminActor,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[DepartmentPublic]:
    rows = await identity.list_departments(session, limit, cursor)
    return Page(
        items=[DepartmentPublic.model_validate(d, from_attributes=True) for d in rows[:limit]],
        next_cursor=next_cursor_for(rows, limit),
    )


@router.get(
    "/{department_id}",
    response_model=DepartmentPublic,
    summary="Read a department",
    description="Admin only.",
    responses=problem_responses(401, 403, 404, 422),
    operation_id="departments_get",
)
async def read_department(
    department_id: uuid.UUID, session: SessionDep, _: AdminActor, response: Response
) -> DepartmentPublic:
    department = await identity.get_department(session, department_id)
    set_etag(response, department.version)
    return DepartmentPublic.model_validate(department, from_attributes=True)


@router.patch(
    "/{department_id}",
    response_model=DepartmentPublic,
    summary="Change a department",
    description="Admin only. Send `If-Match` with the ETag read to refuse a stale write (412).",
    responses=problem_responses(401, 403, 404, 409, 412, 422),
    operation_id="departments_update",
)
async def update_department(
    department_id: uuid.UUID,
    data: DepartmentUpdate,
    session: SessionDep,
    _: AdminActor,
    response: Response,
    if_match: IfMatch = None,
) -> DepartmentPublic:
    department = await identity.get_department(session, department_id)
    await identity.update_department(session, department, data, if_match)
    set_etag(response, department.version)
    return DepartmentPublic.model_validate(department, from_attributes=True)
