from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from fastapi.security import OAuth2PasswordRequestForm

from app.deps import CurrentActor, SessionDep, SettingsDep
from app.errors import (
    Forbidden,
    GovflowError,
    UnprocessableEntity,
    UnsupportedMediaType,
    problem_responses,
)
from app.identity import service as identity
from app.identity.schemas import DepartmentPublic, Me, PasswordChange, TokenResponse
from app.identity.security import create_access_token

router = APIRouter(prefix="/api/v1", tags=["auth"])


# RFC 6749 §5.2: token endpoint errors carry `error` and `error_description`, which
# OAuth2 client libraries and Swagger UI's Authorize dialog show; the problem fields stay.
OAUTH2_ERRORS = {
    "invalid_credentials": "invalid_grant",
    "rate_limited": "invalid_grant",
}
FORM_ENCODING = "application/x-www-form-urlencoded"


def _oauth2_error(exc: GovflowError) -> GovflowError:
    exc.extra.setdefault("error", OAUTH2_ERRORS.get(exc.code, "invalid_request"))
    exc.extra.setdefault("error_description", exc.detail)
    return exc


class OAuth2TokenRoute(APIRoute):
    """The token endpoint: refuses a JSON body with the fix, and answers every failure with
    OAuth2's error fields beside the problem's."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def answer(request: Request) -> Response:
            media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if media_type in ("application/json", "text/json") or media_type.endswith("+json"):
                raise _oauth2_error(
                    UnsupportedMediaType(
                        "The token endpoint takes form fields, as OAuth2 defines: send "
                        f"Content-Type: {FORM_ENCODING} with username=…&password=… "
                        "(curl -d username=… -d password=…), not JSON"
                    )
                )
            try:
                return await handler(request)
            except RequestValidationError as exc:
                errors = [
                    {"loc": [str(part) for part in e.get("loc", ())], "msg": str(e.get("msg"))}
                    for e in exc.errors()
                ]
                fields = ", ".join(str(error["loc"][-1]) for error in errors if error["loc"])
                raise _oauth2_error(
                    UnprocessableEntity(
                        f"The sign-in form is not valid ({fields}): send the form fields "
                        "username and password, and grant_type=password if any",
                        errors=errors,
                    )
                ) from None
            except GovflowError as exc:
                raise _oauth2_error(exc) from None

        return answer


async def sign_in(
    request: Request,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    settings: SettingsDep,
) -> TokenResponse:
    address = request.client.host if request.client else None
    user = await identity.authenticate(session, settings, form.username, form.password, address)
    token, expires_in = create_access_token(settings, user.id, user.token_version)
    return TokenResponse(access_token=token, expires_in=expires_in)


router.add_api_route(
    "/auth/token",
    sign_in,
    methods=["POST"],
    response_model=TokenResponse,
    summary="Sign in",
    description="OAuth2 password flow: form fields `username` and `password` "
    f"(`{FORM_ENCODING}`; a JSON body is refused with 415) give a bearer token. Failures "
    "carry OAuth2's `error` and `error_description` (RFC 6749 §5.2) besides the problem "
    "fields: `invalid_grant` for a wrong username or password (401) and for a lockout "
    "(429), `invalid_request` for a malformed form (422, 415). Repeated failures for one "
    "username from one address, or for many usernames from one address, answer 429 with "
    "`Retry-After` until the lock passes. A token stops working when it expires, when the "
    "password changes, when the account is deactivated, and after "
    "`POST /api/v1/me/sessions/revoke`.",
    responses=problem_responses(401, 415, 422, 429),
    operation_id="auth_token",
    route_class_override=OAuth2TokenRoute,
)


@router.get(
    "/me",
    response_model=Me,
    summary="The caller",
    description="The signed-in user with roles and department.",
    responses=problem_responses(401),
    operation_id="me_get",
)
async def read_me(actor: CurrentActor, session: SessionDep) -> Me:
    user = await identity.get_user(session, actor.id)
    me = Me.model_validate(user, from_attributes=True)
    if user.department_id:
        department = await identity.get_department(session, user.department_id)
        me.department = DepartmentPublic.model_validate(department, from_attributes=True)
    return me


@router.post(
    "/me/sessions/revoke",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Sign out everywhere",
    description="Every token the caller holds stops working at once, the one sending this "
    "request included; sign in again for a new one.",
    responses=problem_responses(401, 403),
    operation_id="me_sessions_revoke",
)
async def revoke_sessions(actor: CurrentActor, session: SessionDep) -> Response:
    if actor.kind != "user":
        raise Forbidden("Only a signed-in user has sessions; rotate an API client's key instead")
    await identity.revoke_sessions(session, actor.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/me/password",
    response_model=TokenResponse,
    summary="Change my password",
    description="Any signed-in user changes their own password by sending the current one. "
    "The new one follows the same rules as everywhere (422 `weak_password`). Every token "
    "issued before stops working, on every device; the answer carries a fresh token for "
    "this one. A wrong current password is 403 `wrong_current_password` and counts like a "
    "failed sign-in (429 with `Retry-After` once locked). Forgotten passwords are reset "
    "by an administrator.",
    responses=problem_responses(401, 403, 422, 429),
    operation_id="me_password_change",
)
async def change_my_password(
    body: PasswordChange,
    request: Request,
    actor: CurrentActor,
    session: SessionDep,
    settings: SettingsDep,
) -> TokenResponse:
    if actor.kind != "user":
        raise Forbidden("Only a signed-in user has a password; rotate an API client's key instead")
    address = request.client.host if request.client else None
    user = await identity.change_own_password(
        session, settings, actor.id, body.current_password, body.new_password, address
    )
    token, expires_in = create_access_token(settings, user.id, user.token_version)
    return TokenResponse(access_token=token, expires_in=expires_in)
