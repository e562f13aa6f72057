"""Webhook subscriptions: who hears about which events, managed by admins or API clients."""

import base64
import fnmatch
import secrets
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.actor import Actor
from app.config import Settings
from app.core.catalogue_checks import check_department
from app.core.versioning import check_if_match, save_versioned
from app.errors import Forbidden, NotFound, UnprocessableEntity
from app.integrations.api_clients import actor_of
from app.integrations.schemas import WebhookCreate, WebhookUpdate
from app.integrations.url_guard import check_webhook_url
from app.models.audit import OutboxMessage
from app.models.base import utcnow
from app.models.integration import (
    ApiClient,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from app.pagination import newest_first_page
from app.workflow.registry import RecordKind, Registry


def new_secret() -> str:
    """A signing secret in the Standard Webhooks ``whsec_`` form."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def _owner(actor: Actor) -> uuid.UUID | None:
    return actor.id if actor.kind == "api_client" else None


def _reach(client: Actor, kind: RecordKind) -> str | None:
    """How far the client reads records of ``kind``: "all", "department" or not at all."""
    scopes = kind.workflow.role_scopes
    names = {scopes[role].name for role in client.roles if role in scopes}
    if "all" in names:
        return "all"
    if "department" in names and client.department_id is not None:
        return "department"
    return None


def may_receive(
    registry: Registry, client: Actor, kind_name: str, department_id: uuid.UUID | None
) -> bool:
    """A client hears of a record only if it could read it: by its scopes and department."""
    kind = registry.get(kind_name)
    reach = _reach(client, kind) if kind is not None else None
    if reach == "department":
        return department_id is not None and department_id == client.department_id
    return reach == "all"


def _kinds_matched(registry: Registry, pattern: str) -> list[RecordKind]:
    kind_pattern = pattern.split(".", 1)[0]
    return [k for k in registry if fnmatch.fnmatchcase(k.workflow.name, kind_pattern)]


def client_subscription_department(
    registry: Registry, actor: Actor, event_types: list[str], department_id: uuid.UUID | None
) -> uuid.UUID | None:
    """The department a client's subscription is for, once its patterns are checked: a
    client hears only what it could read (个人信息保护法 第六条), so another department's
    records, or kinds its scopes do not read, are refused here and again at fan-out."""
    if actor.kind != "api_client":
        return department_id
    if actor.department_id is not None:
        if department_id is not None and department_id != actor.department_id:
            raise Forbidden(
                "An API client subscribes only to its own department's events",
                code="other_department",
            )
        department_id = actor.department_id
    for pattern in event_types:
        kinds = _kinds_matched(registry, pattern)
        if not kinds:
            raise UnprocessableEntity(
                f"{pattern!r} matches no kind of record", code="unknown_event_type"
            )
        for kind in kinds:
            if _reach(actor, kind) is None:
                collection = kind.workflow.collection
                raise Forbidden(
                    f"{pattern!r} includes {kind.workflow.name} events, which this client does "
                    f"not read: it needs the scope {collection}:read"
                    + (" and a department" if actor.department_id is None else ""),
                    code="insufficient_scope",
                )
    return department_id


async def _check_still_readable(
    session: AsyncSession, registry: Registry, client_id: uuid.UUID, outbox_id: int
) -> None:
    """A replay goes out only if the client could still read the record today."""
    client = await session.get(ApiClient, client_id)
    message = await session.get(OutboxMessage, outbox_id)
    if (
        client is None
        or message is None
        or not may_receive(registry, actor_of(client), message.kind, message.department_id)
    ):
        raise Forbidden(
            "This client no longer reads the record this delivery was about",
            code="insufficient_scope",
        )


async def create(
    session: AsyncSession,
    registry: Registry,
    data: WebhookCreate,
    actor: Actor,
    settings: Settings,
) -> WebhookSubscription:
    await check_webhook_url(str(data.url), settings.env == "production")
    await check_department(session, data.department_id)
    department_id = client_subscription_department(
        registry, actor, data.event_types, data.department_id
    )
    webhook = WebhookSubscription(
        url=str(data.url),
        event_types=sorted(set(data.event_types)),
        secret=new_secret(),
        is_active=data.is_active,
        department_id=department_id,
        owner_client_id=_owner(actor),
    )
    session.add(webhook)
    await session.flush()
    return webhook


async def get(session: AsyncSession, webhook_id: uuid.UUID, actor: Actor) -> WebhookSubscription:
    """A subscription the actor manages: admins all, API clients their own."""
    webhook = await session.get(WebhookSubscription, webhook_id)
    if webhook is None or (actor.kind == "api_client" and webhook.owner_client_id != actor.id):
        raise NotFound("No such webhook")
    return webhook


async def list_webhooks(
    session: AsyncSession, actor: Actor, limit: int, cursor: str | None
) -> list[WebhookSubscription]:
    owned = (
        [col(WebhookSubscription.owner_client_id) == actor.id] if actor.kind == "api_client" else []
    )
    return await newest_first_page(session, WebhookSubscription, limit, cursor, *owned)


async def update(
    session: AsyncSession,
    registry: Registry,
    webhook: WebhookSubscription,
    data: WebhookUpdate,
    actor: Actor,
    if_match: str | None,
    settings: Settings,
) -> WebhookSubscription:
    check_if_match(if_match, webhook.version)
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    if data.url is not None:
        await check_webhook_url(str(data.url), settings.env == "production")
        changes["url"] = str(data.url)
    if data.event_types is not None:
        changes["event_types"] = sorted(set(data.event_types))
    await check_department(session, changes.get("department_id"))
    department_id = client_subscription_department(
        registry,
        actor,
        changes.get("event_types", webhook.event_types),
        changes.get("department_id", webhook.department_id),
    )
    if department_id != webhook.department_id:
        changes["department_id"] = department_id
    if data.is_active:
        # Re-enabling a subscription disabled after failures starts its count afresh.
        changes |= {"consecutive_failures": 0, "disabled_reason": None}
    await save_versioned(session, webhook, webhook.version, changes)
    return webhook


async def delete(session: AsyncSession, webhook: WebhookSubscription) -> None:
    deliveries = select(col(WebhookDelivery.id)).where(
        col(WebhookDelivery.webhook_id) == webhook.id
    )
    for attempt in (
        await session.scalars(
            select(WebhookAttempt).where(col(WebhookAttempt.delivery_id).in_(deliveries))
        )
    ).all():
        await session.delete(attempt)
    for delivery in (
        await session.scalars(
            select(WebhookDelivery).where(col(WebhookDelivery.webhook_id) == webhook.id)
        )
    ).all():
        await session.delete(delivery)
    await session.flush()
    await session.delete(webhook)
    await session.flush()


async def list_deliveries(
    session: AsyncSession, webhook: WebhookSubscription, limit: int
) -> list[tuple[WebhookDelivery, list[WebhookAttempt]]]:
    deliveries = (
        await session.scalars(
            select(WebhookDelivery)
            .where(col(WebhookDelivery.webhook_id) == webhook.id)
            .order_by(col(WebhookDelivery.created_at).desc(), col(WebhookDelivery.id).desc())
            .limit(limit)
        )
    ).all()
    attempts = (
        await session.scalars(
            select(WebhookAttempt)
            .where(col(WebhookAttempt.delivery_id).in_([d.id for d in deliveries]))
            .order_by(col(WebhookAttempt.attempted_at))
        )
    ).all()
    return [(d, [a for a in attempts if a.delivery_id == d.id]) for d in deliveries]


async def redeliver(
    session: AsyncSession,
    registry: Registry,
    webhook: WebhookSubscription,
    delivery_id: uuid.UUID,
) -> WebhookDelivery:
    original = await session.get(WebhookDelivery, delivery_id)
    if original is None or original.webhook_id != webhook.id:
        raise NotFound("No such delivery")
    if webhook.owner_client_id is not None:
        await _check_still_readable(session, registry, webhook.owner_client_id, original.outbox_id)
    replay = WebhookDelivery(
        webhook_id=webhook.id,
        outbox_id=original.outbox_id,
        event_id=original.event_id,
        event_type=original.event_type,
        record_id=original.record_id,
        next_attempt_at=utcnow(),
    )
    session.add(replay)
    await session.flush()
    return replay
