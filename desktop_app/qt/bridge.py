"""The session bridge: the GUI's one door to the auth core and the protected API.

Widgets never call :class:`~desktop_app.auth.session.Session` (it does network
and keyring I/O); they call this object, which runs every call through
:mod:`desktop_app.qt.worker` and reports back with signals on the GUI thread.
It also keeps the session alive: a timer refreshes the access token before it
expires, retries with backoff while offline, and reports a session that ended
(``invalid_grant``, user disabled, token revoked) exactly once.
"""

from __future__ import annotations

import enum
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6 import QtCore

from desktop_app import config, errors
from desktop_app.api import client as api_client
from desktop_app.auth import authorization
from desktop_app.auth import session as auth_session
from desktop_app.auth.session_codec import PASSWORD_FLOW
from desktop_app.qt import messages, worker

log = logging.getLogger(__name__)
T = TypeVar("T")


def _ignore(_result: object) -> None:
    """A background step whose success needs nothing more."""


STORE_AFTER_MS = 50  # a new sign-in is written to the keyring this long after signedIn
REFRESH_AHEAD_S = 120.0  # refresh this long before the access token expires
OFFLINE_RETRY_S = (5.0, 15.0, 30.0, 60.0)  # backoff while the IdP cannot be reached


class State(enum.Enum):
    SIGNED_OUT = "signed_out"
    RESTORING = "restoring"
    SIGNING_IN = "signing_in"
    SIGNED_IN = "signed_in"
    REFRESHING = "refreshing"
    OFFLINE = "offline"
    SIGNING_OUT = "signing_out"


