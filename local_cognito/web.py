"""Managed-login pages and endpoints, discovery, JWKS and the outbox (Flask).

Endpoint behaviour follows the AWS developer guide's "User pool endpoints"
pages; see docs/local-cognito.md for what is and is not emulated.
"""

from __future__ import annotations

import dataclasses
import enum
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
from markupsafe import Markup
from moto.cognitoidp import exceptions as moto_errors
from moto.core.exceptions import JsonRESTError
from werkzeug.wrappers import Response

from local_cognito import lambda_triggers, lifecycle, oauth, qr, settings, tokens, totp
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


# The pages' own sentences (Cognito's API messages live in lifecycle.py).
SESSION_EXPIRED = "Your session expired. Please sign in again."
PASSWORDS_DIFFER = "Passwords do not match."
CODE_SENT = "We emailed you a code. Enter it below."
ACCOUNT_CONFIRMED = "Your account is confirmed. Sign in to continue."
USERNAME_REQUIRED = "Enter your username or email."


@dataclasses.dataclass
class LoginSession:
    username: str
    auth_time: int
    expires_at: float


class Step(enum.Enum):
    """What a pending managed-login page waits for (its form's hidden ``challenge``)."""

    NEW_PASSWORD = "new_password"  # NEW_PASSWORD_REQUIRED: a temporary password's end
    RESET = "reset"  # RESET_REQUIRED: the emailed code and a new password
    CONFIRM_SIGN_UP = "confirm_sign_up"  # the sign-up code, then signed in
    FORGOT_PASSWORD = "forgot_password"  # the reset code and a new password, then signed in
    MFA = "mfa"  # SOFTWARE_TOKEN_MFA: a code from the authenticator
    MFA_SETUP = "mfa_setup"  # MFA_SETUP: scan the secret, then a first code


# How long each page's state lasts: Cognito's 3-minute auth session for the sign-in
# challenges; the emailed-code pages last as long as a login session.
_STEP_LIFETIME_S = {
    Step.NEW_PASSWORD: settings.CHALLENGE_LIFETIME_S,
    Step.RESET: settings.CHALLENGE_LIFETIME_S,
    Step.MFA: settings.CHALLENGE_LIFETIME_S,
    Step.MFA_SETUP: settings.CHALLENGE_LIFETIME_S,
    Step.CONFIRM_SIGN_UP: settings.LOGIN_SESSION_LIFETIME_S,
    Step.FORGOT_PASSWORD: settings.LOGIN_SESSION_LIFETIME_S,
}
MAX_MFA_ATTEMPTS = 5  # wrong authenticator codes before the sign-in starts over


