"""Signing in, staying signed in and signing out, end to end.

The real GUI (offscreen), real Chromium as the system browser (through ``$BROWSER``),
the real Secret Service (read back over D-Bus, not through the app's store), and the
stand-in plus the protected API over HTTP. Screenshots: ``<artifacts>/e2e/``.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from typing import Any

import jwt
import pytest

from desktop_app import errors
from desktop_app.api import admin
from local_cognito import server
from tests.e2e import keyring_dbus
from tests.e2e.chromium import BrowserDesk, Person, origin
from tests.e2e.conftest import SignedIn
from tests.e2e.desktop import DesktopApp, sign_in
from tests.support import relying_party

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

ADMIN = ("admin", "Admin-Passw0rd!")


def test_1_admin_signs_in_through_chromium_and_the_token_is_in_the_secret_service(
    make_app: Callable[[str], DesktopApp],
    people: Callable[[str], Person],
    desk: BrowserDesk,
    stand_in: server.LocalCognito,
) -> None:
    app = make_app("e2e-admin")
    assert app.current() is app.window.sign_in_screen
    app.screenshot("1-admin-app-start")
    assert keyring_dbus.read_session("e2e-admin") is None

    sign_in(app, people("admin"), desk, *ADMIN, shots="1-admin")

    view = app.signed_in_view()
    assert view.admin_visible()
    assert "Admin" in app.window.status.groups.text()
    view.nav.setCurrentRow(2)  # the Admin section, as the admin clicks it
    app.wait_until(lambda: view.admin.groups_model.rowCount() > 0)
    app.wait_until(lambda: view.admin.users.model.count > 0)
    app.screenshot("1-admin-app-admin-section")

    # The keyring as another program sees it: keyring's attributes, our document.
    items = keyring_dbus.items()
    assert list(items) == ["profile:e2e-admin"]
    assert items["profile:e2e-admin"]["service"] == "cognito-desktop"
    assert items["profile:e2e-admin"]["application"] == "Python keyring library"
    stored = keyring_dbus.read_session("e2e-admin")
    assert stored is not None
    assert stored["username"] == "admin"
    assert stored["client_id"] == stand_in.pool.client_id
    assert stored["issuer"] == stand_in.info()["issuer"]
    # ...and what is stored is a live refresh token for the admin.
    response = relying_party.refresh(stand_in, stored["refresh_token"])
    assert response.status_code == 200, response.text
    claims = jwt.decode(response.json()["access_token"], options={"verify_signature": False})
    assert claims["username"] == "admin"
    assert "Admin" in claims["cognito:groups"]
    assert len(desk.opened) == 1


def test_2_a_plain_user_has_no_admin_section_and_the_admin_api_refuses_them(
    signed_in: Callable[..., SignedIn], stand_in: server.LocalCognito, idp: Any
) -> None:
    app = signed_in("e2e-alice", "alice", shots="2-alice").app

    view = app.signed_in_view()
    assert not view.admin_visible()
    assert app.window.status.groups.text() == ""
    assert "alice" in app.window.status.user.text()
    view.nav.setCurrentRow(1)  # Data: the API answers alice
    app.wait_until(lambda: view.data.model.rowCount() > 0)
    app.screenshot("2-alice-app-data")

    # Called anyway, through the app's own ApiClient (alice's bearer token).
    calls: dict[str, Callable[[Any], object]] = {
        "list users": admin.list_users,
        "list groups": admin.list_groups,
        "get a user": lambda api: admin.get_user(api, "admin"),
        "invite": lambda api: admin.invite_user(api, "mallory", "mallory@example.com"),
        "disable": lambda api: admin.disable_user(api, "admin"),
        "add to a group": lambda api: admin.add_to_group(api, "alice", "Admin"),
    }
    for what, call in calls.items():
        outcome = app.call_api(call)
        assert isinstance(outcome, errors.ApiError), f"{what}: {outcome!r}"
        assert outcome.status == 403, f"{what}: {outcome.status}"
    pool_id = stand_in.pool.id
    assert idp.admin_get_user(UserPoolId=pool_id, Username="admin")["Enabled"]
    assert "mallory" not in stand_in.pool.pool.users
    groups = idp.admin_list_groups_for_user(UserPoolId=pool_id, Username="alice")["Groups"]
    assert groups == []
    assert app.current() is view  # a 403 is not a signed-out session


def test_3_a_restart_signs_in_silently_from_the_keyring(
    signed_in: Callable[..., SignedIn],
    make_app: Callable[[str], DesktopApp],
    desk: BrowserDesk,
) -> None:
    first, alice, _ = signed_in("e2e-restart", "alice", shots="3-restart-first-run")
    first.close()
    assert keyring_dbus.read_session("e2e-restart") is not None
    opened = list(desk.opened)

    second = make_app("e2e-restart")  # a new window, session and store: the same keyring
    second.wait_until(lambda: second.window.signed_in_view is not None)
    view = second.signed_in_view()
    identity = second.bridge.identity
    assert identity is not None
    assert identity.username == "alice"
    assert not view.admin_visible()
    assert "access token valid" in second.window.status.state.text()
    second.screenshot("3-restart-app-signed-in")
    assert desk.opened == opened  # no browser was launched
    assert desk.take() is None
    assert len(alice.context.pages) == 1  # and nothing new opened in Chromium


def test_6_sign_out_removes_the_keyring_entry_and_ends_the_browser_session(
    signed_in: Callable[..., SignedIn], stand_in: server.LocalCognito, desk: BrowserDesk
) -> None:
    app, alice, _ = signed_in("e2e-sign-out", "alice", shots="6-sign-out")
    stored = keyring_dbus.read_session("e2e-sign-out")
    assert stored is not None
    old_refresh_token = stored["refresh_token"]

    signed_out: list[object] = []
    browser_done: list[str] = []
    app.bridge.signedOut.connect(signed_out.append)
    app.bridge.browserSignOutFinished.connect(browser_done.append)
    app.window.sign_out_action.trigger()  # Account > Sign out
    app.wait_until(lambda: signed_out)
    assert signed_out == [[]]  # revoked and forgotten, no step failed
    assert app.current() is app.window.sign_in_screen
    assert app.message().startswith("You are signed out.\nEnding the browser's sign-in session")
    assert not app.window.sign_out_action.isEnabled()
    app.screenshot("6-sign-out-app-signed-out")

    # The app opened managed login's /logout; Chromium follows it back to the sign-out URI.
    app.wait_until(lambda: len(desk.opened) > 1)
    logout = desk.take()
    assert logout is not None and logout.startswith(app.profile.domain + "/logout?"), logout
    alice.open(logout)
    alice.page.get_by_role("heading", name="You are signed out").wait_for()
    alice.screenshot("6-sign-out-browser-signed-out")
    app.wait_until(lambda: browser_done)
    assert browser_done == [""]
    assert app.message() == "You are signed out, in the app and in the browser."

    assert keyring_dbus.read_session("e2e-sign-out") is None
    assert keyring_dbus.items() == {}  # no chunk or stray item left either
    response = relying_party.refresh(stand_in, old_refresh_token)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"

    # The next sign-in in the same Chromium asks for a password: nobody is signed back in.
    launched = len(desk.opened)
    app.window.sign_in_screen.sign_in_button.click()
    app.wait_until(lambda: len(desk.opened) > launched)
    start = desk.take()
    assert start is not None
    alice.open(start)
    alice.page.get_by_role("heading", name="Sign in").wait_for()
    app.window.sign_in_screen.cancel_button.click()


def test_7_the_loopback_success_page_is_clean_in_chromium(
    signed_in: Callable[..., SignedIn], stand_in: server.LocalCognito
) -> None:
    _, alice, landed = signed_in("e2e-page", "alice", shots="7-success-page")
    alice.settle()  # a late favicon request or CSP report would show up now
    alice.screenshot("7-success-page-browser")

    receiver = origin(landed)
    assert urllib.parse.urlsplit(landed).path == "/callback/local"  # the stand-in's environment
    assert alice.page.title() == "Signed in - Cognito Desktop"
    heading = alice.page.get_by_role("heading", name="You are signed in")
    assert heading.is_visible()
    box = alice.page.locator("main").bounding_box()
    assert box is not None
    assert box["width"] > 200  # laid out by its inline style sheet, not unstyled
    assert alice.page.locator("main").evaluate("e => getComputedStyle(e).backgroundColor") == (
        "rgb(255, 255, 255)"
    )

    # From the redirect on, every request is the receiver's own, and nothing else ran.
    first = next(i for i, url in enumerate(alice.requests) if url.startswith(landed))
    on_the_page = alice.requests[first:]
    assert [origin(url) for url in on_the_page] == [receiver] * len(on_the_page), on_the_page
    assert [c for c in alice.console if c.url.startswith(receiver)] == []
    assert alice.page_errors == []
    # The whole sign-in never left loopback: managed login, then the app.
    assert {origin(url) for url in alice.requests} == {stand_in.url, receiver}
    assert [c for c in alice.console if c.type == "error"] == []
