"""``Idempotency-Key`` on POST: a retry gets the first answer and creates nothing new.

The key is reserved in its own short transaction before the request runs, so two
concurrent requests with one key cannot both create: the second is told the first
is still in progress. Successful (< 400) answers are stored and replayed; failures
release the key so a corrected retry can run.
"""

import hashlib
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import problem_response
from app.models.base import utcnow
from app.models.idempotency import IdempotencyRecord
from app.security import decode_access_token

MAX_KEY_LENGTH = 255


def _principal(scope: Scope, headers: Headers) -> str | None:
    api_key = headers.get("x-api-key")
    if api_key:
        return "key:" + hashlib.sha256(api_key.encode()).hexdigest()[:32]
    authorization = headers.get("authorization", "")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() == "bearer" and token:
        claims = decode_access_token(scope["app"].state.settings, token)
        if claims:
            return "user:" + str(claims["sub"])
    return None


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        key = headers.get("idempotency-key")
        principal = _principal(scope, headers) if key is not None else None
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
            session.add(IdempotencyRecord(principal=principal, key=key, request_hash=request_hash))
            try:
                await session.commit()
                reserved = True
            except IntegrityError:
                await session.rollback()
                reserved = False
            if not reserved:
                earlier = await session.get(IdempotencyRecord, (principal, key))
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
            await _settle(sessionmaker, principal, key, captured)


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    more = True
    while more:
        message = await receive()
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    return b"".join(chunks)


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


async def _settle(sessionmaker: Any, principal: str, key: str, captured: dict[str, Any]) -> None:
    async with sessionmaker() as session:
        where = (col(IdempotencyRecord.principal) == principal, col(IdempotencyRecord.key) == key)
        if captured["status"] < 400:
            response_headers = Headers(raw=captured["headers"])
            await session.execute(
                update(IdempotencyRecord)
                .where(*where)
                .values(
                    status_code=captured["status"],
                    response_body=bytes(captured["body"]),
                    content_type=response_headers.get("content-type"),
                    etag=response_headers.get("etag"),
                    completed_at=utcnow(),
                )
            )
        else:
            await session.execute(delete(IdempotencyRecord).where(*where))
        await session.commit()
