"""One profile's sign-in state: sign in, stay signed in, sign out.

Tokens live in memory; only the refresh token (and non-secret metadata) is
persisted, in the token store. Refresh is single-flight (many callers, one
request) and rotation-aware (a new refresh token is saved before the old one is
dropped). ``invalid_grant`` ends the session for good: the stored token is
removed and a fresh sign-in is required. Transient failures keep it and retry.
A refreshed ID token that fails validation (another issuer, client or person:
OIDC Core 12.2) ends the session for good too, and nothing from that answer is
kept, not even a rotated refresh token.

A session comes from the browser (:meth:`Session.sign_in`, the profile's ``client_id``,
refreshed and revoked at the pool's token and revocation endpoints) or, for automation,
from the protected API's password sign-in (:meth:`Session.sign_in_with_password`, the
profile's ``password_sign_in_client_id``, refreshed through the API's ``/auth/refresh``
and revoked with Cognito's ``RevokeToken``). The stored record says which
(:attr:`StoredSession.flow`); everything else (storage, resume, the checks on every
refreshed ID token, sign-out) is the same.
"""

from __future__ import annotations

import dataclasses
import hmac
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, NoReturn

import requests

from desktop_app import config, errors

# The browser's sign-in and sign-out (loopback receivers, the browser launcher) are
# imported when used: restoring a stored session at start-up needs none of them.
from desktop_app.auth import (
    authorization,
    cognito_idp,
    discovery,
    http,
    idtoken,
    jwks_cache,
    password_flow,
    session_codec,
    store,
    tokens,
)

# What sign_in() and resume() return, so part of this module's API: session.Identity.
from desktop_app.auth.identity import Identity as Identity

log = logging.getLogger(__name__)

ADMIN_SCOPE = "aws.cognito.signin.user.admin"
REFRESH_ATTEMPTS = 3  # transient failures: try, wait 0.5 s, try, wait 1 s, try
SIGN_IN_TIMEOUT_S = 300.0


