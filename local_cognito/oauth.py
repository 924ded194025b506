"""The OAuth 2.0 side of managed login, on Authlib's server classes.

Authlib owns the grant logic (RFC 6749 code and refresh grants, RFC 7636 PKCE,
RFC 7009 revocation); this module only supplies Cognito's rules and storage:
exact redirect URIs, optional S256-only PKCE (required with
``PoolSettings.require_pkce``), single-use five-minute codes, scopes cut to
the client's allowed scopes, and tokens from :mod:`local_cognito.tokens`.
"""

from __future__ import annotations

import dataclasses
import hmac
import logging
from typing import Any, ClassVar

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin, grants
from authlib.oauth2.rfc6749.errors import InvalidGrantError, InvalidRequestError
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from moto.core.exceptions import JsonRESTError

from local_cognito import lambda_triggers, settings, tokens
from local_cognito import pool as pool_mod

log = logging.getLogger(__name__)

# A public client (no secret) authenticates with its client_id alone.
_PUBLIC = "none"
_AUTH_METHODS = ["client_secret_basic", "client_secret_post", _PUBLIC]


class Client(ClientMixin):  # type: ignore[misc]  # Authlib is untyped
    """Authlib's view of a moto app client, read live so boto3 updates apply."""

    def __init__(self, moto_client: Any) -> None:
        self._client = moto_client

    @property
    def _config(self) -> dict[str, Any]:
        return self._client.extended_config  # type: ignore[no-any-return]

    def get_client_id(self) -> str:
        return str(self._client.id)

    def get_default_redirect_uri(self) -> None:
        return None  # Cognito requires redirect_uri on every authorize request.

    def get_allowed_scope(self, scope: str | None) -> str | None:
        allowed = list(self._config.get("AllowedOAuthScopes") or [])
        if not scope:
            return " ".join(allowed) or None
        # Cognito ignores requested scopes the client is not allowed; none left
        # is Authlib's invalid_scope (None).
        granted = [s for s in dict.fromkeys(scope.split()) if s in allowed]
        return " ".join(granted) or None

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        # Exact string match: scheme, host, port, path and trailing slash.
        return redirect_uri in (self._config.get("CallbackURLs") or [])

    def check_client_secret(self, client_secret: str) -> bool:
        return bool(self._client.generate_secret) and hmac.compare_digest(
            client_secret.encode(), str(self._client.secret).encode()
        )

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if self._client.generate_secret:
            return method in ("client_secret_basic", "client_secret_post")
        return method == _PUBLIC

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code" and "code" in (self._config.get("AllowedOAuthFlows") or [])

    def check_grant_type(self, grant_type: str) -> bool:
        if grant_type == "authorization_code":
            return "code" in (self._config.get("AllowedOAuthFlows") or [])
        return grant_type == "refresh_token"


@dataclasses.dataclass
class AuthorizationCode:
    """One issued code. Never logged; removed on first redemption attempt."""

    code: str
    client_id: str
    redirect_uri: str
    scope: str
    username: str
    auth_time: int
    nonce: str | None
    code_challenge: str | None  # None: the authorize request used no PKCE
    code_challenge_method: str | None
    expires_at: float

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def __repr__(self) -> str:
        return f"AuthorizationCode(client_id={self.client_id!r}, username={self.username!r})"


@dataclasses.dataclass(frozen=True)
class Grantee:
    """The "user" Authlib passes to the token generator: who, and which session."""

    username: str
    scopes: tuple[str, ...]
    auth_time: int
    nonce: str | None = None
    session: tokens.RefreshRecord | None = None


class RefreshGrant:
    """Authlib's view of a refresh token record (``check_client``, ``get_scope``)."""

    def __init__(self, record: tokens.RefreshRecord) -> None:
        self.record = record

    def check_client(self, client: Client) -> bool:
        return self.record.client_id == client.get_client_id()

    def get_scope(self) -> str:
        return " ".join(self.record.scopes)


