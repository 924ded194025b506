"""Password sign-in through the protected API, for automation and headless test runs.

The protected API signs a user in on its own automation app client with Cognito's
``AdminInitiateAuth`` (``ADMIN_USER_PASSWORD_AUTH``) and answers Cognito's challenges
with ``AdminRespondToAuthChallenge`` (docs/protected-api.md). This module is the app's
side of that contract, three JSON POSTs under the profile's ``api_url``:

- ``/auth/sign-in`` ``{"username", "password"}``,
- ``/auth/challenge`` ``{"challenge", "session", "username", "new_password"?, "code"?}``,
- ``/auth/refresh`` ``{"refresh_token", "username"}``.

The first two answer tokens (a :class:`~desktop_app.auth.tokens.TokenResponse`) or a
:class:`Challenge`; the last, tokens without a refresh token. An error answer
(``{"error", "message"}``) is a :class:`Refused` whose text is the line to show.
:func:`run` signs in and answers the challenges; the session
(:meth:`desktop_app.auth.session.Session.sign_in_with_password`) checks the ID token and
keeps the session.

Only ``cognito-desktop login --password-stdin`` and ``self-test --sign-in`` use it: the
GUI signs in in the system browser (RFC 8252 4.1), because an app that takes the password
itself sees the user's full credentials (RFC 8252 8.12).

The transport follows the token endpoint's rules (:mod:`desktop_app.auth.tokens`): every
request has a timeout, a redirect is never followed (requests would POST the password
again to wherever a 307 points), an answer is read up to a cap and must be strict JSON,
and 5xx answers are transient (:class:`~desktop_app.errors.NetworkError`). No message or
log line holds the password, a token, a code or the challenge's session.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import time
from collections.abc import Callable, Mapping
from typing import Any

import requests

from desktop_app import errors
from desktop_app.auth import authorization, http, strict_json, tokens

log = logging.getLogger(__name__)

SIGN_IN_PATH = "/auth/sign-in"
CHALLENGE_PATH = "/auth/challenge"
REFRESH_PATH = "/auth/refresh"
NEW_PASSWORD_REQUIRED = "NEW_PASSWORD_REQUIRED"
SOFTWARE_TOKEN_MFA = "SOFTWARE_TOKEN_MFA"
MFA_SETUP = "MFA_SETUP"
#: The challenges :func:`run` answers (with what its ``answer`` returns).
ANSWERABLE = (NEW_PASSWORD_REQUIRED, SOFTWARE_TOKEN_MFA)
#: The scope of an access token from Cognito's own sign-in API (``AdminInitiateAuth``):
#: always this one, which its user calls (GlobalSignOut, the MFA settings) need.
ACCESS_TOKEN_SCOPE = "aws.cognito.signin.user.admin"
#: Challenges answered before :func:`run` gives up (Cognito asks at most two in a row:
#: a new password, then an MFA code).
MAX_CHALLENGES = 4
#: Largest answer read; a token answer is the token endpoint's size at most.
MAX_ANSWER_BYTES = tokens.MAX_RESPONSE_BYTES
_CODE = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
_SECONDS = re.compile(r"[0-9]{1,9}")
_DIGITS = re.compile(r"[0-9]{1,18}")
_MESSAGE_LIMIT = 300
_CHUNK = 8192


@dataclasses.dataclass(frozen=True)
class Challenge:
    """What Cognito asks before it gives tokens; ``session`` is the opaque value that
    ties the answer to the sign-in (a secret for its few minutes: never shown)."""

    name: str
    session: str = dataclasses.field(repr=False)
    username: str


class Refused(errors.SignInError):
    """The API answered with an error; ``str()`` is the line to show (never a secret).

    ``error`` is the answer's code (``invalid_credentials``, ``user_disabled``,
    ``password_reset_required``, ``invalid_request``, ``invalid_session``,
    ``invalid_code``, ``invalid_grant``, ``too_many_attempts``; ``not_found`` for a 404: the API has
    password sign-in off), ``status`` the HTTP status, ``retry_after`` the seconds a
    429 asks to wait (None if it did not say). Only :attr:`grant_is_dead`
    (``invalid_grant``, on refresh) means a refresh token must be dropped.
    """

    def __init__(
        self, line: str, *, error: str, status: int, retry_after: int | None = None
    ) -> None:
        super().__init__(line)
        self.error = error
        self.status = status
        self.retry_after = retry_after

    @property
    def grant_is_dead(self) -> bool:
        return self.error == "invalid_grant"


class CannotAnswer(errors.SignInError):
    """A challenge this app cannot answer without a browser (``MFA_SETUP``, or one it
    does not know); ``challenge`` is its name."""

    def __init__(self, line: str, challenge: str) -> None:
        super().__init__(line)
        self.challenge = challenge


Outcome = tokens.TokenResponse | Challenge


class PasswordSignIn:
    """The three calls to one API (``api_url``), over the app's HTTP session."""

    def __init__(
        self, api_url: str, session: requests.Session, *, now: Callable[[], float] = time.time
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self._http = session
        self._now = now

    def sign_in(self, username: str, password: str) -> Outcome:
        """``/auth/sign-in``: tokens, or the first challenge."""
        return self._outcome(SIGN_IN_PATH, {"username": username, "password": password}, "sign-in")

    def respond(self, challenge: Challenge, answer: str) -> Outcome:
        """``/auth/challenge``: ``answer`` is the new password (``NEW_PASSWORD_REQUIRED``)
        or the authenticator's code (``SOFTWARE_TOKEN_MFA``)."""
        if challenge.name not in ANSWERABLE:
            raise ValueError(f"cannot answer {challenge.name}")
        key = "new_password" if challenge.name == NEW_PASSWORD_REQUIRED else "code"
        body = {
            "challenge": challenge.name,
            "session": challenge.session,
            "username": challenge.username,
            key: answer,
        }
        return self._outcome(CHALLENGE_PATH, body, "challenge")

    def refresh(self, refresh_token: str, username: str) -> tokens.TokenResponse:
        """``/auth/refresh``: new access and ID tokens (the refresh token stays the same).

        Throttling (429) and the API's failures are transient
        (:class:`~desktop_app.errors.NetworkError`): the session keeps its token; a
        :class:`Refused` with :attr:`~Refused.grant_is_dead` says the token is dead."""
        status, retry_after, document = self._post(
            REFRESH_PATH, {"refresh_token": refresh_token, "username": username}
        )
        if status == 429:
            wait = f" in {retry_after} s" if retry_after is not None else " shortly"
            raise errors.NetworkError(f"the API is limiting refreshes; try again{wait}")
        if status != 200:
            raise self._refused(status, retry_after, document, "refresh")
        if document is None:
            raise errors.NetworkError("the API's answer to refresh is not a JSON object")
        return self._tokens(document)

    # -- answers ----------------------------------------------------------------------

    def _outcome(self, path: str, body: dict[str, str], step: str) -> Outcome:
        status, retry_after, document = self._post(path, body)
        if status != 200:
            raise self._refused(status, retry_after, document, step)
        if document is None:
            raise errors.NetworkError(f"the API's answer to {step} is not a JSON object")
        if "challenge" in document:
            if "access_token" in document:
                raise errors.NetworkError(
                    f"the API's answer to {step} is both tokens and a challenge"
                )
            challenge = _challenge(document, step)
            log.info("password sign-in: the API asks for %s", challenge.name)
            return challenge
        return self._tokens(document)

    def _tokens(self, document: Mapping[str, Any]) -> tokens.TokenResponse:
        token_type = document.get("token_type", "Bearer")
        if not isinstance(token_type, str) or token_type.lower() != "bearer":
            raise errors.NetworkError("the API answered a token that is not a bearer token")
        response = tokens.parse(document, self._now(), source="the API's sign-in")
        return dataclasses.replace(response, scope=ACCESS_TOKEN_SCOPE)

    def _refused(
        self, status: int, retry_after: int | None, document: Mapping[str, Any] | None, step: str
    ) -> errors.CognitoDesktopError:
        if 300 <= status < 400:
            return errors.NetworkError(
                f"the API's {step} redirected (HTTP {status}) instead of answering; "
                "nothing was sent on"
            )
        if status >= 500:
            return errors.NetworkError(
                f"the API's {step} failed (HTTP {status}); try again shortly"
            )
        code = _text(document, "error")
        error = code if code and _CODE.fullmatch(code) else f"http_{status}"
        if status == 404:
            error = "not_found"
        log.info("password %s refused: HTTP %d %s", step, status, error)
        return Refused(
            _line(error, status, retry_after, _text(document, "message"), self.api_url),
            error=error,
            status=status,
            retry_after=retry_after,
        )

    # -- transport --------------------------------------------------------------------

    def _post(
        self, path: str, body: dict[str, str]
    ) -> tuple[int, int | None, dict[str, Any] | None]:
        """``(status, Retry-After seconds, the JSON object answered or None)``."""
        url = self.api_url + path
        where = http.describe(url)
        try:
            with self._http.post(
                url,
                data=json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode(),
                headers={"Content-Type": "application/json", "Accept": "application/json"},
                timeout=http.TIMEOUT,
                allow_redirects=False,
                stream=True,
            ) as response:
                status = response.status_code
                retry_after = _retry_after(response.headers.get("Retry-After"))
                raw = b"" if 300 <= status < 400 else _read(response, where)
        except requests.Timeout:
            raise errors.NetworkError(f"{where} did not answer in time") from None
        except requests.RequestException as exc:
            raise errors.NetworkError(f"cannot reach {where} ({type(exc).__name__})") from None
        try:
            document = strict_json.loads(raw) if raw.strip() else None
        except ValueError:
            document = None
        if status == 200 and raw.strip() and document is None:
            raise errors.NetworkError(f"{where} did not answer JSON")
        return status, retry_after, document if isinstance(document, dict) else None


def run(
    client: PasswordSignIn,
    username: str,
    password: str,
    *,
    answer: Callable[[Challenge], str],
) -> tokens.TokenResponse:
    """Sign ``username`` in and answer each challenge with ``answer(challenge)`` (the new
    password, or the authenticator's code: :meth:`PasswordSignIn.respond`); the tokens.

    ``MFA_SETUP`` and challenges this app does not know are :class:`CannotAnswer`: they
    need the browser. Nothing is checked or kept here (the caller validates the ID token).
    """
    outcome = client.sign_in(username, password)
    for _ in range(MAX_CHALLENGES):
        if isinstance(outcome, tokens.TokenResponse):
            return outcome
        if outcome.name == MFA_SETUP:
            raise CannotAnswer(
                "this account must set up an authenticator app before it can sign in: "
                "sign in once in the browser (cognito-desktop login) to set it up",
                MFA_SETUP,
            )
        if outcome.name not in ANSWERABLE:
            raise CannotAnswer(
                f"the sign-in asks for {outcome.name}, which password sign-in cannot "
                "answer; sign in in the browser (cognito-desktop login)",
                outcome.name,
            )
        outcome = client.respond(outcome, answer(outcome))
    if isinstance(outcome, tokens.TokenResponse):
        return outcome
    raise errors.SignInError(
        f"the sign-in asked more than {MAX_CHALLENGES} questions; sign in in the browser"
    )


def _challenge(document: Mapping[str, Any], step: str) -> Challenge:
    name, session, username = (
        document.get("challenge"),
        document.get("session"),
        document.get("username"),
    )
    if not isinstance(name, str) or not _CODE.fullmatch(name):
        raise errors.NetworkError(f"the API's answer to {step} names no valid challenge")
    if not isinstance(session, str) or not session:
        raise errors.NetworkError(f"the API's answer to {step} has no challenge session")
    if not isinstance(username, str) or not username:
        raise errors.NetworkError(f"the API's answer to {step} has no username")
    return Challenge(name, session, username)


def _line(
    error: str, status: int, retry_after: int | None, message: str | None, api_url: str
) -> str:
    """The sentence for an error answer: what happened and what to do."""
    if error == "not_found":
        return (
            f"password sign-in is not turned on at the API ({http.describe(api_url)}); "
            "ask its operator to turn it on, or sign in with the browser (cognito-desktop login)"
        )
    if error == "too_many_attempts" or status == 429:
        wait = f"in {retry_after} s" if retry_after is not None else "later"
        return f"too many sign-in attempts; try again {wait}"
    known = {
        "invalid_credentials": "incorrect username or password",
        "user_disabled": "this account is disabled; ask an administrator to enable it",
        "password_reset_required": "this account must reset its password first: "
        "cognito-desktop login --forgot-password (in the browser)",
        "invalid_session": "the sign-in took too long and its challenge expired; start again",
        "invalid_code": "that is not the code the authenticator app shows now (or it was used "
        "already); try again with the next one",
        "user_not_confirmed": "this account's sign-up is not confirmed yet: confirm it with "
        "the code Cognito emailed, in the browser (cognito-desktop login)",
        "invalid_grant": "the saved sign-in is no longer accepted (signed out everywhere, "
        "expired, or the account was disabled)",
    }
    if error in known:
        return known[error]
    said = f": {message}" if message else ""
    return f"the API refused the sign-in (HTTP {status}, {error}){said}"


def _text(document: Mapping[str, Any] | None, key: str) -> str | None:
    value = document.get(key) if document is not None else None
    if not isinstance(value, str) or not value.strip():
        return None
    return authorization.printable(value.strip(), _MESSAGE_LIMIT)


def _retry_after(value: str | None) -> int | None:
    """RFC 9110 10.2.3's delay-seconds form (an HTTP-date is read as "not said")."""
    if value is None or not _SECONDS.fullmatch(value.strip()):
        return None
    return min(int(value.strip()), 24 * 3600)


def _read(response: requests.Response, where: str) -> bytes:
    declared = response.headers.get("Content-Length", "")
    too_large = errors.NetworkError(f"{where} answered more than {MAX_ANSWER_BYTES} bytes")
    if _DIGITS.fullmatch(declared) and int(declared) > MAX_ANSWER_BYTES:
        raise too_large
    body = bytearray()
    for chunk in response.iter_content(_CHUNK):
        body += chunk
        if len(body) > MAX_ANSWER_BYTES:
            raise too_large
    return bytes(body)
