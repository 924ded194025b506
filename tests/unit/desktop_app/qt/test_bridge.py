"""desktop_app.qt.bridge: the state machine around a session, with a scripted session.

The bridge against the real stand-in is in tests/integration/test_qt_bridge.py; here
each session call answers (or fails) as the test says, so every transition can be
driven: refresh ahead of expiry, offline backoff, a session that ends once.
"""

from __future__ import annotations

import threading
import types
from collections.abc import Callable
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from desktop_app import errors
from desktop_app.auth import session as auth_session
from desktop_app.auth import session_codec
from desktop_app.qt import bridge, messages

State = bridge.State
TIMEOUT_MS = 5_000
ALICE = auth_session.Identity(username="alice", sub="sub-alice", groups=("Admin",))


class ScriptedSession:
    """Answers each call with the next value in its script (an exception is raised)."""

    def __init__(self, **scripts: list[Any]) -> None:
        self.profile = types.SimpleNamespace(
            name="local",
            admin_group="Admin",
            api_url=None,
            scopes=("openid",),
            sign_out_in_browser="end_browser_session" in scripts,
        )
        self.store = types.SimpleNamespace()
        self.identity: auth_session.Identity | None = None
        self.access_expires_at: float | None = None
        self.flow: str | None = None  # Session.flow: None is "not known", as for a browser one
        self.scripts = scripts
        self.calls: list[str] = []
        self.lock = threading.Lock()

    def _next(self, name: str) -> Any:
        with self.lock:
            self.calls.append(name)
            answer = self.scripts[name].pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    def resume(self) -> auth_session.Identity | None:
        identity = self._next("resume")
        self.identity = identity
        return identity

    def sign_in(self, **_kwargs: Any) -> auth_session.Identity:
        identity = self._next("sign_in")
        self.identity = identity
        return identity

    def store_pending(self) -> None:
        # Unscripted: the write behind the signed-in screen succeeds.
        if self.scripts.get("store_pending"):
            self._next("store_pending")

    def refresh(self) -> object:
        return self._next("refresh")

    def sign_out(self, *, everywhere: bool = False) -> list[str]:
        return self._next("sign_out")

    def end_browser_session(self, *, cancel: threading.Event | None = None) -> str | None:
        answer = self._next("end_browser_session")
        if answer == "wait-for-cancel":
            assert cancel is not None and cancel.wait(5)
            return "cancelled"
        return answer  # type: ignore[no-any-return]


def make(
    session: ScriptedSession, now: Callable[[], float] = lambda: 1000.0
) -> bridge.SessionBridge:
    return bridge.SessionBridge(session, now=now)  # type: ignore[arg-type]


def test_restore_without_a_stored_session_goes_signed_out(qtbot: QtBot) -> None:
    subject = make(ScriptedSession(resume=[None]))
    with qtbot.waitSignal(subject.stateChanged, check_params_cb=lambda s: s is State.SIGNED_OUT):
        subject.restore()
    assert subject.identity is None


def test_a_restore_that_fails_says_why_in_words(qtbot: QtBot) -> None:
    subject = make(ScriptedSession(resume=[errors.NetworkError("the IdP did not answer")]))
    with qtbot.waitSignal(subject.signInFailed, timeout=TIMEOUT_MS) as failed:
        subject.restore()
    assert failed.args == [messages.FailureKind.NETWORK, "The IdP did not answer"]
    assert subject.state is State.SIGNED_OUT


def test_sign_in_then_the_refresh_is_scheduled_ahead_of_expiry(qtbot: QtBot) -> None:
    session = ScriptedSession(sign_in=[ALICE])
    session.access_expires_at = 1000.0 + 3600
    subject = make(session)
    with qtbot.waitSignal(subject.signedIn, timeout=TIMEOUT_MS) as signed:
        subject.sign_in()
    assert signed.args == [ALICE]
    assert subject.state is State.SIGNED_IN and subject.is_admin()
    timer = subject._refresh_timer
    assert timer.isActive()
    assert timer.interval() == int((3600 - bridge.REFRESH_AHEAD_S) * 1000)


