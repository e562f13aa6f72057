from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm

from app.deps import CurrentActor, SessionDep, SettingsDep
from app.errors import problem_responses
from app.schemas.identity import DepartmentPublic, Me, TokenResponse
from app.security import create_access_token
from app.services import identity

router = APIRouter(prefix="/api/v1", tags=["auth"])


@router.post(
    "/auth/token",
    response_model=TokenResponse,
    summary="Sign in",
    description="OAuth2 password flow: form fields `username` and `password` give a bearer "
    "token. Repeated failures for one username answer 429 with `Retry-After`.",
    responses=problem_responses(401, 422, 429),
    operation_id="auth_token",
)
async def sign_in(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    settings: SettingsDep,
) -> TokenResponse:
    user = await identity.authenticate(session, settings, form.username, form.password)
    token, expires_in = create_access_token(settings, user.id)
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
