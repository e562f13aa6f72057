"""Start-up that fails in one clear line: bad settings, a refused bootstrap password, no
database. A long traceback hides the one sentence an operator needs."""

import sys
from typing import Any

from pydantic import ValidationError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import Settings


class StartupRefused(ValueError):
    """The app cannot start; the message says why and what to change."""


def describe_invalid_settings(error: ValidationError) -> str:
    parts = []
    for issue in error.errors():
        name = "_".join(str(part) for part in issue["loc"]).upper()
        where = f"GOVFLOW_{name}: " if name else ""
        parts.append(where + str(issue["msg"]).removeprefix("Value error, "))
    return "; ".join(parts)


def settings_or_exit() -> Settings:
    """The settings from the environment, read once by whoever starts: the app, the worker
    or a command; everything else is handed them."""
    try:
        return Settings()
    except ValidationError as error:
        print(f"govflow cannot start: {describe_invalid_settings(error)}", file=sys.stderr)
        raise SystemExit(2) from None


def first_line(error: BaseException) -> str:
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__


class OneLineStartupFailure:
    """Replaces the traceback a failed lifespan reports with the reason it gave."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return

        async def send_reason(message: Message) -> None:
            reason: Any = getattr(scope["app"].state, "startup_refused", None)
            if message["type"] == "lifespan.startup.failed" and reason:
                message = {**message, "message": f"govflow cannot start: {reason}"}
            await send(message)

        await self.app(scope, receive, send_reason)
