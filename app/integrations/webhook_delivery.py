"""Delivering the outbox to webhook subscribers: at least once, in order per record.

Two steps, each safe with several workers on PostgreSQL:
- fan-out turns outbox rows into one delivery per matching subscription, in outbox order,
  one worker at a time (a transaction-level advisory lock);
- delivery claims due deliveries with ``FOR UPDATE SKIP LOCKED`` and a short lease, so no
  two workers send one delivery at once, and never sends a record's event while an
  earlier one for the same subscription and record is still pending.
Signatures follow the Standard Webhooks specification (the ``standardwebhooks`` package).
"""

import fnmatch
import random
import time
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import httpx
import orjson
import structlog
from sqlalchemy import and_, exists, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col
from standardwebhooks.webhooks import Webhook

from app.actor import Actor
from app.config import Settings
from app.db import SessionMaker
from app.integrations.api_clients import actor_of
from app.integrations.url_guard import BlockedAddress, GuardedTransport
from app.integrations.webhooks import may_receive
from app.models.audit import OutboxMessage
from app.models.base import utcnow
from app.models.integration import (
    ApiClient,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from app.workflow.registry import Registry

log = structlog.get_logger(__name__)
FAN_OUT_BATCH = 500
DELIVERY_BATCH = 50
LEASE = timedelta(seconds=60)
MAX_BACKOFF_SECONDS = 3600
FAN_OUT_LOCK = 7_404_311  # advisory lock key: one fan-out at a time keeps outbox order


def matches(
    registry: Registry,
    webhook: WebhookSubscription,
    message: OutboxMessage,
    owner: Actor | None = None,
) -> bool:
    """``owner``: the API client that subscribed, as it stands now (None for an admin's)."""
    if webhook.department_id is not None and webhook.department_id != message.department_id:
        return False
    if owner is not None and not may_receive(registry, owner, message.kind, message.department_id):
        return False
    return any(fnmatch.fnmatchcase(message.event_type, p) for p in webhook.event_types)


async def _owners(
    session: AsyncSession, webhooks: Sequence[WebhookSubscription]
) -> dict[uuid.UUID, Actor]:
    """The active API clients owning ``webhooks``, with the scopes they hold today."""
    ids = {w.owner_client_id for w in webhooks if w.owner_client_id is not None}
    if not ids:
        return {}
    clients = await session.scalars(
        select(ApiClient).where(col(ApiClient.id).in_(ids), col(ApiClient.is_active).is_(True))
    )
    return {client.id: actor_of(client) for client in clients.all()}


async def fan_out(session: AsyncSession, registry: Registry, now: datetime) -> int:
    if session.get_bind().dialect.name == "postgresql":
        locked = await session.scalar(text(f"SELECT pg_try_advisory_xact_lock({FAN_OUT_LOCK})"))
        if not locked:
            return 0
    messages = (
        await session.scalars(
            select(OutboxMessage)
            .where(col(OutboxMessage.dispatched_at).is_(None))
            .order_by(col(OutboxMessage.id))
            .limit(FAN_OUT_BATCH)
        )
    ).all()
    if not messages:
        return 0
    webhooks = (
        await session.scalars(
            select(WebhookSubscription).where(col(WebhookSubscription.is_active).is_(True))
        )
    ).all()
    owners = await _owners(session, webhooks)
    for message in messages:
        for webhook in webhooks:
            owner = owners.get(webhook.owner_client_id) if webhook.owner_client_id else None
            if webhook.owner_client_id is not None and owner is None:
                continue  # a client deactivated or removed since it subscribed
            if matches(registry, webhook, message, owner):
                session.add(
                    WebhookDelivery(
                        webhook_id=webhook.id,
                        outbox_id=message.id or 0,
                        event_id=message.event_id,
                        event_type=message.event_type,
                        record_id=message.record_id,
                        next_attempt_at=now,
                    )
                )
        message.dispatched_at = now
    await session.flush()
    return len(messages)


async def claim_due(session: AsyncSession, now: datetime) -> list[WebhookDelivery]:
    earlier = aliased(WebhookDelivery)
    query = (
        select(WebhookDelivery)
        .where(
            col(WebhookDelivery.status) == "pending",
            col(WebhookDelivery.next_attempt_at) <= now,
            col(WebhookDelivery.webhook_id).in_(
                select(col(WebhookSubscription.id)).where(
                    col(WebhookSubscription.is_active).is_(True)
                )
            ),
            or_(
                col(WebhookDelivery.leased_until).is_(None),
                col(WebhookDelivery.leased_until) < now,
            ),
            ~exists().where(
                and_(
                    col(earlier.webhook_id) == col(WebhookDelivery.webhook_id),
                    col(earlier.record_id) == col(WebhookDelivery.record_id),
                    col(earlier.status) == "pending",
                    col(earlier.outbox_id) < col(WebhookDelivery.outbox_id),
                )
            ),
        )
        .order_by(col(WebhookDelivery.outbox_id))
        .limit(DELIVERY_BATCH)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=WebhookDelivery)
    claimed = list((await session.scalars(query)).all())
    for delivery in claimed:
        delivery.leased_until = now + LEASE
    await session.flush()
    return claimed


def backoff(attempts: int, base_seconds: float) -> timedelta:
    """Exponential back-off with jitter, so failing receivers are not hammered in step."""
    delay = min(base_seconds * 2 ** max(0, attempts - 1), MAX_BACKOFF_SECONDS)
    return timedelta(seconds=delay * random.uniform(0.5, 1.5))


def signed_request(
    webhook: WebhookSubscription, message: OutboxMessage, now: datetime
) -> tuple[bytes, dict[str, str]]:
    body = orjson.dumps(
        {
            "type": message.event_type,
            "timestamp": message.created_at.isoformat(),
            "data": message.payload,
        }
    )
    msg_id = str(message.event_id)
    signature = Webhook(webhook.secret).sign(msg_id, now, body.decode())
    headers = {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
        "user-agent": "govflow-webhooks/1",
    }
    return body, headers


async def _send(
    http: httpx.AsyncClient,
    webhook: WebhookSubscription,
    message: OutboxMessage,
) -> tuple[int | None, str | None, int]:
    started = time.perf_counter()
    try:
        body, headers = signed_request(webhook, message, utcnow())
        response = await http.post(webhook.url, content=body, headers=headers)
        error = None if response.is_success else f"HTTP {response.status_code}"
        status: int | None = response.status_code
    except BlockedAddress as exc:
        status, error = None, f"blocked: {exc}"
    except httpx.HTTPError as exc:
        status, error = None, f"{type(exc).__name__}: {exc}"[:500]
    return status, error, int((time.perf_counter() - started) * 1000)


async def _record_outcome(
    session: AsyncSession,
    delivery: WebhookDelivery,
    webhook: WebhookSubscription,
    outcome: tuple[int | None, str | None, int],
    settings: Settings,
) -> None:
    status_code, error, latency_ms = outcome
    now = utcnow()
    session.add(
        WebhookAttempt(
            delivery_id=delivery.id,
            attempted_at=now,
            status_code=status_code,
            error=error,
            latency_ms=latency_ms,
        )
    )
    delivery.attempts += 1
    delivery.last_status_code, delivery.last_error = status_code, error
    delivery.leased_until = None
    if error is None:
        delivery.status, delivery.delivered_at = "succeeded", now
        webhook.consecutive_failures = 0
        return
    if now - delivery.created_at > timedelta(seconds=settings.webhook_max_age_seconds):
        delivery.status = "failed"
        webhook.consecutive_failures += 1
        if webhook.consecutive_failures >= settings.webhook_failure_threshold:
            webhook.is_active = False
            webhook.disabled_reason = (
                f"disabled after {webhook.consecutive_failures} consecutive failed deliveries"
            )
            log.warning("webhook_disabled", webhook_id=str(webhook.id))
        return
    delivery.next_attempt_at = now + backoff(delivery.attempts, settings.webhook_retry_base_seconds)


def webhook_client(settings: Settings) -> httpx.AsyncClient:
    """The client that sends to subscribers' URLs: through the guard, which checks each
    host (in production) and connects to the address it checked."""
    return httpx.AsyncClient(
        transport=GuardedTransport(production=settings.env == "production"),
        timeout=settings.webhook_timeout_seconds,
        follow_redirects=False,
        trust_env=False,
    )


async def deliver_due(sessionmaker: SessionMaker, settings: Settings, registry: Registry) -> int:
    """One pass: fan out new outbox rows, then send what is due. Returns deliveries tried."""
    now = utcnow()
    async with sessionmaker() as session:
        await fan_out(session, registry, now)
        await session.commit()
    async with sessionmaker() as session:
        claimed = await claim_due(session, now)
        await session.commit()
    if not claimed:
        return 0
    async with webhook_client(settings) as http:
        for delivery in claimed:
            async with sessionmaker() as session:
                fresh: Any = await session.get(WebhookDelivery, delivery.id)
                webhook = await session.get(WebhookSubscription, delivery.webhook_id)
                message = (
                    await session.scalars(
                        select(OutboxMessage).where(col(OutboxMessage.id) == delivery.outbox_id)
                    )
                ).one()
                if webhook is None or fresh is None:
                    continue
                outcome = await _send(http, webhook, message)
                await _record_outcome(session, fresh, webhook, outcome, settings)
                await session.commit()
    return len(claimed)