class Session:
    """See the module docstring. Thread-safe; never touches Qt."""

    def __init__(
        self,
        profile: config.Profile,
        *,
        token_store: store.TokenStore,
        http_session: requests.Session | None = None,
        now: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        open_browser: Callable[[str], bool] | None = None,  # None: webbrowser.open
    ) -> None:
        self.profile = profile
        self.store = token_store
        self.http = http_session or http.new_session()
        self._now = now
        self._sleep = sleep
        self._open_browser = open_browser
        self._client = tokens.TokenClient(profile.client_id, self.http, now=now)
        self._lock = threading.Lock()  # guards the fields below
        self._refresh_lock = threading.Lock()  # one refresh at a time
        # Orders every write and delete of the stored session, so a sign-in stored
        # behind the screen (store_pending) never lands after a sign-out or a rotation.
        self._store_lock = threading.Lock()
        self._unsaved: store.StoredSession | None = None  # sign_in(store_later=True)
        self._peeked: store.StoredSession | None = None  # has_stored_session(), for resume()
        self.storage_problem: str | None = None  # why the last store_pending() failed
        self._generation = 0  # bumped by every completed refresh or sign-in
        self._tokens: tokens.TokenResponse | None = None
        self._identity: Identity | None = None
        self._stored: store.StoredSession | None = None
        self._flow: str | None = None  # of the session in hand, kept after sign-out
        self._validators: dict[str, idtoken.IdTokenValidator] = {}  # by client id
        self._password: password_flow.PasswordSignIn | None = None

    # -- state -----------------------------------------------------------------------

    @property
    def identity(self) -> Identity | None:
        with self._lock:
            return self._identity

    @property
    def access_expires_at(self) -> float | None:
        with self._lock:
            return self._tokens.expires_at if self._tokens else None

    @property
    def scopes(self) -> tuple[str, ...]:
        with self._lock:
            granted = self._tokens.scope if self._tokens else None
        return tuple(granted.split()) if granted else self.profile.scopes

    @property
    def flow(self) -> str | None:
        """How the session in hand was signed in (``session_codec.BROWSER_FLOW`` or
        ``PASSWORD_FLOW``); None before a sign-in or resume. Kept after :meth:`sign_out`,
        so the caller knows whether managed login's browser session is worth ending: a
        password sign-in never opened one."""
        with self._lock:
            return self._flow

    def endpoints(self) -> discovery.Endpoints:
        return discovery.discover(self.profile, self.http)

    def client_id_for(self, flow: str) -> str | None:
        """The app client whose tokens a session of ``flow`` holds: ``client_id`` for
        the browser, ``password_sign_in_client_id`` for password sign-in (None while the
        profile has it off)."""
        if flow == session_codec.PASSWORD_FLOW:
            profile = self.profile
            return profile.password_sign_in_client_id if profile.password_sign_in else None
        return self.profile.client_id

    def _id_validator(self, client_id: str) -> idtoken.IdTokenValidator:
        with self._lock:
            validator = self._validators.get(client_id)
            if validator is None:
                jwks = jwks_cache.shared(self.endpoints().jwks_uri, self.http)
                validator = self._validators[client_id] = idtoken.IdTokenValidator(
                    issuer=self.profile.issuer,
                    client_id=client_id,
                    jwks=jwks,
                    now=self._now,
                )
            return validator

    def _password_sign_in(self) -> password_flow.PasswordSignIn:
        if self.client_id_for(session_codec.PASSWORD_FLOW) is None or not self.profile.api_url:
            name = self.profile.name
            raise errors.ConfigError(
                f"password sign-in is off for profile '{name}': set password_sign_in = true, "
                f"password_sign_in_client_id and api_url in profiles.{name} "
                "(docs/configuration.md)"
            )
        with self._lock:
            if self._password is None:
                self._password = password_flow.PasswordSignIn(
                    self.profile.api_url, self.http, now=self._now
                )
            return self._password

    # -- interactive sign-in ---------------------------------------------------------------

    def sign_in(
        self,
        *,
        timeout: float = SIGN_IN_TIMEOUT_S,
        cancel: threading.Event | None = None,
        show_url: Callable[[str, bool], None] = lambda url, opened: None,
        paste_redirect: Callable[[str], str] | None = None,
        prompt_login: bool = False,
        entry: authorization.Entry = authorization.Entry.SIGN_IN,
        store_later: bool = False,
    ) -> Identity:
        """RFC 8252 sign-in in the system browser with a loopback redirect and PKCE
        (:func:`desktop_app.auth.code_flow.run`, which says what ``show_url``,
        ``paste_redirect`` (for SSH, WSL, containers), ``prompt_login`` ("Use a
        different account") and ``entry`` (create an account, forgot password) do).
        Nothing is stored unless the ID token validates.

        ``store_later``: return as soon as the session is in hand and leave the
        keyring write to :meth:`store_pending` (the window shows the signed-in state
        while the write finishes behind it).
        """
        from desktop_app.auth import code_flow

        response, claims = code_flow.run(
            self.profile,
            self.endpoints(),
            self._client,
            self._id_validator(self.profile.client_id),
            open_browser=self._browser(),
            show_url=show_url,
            paste_redirect=paste_redirect,
            timeout=timeout,
            cancel=cancel,
            prompt_login=prompt_login,
            entry=entry,
        )
        if response.refresh_token is None:
            raise errors.TokenExchangeError("no refresh token came back from the token endpoint")
        return self._keep(response, claims, session_codec.BROWSER_FLOW, store_later=store_later)

    def sign_in_with_password(
        self,
        username: str,
        password: str,
        *,
        answer: Callable[[password_flow.Challenge], str],
    ) -> Identity:
        """Password sign-in through the protected API, for automation and headless test
        runs (:func:`desktop_app.auth.password_flow.run`; ``answer`` gives the new
        password or the authenticator's code a challenge asks for). Never the GUI's, which
        signs in in the system browser (RFC 8252 4.1, 8.12). Needs ``password_sign_in`` on
        in the profile.

        The ID token is checked as the browser flow's is (signature, issuer, audience =
        ``password_sign_in_client_id``, times) except the nonce: no authorization request
        was made, and the answer comes straight from the API over TLS, as the token
        endpoint's does. Nothing is stored unless it validates; then the session is
        stored as an interactive one is, marked to refresh through the API.
        """
        client = self._password_sign_in()
        client_id = self.client_id_for(session_codec.PASSWORD_FLOW)
        assert client_id is not None  # _password_sign_in() refused a profile without it
        response = password_flow.run(client, username, password, answer=answer)
        if response.id_token is None:
            raise errors.IdTokenError("the API's sign-in answered without an ID token")
        if response.refresh_token is None:
            raise errors.TokenExchangeError("no refresh token came back from the API's sign-in")
        claims = self._id_validator(client_id).validate(response.id_token, nonce=None)
        return self._keep(response, claims, session_codec.PASSWORD_FLOW)

    def _keep(
        self,
        response: tokens.TokenResponse,
        claims: dict[str, Any],
        flow: str,
        *,
        store_later: bool = False,
    ) -> Identity:
        """Store and hold a new sign-in's session (its ID token already validated);
        ``store_later``: hold it now, store it in :meth:`store_pending`."""
        assert response.refresh_token is not None
        client_id = self.client_id_for(flow)
        assert client_id is not None
        identity = Identity.from_claims(claims)
        stored = store.StoredSession(
            refresh_token=response.refresh_token,
            username=identity.username,
            sub=identity.sub,
            client_id=client_id,
            issuer=self.profile.issuer,
            saved_at=self._now(),
            flow=flow,
        )
        if not store_later:
            with self._store_lock:
                self.store.save(stored)
        with self._lock:
            self._tokens, self._identity, self._stored = response, identity, stored
            self._unsaved = stored if store_later else None
            self.storage_problem = None
            self._flow = flow
            self._generation += 1
        log.info("signed in as %s (%s flow)", identity.username, flow)
        return identity

    def store_pending(self) -> None:
        """Write the session a ``sign_in(store_later=True)`` holds; nothing to do when
        it was stored already, replaced (a rotation stores its own) or signed out.

        Raises :class:`~desktop_app.errors.KeyringError` when the keyring fails; the
        session stays in memory (signed in until the app quits) and
        :attr:`storage_problem` says why.
        """
        with self._store_lock:
            with self._lock:
                pending, self._unsaved = self._unsaved, None
                current = self._stored
            if pending is None or pending is not current:
                return
            try:
                self.store.save(pending)
            except errors.KeyringError as exc:
                self.storage_problem = str(exc)
                raise

    # -- staying signed in -------------------------------------------------------------------

    def has_stored_session(self) -> bool:
        """Whether a session is stored (one keyring read, which the next
        :meth:`resume` uses rather than reading again)."""
        stored = self.store.load()
        with self._lock:
            self._peeked = stored
        return stored is not None

    def resume(self) -> Identity | None:
        """Silent sign-in from the stored refresh token; None if there is none.

        A stored session that cannot be used raises
        :class:`~desktop_app.errors.SessionExpired` whose line says why (the sign-in
        service no longer accepts it, or it belongs to another app client or pool), so
        the sign-in screen and ``cognito-desktop status`` can say it rather than a bare
        "signed out".
        """
        with self._lock:
            stored, self._peeked = self._peeked, None
        if stored is None:
            stored = self.store.load()
        if stored is None:
            return None
        expected = self.client_id_for(stored.flow)
        if expected is None:
            log.warning("stored session is a password sign-in, which is now off; removing it")
            self.store.delete()
            raise errors.SessionExpired(
                "the saved sign-in came from password sign-in, which this environment no "
                "longer has turned on (password_sign_in), so it was removed; please sign in again"
            )
        if stored.client_id != expected or stored.issuer != self.profile.issuer:
            log.warning("stored session belongs to another app client or pool; removing it")
            self.store.delete()
            raise errors.SessionExpired(
                "the saved sign-in was for another app client or user pool than this "
                "environment's, so it was removed; please sign in again"
            )
        with self._lock:
            self._stored = stored
            self._flow = stored.flow
            self._identity = Identity(stored.username, stored.sub)
        self.refresh()
        return self.identity

    def access_token(self, *, min_valid: float = 60.0) -> str:
        """A valid access token, refreshed first if it expires within ``min_valid`` s."""
        with self._lock:
            current, generation = self._tokens, self._generation
        if current is not None and current.expires_at - self._now() > min_valid:
            return current.access_token
        return self.refresh(_seen=generation).access_token

    def id_token(self) -> str:
        """The current ID token (after a refresh if the access token is due)."""
        self.access_token()
        with self._lock:
            current = self._tokens
        if current is None or current.id_token is None:
            raise errors.NotSignedIn("no ID token in this session")
        return current.id_token

    def refresh(self, *, _seen: int | None = None) -> tokens.TokenResponse:
        """Single-flight refresh: callers that arrive during one share its result.

        ``_seen`` is the generation a caller saw when it decided a refresh was
        due, so a refresh that finished in between is reused, not repeated.
        """
        with self._lock:
            generation = self._generation if _seen is None else _seen
        with self._refresh_lock:
            with self._lock:
                if self._generation != generation and self._tokens is not None:
                    return self._tokens  # someone refreshed while we waited
                stored = self._stored
            if stored is None:
                stored = self.store.load()
                if stored is None:
                    raise errors.NotSignedIn(
                        f"not signed in; run '{errors.login_command(self.profile.name)}'"
                    )
            response = self._refresh_with_retry(stored)
            # Validate before anything from the answer is kept (a rotated refresh
            # token included): an answer about another issuer, client or person ends
            # the session here, and its tokens never reach memory or the keyring.
            try:
                identity = self._identity_after_refresh(response, stored)
            except errors.UnknownSigningKey as exc:
                if not exc.retry_later:
                    self._end_after_refused_id_token(exc)
                # A key the set did not hold when it was last fetched, moments ago: a
                # rotation may have just happened. Unchecked, as below; the next refresh
                # refetches the set and ends the session if the key is still unknown.
                self._keep_unchecked_rotation(stored, response)
                raise errors.NetworkError(
                    "the sign-in service's signing keys changed just now; try again shortly"
                ) from None
            except errors.IdTokenError as exc:
                self._end_after_refused_id_token(exc)
            except errors.NetworkError:
                # The signing keys could not be fetched, so the answer is unchecked.
                self._keep_unchecked_rotation(stored, response)
                raise
            stored = self._keep_rotated(stored, response)
            with self._lock:
                self._tokens, self._stored, self._identity = response, stored, identity
                self._generation += 1
            return response

    def _end_after_refused_id_token(self, exc: errors.IdTokenError) -> NoReturn:
        log.warning("refreshed ID token refused (%s); the session has ended", exc)
        self._forget()
        raise errors.RefreshedIdTokenRefused(f"{exc}; please sign in again") from None

    def _keep_unchecked_rotation(
        self, stored: store.StoredSession, response: tokens.TokenResponse
    ) -> None:
        """An answer that could not be checked: its tokens are not used, but a rotated
        refresh token is kept, because Cognito retires the old one after its grace
        period. The next refresh checks the ID token this one brings."""
        rotated = self._keep_rotated(stored, response)
        with self._lock:
            self._stored = rotated

    def _keep_rotated(
        self, stored: store.StoredSession, response: tokens.TokenResponse
    ) -> store.StoredSession:
        """``stored`` with the answer's new refresh token, saved, if the token rotated."""
        if not response.refresh_token or response.refresh_token == stored.refresh_token:
            return stored
        # Rotation: persist the new token before the old one is forgotten.
        rotated = dataclasses.replace(
            stored, refresh_token=response.refresh_token, saved_at=self._now()
        )
        try:
            with self._store_lock:
                self.store.save(rotated)
        except errors.KeyringError as exc:
            # Keep the new token in memory: this run stays signed in, and the old
            # stored one still works for the rotation grace period.
            log.warning("could not store the rotated refresh token: %s", exc)
        return rotated

    def _refresh_once(self, stored: store.StoredSession) -> tokens.TokenResponse:
        """One refresh where the session's flow refreshes: the token endpoint, or the
        protected API's ``/auth/refresh`` for a password sign-in."""
        if stored.flow == session_codec.PASSWORD_FLOW:
            return self._password_sign_in().refresh(stored.refresh_token, stored.username)
        return self._client.refresh(self.endpoints().token_endpoint, stored.refresh_token)

    def _refresh_with_retry(self, stored: store.StoredSession) -> tokens.TokenResponse:
        delay = 0.5
        for attempt in range(1, REFRESH_ATTEMPTS + 1):
            try:
                return self._refresh_once(stored)
            except (tokens.Refused, password_flow.Refused) as exc:
                if not exc.grant_is_dead:
                    # Not a verdict on the token (a client or protocol problem): keep
                    # it, so fixing the cause needs no new sign-in.
                    log.warning("refresh refused (%s); the stored session is kept", exc.error)
                    if isinstance(exc, password_flow.Refused):
                        raise errors.SessionExpired(
                            f"the API refused to refresh the session: {exc}"
                        ) from None
                    raise errors.SessionExpired(
                        f"the sign-in service refused to refresh the session ({exc.error}); "
                        "please sign in again"
                    ) from None
                log.info("refresh refused (%s); the session has ended", exc.error)
                self._forget()
                raise errors.SessionExpired(
                    "your saved sign-in is no longer accepted (signed out everywhere, "
                    "expired, or the account was disabled); please sign in again"
                ) from None
            except errors.NetworkError as exc:
                if attempt == REFRESH_ATTEMPTS:
                    raise errors.NetworkError(f"could not refresh the session: {exc}") from None
                log.info("refresh attempt %d failed (%s); retrying", attempt, exc)
                self._sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")

    def _identity_after_refresh(
        self, response: tokens.TokenResponse, stored: store.StoredSession
    ) -> Identity:
        if response.id_token is None:
            return self._identity or Identity(stored.username, stored.sub)
        client_id = self.client_id_for(stored.flow)
        if client_id is None:
            raise errors.IdTokenError("password sign-in is off in this environment's profile")
        claims = self._id_validator(client_id).validate(response.id_token, nonce=None)
        # OIDC Core 12.2: a refreshed ID token must be about the same person.
        if not hmac.compare_digest(str(claims["sub"]), stored.sub):
            raise errors.IdTokenError("the refreshed ID token is for another user")
        return Identity.from_claims(claims)

    def _forget(self) -> None:
        with self._lock:
            self._tokens, self._stored, self._identity = None, None, None
            self._unsaved = None
            self._generation += 1
        try:
            with self._store_lock:
                self.store.delete()
        except errors.KeyringError as exc:
            log.warning("could not remove the stored session: %s", exc)

    # -- signing out -----------------------------------------------------------------------

    def sign_out(self, *, everywhere: bool = False) -> list[str]:
        """Revoke, forget, and (``everywhere``) end every session of the user.

        Local state is cleared whatever happens; the returned lines describe any
        step that failed (empty when everything worked).
        """
        problems: list[str] = []
        with self._lock:
            stored, current = self._stored, self._tokens
        if stored is None:
            try:
                stored = self.store.load()
            except errors.KeyringError as exc:
                problems.append(str(exc))
        if stored is not None:
            with self._lock:
                self._flow = stored.flow
        if everywhere:
            problems += self._global_sign_out(current, stored)
        if stored is not None:
            try:
                self._revoke(stored)
            except (errors.CognitoDesktopError, tokens.Refused) as exc:
                problems.append(f"could not revoke the refresh token: {exc}")
        self._forget()
        return problems

    def _revoke(self, stored: store.StoredSession) -> None:
        """Revoke ``stored``'s refresh token (and the access tokens issued from it).

        A browser session at the revocation endpoint (RFC 7009); a password sign-in's
        with Cognito's ``RevokeToken`` and the automation client's id (its tokens come
        from Cognito's sign-in API, not from managed login). Both work for a public
        client; a client with a secret would need it, which the app never holds.
        """
        if stored.flow == session_codec.PASSWORD_FLOW:
            cognito_idp.revoke_token(
                self.http,
                cognito_idp.endpoint(self.profile),
                stored.refresh_token,
                stored.client_id,
            )
            return
        revocation = self.endpoints().revocation_endpoint
        if revocation:
            self._client.revoke(revocation, stored.refresh_token)

    def _global_sign_out(
        self, current: tokens.TokenResponse | None, stored: store.StoredSession | None
    ) -> list[str]:
        if ADMIN_SCOPE not in self.scopes:
            return [
                f"signing out everywhere needs the '{ADMIN_SCOPE}' scope; add it to the "
                "profile's scopes (and the app client's allowed scopes)"
            ]
        try:
            access = (
                current.access_token
                if current and current.expires_at > self._now() + 5
                else self.refresh().access_token
                if stored
                else None
            )
        except errors.CognitoDesktopError as exc:
            return [f"could not sign out everywhere: {type(exc).__name__}"]
        if access is None:
            return ["not signed in here, so there is no session to end everywhere"]
        try:
            cognito_idp.global_sign_out(self.http, cognito_idp.endpoint(self.profile), access)
        except cognito_idp.CallFailed as exc:
            return [f"could not sign out everywhere: {exc}"]
        return []

    def end_browser_session(
        self,
        *,
        timeout: float | None = None,  # None: browser_sign_out.SIGN_OUT_TIMEOUT_S
        cancel: threading.Event | None = None,
    ) -> str | None:
        """After :meth:`sign_out`: end managed login's session in the browser too
        (:func:`desktop_app.auth.browser_sign_out.end_browser_session`); None when it
        did, else the one line saying what did not happen."""
        from desktop_app.auth import browser_sign_out

        return browser_sign_out.end_browser_session(
            self.profile,
            open_browser=self._browser(),
            timeout=browser_sign_out.SIGN_OUT_TIMEOUT_S if timeout is None else timeout,
            cancel=cancel,
        )

    def _browser(self) -> Callable[[str], bool]:
        if self._open_browser is not None:
            return self._open_browser
        import webbrowser

        return webbrowser.open
