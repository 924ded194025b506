"""The API's own OAuth scopes, ``{identifier}/read`` and ``{identifier}/admin``, when required.

The stack's resource server (``ApiResourceServer`` in infra/template.yaml,
identifier ``cognito-desktop-api`` by default) defines two custom scopes, and its
desktop client requests both, so the access tokens a deployed app sends carry
them. With ``REQUIRE_SCOPES`` set to that identifier the API requires them, on
top of everything else:

* ``{identifier}/read`` for ``/me`` and ``/items``;
* ``{identifier}/admin`` for every ``/admin`` route, as well as the admin group
  (the scope says the *app* may manage users; the group says the *person* may).

A token without the scope gets 403 ``insufficient_scope`` (RFC 6750 3.1), as for
a missing group. Off by default: tokens from ``cognito-local`` (its profile asks
for ``openid email profile aws.cognito.signin.user.admin``, and the stand-in has
no resource server) and from ``AdminInitiateAuth`` carry no custom scope, and a
pool set up by hand may have none.

``Settings.require_scopes`` holds the identifier (None: off); until the settings
have that field, the rule is off (:func:`resource_server`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import fastapi

from protected_api import auth

if TYPE_CHECKING:
    from protected_api import settings

READ = "read"
ADMIN = "admin"


def resource_server(config: settings.Settings) -> str | None:
    """The identifier whose scopes are required (``REQUIRE_SCOPES``), or None: not required."""
    return config.require_scopes or None


def check(user: auth.Principal, config: settings.Settings, scope: str) -> None:
    """403 ``insufficient_scope`` unless ``user``'s token carries ``scope`` of the resource
    server, when ``config`` requires scopes at all."""
    identifier = resource_server(config)
    if identifier is None:
        return
    needed = f"{identifier}/{scope}"
    if needed not in user.scopes:
        raise auth.AuthError(403, "insufficient_scope", f"requires scope {needed}")


def require(scope: str) -> Callable[[fastapi.Request, auth.Principal], auth.Principal]:
    """A dependency: the caller's token carries ``scope`` (when the settings require scopes)."""

    def dependency(request: fastapi.Request, user: auth.CurrentUser) -> auth.Principal:
        check(user, request.app.state.settings, scope)
        return user

    return dependency
