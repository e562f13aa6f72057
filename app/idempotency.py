"""``Idempotency-Key`` on POST: a retry gets the first answer and creates nothing new.

The key is reserved in its own short transaction before the request runs, so two
concurrent requests with one key cannot both create: the second is told the first
is still in progress. Successful (< 400) answers are stored and replayed; failures
release the key so a corrected retry can run.

A replay goes only to the caller who made the first request and who is still signed in
(token current, account or API client active), checked before anything is answered.
Fields shown once (an API key, a webhook secret) are never stored: their replay carries
the record without them, a ``replay_note`` and an ``Idempotent-Omitted-Fields`` header.
Records expire after ``GOVFLOW_IDEMPOTENCY_TTL_HOURS``; the worker purges them.
"""

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import Settings
from app.deps import actor_for_token
from app.errors import GovflowError, problem_response
from app.identity.security import decode_access_token
from app.integrations import api_clients
from app.integrations.schemas import SHOWN_ONCE_KEY
from app.models.base import utcnow
from app.models.idempotency import IdempotencyRecord

MAX_KEY_LENGTH = 255
REPLAY_NOTE = (
    "This is a replay of the first answer to this Idempotency-Key. {fields} was shown once, "
    "in that first answer, and is not stored: it cannot be shown again. If it was lost, "
    "issue a new one (rotate the key or recreate the subscription)."
)


def _bearer_token(headers: Headers) -> str | None:
    scheme, _, token = headers.get("authorization", "").partition(" ")
    return token if scheme.lower() == "bearer" and token else None


def _principal(settings: Settings, headers: Headers) -> str | None:
    # The same precedence as app.deps.get_current_actor: a bearer token wins over a key.
    token = _bearer_token(headers)
    if token:
        claims = decode_access_token(settings, token)
        return "user:" + str(claims["sub"]) if claims else None
    api_key = headers.get("x-api-key")
    if api_key:
        return "key:" + hashlib.sha256(api_key.encode()).hexdigest()[:32]
    return None


async def _authenticate(
    session: AsyncSession, settings: Settings, scope: Scope, headers: Headers
) -> None:
    """Raise the 401 the endpoint itself would give to this caller now."""
    token = _bearer_token(headers)
    if token:
        client = scope.get("client")
        await actor_for_token(session, settings, token, client[0] if client else None)
    else:
        await api_clients.authenticate_key(session, headers.get("x-api-key", ""))


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        key = headers.get("idempotency-key")
        settings: Settings = scope["app"].state.settings
        principal = _principal(settings, headers) if key is not None else None
        if key is None or principal is None:
            await self.app(scope, receive, send)
            return
        if not key or len(key) > MAX_KEY_LENGTH:
            response = problem_response(
                400,
                "invalid_idempotency_key",
                f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters",
            )
            await response(scope, receive, send)
            return

        body = await _read_body(receive)
        request_hash = hashlib.sha256(
            b"\n".join([scope["path"].encode(), scope.get("query_string", b""), body])
        ).hexdigest()
        sessionmaker = scope["app"].state.sessionmaker

        async with sessionmaker() as session:
            earlier = await _reserve(session, settings, principal, key, request_hash)
            if earlier is not None:
                try:
                    await _authenticate(session, settings, scope, headers)
                except GovflowError as error:
                    refusal = problem_response(
                        error.status_code,
                        error.code,
                        error.detail,
                        title=error.title,
                        instance=scope["path"],
                        headers=error.headers,
                        **error.extra,
                    )
                    await refusal(scope, receive, send)
                    return
                await _answer_repeat(earlier, request_hash, scope, receive, send)
                return

        captured: dict[str, Any] = {"status": 500, "headers": [], "body": bytearray()}

        async def replay_receive() -> Message:
            return {"type": "http.request", "body": body, "more_body": False}

        async def capture_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured["status"] = message["status"]
                captured["headers"] = message.get("headers", [])
            elif message["type"] == "http.response.body":
                captured["body"].extend(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, replay_receive, capture_send)
        finally:
            await _settle(sessionmaker, principal, key, captured, _shown_once_fields(scope))


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    more = True
    while more:
        message = await receive()
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    return b"".join(chunks)


def expired_before(settings: Settings, now: datetime | None = None) -> datetime:
    return (now or utcnow()) - timedelta(hours=settings.idempotency_ttl_hours)


# No POST runs this long: a reservation still in progress after it belongs to a request that
# died with its database connection (its release failed too), and must not hold the key.
ABANDONED_AFTER = timedelta(minutes=10)


