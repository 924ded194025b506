"""A relying party on the stand-in, by hand: the raw OAuth calls, no app code.

Token exchange (authorization code + PKCE verifier), refresh, userInfo, a whole sign-in
through managed login with a :class:`~tests.support.scripted_browser.ScriptedBrowser`,
and :class:`Verifier`: discovery, JWKS by ``kid``, RS256, exact issuer, Cognito claims.
"""

from __future__ import annotations

from typing import Any

import jwt
import requests

from local_cognito import server, settings
from tests.support import clock
from tests.support.scripted_browser import AuthRequest, ScriptedBrowser, callback_params

TIMEOUT = 10
#: The first callback URL the stand-in registers by default.
REDIRECT_URI = settings.callback_urls()[0]


def token_request(
    stand_in: server.LocalCognito, client_id: str | None = None, **form: str
) -> requests.Response:
    """POST ``form`` to the token endpoint as a public client (``client_id``: the pool's)."""
    return requests.post(
        f"{stand_in.url}/oauth2/token",
        timeout=TIMEOUT,
        data={"client_id": client_id or stand_in.pool.client_id, **form},
    )


def exchange(
    stand_in: server.LocalCognito,
    code: str,
    verifier: str,
    redirect_uri: str = REDIRECT_URI,
    client_id: str | None = None,
) -> requests.Response:
    """The authorization code grant with its PKCE verifier (RFC 7636 section 4.5)."""
    return token_request(
        stand_in,
        client_id,
        grant_type="authorization_code",
        code=code,
        redirect_uri=redirect_uri,
        code_verifier=verifier,
    )


def refresh(stand_in: server.LocalCognito, token: str) -> requests.Response:
    """The refresh token grant (RFC 6749 section 6)."""
    return token_request(stand_in, grant_type="refresh_token", refresh_token=token)


def revoke(
    stand_in: server.LocalCognito, token: str, client_id: str | None = None
) -> requests.Response:
    """Revoke a refresh token (RFC 7009 section 2.1) as ``client_id`` (the pool's)."""
    return requests.post(
        f"{stand_in.url}/oauth2/revoke",
        timeout=TIMEOUT,
        data={"client_id": client_id or stand_in.pool.client_id, "token": token},
    )


def user_info(stand_in: server.LocalCognito, token: str) -> requests.Response:
    """GET /oauth2/userInfo with ``token`` as the bearer."""
    return requests.get(
        f"{stand_in.url}/oauth2/userInfo",
        timeout=TIMEOUT,
        headers={"Authorization": f"Bearer {token}"},
    )


def sign_in(
    stand_in: server.LocalCognito,
    browser: ScriptedBrowser,
    request: AuthRequest,
    username: str = "alice",
    password: str = "Alice-Passw0rd!",
) -> dict[str, Any]:
    params = callback_params(browser.sign_in(request, username, password))
    response = exchange(stand_in, params["code"], request.verifier)
    assert response.status_code == 200, response.text
    return dict(response.json())


_NO_TIME = {"verify_exp": False, "verify_iat": False, "verify_nbf": False}


class Verifier:
    """What a relying party does: discovery -> JWKS -> verify by kid, exact issuer."""

    def __init__(
        self, discovery_url: str, issuer: str, client_id: str, now: clock.FakeClock
    ) -> None:
        self.now = now
        document = requests.get(discovery_url, timeout=TIMEOUT).json()
        assert document["issuer"] == issuer
        self.jwks = jwt.PyJWKClient(document["jwks_uri"], timeout=TIMEOUT)
        self.issuer = issuer
        self.client_id = client_id

    def access(self, token: str) -> dict[str, Any]:
        claims = self._verified(token, ["exp", "iat", "sub"], verify_aud=False)
        assert claims["token_use"] == "access"
        assert claims["client_id"] == self.client_id
        assert "aud" not in claims  # Cognito access tokens carry client_id, not aud
        return claims

    def id(self, token: str) -> dict[str, Any]:
        claims = self._verified(token, ["exp", "iat", "sub", "aud"], audience=self.client_id)
        assert claims["token_use"] == "id"
        return claims

    def _verified(
        self,
        token: str,
        require: list[str],
        *,
        audience: str | None = None,
        verify_aud: bool = True,
    ) -> dict[str, Any]:
        """Signature by the JWKS key the ``kid`` names, RS256 only, the exact issuer, the
        required claims, and the times (on the test's clock)."""
        key = self.jwks.get_signing_key_from_jwt(token).key
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=["RS256"],
            issuer=self.issuer,
            audience=audience,
            options={"require": require, "verify_aud": verify_aud, **_NO_TIME},
        )
        # PyJWT reads the real clock; the stand-in runs on the test's clock.
        assert claims["iat"] <= self.now() < claims["exp"]
        return claims
