"""The composition root: ``create_app(settings)`` wires verifier, admin adapter and routes."""

from __future__ import annotations

import logging

import fastapi

from protected_api import (
    access_log,
    admin_errors,
    auth,
    cognito_admin,
    http_errors,
    live_authority,
    password_sign_in,
    request_limits,
    settings,
    verifier,
)
from protected_api.routes import admin, items, me, sign_in

# botocore's DEBUG output includes request bodies (passwords for AdminCreateUser)
# and signed headers; the API never turns it on, whatever the root level is.
logging.getLogger("botocore").setLevel(logging.WARNING)


def create_app(
    config: settings.Settings,
    *,
    token_verifier: verifier.TokenVerifier | None = None,
    admin_client: cognito_admin.CognitoAdmin | None = None,
    sign_in_service: password_sign_in.SignInService | None = None,
) -> fastapi.FastAPI:
    """The API for ``config``; tests and benchmarks may inject the verifier, the admin
    adapter and the password sign-in service (used only when the settings turn it on)."""
    app = fastapi.FastAPI(
        title="Cognito Desktop protected API",
        version="1",
        description="Verifies Cognito access tokens; admins manage users through it.",
    )
    app.state.settings = config
    app.state.verifier = token_verifier or config.access_verifier()
    app.state.admin = admin_client or cognito_admin.CognitoAdmin.from_settings(config)
    # REQUIRE_ADMIN_MFA's short memory of callers found with MFA (used only when it is on).
    app.state.mfa_gate = live_authority.MfaGate()
    auth.install(app)
    http_errors.install(app)
    admin_errors.install(app)
    # The last added runs first: the access log sees every request, the 413s and
    # 431s included; the limits answer before routing and the bearer check.
    app.add_middleware(request_limits.RequestLimits, max_body_bytes=config.max_body_bytes)
    app.add_middleware(access_log.AccessLog)

    @app.get("/healthz", tags=["ops"], summary="Liveness: no token needed")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    app.include_router(me.router)
    app.include_router(items.router)
    app.include_router(admin.router, prefix="/admin")
    # Password sign-in exists only when configured: otherwise /auth/... is any unknown path.
    if config.password_sign_in:
        app.state.sign_in = sign_in_service or password_sign_in.SignInService.from_settings(config)
        app.include_router(sign_in.router, prefix="/auth")
    return app