def _still_holds_the_key(earlier: IdempotencyRecord, settings: Settings) -> bool:
    now = utcnow()
    if earlier.status_code is None:
        return earlier.created_at >= now - ABANDONED_AFTER
    return earlier.created_at >= expired_before(settings, now)


async def _reserve(
    session: AsyncSession, settings: Settings, principal: str, key: str, request_hash: str
) -> IdempotencyRecord | None:
    """Reserve the key for this request (None), or the live record of an earlier one."""
    for _ in range(2):
        session.add(IdempotencyRecord(principal=principal, key=key, request_hash=request_hash))
        try:
            await session.commit()
            return None
        except IntegrityError:
            await session.rollback()
        earlier = await session.get(IdempotencyRecord, (principal, key))
        if earlier is not None and _still_holds_the_key(earlier, settings):
            return earlier
        # Expired (the purge has not come by yet), abandoned, or released meanwhile: the
        # key is free.
        await session.execute(
            delete(IdempotencyRecord).where(
                col(IdempotencyRecord.principal) == principal, col(IdempotencyRecord.key) == key
            )
        )
        await session.commit()
    return await session.get(IdempotencyRecord, (principal, key))


async def _answer_repeat(
    earlier: IdempotencyRecord | None,
    request_hash: str,
    scope: Scope,
    receive: Receive,
    send: Send,
) -> None:
    if earlier is None or earlier.request_hash != request_hash:
        response = problem_response(
            409,
            "idempotency_key_reused",
            "This Idempotency-Key was already used with a different request",
        )
    elif earlier.status_code is None:
        response = problem_response(
            409,
            "idempotency_request_in_progress",
            "A request with this Idempotency-Key is still being processed: retry shortly",
            headers={"Retry-After": "1"},
        )
    else:
        headers = {"Idempotent-Replayed": "true"}
        if earlier.etag:
            headers["ETag"] = earlier.etag
        if earlier.omitted_fields:
            headers["Idempotent-Omitted-Fields"] = earlier.omitted_fields
        await send(
            {
                "type": "http.response.start",
                "status": earlier.status_code,
                "headers": [
                    (b"content-type", (earlier.content_type or "application/json").encode()),
                    *[(k.lower().encode(), v.encode()) for k, v in headers.items()],
                ],
            }
        )
        await send({"type": "http.response.body", "body": earlier.response_body or b""})
        return
    await response(scope, receive, send)


def _shown_once_fields(scope: Scope) -> list[str]:
    """The response fields the matched route declares as shown once (``SHOWN_ONCE``)."""
    model = getattr(scope.get("route"), "response_model", None)
    fields = getattr(model, "model_fields", None) or {}
    return [
        info.alias or name
        for name, info in fields.items()
        if isinstance(info.json_schema_extra, dict) and info.json_schema_extra.get(SHOWN_ONCE_KEY)
    ]


def _without_shown_once(body: bytes, fields: list[str]) -> tuple[bytes, str | None]:
    """The body to store, and the fields left out of it."""
    if not fields:
        return body, None
    try:
        document = json.loads(body)
    except ValueError:
        return b"", None  # not the declared shape: store nothing rather than a secret
    if not isinstance(document, dict):
        return b"", None
    omitted = [field for field in fields if document.pop(field, None) is not None]
    if not omitted:
        return body, None
    document["replay_note"] = REPLAY_NOTE.format(fields=" and ".join(omitted))
    return json.dumps(document, ensure_ascii=False).encode(), ",".join(omitted)


async def _settle(
    sessionmaker: Any, principal: str, key: str, captured: dict[str, Any], shown_once: list[str]
) -> None:
    async with sessionmaker() as session:
        where = (col(IdempotencyRecord.principal) == principal, col(IdempotencyRecord.key) == key)
        if captured["status"] < 400:
            response_headers = Headers(raw=captured["headers"])
            stored_body, omitted = _without_shown_once(bytes(captured["body"]), shown_once)
            await session.execute(
                update(IdempotencyRecord)
                .where(*where)
                .values(
                    status_code=captured["status"],
                    response_body=stored_body,
                    content_type=response_headers.get("content-type"),
                    etag=response_headers.get("etag"),
                    omitted_fields=omitted,
                    completed_at=utcnow(),
                )
            )
        else:
            await session.execute(delete(IdempotencyRecord).where(*where))
        await session.commit()


async def purge_expired(session: AsyncSession, settings: Settings) -> int:
    result = await session.execute(
        delete(IdempotencyRecord).where(
            col(IdempotencyRecord.created_at) < expired_before(settings)
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