class SessionBridge(QtCore.QObject):
    """See the module docstring. Lives on the GUI thread.

    Signals:
        stateChanged(object): the new :class:`State`.
        signedIn(object): the :class:`~desktop_app.auth.session.Identity` after a
            sign-in or a restore.
        identityChanged(object): the identity after a refresh (groups may change).
        signInUrl(str): the managed-login URL of the sign-in in progress
            (for "Copy sign-in link").
        signInFailed(object, str): :class:`~desktop_app.qt.messages.FailureKind` and a
            plain message.
        signedOut(list): the steps of a sign-out that failed (empty when clean).
        browserSignOutFinished(str): after ``signedOut``, when the profile ends the
            browser's managed-login session too: "" if it did, else the one line
            saying what did not happen (the app's own sign-out stands either way).
        sessionEnded(str): the session died, or a stored one could not be restored
            (the sentence says why); sign in again. Sent once per session.
        sessionNotStored(str): after ``signedIn`` from a browser sign-in, whose keyring
            write finishes behind the signed-in screen: the write failed (the sentence
            says so); signed in until the app quits.
    """

    stateChanged = QtCore.Signal(object)
    signedIn = QtCore.Signal(object)
    identityChanged = QtCore.Signal(object)
    signInUrl = QtCore.Signal(str)
    signInFailed = QtCore.Signal(object, str)
    signedOut = QtCore.Signal(list)
    browserSignOutFinished = QtCore.Signal(str)
    sessionEnded = QtCore.Signal(str)
    sessionNotStored = QtCore.Signal(str)

    def __init__(
        self,
        session: auth_session.Session,
        *,
        api: api_client.ApiClient | None = None,
        pool: QtCore.QThreadPool | None = None,
        now: Callable[[], float] = time.time,
        sign_in_timeout: float | None = None,  # None: the session's default (5 minutes)
        parent: QtCore.QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.profile: config.Profile = session.profile
        self.api = api or (
            api_client.ApiClient(session.profile.api_url, session)
            if session.profile.api_url
            else None
        )
        self._pool = pool
        self._now = now
        self._sign_in_timeout = (
            auth_session.SIGN_IN_TIMEOUT_S if sign_in_timeout is None else sign_in_timeout
        )
        self._state = State.SIGNED_OUT
        self._cancel: threading.Event | None = None
        self._browser_sign_out: threading.Event | None = None  # set: stop waiting for it
        self._sign_in_task: worker.Task[Any] | None = None
        self._offline_attempt = 0
        self._refresh_timer = QtCore.QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.timeout.connect(self._on_refresh_due)
        self._store_timer = QtCore.QTimer(self)
        self._store_timer.setSingleShot(True)
        self._store_timer.timeout.connect(self._store_session)
        self._store_task: worker.Task[Any] | None = None

    # -- state -----------------------------------------------------------------------------

    @property
    def state(self) -> State:
        return self._state

    @property
    def identity(self) -> auth_session.Identity | None:
        return self.session.identity

    @property
    def access_expires_at(self) -> float | None:
        return self.session.access_expires_at

    @property
    def storing(self) -> bool:
        """A new sign-in's keyring write is still to come or under way."""
        task = self._store_task
        return self._store_timer.isActive() or (task is not None and not task.wait(0))

    def is_admin(self) -> bool:
        identity = self.session.identity
        return identity is not None and self.profile.admin_group in identity.groups

    def _set_state(self, state: State) -> None:
        if state is not self._state:
            self._state = state
            self.stateChanged.emit(state)

    def _run(
        self,
        fn: Callable[[], T],
        on_result: Callable[[T], None],
        on_error: Callable[[BaseException], None],
        name: str,
    ) -> worker.Task[T]:
        return worker.run(fn, on_result=on_result, on_error=on_error, pool=self._pool, name=name)

    # -- restore and sign in ---------------------------------------------------------------

    def restore(self) -> None:
        """Silent sign-in from the stored refresh token, in the background."""
        self._set_state(State.RESTORING)
        self._run(self.session.resume, self._on_restored, self._on_restore_failed, "restore")

    def _on_restored(self, identity: auth_session.Identity | None) -> None:
        if identity is None:
            self._set_state(State.SIGNED_OUT)
            return
        self._signed_in(identity)

    def _on_restore_failed(self, exc: BaseException) -> None:
        log.warning("restoring the session failed: %s", type(exc).__name__)
        self._set_state(State.SIGNED_OUT)
        if isinstance(exc, errors.SessionExpired):
            # The stored session was dropped: say why, on the ready-to-sign-in screen.
            self.sessionEnded.emit(messages.describe(exc))
            return
        self.signInFailed.emit(messages.failure_kind(exc), messages.describe(exc))

    def sign_in(
        self,
        *,
        prompt_login: bool = False,
        entry: authorization.Entry = authorization.Entry.SIGN_IN,
    ) -> None:
        """Open the browser to managed login; ``signedIn`` or ``signInFailed`` follows.
        ``prompt_login``: "Use a different account" (managed login asks for credentials
        even if the browser is still signed in); ``entry``: "Create an account" or
        "Forgot your password?" (the same sign-in, starting on that page)."""
        if self._state in (State.SIGNING_IN, State.RESTORING):
            return
        self._stop_browser_sign_out()
        cancel = threading.Event()
        self._cancel = cancel
        self._set_state(State.SIGNING_IN)
        url_signal = self.signInUrl

        def run() -> auth_session.Identity:
            # Emitted on the worker thread: Qt queues it to the GUI-thread receivers.
            return self.session.sign_in(
                timeout=self._sign_in_timeout,
                cancel=cancel,
                show_url=lambda url, opened: url_signal.emit(url),
                prompt_login=prompt_login,
                entry=entry,
                store_later=True,
            )

        def signed_in(identity: auth_session.Identity) -> None:
            self._signed_in(identity)
            # Shown first, stored behind: the keyring write (a few ms of D-Bus) never
            # holds up the signed-in screen. Started a moment later, not at once: its
            # worker would hold the interpreter (secret encoding, D-Bus messages in
            # Python) while the GUI thread needs it to lay out and paint that screen.
            self._store_timer.start(STORE_AFTER_MS)

        self._sign_in_task = self._run(run, signed_in, self._on_sign_in_failed, "sign-in")

    def _store_session(self) -> None:
        self._store_task = self._run(
            self.session.store_pending, _ignore, self._on_store_failed, "store"
        )

    def _on_store_failed(self, exc: BaseException) -> None:
        log.warning("the new session could not be stored: %s", type(exc).__name__)
        self.sessionNotStored.emit(messages.session_not_stored(exc))

    def cancel_sign_in(self) -> None:
        """Stop waiting for the browser (the receiver closes its port at once)."""
        if self._cancel is not None:
            self._cancel.set()

    def _on_sign_in_failed(self, exc: BaseException) -> None:
        self._cancel = None
        self._set_state(State.SIGNED_OUT)
        kind = messages.failure_kind(exc)
        log.info("sign-in did not complete (%s)", kind.value)
        self.signInFailed.emit(kind, messages.describe(exc))

    def _signed_in(self, identity: auth_session.Identity) -> None:
        self._cancel = None
        self._offline_attempt = 0
        self._set_state(State.SIGNED_IN)
        self._schedule_refresh()
        self.signedIn.emit(identity)

    # -- staying signed in -----------------------------------------------------------------

    def _schedule_refresh(self) -> None:
        expires_at = self.session.access_expires_at
        if expires_at is None:
            return
        delay = max(0.0, expires_at - REFRESH_AHEAD_S - self._now())
        self._refresh_timer.start(int(min(delay, 86_400.0) * 1000))

    def refresh_now(self) -> None:
        """Refresh in the background (the timer calls this ahead of expiry)."""
        self._on_refresh_due()

    def _on_refresh_due(self) -> None:
        if self._state not in (State.SIGNED_IN, State.OFFLINE):
            return
        self._set_state(State.REFRESHING)
        self._run(self.session.refresh, self._on_refreshed, self._on_refresh_failed, "refresh")

    def _on_refreshed(self, _response: object) -> None:
        if self._state is not State.REFRESHING:
            return  # signed out meanwhile
        self._offline_attempt = 0
        self._set_state(State.SIGNED_IN)
        self._schedule_refresh()
        identity = self.session.identity
        if identity is not None:
            self.identityChanged.emit(identity)

    def _on_refresh_failed(self, exc: BaseException) -> None:
        if self._state is not State.REFRESHING:
            return
        if isinstance(exc, errors.NotSignedIn | errors.IdTokenError):
            self._end_session()
            return
        delay = OFFLINE_RETRY_S[min(self._offline_attempt, len(OFFLINE_RETRY_S) - 1)]
        self._offline_attempt += 1
        log.info("refresh failed (%s); retrying in %g s", type(exc).__name__, delay)
        self._set_state(State.OFFLINE)
        self._refresh_timer.start(int(delay * 1000))

    def _end_session(self) -> None:
        """The session died: back to signed out, one ``sessionEnded``, no storm."""
        if self._state in (State.SIGNED_OUT, State.SIGNING_OUT, State.SIGNING_IN):
            return
        self._refresh_timer.stop()
        self._set_state(State.SIGNED_OUT)
        self.sessionEnded.emit(messages.session_ended())

    # -- API calls -------------------------------------------------------------------------

    def call_api(
        self,
        fn: Callable[[api_client.ApiClient], T],
        on_result: Callable[[T], None],
        on_error: Callable[[BaseException], None],
        *,
        name: str = "api",
    ) -> worker.Task[T]:
        """Run ``fn(api)`` in the background. A session that ended on the way (the
        401 retry's refresh failed) goes to ``sessionEnded``, not to ``on_error``."""
        if self.api is None:
            raise errors.ConfigError(f"profile {self.profile.name!r} has no api_url")
        api = self.api

        def failed(exc: BaseException) -> None:
            if isinstance(exc, errors.NotSignedIn):
                self._end_session()
                return
            if isinstance(exc, errors.NetworkError) and self._state is State.SIGNED_IN:
                self._set_state(State.OFFLINE)
                self._refresh_timer.start(int(OFFLINE_RETRY_S[0] * 1000))
            on_error(exc)

        def succeeded(value: T) -> None:
            if self._state is State.OFFLINE:
                self._set_state(State.SIGNED_IN)
                self._schedule_refresh()
            on_result(value)

        return self._run(lambda: fn(api), succeeded, failed, name)

    # -- signing out -----------------------------------------------------------------------

    def sign_out(self, *, everywhere: bool = False) -> None:
        """Revoke and forget (``everywhere``: GlobalSignOut too); ``signedOut`` follows."""
        self.cancel_sign_in()
        self._refresh_timer.stop()
        self._set_state(State.SIGNING_OUT)

        def done(problems: list[str]) -> None:
            self._set_state(State.SIGNED_OUT)
            self.signedOut.emit(problems)
            if self.browser_sign_out_follows:
                self._end_browser_session()

        def failed(exc: BaseException) -> None:
            done([messages.describe(exc)])

        self._run(lambda: self.session.sign_out(everywhere=everywhere), done, failed, "sign-out")

    @property
    def browser_sign_out_follows(self) -> bool:
        """Whether signing out also ends managed login's session in the browser: the
        profile asks for it, and the session came from the browser. A password sign-in
        (``cognito-desktop login --password-stdin``, restored here) never opened one."""
        return bool(self.profile.sign_out_in_browser) and self.session.flow != PASSWORD_FLOW

    @property
    def ending_browser_session(self) -> bool:
        """Whether the browser's sign-out is still awaited (``browserSignOutFinished``)."""
        return self._browser_sign_out is not None

    def _end_browser_session(self) -> None:
        cancel = threading.Event()
        self._browser_sign_out = cancel

        def finished(problem: str | None) -> None:
            if cancel.is_set():
                return  # a sign-in started meanwhile; it replaced this wait
            self._browser_sign_out = None
            self.browserSignOutFinished.emit(problem or "")

        def failed(exc: BaseException) -> None:
            finished(messages.describe(exc))

        self._run(
            lambda: self.session.end_browser_session(cancel=cancel),
            finished,
            failed,
            "browser-sign-out",
        )

    def _stop_browser_sign_out(self) -> None:
        if self._browser_sign_out is not None:
            self._browser_sign_out.set()
            self._browser_sign_out = None

    def shutdown(self, timeout: float = 2.0) -> None:
        """At exit: stop timers and cancel a sign-in so its port closes."""
        self._refresh_timer.stop()
        self.cancel_sign_in()
        self._stop_browser_sign_out()
        task = self._sign_in_task
        if task is not None:
            task.cancel()
            task.wait(timeout)
        if self._store_timer.isActive():  # signed in moments ago: store it now
            self._store_timer.stop()
            self._store_session()
        if self._store_task is not None:
            self._store_task.wait(timeout)  # before the keyring connection closes
        close = getattr(self.session.store, "close", None)
        if callable(close):
            close()  # the kept keyring connection
