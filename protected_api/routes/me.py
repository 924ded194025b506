"""``GET /me``: who the access token says the caller is."""

from __future__ import annotations

import fastapi
import pydantic

from protected_api import auth, scopes

# The resource server's read scope, when the settings require scopes.
router = fastapi.APIRouter(
    tags=["user"], dependencies=[fastapi.Depends(scopes.require(scopes.READ))]
)


class Me(pydantic.BaseModel):
    sub: str
    username: str
    client_id: str
    groups: list[str]
    scopes: list[str]
    expires_at: int = pydantic.Field(description="access token expiry, seconds since the epoch")
    issued_at: int
    auth_time: int | None = pydantic.Field(description="when the person last signed in")
    is_admin: bool
    plan: str | None = pydantic.Field(
        description="the token's plan claim (pre token generation trigger), e.g. free; "
        "null when absent or not a plan name"
    )


@router.get("/me", response_model=Me, summary="The caller, as their access token says")
def me(user: auth.CurrentUser, request: fastapi.Request) -> Me:
    return Me(
        sub=user.sub,
        username=user.username,
        client_id=user.client_id,
        groups=list(user.groups),
        scopes=list(user.scopes),
        expires_at=user.expires_at,
        issued_at=user.issued_at,
        auth_time=user.auth_time,
        is_admin=request.app.state.settings.admin_group in user.groups,
        plan=user.plan,
    )
