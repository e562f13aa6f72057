import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from app.actor import Actor
from app.core.versioning import set_etag
from app.deps import CurrentActor, IfMatch, RegistryDep, SessionDep, SettingsDep
from app.errors import Forbidden, problem_responses
from app.integrations import webhooks
from app.integrations.schemas import (
    AttemptPublic,
    DeliveryPublic,
    WebhookCreate,
    WebhookPublic,
    WebhookUpdate,
    WebhookWithSecret,
)
from app.models.integration import WebhookAttempt, WebhookDelivery, WebhookSubscription
from app.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page, next_cursor_for

router = APIRouter(prefix="/api/v1/webhooks", tags=["integrations"])


async def webhook_manager(actor: CurrentActor) -> Actor:
    """Admins, and API clients holding `webhooks:manage` (checked when they authenticate)."""
    if actor.kind == "api_client" or actor.is_admin:
        return actor
    raise Forbidden("Webhooks are managed by administrators and API clients")


Manager = Annotated[Actor, Depends(webhook_manager)]


def _public(webhook: WebhookSubscription) -> WebhookPublic:
    return WebhookPublic.model_validate(webhook, from_attributes=True)


def _delivery(delivery: WebhookDelivery, attempts: list[WebhookAttempt]) -> DeliveryPublic:
    return DeliveryPublic(
        **delivery.model_dump(),
        attempt_log=[AttemptPublic.model_validate(a, from_attributes=True) for a in attempts],
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=WebhookWithSecret,
    summary="Subscribe a URL to events",
    description="`event_types` are patterns such as `ticket.*` or `case.decide`. Deliveries "
    "are signed per the Standard Webhooks specification with the `whsec_…` secret, which "
    "this answer shows once. In production, URLs inside the network are refused. An API "
    "client hears only what it could read: its own department (`department_id` defaults to "
    "it; another is 403 `other_department`) and kinds its scopes read (403 "
    "`insufficient_scope`), checked here and again when each event is delivered.",
    responses=problem_responses(401, 403, 422),
    operation_id="webhooks_create",
)
async def create_webhook(
    data: WebhookCreate,
    session: SessionDep,
    actor: Manager,
    settings: SettingsDep,
    registry: RegistryDep,
    response: Response,
) -> WebhookWithSecret:
    webhook = await webhooks.create(session, registry, data, actor, settings)
    set_etag(response, webhook.version)
    return WebhookWithSecret(**_public(webhook).model_dump(), secret=webhook.secret)


@router.get(
    "",
    response_model=Page[WebhookPublic],
    summary="List webhooks",
    description="Admins see all; an API client sees its own.",
    responses=problem_responses(400, 401, 403, 422),
    operation_id="webhooks_list",
)
async def list_webhooks(
    session: SessionDep,
    actor: Manager,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[WebhookPublic]:
    rows = await webhooks.list_webhooks(session, actor, limit, cursor)
    return Page(items=[_public(w) for w in rows[:limit]], next_cursor=next_cursor_for(rows, limit))


@router.get(
    "/{webhook_id}",
    response_model=WebhookPublic,
    summary="Read a webhook",
    description="The secret is not shown again.",
    responses=problem_responses(401, 403, 404, 422),
    operation_id="webhooks_get",
)
async def read_webhook(
    webhook_id: uuid.UUID, session: SessionDep, actor: Manager, response: Response
) -> WebhookPublic:
    webhook = await webhooks.get(session, webhook_id, actor)
    set_etag(response, webhook.version)
    return _public(webhook)


@router.patch(
    "/{webhook_id}",
    response_model=WebhookPublic,
    summary="Change a webhook",
    description="Setting `is_active: true` re-enables a subscription disabled after failures.",
    responses=problem_responses(401, 403, 404, 412, 422),
    operation_id="webhooks_update",
)
async def update_webhook(
    webhook_id: uuid.UUID,
    data: WebhookUpdate,
    session: SessionDep,
    actor: Manager,
    settings: SettingsDep,
    registry: RegistryDep,
    response: Response,
    if_match: IfMatch = None,
) -> WebhookPublic:
    webhook = await webhooks.get(session, webhook_id, actor)
    await webhooks.update(session, registry, webhook, data, actor, if_match, settings)
    set_etag(response, webhook.version)
    return _public(webhook)


@router.delete(
    "/{webhook_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a webhook",
    description="Removes the subscription and its delivery log.",
    responses=problem_responses(401, 403, 404),
    operation_id="webhooks_delete",
)
async def delete_webhook(webhook_id: uuid.UUID, session: SessionDep, actor: Manager) -> Response:
    await webhooks.delete(session, await webhooks.get(session, webhook_id, actor))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{webhook_id}/deliveries",
    response_model=list[DeliveryPublic],
    summary="Delivery log",
    description="Newest first: each delivery's status and every attempt's status code, "
    "error and latency.",
    responses=problem_responses(401, 403, 404, 422),
    operation_id="webhooks_deliveries",
)
async def list_deliveries(
    webhook_id: uuid.UUID, session: SessionDep, actor: Manager, limit: LimitQuery = DEFAULT_LIMIT
) -> list[DeliveryPublic]:
    webhook = await webhooks.get(session, webhook_id, actor)
    return [_delivery(d, a) for d, a in await webhooks.list_deliveries(session, webhook, limit)]


@router.post(
    "/{webhook_id}/deliveries/{delivery_id}/redeliver",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=DeliveryPublic,
    summary="Replay a delivery",
    description="Queues the same event (same `webhook-id`) for delivery again.",
    responses=problem_responses(401, 403, 404, 422),
    operation_id="webhooks_redeliver",
)
async def redeliver(
    webhook_id: uuid.UUID,
    delivery_id: uuid.UUID,
    session: SessionDep,
    actor: Manager,
    registry: RegistryDep,
) -> DeliveryPublic:
    webhook = await webhooks.get(session, webhook_id, actor)
    return _delivery(await webhooks.redeliver(session, registry, webhook, delivery_id), [])
