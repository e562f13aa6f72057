from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.security import OAuth2PasswordRequestForm

from app.deps import CurrentActor, SessionDep, SettingsDep
from app.errors import Forbidden, problem_responses
from app.schemas.identity import DepartmentPublic, Me, TokenResponse
from app.security import create_access_token
from app.services import identity

router = APIRouter(prefix="/api/v1", tags=["auth"])


@router.post(
    "/auth/token",
    response_model=TokenResponse,
    summary="Sign in",
    description="OAuth2 password flow: form fields `username` and `password` give a bearer "
    "token. Repeated failures for one username from one address, or for many usernames from "
    "one address, answer 429 with `Retry-After` until the lock passes. A token stops working "
    "when it expires, when the password changes, when the account is deactivated, and after "
    "`POST /api/v1/me/sessions/revoke`.",
    responses=problem_responses(401, 422, 429),
    operation_id="auth_token",
)
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