def test_the_keyring_write_follows_the_signed_in_screen_and_a_failure_is_said(
    qtbot: QtBot,
) -> None:
    session = ScriptedSession(
        sign_in=[ALICE], store_pending=[errors.KeyringError("the OS keyring did not answer")]
    )
    subject = make(session)
    order: list[str] = []
    subject.signedIn.connect(lambda _identity: order.append("signedIn"))
    with qtbot.waitSignal(subject.sessionNotStored, timeout=TIMEOUT_MS) as warned:
        subject.sign_in()
    assert order == ["signedIn"] and session.calls == ["sign_in", "store_pending"]
    assert warned.args[0].startswith("Signed in, but this session could not be saved")
    assert warned.args[0].endswith("The OS keyring did not answer")
    assert subject.state is State.SIGNED_IN  # signed in for this run all the same


def test_quitting_right_after_a_sign_in_still_stores_it(qtbot: QtBot) -> None:
    session = ScriptedSession(sign_in=[ALICE], store_pending=[None])
    subject = make(session)
    with qtbot.waitSignal(subject.signedIn, timeout=TIMEOUT_MS):
        subject.sign_in()
    assert subject._store_timer.isActive()  # the write waits for the screen to paint
    subject.shutdown()  # the window closed within that moment
    assert session.calls == ["sign_in", "store_pending"]


def test_a_second_sign_in_while_one_runs_is_ignored(qtbot: QtBot) -> None:
    release = threading.Event()
    session = ScriptedSession(sign_in=[ALICE])
    original = session.sign_in

    def slow(**kwargs: Any) -> auth_session.Identity:
        release.wait(5)
        return original(**kwargs)

    session.sign_in = slow  # type: ignore[method-assign]
    subject = make(session)
    subject.sign_in()
    subject.sign_in()
    release.set()
    qtbot.waitUntil(lambda: subject.state is State.SIGNED_IN, timeout=TIMEOUT_MS)
    assert session.calls == ["sign_in"]


@pytest.mark.parametrize(
    "failure", [errors.SessionExpired("refused"), errors.IdTokenError("another person")]
)
def test_a_refused_refresh_ends_the_session_once(qtbot: QtBot, failure: Exception) -> None:
    session = ScriptedSession(sign_in=[ALICE], refresh=[failure])
    subject = make(session)
    ended: list[str] = []
    subject.sessionEnded.connect(ended.append)
    with qtbot.waitSignal(subject.signedIn, timeout=TIMEOUT_MS):
        subject.sign_in()
    subject.refresh_now()
    qtbot.waitUntil(lambda: subject.state is State.SIGNED_OUT, timeout=TIMEOUT_MS)
    subject._end_session()  # a second report of the same end: no second message
    assert ended == [messages.SESSION_ENDED]


def test_an_unreachable_idp_is_offline_with_backoff_then_back(qtbot: QtBot) -> None:
    session = ScriptedSession(
        sign_in=[ALICE], refresh=[errors.NetworkError("down"), errors.NetworkError("down"), {}]
    )
    subject = make(session)
    with qtbot.waitSignal(subject.signedIn, timeout=TIMEOUT_MS):
        subject.sign_in()
    delays = []
    for _ in range(2):
        subject.refresh_now()
        qtbot.waitUntil(lambda: subject.state is State.OFFLINE, timeout=TIMEOUT_MS)
        delays.append(round(subject._refresh_timer.interval() / 1000))
    assert delays == list(bridge.OFFLINE_RETRY_S[:2])
    with qtbot.waitSignal(subject.identityChanged, timeout=TIMEOUT_MS):
        subject.refresh_now()
    assert subject.state is State.SIGNED_IN


def test_sign_out_reports_the_steps_that_failed(qtbot: QtBot) -> None:
    session = ScriptedSession(sign_in=[ALICE], sign_out=[["revoking failed"]])
    subject = make(session)
    with qtbot.waitSignal(subject.signedIn, timeout=TIMEOUT_MS):
        subject.sign_in()
    with qtbot.waitSignal(subject.signedOut, timeout=TIMEOUT_MS) as out:
        subject.sign_out(everywhere=True)
    assert out.args == [["revoking failed"]]
    assert subject.state is State.SIGNED_OUT