class S256Only(CodeChallenge):  # type: ignore[misc]
    """RFC 7636 as Cognito runs it: PKCE is optional, but a request that uses it
    states ``code_challenge_method=S256`` (``plain`` is refused) and sends the
    ``code_challenge``; its code then needs the ``code_verifier`` at the token
    endpoint. ``required``: the stand-in's stricter mode, where every authorize
    request needs a challenge (and so every code a verifier)."""

    SUPPORTED_CODE_CHALLENGE_METHOD: ClassVar[list[str]] = ["S256"]
    DEFAULT_CODE_CHALLENGE_METHOD = "S256"

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        challenge, method = data.get("code_challenge"), data.get("code_challenge_method")
        if not challenge and not method and not self.required:
            return  # a plain authorization code grant, as Cognito allows
        if not challenge:
            raise InvalidRequestError("Missing 'code_challenge'")
        if method != "S256":
            raise InvalidRequestError("code_challenge_method must be S256")
        super().validate_code_challenge(grant, redirect_uri)


class Server(AuthorizationServer):  # type: ignore[misc]
    """Authlib's Flask authorization server bound to one :class:`LocalPool`."""

    def __init__(self, pool: pool_mod.LocalPool) -> None:
        super().__init__()
        self.pool = pool
        self.codes: dict[str, AuthorizationCode] = {}
        self.register_grant(CodeGrant, [S256Only(required=pool.settings.require_pkce)])
        self.register_grant(RefreshTokenGrant)
        self.register_endpoint(Revocation)

    def init_app(self, app: Any, query_client: Any = None, save_token: Any = None) -> None:
        super().init_app(app, query_client, save_token)
        # After init_app, which installs Authlib's own bearer generator.
        self.register_token_generator("default", self._generate_token)

    def query_client(self, client_id: str) -> Client | None:
        moto_client = self.pool.pool.clients.get(client_id)
        return Client(moto_client) if moto_client is not None else None

    def save_token(self, token: dict[str, Any], request: Any) -> None:
        pass  # The token service stored the session when it generated the token.

    def handle_response(self, status_code: int, payload: Any, headers: Any) -> Any:
        if isinstance(payload, dict) and "error" in payload:
            # Cognito answers {"error": "invalid_grant"} and nothing more; the
            # reason stays in this server's log (it never holds a secret).
            log.info("oauth error %s: %s", payload["error"], payload.get("error_description"))
            payload = {"error": payload["error"]}
        return super().handle_response(status_code, payload, headers)

    def _generate_token(
        self,
        grant_type: str,
        client: Client,
        user: Grantee,
        scope: str | None,
        expires_in: int | None = None,
        include_refresh_token: bool = True,
    ) -> dict[str, Any]:
        service = self.pool.tokens
        client_id = client.get_client_id()
        # Pre token generation runs before anything is stored: a refusal leaves no session.
        custom = self._customization(client_id, user)
        new_refresh: str | None = None
        if user.session is None:  # authorization_code: a new session starts
            record = service.start_session(client_id, user.username, user.scopes, user.auth_time)
            new_refresh = record.token
        elif (grace := service.rotation_grace(client_id)) is not None:
            record = service.rotate(user.session, grace)
            new_refresh = record.token
        else:
            record = user.session
        access, expires = service.access_token(record, custom)
        body: dict[str, Any] = {
            "access_token": access,
            "expires_in": expires,
            "token_type": "Bearer",
        }
        if "openid" in record.scopes:
            body["id_token"] = service.id_token(
                record, nonce=user.nonce, access_token=access, custom=custom
            )
        if new_refresh is not None:
            body["refresh_token"] = new_refresh
        return body

    def _customization(self, client_id: str, grantee: Grantee) -> tokens.Customization | None:
        """The pre token generation trigger's answer for this code exchange or refresh.

        A failing trigger fails the request; the /oauth2/token answer is
        ``invalid_request`` with the trigger's error as its description (Cognito's error
        descriptions "are not fixed strings"), never ``invalid_grant``: the refresh
        token is still good.
        """
        user = self.pool.pool._get_user(grantee.username)
        source = "TokenGeneration_HostedAuth" if grantee.session is None else _REFRESH_SOURCE
        try:
            return lambda_triggers.token_customization(
                self.pool.triggers,
                source,
                user,
                client_id=client_id,
                scopes=grantee.scopes,
                groups=tokens.group_names(user),
            )
        except JsonRESTError as exc:
            raise InvalidRequestError(str(exc.message)) from exc


