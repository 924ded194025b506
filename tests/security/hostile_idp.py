"""A hostile OpenID provider: Cognito-shaped, on loopback, wrong one way at a time.

:class:`HostileIdP` is a real threaded HTTP server on ``127.0.0.1`` (ephemeral port)
that serves what the app's sign-in talks to: discovery, JWKS, ``/oauth2/authorize``,
``/oauth2/token`` (``authorization_code`` with a PKCE S256 check, ``refresh_token``),
``/oauth2/userInfo`` and ``/oauth2/revoke``. By default it is honest; a :class:`Fault`
makes one of its answers wrong: the sign-in's ID token (claims, JOSE header, how it is
signed), the discovery document, the JWKS, the userInfo answer. ``refresh_fault`` does
the same for the ID token of the refresh grant.

It records every request (method, path, grant type, time) so a test can prove what the
client did *after* a bad answer, and every secret it hands out (codes, tokens) so a
test can prove none of them leaked into an error message.

``/oauth2/authorize`` has no login page: it checks the request and redirects straight
back to the ``redirect_uri`` with a code and the ``state`` it was given, so the
"browser" (:meth:`HostileIdP.browser`) is a requests session that follows redirects
to the app's loopback receiver.

It is a test double: it never runs outside tests and keeps everything in memory.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import json
import secrets
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler
from typing import Any

import jwt
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from tests.support import http_server

CLIENT_ID = "hostile-test-client"
POOL = "eu-west-1_Hostile"
SUB = "7c1e5f3a-0000-4000-8000-00000000a11c"
USERNAME = "alice"
OTHER_ISSUER = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Evil"

_RSA_BITS = 2048


class _Remove:
    def __repr__(self) -> str:
        return "REMOVE"


#: A :class:`Fault` value that deletes the claim or header field instead of setting it.
REMOVE: Any = _Remove()


@dataclasses.dataclass(frozen=True)
class Relative:
    """A NumericDate ``seconds`` from the moment the token is made (negative: the past)."""

    seconds: float


@dataclasses.dataclass(frozen=True)
class Fault:
    """One thing the IdP gets wrong; the default ``Fault()`` is an honest IdP.

    - ``claims`` / ``header``: set (or :data:`REMOVE`) ID token claims / JOSE header
      fields; a :class:`Relative` value is a time relative to now, and a callable is
      called with the IdP (for values that depend on its URL or keys).
    - ``signing``: how the ID token is signed, one of :data:`SIGNINGS`.
    - ``id_token``: ``"jwt"`` (the ID token), ``"access_token"`` (the access token is
      sent as the ID token: Cognito ``token_use`` confusion) or ``"absent"``.
    - ``discovery``: fields of the discovery document to set (or :data:`REMOVE`; a
      callable is called with the IdP).
    - ``jwks``: rewrites the published JWK list (gets it and the IdP).
    - ``jwks_body``: raw bytes served instead of the JWKS.
    - ``userinfo``: fields of the userInfo answer to set.
    """

    claims: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    header: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    signing: str = "rs256"
    id_token: str = "jwt"
    discovery: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    jwks: Callable[[list[dict[str, Any]], HostileIdP], list[Any]] | None = None
    jwks_body: bytes | None = None
    userinfo: Mapping[str, Any] = dataclasses.field(default_factory=dict)


#: How a :class:`Fault` can sign the ID token.
SIGNINGS = (
    "rs256",  # the active pool key, honestly
    "rs256-bad-signature",  # the active key, then the signature's bytes flipped
    "rs256-other-key",  # an attacker's RSA key, under the pool key's kid
    "hs256-client-id",  # HMAC with the (public) client id as the secret
    "hs256-public-key",  # HMAC with the pool's RSA public key (PEM) as the secret
    "es256",  # an EC P-256 key, which the JWKS also publishes (kid "ec-1")
    "none",  # alg=none, empty signature
)


@dataclasses.dataclass(frozen=True)
class Request:
    """One request the IdP received."""

    seq: int
    at: float  # time.monotonic()
    method: str
    path: str  # without the query string
    grant_type: str | None = None

    def __str__(self) -> str:
        grant = f" ({self.grant_type})" if self.grant_type else ""
        return f"{self.method} {self.path}{grant}"


@dataclasses.dataclass
class _Grant:
    client_id: str
    redirect_uri: str
    challenge: str
    nonce: str | None
    scope: str


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _compact(header: Mapping[str, Any], payload: Mapping[str, Any]) -> str:
    parts = [json.dumps(dict(header)).encode(), json.dumps(dict(payload)).encode()]
    return ".".join(b64url(part) for part in parts)


class HostileIdP:
    """See the module docstring. Use as a context manager (it starts and stops the server)."""

    def __init__(self, *, client_id: str = CLIENT_ID) -> None:
        self.client_id = client_id
        self.fault = Fault()
        self.refresh_fault = Fault()
        self.rotate_refresh_tokens = False
        self.redirect_uris: list[str] = []  # registered callback URLs; set by the test
        self.keys: dict[str, rsa.RSAPrivateKey] = {"k1": self._new_rsa()}
        self.published: list[str] = ["k1"]  # kids in the JWKS, in order
        self.active_kid = "k1"
        self.attacker_key = self._new_rsa()
        self.ec_key = ec.generate_private_key(ec.SECP256R1())
        self.sub = SUB
        self.userinfo_sub = SUB
        self.pkce_checks = 0  # authorization_code grants whose verifier matched
        self.issued: list[str] = []  # every code and token handed out
        self._requests: list[Request] = []
        self._grants: dict[str, _Grant] = {}
        self._refresh_tokens: dict[str, str] = {}  # token -> scope
        self._lock = threading.Lock()
        self._server = http_server.LoopbackServer(self._handle, name="hostile-idp")
        self._browsers: list[threading.Thread] = []
        self.browser_errors: list[BaseException] = []

    @staticmethod
    def _new_rsa() -> rsa.RSAPrivateKey:
        return rsa.generate_private_key(public_exponent=65537, key_size=_RSA_BITS)

    # -- where it is ------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._server.running, "the IdP is not running"
        return self._server.url

    @property
    def issuer(self) -> str:
        return f"{self.url}/{POOL}"

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    @property
    def jwks_uri(self) -> str:
        return f"{self.issuer}/.well-known/jwks.json"

    @property
    def jwks_path(self) -> str:
        return urllib.parse.urlsplit(self.jwks_uri).path

    # -- what it saw --------------------------------------------------------------------

    @property
    def requests(self) -> list[Request]:
        with self._lock:
            return list(self._requests)

    def mark(self) -> int:
        """A bookmark: :meth:`since` returns the requests made after it."""
        with self._lock:
            return len(self._requests)

    def since(self, mark: int) -> list[Request]:
        with self._lock:
            return self._requests[mark:]

    # -- keys ---------------------------------------------------------------------------

    def rotate(self, *, keep_old: bool = True) -> str:
        """Publish a new signing key and sign with it from now on; returns its kid."""
        kid = f"k{len(self.keys) + 1}"
        self.keys[kid] = self._new_rsa()
        self.published = [*self.published, kid] if keep_old else [kid]
        self.active_kid = kid
        return kid

    def jwk(self, kid: str) -> dict[str, Any]:
        entry: dict[str, Any] = RSAAlgorithm.to_jwk(self.keys[kid].public_key(), as_dict=True)
        return {**entry, "kid": kid, "alg": "RS256", "use": "sig"}

    def ec_jwk(self) -> dict[str, Any]:
        entry: dict[str, Any] = ECAlgorithm.to_jwk(self.ec_key.public_key(), as_dict=True)
        return {**entry, "kid": "ec-1", "alg": "ES256", "use": "sig"}

    def attacker_jwk(self, kid: str = "attacker") -> dict[str, Any]:
        entry: dict[str, Any] = RSAAlgorithm.to_jwk(self.attacker_key.public_key(), as_dict=True)
        return {**entry, "kid": kid, "alg": "RS256", "use": "sig"}

    def jwks_document(self) -> dict[str, Any]:
        entries = [self.jwk(kid) for kid in self.published]
        if self.fault.signing == "es256":
            entries.append(self.ec_jwk())
        if self.fault.jwks is not None:
            entries = self.fault.jwks(entries, self)
        return {"keys": entries}

    # -- tokens -------------------------------------------------------------------------

    def id_token_claims(self, *, nonce: str | None) -> dict[str, Any]:
        """What an honest Cognito ID token carries (before any fault)."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "sub": self.sub,
            "aud": self.client_id,
            "cognito:groups": ["Admin"],
            "email_verified": True,
            "token_use": "id",
            "auth_time": now,
            "iss": self.issuer,
            "cognito:username": USERNAME,
            "exp": now + 3600,
            "iat": now,
            "jti": secrets.token_hex(8),
            "origin_jti": secrets.token_hex(8),
            "email": "alice@example.com",
        }
        if nonce is not None:
            claims["nonce"] = nonce
        return claims

    def access_token(self, scope: str) -> str:
        """A Cognito access token: ``token_use=access``, ``client_id``, no ``aud``."""
        now = int(time.time())
        claims = {
            "sub": self.sub,
            "cognito:groups": ["Admin"],
            "iss": self.issuer,
            "client_id": self.client_id,
            "origin_jti": secrets.token_hex(8),
            "event_id": secrets.token_hex(8),
            "token_use": "access",
            "scope": scope,
            "auth_time": now,
            "exp": now + 3600,
            "iat": now,
            "jti": secrets.token_hex(8),
            "username": USERNAME,
        }
        return jwt.encode(
            claims, self.keys[self.active_kid], algorithm="RS256", headers={"kid": self.active_kid}
        )

    def make_id_token(self, fault: Fault, *, nonce: str | None) -> str:
        """The ID token ``fault`` describes (an honest one for ``Fault()``)."""
        now = time.time()
        claims = self.id_token_claims(nonce=nonce)
        _apply(claims, fault.claims, now, self)
        header: dict[str, Any] = {"alg": "RS256", "typ": "JWT", "kid": self.active_kid}
        if fault.signing == "es256":
            header.update(alg="ES256", kid="ec-1")
        elif fault.signing.startswith("hs256"):
            header["alg"] = "HS256"
        elif fault.signing == "none":
            header["alg"] = "none"
        _apply(header, fault.header, now, self)
        return self._sign(fault.signing, header, claims)

    def _sign(self, signing: str, header: dict[str, Any], claims: dict[str, Any]) -> str:
        signing_input = _compact(header, claims)
        data = signing_input.encode("ascii")
        if signing in ("rs256", "rs256-bad-signature", "rs256-other-key"):
            key = self.attacker_key if signing == "rs256-other-key" else self.keys[self.active_kid]
            signature = RSAAlgorithm(RSAAlgorithm.SHA256).sign(data, key)
            if signing == "rs256-bad-signature":
                signature = bytes(b ^ 0x01 for b in signature)
        elif signing == "hs256-client-id":
            signature = hmac.new(self.client_id.encode(), data, hashlib.sha256).digest()
        elif signing == "hs256-public-key":
            pem = (
                self.keys[self.active_kid]
                .public_key()
                .public_bytes(
                    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
                )
            )
            signature = hmac.new(pem, data, hashlib.sha256).digest()
        elif signing == "es256":
            signature = ECAlgorithm(ECAlgorithm.SHA256).sign(data, self.ec_key)
        elif signing == "none":
            signature = b""
        else:
            raise ValueError(f"unknown signing {signing!r}; one of {SIGNINGS}")
        return f"{signing_input}.{b64url(signature)}"

    # -- the browser ------------------------------------------------------------------------

    def browser(self, url: str) -> bool:
        """An ``open_browser`` for the Session: follows ``url`` (authorize, then the
        redirect to the app's loopback receiver) in a thread, as a browser would."""

        def run() -> None:
            try:
                with requests.Session() as person:
                    person.trust_env = False  # no proxy between the "browser" and loopback
                    person.get(url, timeout=10)
            except BaseException as exc:  # reported by join_browsers, not lost in a thread
                self.browser_errors.append(exc)

        thread = threading.Thread(target=run, name="hostile-browser", daemon=True)
        self._browsers.append(thread)
        thread.start()
        return True

    @property
    def browser_opens(self) -> int:
        return len(self._browsers)

    def join_browsers(self, timeout: float = 10.0) -> None:
        for thread in self._browsers:
            thread.join(timeout)

    # -- the server -------------------------------------------------------------------------

    def __enter__(self) -> HostileIdP:
        self._server.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.join_browsers()
        self._server.stop()

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        method = handler.command
        if method not in ("GET", "POST"):
            handler.send_error(501)
            return
        parts = urllib.parse.urlsplit(handler.path)
        form: dict[str, str] = {}
        if method == "POST":
            length = int(handler.headers.get("Content-Length") or 0)
            body = handler.rfile.read(length).decode("utf-8", "replace")
            form = dict(urllib.parse.parse_qsl(body))
        with self._lock:
            self._requests.append(
                Request(
                    seq=len(self._requests),
                    at=time.monotonic(),
                    method=method,
                    path=parts.path,
                    grant_type=form.get("grant_type"),
                )
            )
        query = dict(urllib.parse.parse_qsl(parts.query))
        route = (method, parts.path)
        if route == ("GET", urllib.parse.urlsplit(self.discovery_url).path):
            status, headers, body_bytes = self._discovery()
        elif route == ("GET", self.jwks_path):
            status, headers, body_bytes = self._jwks()
        elif route == ("GET", "/oauth2/authorize"):
            status, headers, body_bytes = self._authorize(query)
        elif route == ("POST", "/oauth2/token"):
            status, headers, body_bytes = self._token(form)
        elif route == ("GET", "/oauth2/userInfo"):
            status, headers, body_bytes = self._userinfo(handler.headers.get("Authorization"))
        elif route == ("POST", "/oauth2/revoke"):
            status, headers, body_bytes = 200, {}, b""
        elif route == ("GET", "/attacker/jwks.json"):
            # A key set an attacker controls: a client that follows a token's jku
            # header would find the attacker's key here.
            status, headers, body_bytes = _json(200, {"keys": [self.attacker_jwk()]})
        else:
            status, headers, body_bytes = 404, {}, b"not found"
        try:
            handler.send_response(status)
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(body_bytes)))
            handler.send_header("Cache-Control", "no-store")
            handler.end_headers()
            handler.wfile.write(body_bytes)
        except OSError:
            pass  # the client already gave up

    # -- endpoints ------------------------------------------------------------------------

    def _discovery(self) -> tuple[int, dict[str, str], bytes]:
        document: dict[str, Any] = {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.url}/oauth2/authorize",
            "token_endpoint": f"{self.url}/oauth2/token",
            "userinfo_endpoint": f"{self.url}/oauth2/userInfo",
            "revocation_endpoint": f"{self.url}/oauth2/revoke",
            "jwks_uri": self.jwks_uri,
            "response_types_supported": ["code", "token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "phone", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        }
        _apply(document, self.fault.discovery, time.time(), self)
        return _json(200, document)

    def _jwks(self) -> tuple[int, dict[str, str], bytes]:
        if self.fault.jwks_body is not None:
            return 200, {"Content-Type": "application/json"}, self.fault.jwks_body
        return _json(200, self.jwks_document())

    def _authorize(self, query: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        checks = (
            query.get("response_type") == "code",
            query.get("client_id") == self.client_id,
            query.get("redirect_uri") in self.redirect_uris,
            query.get("code_challenge_method") == "S256",
            bool(query.get("code_challenge")),
            bool(query.get("state")),
        )
        if not all(checks):
            return 400, {"Content-Type": "text/plain"}, b"bad authorization request"
        code = secrets.token_urlsafe(24)
        with self._lock:
            self.issued.append(code)
            self._grants[code] = _Grant(
                client_id=query["client_id"],
                redirect_uri=query["redirect_uri"],
                challenge=query["code_challenge"],
                nonce=query.get("nonce"),
                scope=query.get("scope", "openid"),
            )
        back = urllib.parse.urlencode({"code": code, "state": query["state"]})
        return 302, {"Location": f"{query['redirect_uri']}?{back}"}, b""

    def _token(self, form: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        grant_type = form.get("grant_type")
        if form.get("client_id") != self.client_id:
            return _json(400, {"error": "invalid_client"})
        if grant_type == "authorization_code":
            with self._lock:
                grant = self._grants.pop(form.get("code", ""), None)  # single use
            verifier = form.get("code_verifier", "")
            if (
                grant is None
                or grant.redirect_uri != form.get("redirect_uri")
                or not hmac.compare_digest(
                    b64url(hashlib.sha256(verifier.encode("ascii", "replace")).digest()),
                    grant.challenge,
                )
            ):
                return _json(400, {"error": "invalid_grant"})
            self.pkce_checks += 1
            return self._tokens(self.fault, grant.scope, nonce=grant.nonce, new_refresh=True)
        if grant_type == "refresh_token":
            with self._lock:
                scope = self._refresh_tokens.get(form.get("refresh_token", ""))
            if scope is None:
                return _json(400, {"error": "invalid_grant"})
            return self._tokens(
                self.refresh_fault, scope, nonce=None, new_refresh=self.rotate_refresh_tokens
            )
        return _json(400, {"error": "unsupported_grant_type"})

    def _tokens(
        self, fault: Fault, scope: str, *, nonce: str | None, new_refresh: bool
    ) -> tuple[int, dict[str, str], bytes]:
        access = self.access_token(scope)
        answer: dict[str, Any] = {
            "access_token": access,
            "expires_in": 3600,
            "token_type": "Bearer",
        }
        if fault.id_token == "jwt":
            answer["id_token"] = self.make_id_token(fault, nonce=nonce)
        elif fault.id_token == "access_token":
            answer["id_token"] = access
        elif fault.id_token != "absent":
            raise ValueError(f"unknown id_token kind {fault.id_token!r}")
        if new_refresh:
            refresh = secrets.token_urlsafe(48)
            with self._lock:
                self._refresh_tokens[refresh] = scope
            answer["refresh_token"] = refresh
        with self._lock:
            self.issued.extend(
                str(answer[name])
                for name in ("access_token", "id_token", "refresh_token")
                if name in answer
            )
        return _json(200, answer)

    def _userinfo(self, authorization: str | None) -> tuple[int, dict[str, str], bytes]:
        if not authorization or not authorization.startswith("Bearer "):
            return _json(401, {"error": "invalid_token"})
        answer: dict[str, Any] = {
            "sub": self.userinfo_sub,
            "email": "alice@example.com",
            "email_verified": "true",
            "username": USERNAME,
        }
        _apply(answer, self.fault.userinfo, time.time(), self)
        return _json(200, answer)


def _apply(target: dict[str, Any], changes: Mapping[str, Any], now: float, idp: HostileIdP) -> None:
    for name, value in changes.items():
        if value is REMOVE:
            target.pop(name, None)
        elif isinstance(value, Relative):
            target[name] = int(now + value.seconds)
        elif callable(value):
            target[name] = value(idp)
        else:
            target[name] = value


def _json(status: int, body: Any) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json"}, json.dumps(body).encode()