@dataclasses.dataclass
class Challenge:
    """A step of a sign-in, sign-up or recovery waiting for the user."""

    username: str
    step: Step
    expires_at: float
    attempts: int = 0

    @property
    def needs_code(self) -> bool:
        return self.step is Step.RESET


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

    def start_challenge(self, username: str, step: Step) -> str:
        self._forget_expired()
        cid = secrets.token_urlsafe(32)
        self.challenges[cid] = Challenge(username, step, self.pool.now() + _STEP_LIFETIME_S[step])
        return cid

    def challenge(self, cid: str, *steps: Step) -> Challenge | None:
        """A live pending step of one of these kinds, else None (and forgotten)."""
        found = self.challenges.get(cid)
        if found is None or found.step not in steps or self.pool.now() >= found.expires_at:
            self.challenges.pop(cid, None)
            return None
        return found

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

    def csrf_token() -> str:
        return flask.request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)

    def form_page(template: str, status: int = 200, **context: Any) -> Response:
        """A page with a form: the CSRF cookie set, the authorize query kept in links."""
        csrf = csrf_token()
        response = page(
            template,
            status,
            csrf=csrf,
            query=_query(),
            self_sign_up=pool.accounts.self_sign_up,
            **context,
        )
        response.set_cookie(CSRF_COOKIE, csrf, httponly=True, samesite="Strict")
        return response

    def csrf_ok() -> bool:
        csrf = flask.request.cookies.get(CSRF_COOKIE, "")
        return bool(csrf) and hmac.compare_digest(csrf, flask.request.form.get("_csrf", ""))

    def login_form(message: str = "", status: int = 200, notice: str = "") -> Response:
        return form_page(
            "login.html",
            status,
            message=message,
            notice=notice,
            action="/login?" + _query(),
            login_hint=flask.request.args.get("login_hint", ""),
            demo_users=login.demo_users,
        )

    def step_page(cid: str, challenge: Challenge, message: str = "", notice: str = "") -> Response:
        """The page for a pending step (its form posts the challenge id back)."""
        common: dict[str, Any] = {
            "message": message,
            "notice": notice,
            "challenge": cid,
            "username": challenge.username,
        }
        if challenge.step in (Step.NEW_PASSWORD, Step.RESET):
            return form_page(
                "new_password.html",
                needs_code=challenge.needs_code,
                action="/login?" + _query(),
                **common,
            )
        if challenge.step is Step.CONFIRM_SIGN_UP:
            return form_page("confirm.html", action="/confirm?" + _query(), **common)
        if challenge.step is Step.FORGOT_PASSWORD:
            return form_page(
                "confirm_forgot_password.html",
                action="/confirmforgotPassword?" + _query(),
                **common,
            )
        if challenge.step is Step.MFA:
            return form_page("mfa_code.html", action="/login?" + _query(), **common)
        secret = pool.accounts.pending_secret(challenge.username) or ""
        uri = totp.provisioning_uri(secret, challenge.username, settings.TOTP_ISSUER)
        return form_page(
            "mfa_setup.html",
            action="/login?" + _query(),
            secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            qr_svg=Markup(qr.svg(uri)),  # noqa: S704 - drawn by qr.svg from our own data
            **common,
        )

    def start_step(username: str, step: Step, notice: str = "") -> Response:
        """Begin a pending step for ``username`` and show its page."""
        cid = login.start_challenge(username, step)
        return step_page(cid, login.challenges[cid], notice=notice)

    def next_after_password(grant: Any, result: pool_mod.LoginResult) -> Response:
        """Signed in, or the MFA page the user or pool needs first."""
        assert result.username is not None
        if result.outcome is pool_mod.LoginOutcome.SIGNED_IN:
            return signed_in(grant, result.username)
        if result.outcome is pool_mod.LoginOutcome.MFA_REQUIRED:
            return start_step(result.username, Step.MFA)
        pool.accounts.associate_software_token(result.username)
        return start_step(result.username, Step.MFA_SETUP)

    def client_of(grant: Any) -> str:
        return str(grant.request.client.get_client_id())

    def failure_message(exc: JsonRESTError) -> str:
        if isinstance(exc, moto_errors.InvalidPasswordException):
            return pool_mod.PASSWORD_POLICY
        return str(exc.message)

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
        if not csrf_ok():
            return login_form(SESSION_EXPIRED, 400)
        if "challenge" in form:
            return answer_challenge(grant, form)
        result = pool.authenticate(form.get("username", ""), form.get("password", ""))
        if result.outcome is pool_mod.LoginOutcome.FAILED:
            return login_form(result.message, 400)
        assert result.username is not None
        if result.outcome is pool_mod.LoginOutcome.NOT_CONFIRMED:
            return start_step(result.username, Step.CONFIRM_SIGN_UP, notice=CODE_SENT)
        if result.outcome is pool_mod.LoginOutcome.NEW_PASSWORD_REQUIRED:
            return start_step(result.username, Step.NEW_PASSWORD)
        if result.outcome is pool_mod.LoginOutcome.RESET_REQUIRED:
            pool.accounts.ensure_reset_code(result.username)
            return start_step(result.username, Step.RESET)
        return next_after_password(grant, result)

    def answer_challenge(grant: Any, form: Any) -> Response:
        cid = form.get("challenge", "")
        challenge = login.challenge(cid, Step.NEW_PASSWORD, Step.RESET, Step.MFA, Step.MFA_SETUP)
        if challenge is None:
            return login_form(SESSION_EXPIRED, 400)
        if challenge.step in (Step.MFA, Step.MFA_SETUP):
            return answer_mfa(grant, cid, challenge, form.get("code", ""))
        password = form.get("new_password", "")
        if password != form.get("confirm_password", ""):
            return step_page(cid, challenge, PASSWORDS_DIFFER)
        code = form.get("code", "").strip() if challenge.needs_code else None
        message = pool.set_new_password(challenge.username, password, code)
        if message:
            return step_page(cid, challenge, message)
        del login.challenges[cid]
        return next_after_password(grant, pool.after_password(challenge.username))

    def answer_mfa(grant: Any, cid: str, challenge: Challenge, code: str) -> Response:
        try:
            if challenge.step is Step.MFA:
                pool.accounts.check_mfa_code(challenge.username, code)
            else:
                pool.accounts.verify_software_token(challenge.username, code)
                pool.accounts.set_totp_preference(challenge.username, True, True)
        except JsonRESTError as exc:
            challenge.attempts += 1
            if challenge.attempts >= MAX_MFA_ATTEMPTS:
                del login.challenges[cid]
                return login_form(SESSION_EXPIRED, 400)
            return step_page(cid, challenge, str(exc.message))
        del login.challenges[cid]
        return signed_in(grant, challenge.username)

    def signed_in(grant: Any, username: str) -> Response:
        """A sign-in is complete: the post authentication trigger, then the session and
        the code (a failing trigger fails the sign-in; its message is on the page)."""
        try:
            lambda_triggers.post_authentication(
                pool.triggers, pool.pool._get_user(username), client_id=client_of(grant)
            )
        except JsonRESTError as exc:
            return login_form(str(exc.message), 400)
        sid, session = login.start_session(username)
        return issue_code(grant, session, sid)

    # -- sign-up and its confirmation code ("Signing up users") ---------------------------

    @app.get("/signup")
    def signup_get() -> Response:
        _, failure = validate_authorize()
        if failure is not None:
            return failure
        if not pool.accounts.self_sign_up:
            return error_page("unauthorized_client", lifecycle.SIGN_UP_DISABLED, 403)
        return signup_form()

    def signup_form(message: str = "", status: int = 200) -> Response:
        form = flask.request.form
        return form_page(
            "signup.html",
            status,
            message=message,
            action="/signup?" + _query(),
            username=form.get("username", ""),
            email=form.get("email", ""),
        )

    @app.post("/signup")
    def signup_post() -> Response:
        grant, failure = validate_authorize()
        if failure is not None:
            return failure
        if not pool.accounts.self_sign_up:
            return error_page("unauthorized_client", lifecycle.SIGN_UP_DISABLED, 403)
        form = flask.request.form
        if not csrf_ok():
            return signup_form(SESSION_EXPIRED, 400)
        password = form.get("password", "")
        if password != form.get("confirm_password", ""):
            return signup_form(PASSWORDS_DIFFER, 400)
        username = form.get("username", "").strip()
        try:
            pool.accounts.sign_up(
                username,
                password,
                {"email": form.get("email", "").strip()},
                client_id=client_of(grant),
            )
        except JsonRESTError as exc:
            return signup_form(failure_message(exc), 400)
        return start_step(username, Step.CONFIRM_SIGN_UP, notice=CODE_SENT)

    @app.get("/confirm")
    def confirm_get() -> Response:
        _, failure = validate_authorize()
        if failure is not None:
            return failure
        return bare_confirm_form(flask.request.args.get("username", ""))

    def bare_confirm_form(username: str, message: str = "", status: int = 200) -> Response:
        """The confirm page without a sign-up in this browser: it asks for the username."""
        return form_page(
            "confirm.html",
            status,
            action="/confirm?" + _query(),
            username=username,
            challenge="",
            message=message,
            notice="",
        )

    @app.post("/confirm")
    def confirm_post() -> Response:
        grant, failure = validate_authorize()
        if failure is not None:
            return failure
        form = flask.request.form
        if not csrf_ok():
            return login_form(SESSION_EXPIRED, 400)
        cid = form.get("challenge", "")
        challenge = login.challenge(cid, Step.CONFIRM_SIGN_UP) if cid else None
        username = challenge.username if challenge else form.get("username", "").strip()
        try:
            pool.accounts.confirm_sign_up(
                username, form.get("code", ""), client_id=client_of(grant)
            )
        except JsonRESTError as exc:
            if challenge is None:
                return bare_confirm_form(username, str(exc.message), 400)
            return step_page(cid, challenge, str(exc.message))
        if challenge is None:
            # Confirmed from a bare link: proving the email is not proving the password.
            return login_form(notice=ACCOUNT_CONFIRMED)
        del login.challenges[cid]
        return next_after_password(grant, pool.after_password(username))

    @app.post("/resendcode")
    def resend_code() -> Response:
        grant, failure = validate_authorize()
        if failure is not None:
            return failure
        cid = flask.request.form.get("challenge", "")
        challenge = login.challenge(cid, Step.CONFIRM_SIGN_UP)
        if not csrf_ok() or challenge is None:
            return login_form(SESSION_EXPIRED, 400)
        try:
            pool.accounts.resend_confirmation_code(challenge.username, client_id=client_of(grant))
        except JsonRESTError as exc:
            return step_page(cid, challenge, str(exc.message))
        return step_page(cid, challenge, notice=CODE_SENT)

    # -- forgot password ("Recovering user accounts") -------------------------------------

    @app.get("/forgotPassword")
    def forgot_get() -> Response:
        _, failure = validate_authorize()
        if failure is not None:
            return failure
        return forgot_form()

    def forgot_form(message: str = "", status: int = 200) -> Response:
        return form_page(
            "forgot_password.html",
            status,
            message=message,
            action="/forgotPassword?" + _query(),
            username=flask.request.form.get("username", ""),
        )

    @app.post("/forgotPassword")
    def forgot_post() -> Response:
        grant, failure = validate_authorize()
        if failure is not None:
            return failure
        if not csrf_ok():
            return forgot_form(SESSION_EXPIRED, 400)
        typed = flask.request.form.get("username", "").strip()
        if not typed:
            return forgot_form(USERNAME_REQUIRED, 400)
        try:
            pool.accounts.forgot_password(typed, client_id=client_of(grant))
        except JsonRESTError as exc:
            return forgot_form(str(exc.message), 400)
        # Unknown users reach the same page (PreventUserExistenceErrors); their code
        # never matches.
        return start_step(typed, Step.FORGOT_PASSWORD, notice=CODE_SENT)

    @app.post("/confirmforgotPassword")
    def confirm_forgot_post() -> Response:
        grant, failure = validate_authorize()
        if failure is not None:
            return failure
        form = flask.request.form
        cid = form.get("challenge", "")
        challenge = login.challenge(cid, Step.FORGOT_PASSWORD)
        if not csrf_ok() or challenge is None:
            return login_form(SESSION_EXPIRED, 400)
        password = form.get("new_password", "")
        if password != form.get("confirm_password", ""):
            return step_page(cid, challenge, PASSWORDS_DIFFER)
        try:
            user = pool.accounts.confirm_forgot_password(
                challenge.username, form.get("code", ""), password, client_id=client_of(grant)
            )
        except JsonRESTError as exc:
            return step_page(cid, challenge, failure_message(exc))
        del login.challenges[cid]
        return next_after_password(grant, pool.after_password(user.username))

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


_PAGES = frozenset(
    {
        "/login",
        "/logout",
        "/signup",
        "/confirm",
        "/resendcode",
        "/forgotPassword",
        "/confirmforgotPassword",
        "/error",
        "/outbox",
        "/outbox.json",
        "/healthz",
    }
)


# Paths this app serves; everything else goes to moto's cognito-idp API.
def owns(method: str, path: str, pool_id: str) -> bool:
    """Whether a request belongs to the managed-login app rather than moto."""
    if path == "/":
        return method in {"GET", "HEAD"}  # POST / is the cognito-idp JSON API
    if path in _PAGES:
        return True
    if path.startswith("/oauth2/"):
        return True
    return path.startswith(f"/{pool_id}/.well-known/")