_REFRESH_SOURCE = "TokenGeneration_RefreshTokens"


class CodeGrant(grants.AuthorizationCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = _AUTH_METHODS

    @property
    def _server(self) -> Server:
        return self.server  # type: ignore[no-any-return]

    def save_authorization_code(self, code: str, request: Any) -> None:
        grantee: Grantee = request.user
        data = request.payload.data
        now = self._server.pool.now()
        self._server.codes[code] = AuthorizationCode(
            code=code,
            client_id=request.client.get_client_id(),
            redirect_uri=request.payload.redirect_uri,
            scope=request.scope,
            username=grantee.username,
            auth_time=grantee.auth_time,
            nonce=data.get("nonce"),
            code_challenge=data.get("code_challenge") or None,
            code_challenge_method=data.get("code_challenge_method") or None,
            expires_at=now + settings.AUTH_CODE_LIFETIME_S,
        )

    def query_authorization_code(self, code: str, client: Client) -> AuthorizationCode | None:
        # Single use: the code is spent by the first attempt, right or wrong.
        found = self._server.codes.pop(code, None)
        if found is None or found.client_id != client.get_client_id():
            return None
        if self._server.pool.now() >= found.expires_at:
            return None
        return found

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        self._server.codes.pop(authorization_code.code, None)

    def authenticate_user(self, authorization_code: AuthorizationCode) -> Grantee | None:
        user = self._server.pool.pool._get_user(authorization_code.username)
        if user is None or not user.enabled:
            return None
        return Grantee(
            user.username,
            tuple(authorization_code.scope.split()),
            authorization_code.auth_time,
            authorization_code.nonce,
        )


class RefreshTokenGrant(grants.RefreshTokenGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = _AUTH_METHODS

    def authenticate_refresh_token(self, refresh_token: str) -> RefreshGrant | None:
        client_id = self.request.client.get_client_id()
        try:
            record = self.server.pool.tokens.redeem(refresh_token, client_id)
        except tokens.InvalidGrant as exc:
            log.info("refresh refused: %s", exc)
            return None
        return RefreshGrant(record)

    def _validate_token_scope(self, token: RefreshGrant) -> None:
        pass  # Cognito's refresh grant ignores scope and re-issues the session's.

    def authenticate_user(self, refresh_token: RefreshGrant) -> Grantee:
        record = refresh_token.record
        return Grantee(record.username, record.scopes, record.auth_time, session=record)

    def revoke_old_credential(self, refresh_token: RefreshGrant) -> None:
        pass  # Rotation (TokenService.rotate) retires the old token after its grace.


class Revocation(RevocationEndpoint):  # type: ignore[misc]
    """``/oauth2/revoke``: refresh tokens only, 200 even when unknown or spent."""

    CLIENT_AUTH_METHODS = _AUTH_METHODS
    SUPPORTED_TOKEN_TYPES = ("refresh_token",)

    def query_token(self, token_string: str, token_type_hint: str | None) -> RefreshGrant | None:
        record = self.server.pool.tokens.find(token_string)
        return RefreshGrant(record) if record is not None else None

    def authenticate_token(self, request: Any, client: Client) -> RefreshGrant | None:
        self.check_params(request, client)
        token = self.query_token(request.form["token"], request.form.get("token_type_hint"))
        if token is not None and not token.check_client(client):
            raise InvalidGrantError()
        return token

    def revoke_token(self, token: RefreshGrant, request: Any) -> None:
        self.server.pool.tokens.revoke(token.record)
