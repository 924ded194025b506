"""Managed-login pages and endpoints, discovery, JWKS and the outbox (Flask).

Endpoint behaviour follows the AWS developer guide's "User pool endpoints"
pages; see docs/local-cognito.md for what is and is not emulated.
"""

from __future__ import annotations

import dataclasses
import hmac
import logging
import secrets
import urllib.parse
from collections.abc import Callable
from typing import Any

import flask
import jwt
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749.errors import InvalidClientError
from werkzeug.wrappers import Response

from local_cognito import oauth, settings, tokens
from local_cognito import pool as pool_mod

log = logging.getLogger(__name__)

SESSION_COOKIE = "cognito"  # the managed-login session cookie's name on Cognito
CSRF_COOKIE = "XSRF-TOKEN"
_PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


@dataclasses.dataclass
class LoginSession:
    username: str
    auth_time: int
    expires_at: float


@dataclasses.dataclass
class Challenge:
    """A NEW_PASSWORD_REQUIRED or password-reset step waiting for the user."""

    username: str
    needs_code: bool
    expires_at: float


class ManagedLogin:
    """State behind the pages: login sessions and pending challenges."""

    def __init__(self, pool: pool_mod.LocalPool, base_url: Callable[[], str]) -> None:
        self.pool = pool
        self.base_url = base_url
        self.server = oauth.Server(pool)
        self.sessions: dict[str, LoginSession] = {}
        self.challenges: dict[str, Challenge] = {}
        # Shown on the sign-in page (a stand-in convenience: real managed login never
        # shows credentials); empty when the pool has no demo users.
        self.demo_users: list[dict[str, Any]] = []

    def session_for(self, sid: str | None) -> LoginSession | None:
        found = self.sessions.get(sid or "")
        if found is None or self.pool.now() >= found.expires_at:
            return None
        user = self.pool.pool._get_user(found.username)
        return found if user is not None and user.enabled else None

    def _forget_expired(self) -> None:
        now = self.pool.now()
        for table in (self.sessions, self.challenges):
            for key in [k for k, v in table.items() if now >= v.expires_at]:
                del table[key]

    def start_session(self, username: str) -> tuple[str, LoginSession]:
        self._forget_expired()
        now = self.pool.now()
        sid = secrets.token_urlsafe(32)
        found = LoginSession(username, int(now), now + settings.LOGIN_SESSION_LIFETIME_S)
        self.sessions[sid] = found
        return sid, found

    def start_challenge(self, username: str, needs_code: bool) -> str:
        self._forget_expired()
        cid = secrets.token_urlsafe(32)
        self.challenges[cid] = Challenge(
            username, needs_code, self.pool.now() + settings.CHALLENGE_LIFETIME_S
        )
        return cid

    def discovery(self) -> dict[str, Any]:
        base = self.base_url()
        issuer = self.pool.tokens.issuer
        return {
            "issuer": issuer,
            "authorization_endpoint": f"{base}/oauth2/authorize",
            "token_endpoint": f"{base}/oauth2/token",
            "userinfo_endpoint": f"{base}/oauth2/userInfo",
            "revocation_endpoint": f"{base}/oauth2/revoke",
            "end_session_endpoint": f"{base}/logout",
            "jwks_uri": f"{base}/{self.pool.id}/.well-known/jwks.json",
            "response_types_supported": ["code"],
            "scopes_supported": ["openid", "email", "phone", "profile"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        }


def create_app(login: ManagedLogin) -> flask.Flask:
    """The Flask app serving every path the stand-in adds to moto."""
    app = flask.Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    login.server.init_app(app)
    pool = login.pool

    @app.after_request
    def _headers(response: Response) -> Response:
        if response.mimetype == "text/html":
            response.headers.update(_PAGE_HEADERS)
        return response

    def page(template: str, status: int = 200, **context: Any) -> Response:
        return flask.make_response(flask.render_template(template, **context), status)

    def error_page(error: str, description: str = "", status: int = 400) -> Response:
        return page("error.html", status, error=error, description=description)

    def validate_authorize() -> tuple[Any | None, Response | None]:
        """Authlib's checks; bad client/redirect never redirect (RFC 6749 4.1.2.1)."""
        try:
            return login.server.get_consent_grant(end_user=None), None
        except OAuth2Error as exc:
            if exc.redirect_uri:
                return None, login.server.handle_error_response(flask.request, exc)
            error = "invalid_client" if isinstance(exc, InvalidClientError) else "redirect_mismatch"
            target = "/error?" + urllib.parse.urlencode({"error": error})
            return None, flask.redirect(target, 302)

    def issue_code(grant: Any, session: LoginSession, sid: str | None) -> Response:
        scopes = tuple((grant.request.scope or "").split())
        grantee = oauth.Grantee(session.username, scopes, session.auth_time)
        response: Response = login.server.create_authorization_response(
            grant_user=grantee, grant=grant
        )
        if sid is not None:
            response.set_cookie(
                SESSION_COOKIE,
                sid,
                httponly=True,
                samesite="Lax",
                max_age=settings.LOGIN_SESSION_LIFETIME_S,
            )
        return response

    def login_form(message: str = "", status: int = 200) -> Response:
        csrf = flask.request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
        response = page(
            "login.html",
            status,
            message=message,
            csrf=csrf,
            action="/login?" + _query(),
            login_hint=flask.request.args.get("login_hint", ""),
            demo_users=login.demo_users,
        )
        response.set_cookie(CSRF_COOKIE, csrf, httponly=True, samesite="Strict")
        return response

    def challenge_form(cid: str, challenge: Any, message: str = "") -> Response:
        csrf = flask.request.cookies.get(CSRF_COOKIE, "")
        return page(
            "new_password.html",
            message=message,
            csrf=csrf,
            challenge=cid,
            needs_code=challenge.needs_code,
            username=challenge.username,
            action="/login?" + _query(),
        )

    @app.get("/oauth2/authorize")
    def authorize() -> Response:
        grant, failure = validate_authorize()
        if failure is not None:
            return failure
        session = login.session_for(flask.request.cookies.get(SESSION_COOKIE))
        if session is None or flask.request.args.get("prompt") == "login":
            return flask.redirect("/login?" + _query(), 302)
        return issue_code(grant, session, None)

    @app.get("/login")
    def login_get() -> Response:
        _, failure = validate_authorize()
        return failure if failure is not None else login_form()

    @app.post("/login")
    def login_post() -> Response:
        grant, failure = validate_authorize()
        if failure is not None:
            return failure
        form = flask.request.form
        csrf = flask.request.cookies.get(CSRF_COOKIE, "")
        if not csrf or not hmac.compare_digest(csrf, form.get("_csrf", "")):
            return login_form("Your session expired. Please sign in again.", 400)
        if "challenge" in form:
            return answer_challenge(grant, form)
        result = pool.authenticate(form.get("username", ""), form.get("password", ""))
        if result.outcome is pool_mod.LoginOutcome.FAILED:
            return login_form(result.message, 400)
        assert result.username is not None
        if result.outcome is pool_mod.LoginOutcome.SIGNED_IN:
            sid, session = login.start_session(result.username)
            return issue_code(grant, session, sid)
        needs_code = result.outcome is pool_mod.LoginOutcome.RESET_REQUIRED
        if needs_code:
            pool.ensure_reset_code(result.username)
        cid = login.start_challenge(result.username, needs_code)
        return challenge_form(cid, login.challenges[cid])

    def answer_challenge(grant: Any, form: Any) -> Response:
        cid = form.get("challenge", "")
        challenge = login.challenges.get(cid)
        if challenge is None or pool.now() >= challenge.expires_at:
            login.challenges.pop(cid, None)
            return login_form("Your session expired. Please sign in again.", 400)
        password = form.get("new_password", "")
        if password != form.get("confirm_password", ""):
            return challenge_form(cid, challenge, "Passwords do not match.")
        code = form.get("code", "").strip() if challenge.needs_code else None
        message = pool.set_new_password(challenge.username, password, code)
        if message:
            return challenge_form(cid, challenge, message)
        del login.challenges[cid]
        sid, session = login.start_session(challenge.username)
        return issue_code(grant, session, sid)

    @app.post("/oauth2/token")
    def token() -> Response:
        return login.server.create_token_response()  # type: ignore[no-any-return]

    @app.post("/oauth2/revoke")
    def revoke() -> Response:
        return login.server.create_endpoint_response("revocation")  # type: ignore[no-any-return]

    @app.route("/oauth2/userInfo", methods=["GET", "POST"])
    def user_info() -> Response:
        scheme, _, token = flask.request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return bearer_error(401, "invalid_request")
        try:
            claims = pool.tokens.verify_access_token(token.strip())
        except jwt.InvalidTokenError:
            return bearer_error(401, "invalid_token")
        scopes = set(str(claims.get("scope", "")).split())
        if "openid" not in scopes:
            return bearer_error(403, "insufficient_scope")
        user = pool.pool.users[claims["username"]]
        body = {"sub": user.id, "username": user.username}
        body.update(tokens.visible_attributes(user, sorted(scopes)))
        return flask.jsonify(body)

    def bearer_error(status: int, error: str) -> Response:
        response = flask.jsonify({"error": error})
        response.status_code = status
        response.headers["WWW-Authenticate"] = f'Bearer error="{error}"'
        return response

    @app.get("/logout")
    def logout() -> Response:
        args = flask.request.args
        client = pool.pool.clients.get(args.get("client_id", ""))
        if client is None:
            return flask.redirect("/error?error=invalid_client", 302)
        logout_uri = args.get("logout_uri")
        if logout_uri is None and "redirect_uri" in args:
            # Sign out, then sign in again: the rest of the query is the request for the
            # login page (client_id, response_type, redirect_uri, scope...), checked as
            # /login checks it before anyone is signed out.
            _, failure = validate_authorize()
            if failure is not None:
                return failure
            response = flask.redirect("/login?" + _query(), 302)
        elif logout_uri is not None and logout_uri in (
            client.extended_config.get("LogoutURLs") or []
        ):
            response = flask.redirect(logout_uri, 302)
        else:
            return flask.redirect("/error?error=redirect_mismatch", 302)
        login.sessions.pop(flask.request.cookies.get(SESSION_COOKIE, ""), None)
        response.delete_cookie(SESSION_COOKIE)
        return response

    @app.get("/error")
    def error() -> Response:
        return error_page(flask.request.args.get("error", "unknown_error"))

    @app.get("/<pool_id>/.well-known/openid-configuration")
    def openid_configuration(pool_id: str) -> Response:
        if pool_id != pool.id:
            return error_json(404, "ResourceNotFoundException")
        return flask.jsonify(login.discovery())

    @app.get("/<pool_id>/.well-known/jwks.json")
    def jwks(pool_id: str) -> Response:
        if pool_id != pool.id:
            return error_json(404, "ResourceNotFoundException")
        return flask.jsonify(pool.key.jwks())

    def error_json(status: int, message: str) -> Response:
        response = flask.jsonify({"message": message})
        response.status_code = status
        return response

    @app.get("/outbox")
    def outbox_page() -> Response:
        return page("outbox.html", messages=list(reversed(pool.outbox.messages())))

    @app.get("/outbox.json")
    def outbox_json() -> Response:
        return flask.jsonify(pool.outbox.as_json())

    @app.get("/healthz")
    def healthz() -> Response:
        return flask.jsonify({"status": "ok"})

    @app.get("/")
    def index() -> Response:
        return page(
            "index.html",
            base=login.base_url(),
            pool_id=pool.id,
            client_id=pool.client_id,
            discovery=login.discovery(),
        )

    return app


def _query() -> str:
    """The request's query string, as sent (percent-encoding any stray raw bytes)."""
    return urllib.parse.quote(flask.request.query_string, safe="=&%+;/:?@,$!*'()~")


# Paths this app serves; everything else goes to moto's cognito-idp API.
def owns(method: str, path: str, pool_id: str) -> bool:
    """Whether a request belongs to the managed-login app rather than moto."""
    if path == "/":
        return method in {"GET", "HEAD"}  # POST / is the cognito-idp JSON API
    if path in {"/login", "/logout", "/error", "/outbox", "/outbox.json", "/healthz"}:
        return True
    if path.startswith("/oauth2/"):
        return True
    return path.startswith(f"/{pool_id}/.well-known/")