def test_a_stored_session_dropped_at_restore_says_why_on_the_idle_screen(qtbot: QtBot) -> None:
    dropped = errors.SessionExpired("your saved sign-in is no longer accepted (...)")
    subject = make(ScriptedSession(resume=[dropped]))
    failed: list[object] = []
    subject.signInFailed.connect(lambda *args: failed.append(args))
    with qtbot.waitSignal(subject.sessionEnded, timeout=TIMEOUT_MS) as ended:
        subject.restore()
    assert ended.args == ["Your saved sign-in is no longer accepted (...)"]
    assert failed == [] and subject.state is State.SIGNED_OUT


@pytest.mark.parametrize(
    ("outcome", "said"), [(None, ""), ("the port is in use", "the port is in use")]
)
def test_sign_out_then_ends_the_browser_session_and_says_how_it_went(
    qtbot: QtBot, outcome: str | None, said: str
) -> None:
    session = ScriptedSession(sign_in=[ALICE], sign_out=[[]], end_browser_session=[outcome])
    subject = make(session)
    with qtbot.waitSignal(subject.signedIn, timeout=TIMEOUT_MS):
        subject.sign_in()
    with qtbot.waitSignal(subject.browserSignOutFinished, timeout=TIMEOUT_MS) as finished:
        subject.sign_out()
    assert finished.args == [said]
    assert session.calls == ["sign_in", "sign_out", "end_browser_session"]
    assert not subject.ending_browser_session


def test_without_browser_sign_out_nothing_is_opened(qtbot: QtBot) -> None:
    session = ScriptedSession(sign_in=[ALICE], sign_out=[[]])
    subject = make(session)
    with qtbot.waitSignal(subject.signedIn, timeout=TIMEOUT_MS):
        subject.sign_in()
    with qtbot.waitSignal(subject.signedOut, timeout=TIMEOUT_MS):
        subject.sign_out()
    qtbot.wait(50)
    assert session.calls == ["sign_in", "sign_out"]


def test_signing_out_of_a_password_sign_in_opens_no_browser(qtbot: QtBot) -> None:
    """A session from ``cognito-desktop login --password-stdin``, restored here, never
    opened managed login in a browser: even with sign_out_in_browser on, none opens."""
    session = ScriptedSession(resume=[ALICE], sign_out=[[]], end_browser_session=[None])
    session.flow = session_codec.PASSWORD_FLOW
    subject = make(session)
    assert not subject.browser_sign_out_follows
    with qtbot.waitSignal(subject.signedIn, timeout=TIMEOUT_MS):
        subject.restore()
    with qtbot.waitSignal(subject.signedOut, timeout=TIMEOUT_MS):
        subject.sign_out()
    qtbot.wait(50)
    assert session.calls == ["resume", "sign_out"]
    assert not subject.ending_browser_session
    session.flow = session_codec.BROWSER_FLOW
    assert subject.browser_sign_out_follows


def test_signing_in_again_stops_waiting_for_the_browser_sign_out(qtbot: QtBot) -> None:
    session = ScriptedSession(
        sign_in=[ALICE, ALICE], sign_out=[[]], end_browser_session=["wait-for-cancel"]
    )
    subject = make(session)
    with qtbot.waitSignal(subject.signedIn, timeout=TIMEOUT_MS):
        subject.sign_in()
    finished: list[str] = []
    subject.browserSignOutFinished.connect(finished.append)
    with qtbot.waitSignal(subject.signedOut, timeout=TIMEOUT_MS):
        subject.sign_out()
    qtbot.waitUntil(lambda: "end_browser_session" in session.calls)
    assert subject.ending_browser_session
    with qtbot.waitSignal(subject.signedIn, timeout=TIMEOUT_MS):
        subject.sign_in(prompt_login=True)
    qtbot.wait(100)
    assert finished == []  # the cancelled wait reports nothing over the new sign-in
    assert not subject.ending_browser_session


def test_call_api_without_an_api_url_is_a_config_error() -> None:
    subject = make(ScriptedSession())
    with pytest.raises(errors.ConfigError, match="no api_url"):
        subject.call_api(lambda api: None, print, print)
