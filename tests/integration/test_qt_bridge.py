"""The session bridge against cognito-local and the protected API over real HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from desktop_app import errors
from desktop_app.api import client as api_client
from desktop_app.auth import store
from desktop_app.qt import bridge, messages
from local_cognito import server
from protected_api import server as api_server
from tests.integration.conftest import make_bridge
from tests.support.person import Person

pytestmark = pytest.mark.integration


def test_sign_in_then_an_api_call_then_sign_out(
    qtbot: QtBot, stand_in: server.LocalCognito, api: api_server.ApiServer
) -> None:
    person = Person(stand_in.url, "admin", "Admin-Passw0rd!")
    kept = store.MemoryStore(warning=None)
    subject = make_bridge(stand_in, api, person, kept)
    states: list[bridge.State] = []
    subject.stateChanged.connect(states.append)
    urls: list[str] = []
    subject.signInUrl.connect(urls.append)
    with qtbot.waitSignal(subject.signedIn, timeout=15_000) as blocker:
        subject.sign_in()
    assert blocker.args is not None
    assert blocker.args[0].username == "admin"
    assert urls == person.opened
    assert subject.is_admin()
    assert kept.load() is None  # the keyring write follows the signed-in screen...
    assert subject.storing
    qtbot.waitUntil(lambda: not subject.storing, timeout=5_000)  # ...moments later
    assert kept.load() is not None
    results: list[Any] = []
    subject.call_api(lambda api: api.get_json("/me"), results.append, pytest.fail)
    qtbot.waitUntil(lambda: bool(results), timeout=10_000)
    assert results[0]["username"] == "admin"
    with qtbot.waitSignal(subject.signedOut, timeout=10_000) as out:
        subject.sign_out()
    assert out.args == [[]]
    assert kept.load() is None
    assert states == [
        bridge.State.SIGNING_IN,
        bridge.State.SIGNED_IN,
        bridge.State.SIGNING_OUT,
        bridge.State.SIGNED_OUT,
    ]


def test_plain_user_is_not_admin_and_admin_routes_answer_403(
    qtbot: QtBot, stand_in: server.LocalCognito, api: api_server.ApiServer
) -> None:
    subject = make_bridge(stand_in, api)
    with qtbot.waitSignal(subject.signedIn, timeout=15_000):
        subject.sign_in()
    assert not subject.is_admin()
    failures: list[BaseException] = []
    subject.call_api(lambda api: api.get_json("/admin/users"), pytest.fail, failures.append)
    qtbot.waitUntil(lambda: bool(failures), timeout=10_000)
    assert isinstance(failures[0], errors.ApiError)
    assert failures[0].status == 403


@pytest.mark.parametrize(
    ("behaviour", "action", "kind"),
    [
        ("deny", None, messages.FailureKind.DENIED),
        ("ignore", "cancel", messages.FailureKind.CANCELLED),
        ("ignore", None, messages.FailureKind.TIMEOUT),
    ],
)
def test_sign_in_failures_are_reported_by_kind(
    qtbot: QtBot,
    stand_in: server.LocalCognito,
    behaviour: Any,
    action: str | None,
    kind: messages.FailureKind,
) -> None:
    person = Person(stand_in.url, behaviour=behaviour)
    subject = make_bridge(stand_in, None, person, sign_in_timeout=1.0)
    with qtbot.waitSignal(subject.signInFailed, timeout=15_000) as blocker:
        subject.sign_in()
        if action == "cancel":
            qtbot.waitSignal(subject.signInUrl, timeout=5_000).wait()
            subject.cancel_sign_in()
    assert blocker.args is not None
    assert blocker.args[0] is kind
    assert subject.state is bridge.State.SIGNED_OUT


def test_a_revoked_session_ends_once_on_the_next_call(
    qtbot: QtBot, stand_in: server.LocalCognito, api: api_server.ApiServer, idp: Any
) -> None:
    subject = make_bridge(stand_in, api)
    with qtbot.waitSignal(subject.signedIn, timeout=15_000):
        subject.sign_in()
    idp.admin_disable_user(UserPoolId=stand_in.pool.id, Username="alice")
    ended: list[str] = []
    subject.sessionEnded.connect(ended.append)
    with qtbot.waitSignal(subject.sessionEnded, timeout=10_000):
        subject.refresh_now()
    subject.call_api(lambda api: api.get_json("/me"), pytest.fail, pytest.fail)
    qtbot.wait(200)
    assert ended == [messages.SESSION_ENDED]
    assert subject.state is bridge.State.SIGNED_OUT


def test_api_client_is_built_from_the_profile(
    stand_in: server.LocalCognito, api: api_server.ApiServer, qtbot: QtBot
) -> None:
    subject = make_bridge(stand_in, api)
    assert isinstance(subject.api, api_client.ApiClient)
    assert subject.api.base_url == api.url.rstrip("/")
