import uuid

from fastapi import APIRouter, Response, status

from app.core.versioning import set_etag
from app.deps import AdminActor, CurrentActor, IfMatch, SessionDep
from app.errors import problem_responses
from app.pagination import Page
from app.tickets import catalogue
from app.tickets.schemas import (
    CategoryCreate,
    CategoryPublic,
    CategoryUpdate,
    RoutingRuleCreate,
    RoutingRulePublic,
    RoutingRuleUpdate,
)

router = APIRouter(prefix="/api/v1", tags=["ticket catalogue"])


@router.get(
    "/ticket-categories",
    response_model=Page[CategoryPublic],
    summary="List ticket categories",
    description="The whole catalogue in one page (`next_cursor` is null), ordered by code; "
    "`parent_code` draws the tree. A page like every other list.",
    responses=problem_responses(401),
    operation_id="ticket_categories_list",
)
async def list_categories(session: SessionDep, _: CurrentActor) -> Page[CategoryPublic]:
    return Page(
        items=[
            CategoryPublic.model_validate(c, from_attributes=True)
            for c in await catalogue.list_categories(session)
        ]
    )


@router.post(
    "/ticket-categories",
    status_code=status.HTTP_201_CREATED,
    response_model=CategoryPublic,
    summary="Add a ticket category",
    description="Admin only. Optional default department and deadline overrides "
    "(working days, for normal priority).",
    responses=problem_responses(401, 403, 409, 422),
    operation_id="ticket_categories_create",
)
async def create_category(
    data: CategoryCreate, session: SessionDep, _: AdminActor, response: Response
) -> CategoryPublic:
    category = await catalogue.create_category(session, data)
    set_etag(response, category.version)
    return CategoryPublic.model_validate(category, from_attributes=True)


@router.patch(
    "/ticket-categories/{category_id}",
    response_model=CategoryPublic,
    summary="Change a ticket category",
    description="Admin only. `If-Match` refuses a stale write (412).",
    responses=problem_responses(401, 403, 404, 412, 422),
    operation_id="ticket_categories_update",
)
async def update_category(
    category_id: uuid.UUID,
    data: CategoryUpdate,
    session: SessionDep,
    _: AdminActor,
    response: Response,
    if_match: IfMatch = None,
) -> CategoryPublic:
    category = await catalogue.get_category(session, category_id)
    await catalogue.update_category(session, category, data, if_match)
    set_etag(response, category.version)
    return CategoryPublic.model_validate(category, from_attributes=True)


@router.get(
    "/routing-rules",
    response_model=list[RoutingRulePublic],
    summary="List routing rules",
    description="Admin only. `dispatch` without a department uses the most specific rule "
    "matching the ticket's category and district (an empty key matches anything).",
    responses=problem_responses(401, 403),
    operation_id="routing_rules_list",
)
async def list_rules(session: SessionDep, _: AdminActor) -> list[RoutingRulePublic]:
    return [
        RoutingRulePublic.model_validate(r, from_attributes=True)
        for r in await catalogue.list_rules(session)
    ]


@router.post(
    "/routing-rules",
    status_code=status.HTTP_201_CREATED,
    response_model=RoutingRulePublic,
    summary="Add a routing rule",
    description="Admin only.",
    responses=problem_responses(401, 403, 422),
    operation_id="routing_rules_create",
)
async def create_rule(
    data: RoutingRuleCreate, session: SessionDep, _: AdminActor, response: Response
) -> RoutingRulePublic:
    rule = await catalogue.create_rule(session, data)
    set_etag(response, rule.version)
    return RoutingRulePublic.model_validate(rule, from_attributes=True)


@router.patch(
    "/routing-rules/{rule_id}",
    response_model=RoutingRulePublic,
    summary="Change a routing rule",
    description="Admin only.",
    responses=problem_responses(401, 403, 404, 412, 422),
    operation_id="routing_rules_update",
)
async def update_rule(
    rule_id: uuid.UUID,
    data: RoutingRuleUpdate,
    session: SessionDep,
    _: AdminActor,
    response: Response,
    if_match: IfMatch = None,
) -> RoutingRulePublic:
    rule = await catalogue.get_rule(session, rule_id)
    await catalogue.update_rule(session, rule, data, if_match)
    set_etag(response, rule.version)
    return RoutingRulePublic.model_validate(rule, from_attributes=True)


@router.delete(
    "/routing-rules/{rule_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a routing rule",
    description="Admin only.",
    responses=problem_responses(401, 403, 404),
    operation_id="routing_rules_delete",
)
async def delete_rule(rule_id: uuid.UUID, session: SessionDep, _: AdminActor) -> Response:
    await catalogue.delete_rule(session, await catalogue.get_rule(session, rule_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
