"""The account lifecycle end to end (issue 18): sign-up with an emailed code, forgot
password, TOTP enrolment then a code at sign-in, and an admin's MFA reset followed by a
new enrolment.

Real Chromium as the system browser, the app's real GUI (offscreen), the real Secret
Service, and the stand-in plus the protected API over HTTP, as in the rest of
``tests/e2e``. The emailed codes come from the stand-in's outbox, as a person reads
their mail.

The authenticator: codes are computed with :func:`local_cognito.totp.code` from the
secret the app or the page shows, at the stand-in's time. The suite's stand-in runs on a
:class:`~tests.support.clock.FakeClock` that stands still from the test's start (so the
API agrees with it on token lifetimes); a code from ``time.time()`` would leave the
+-1 step window as the test runs on. Where the person must wait for their app's next
code (a code is accepted once: the step used before is a replay), the clock is moved
on one 30-second step.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from PySide6 import QtCore, QtTest

from desktop_app.ui import security_panel
from desktop_app.ui.admin import users_panel
from local_cognito import lifecycle, server, settings, totp
from tests.e2e import keyring_dbus
from tests.e2e.chromium import BrowserDesk, Person
from tests.e2e.conftest import SignedIn
from tests.e2e.desktop import DesktopApp, finish_sign_in, sign_in, start_sign_in, users_tab
from tests.integration import conftest as integration
from tests.integration.conftest import admin_tokens
from tests.support import app_env, clock, loopback_probe, relying_party

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

LEFT = QtCore.Qt.MouseButton.LeftButton
TOTP = "SOFTWARE_TOKEN_MFA"
SAM = ("sam", "sam@example.com", "Sam-Chosen-Passw0rd!")
ALICE_NEW_PASSWORD = "Alice-Reset-Passw0rd!"


@pytest.fixture
def pool_settings(request: pytest.FixtureRequest) -> settings.PoolSettings:
    """As the e2e suite's (callback ports free right now), with the pool's MFA
    configuration from an indirect parameter ("OPTIONAL", Cognito's default here, unless
    a test asks for "ON")."""
    mfa = getattr(request, "param", "OPTIONAL")
    return dataclasses.replace(integration.pool_settings_on(loopback_probe.free_ports(3)), mfa=mfa)


# -- helpers -------------------------------------------------------------------------------


def code_now(fake_clock: clock.FakeClock, secret: str, *, after_step: int | None = None) -> str:
    """What the person's authenticator shows for ``secret`` now. ``after_step``: a code
    of that step was already used, so the person waits for the next one."""
    if after_step is not None and totp.step_of(fake_clock()) <= after_step:
        # A second into the next step (the step's first instant could round back).
        fake_clock.advance((after_step + 1) * totp.STEP_S + 1 - fake_clock())
    assert after_step is None or totp.step_of(fake_clock()) > after_step
    return totp.code(secret, fake_clock())


def outbox_code(stand_in: server.LocalCognito, username: str, kind: str) -> str:
    """The code in the newest email of ``kind`` to ``username``."""
    mail = [m for m in stand_in.pool.outbox.messages(username=username) if m.kind == kind]
    assert mail, f"no {kind} email for {username}: {stand_in.pool.outbox.messages()}"
    code = mail[-1].code
    assert code is not None and len(code) == 6 and code.isdigit(), mail[-1]
    assert code in mail[-1].body
    return code


def mfa_settings(idp: Any, stand_in: server.LocalCognito, username: str) -> dict[str, Any]:
    """AdminGetUser's MFA fields for ``username`` (absent and empty alike as no MFA:
    Cognito leaves them out, moto answers ``""`` for no preferred MFA)."""
    user = idp.admin_get_user(UserPoolId=stand_in.pool.id, Username=username)
    return {
        "methods": user.get("UserMFASettingList") or [],
        "preferred": user.get("PreferredMfaSetting") or None,
    }


def assert_signed_in_as(app: DesktopApp, profile: str, username: str) -> None:
    """The app shows the signed-in view for ``username``, whose live refresh token is in
    the Secret Service under ``profile``."""
    app.signed_in_view()
    identity = app.bridge.identity
    assert identity is not None
    assert identity.username == username
    assert identity.claims["cognito:username"] == username
    assert username in app.window.status.user.text()
    stored = keyring_dbus.read_session(profile)
    assert stored is not None
    assert stored["username"] == username


def refresh_works(stand_in: server.LocalCognito, profile: str) -> dict[str, Any]:
    """The stored refresh token is live: the claims of the access token it gets."""
    stored = keyring_dbus.read_session(profile)
    assert stored is not None
    response = relying_party.refresh(stand_in, stored["refresh_token"])
    assert response.status_code == 200, response.text
    claims: dict[str, Any] = jwt.decode(
        response.json()["access_token"], options={"verify_signature": False}
    )
    return claims


def sign_out_everywhere(app: DesktopApp, person: Person, desk: BrowserDesk, shots: str) -> None:
    """Account > Sign out: the app forgets the session and opens managed login's
    /logout, which the person's Chromium follows back to the app."""
    signed_out: list[object] = []
    browser_done: list[str] = []
    app.bridge.signedOut.connect(signed_out.append)
    app.bridge.browserSignOutFinished.connect(browser_done.append)
    launched = len(desk.opened)
    app.window.sign_out_action.trigger()
    app.wait_until(lambda: signed_out)
    assert signed_out == [[]]  # revoked and forgotten, no step failed
    app.wait_until(lambda: len(desk.opened) > launched)
    logout = desk.take()
    assert logout is not None and logout.startswith(app.profile.domain + "/logout?"), logout
    person.open(logout)
    person.page.get_by_role("heading", name="You are signed out").wait_for()
    app.wait_until(lambda: browser_done)
    assert browser_done == [""]
    assert app.current() is app.window.sign_in_screen
    assert keyring_dbus.read_session(app.profile.name) is None
    app.screenshot(f"{shots}-app-signed-out")


def security_tab(app: DesktopApp) -> security_panel.SecurityPanel:
    """Profile > Security, as the person opens it; once it has asked Cognito."""
    view = app.signed_in_view()
    view.nav.setCurrentRow(0)  # Home / Profile
    panel = view.profile.security
    view.profile.tabs.setCurrentWidget(panel)
    app.wait_until(lambda: panel.mode is not security_panel.Mode.UNKNOWN and not panel.is_busy)
    return panel


def open_user(app: DesktopApp, panel: users_panel.UsersPanel, username: str) -> None:
    """Select ``username`` in Admin > Users and wait for its detail, MFA included."""
    assert panel.select_username(username)
    pane = panel.detail
    app.wait_until(
        lambda: (
            pane.detail is not None
            and pane.detail.username == username
            and pane.detail.mfa is not None
            and not pane.is_busy
            and not pane.is_loading()
        )
    )


def enrol_in_app(
    app: DesktopApp,
    idp: Any,
    stand_in: server.LocalCognito,
    fake_clock: clock.FakeClock,
    username: str,
    shots: str,
) -> tuple[str, str, int]:
    """Profile > Security: set up an authenticator with a code from its secret.
    The secret, the code used, and its step."""
    panel = security_tab(app)
    assert panel.mode is security_panel.Mode.OFF
    assert panel.status_label.text().startswith("Off")
    assert panel.enable_button.isVisible() and panel.enable_button.isEnabled()
    app.screenshot(f"{shots}-app-security-off")
    QtTest.QTest.mouseClick(panel.enable_button, LEFT)
    app.wait_until(lambda: panel.mode is security_panel.Mode.ENROLLING and not panel.is_busy)
    assert panel.enrolment.isVisible()
    assert username in panel.account_label.text()
    secret = panel.secret_label.text().replace(" ", "")
    assert len(secret) == 32, secret
    app.screenshot(f"{shots}-app-enrolling")
    # Nothing is on until a code proves the authenticator has the secret.
    assert mfa_settings(idp, stand_in, username)["methods"] == []
    code = code_now(fake_clock, secret)
    step = totp.step_of(fake_clock())
    QtTest.QTest.keyClicks(panel.code_edit, code)
    assert panel.verify_button.isEnabled()
    QtTest.QTest.mouseClick(panel.verify_button, LEFT)
    app.wait_until(lambda: panel.mode is security_panel.Mode.ON and not panel.is_busy)
    assert panel.status_label.text().startswith("On")
    assert "set up" in panel.message.text()
    assert not panel.enrolment.isVisible()
    assert panel.secret_label.text() == ""  # the secret left the screen
    app.screenshot(f"{shots}-app-security-on")
    assert mfa_settings(idp, stand_in, username) == {"methods": [TOTP], "preferred": TOTP}
    return secret, code, step


def sign_in_enrolling(
    app: DesktopApp,
    person: Person,
    desk: BrowserDesk,
    fake_clock: clock.FakeClock,
    username: str,
    password: str,
    shots: str,
) -> tuple[str, int]:
    """A sign-in in a pool that requires MFA, by a user with no authenticator: managed
    login shows the set-up page after the password; the person adds the secret to their
    authenticator and enters its first code. The secret, and the step of that code."""
    started = start_sign_in(app, person, desk, shots=shots)
    person.sign_in(username, password)
    secret = person.mfa_setup_secret(screenshot=f"{shots}-browser-mfa-setup")
    assert len(secret) == 32, secret  # 160 bits in base32, as AssociateSoftwareToken's
    # The same secret as a QR code, drawn inline (the page's CSP allows no image fetch).
    assert person.page.locator(".qr svg").count() == 1
    person.set_up_mfa(code_now(fake_clock, secret))
    finish_sign_in(started, shots=shots)
    return secret, totp.step_of(fake_clock())


# -- the tests -----------------------------------------------------------------------------


def test_1_sign_up_in_chromium_then_the_emailed_code_ends_signed_in(
    make_app: Callable[[str], DesktopApp],
    people: Callable[[str], Person],
    desk: BrowserDesk,
    stand_in: server.LocalCognito,
    idp: Any,
) -> None:
    username, email, password = SAM
    app = make_app("e2e-sam")
    screen = app.window.sign_in_screen
    assert app.profile.self_sign_up  # the stand-in allows self-registration by default
    assert screen.sign_up_button.isVisible() and screen.sign_up_button.isEnabled()
    app.screenshot("lifecycle-1-sign-up-app-start")
    sam = people(username)

    started = start_sign_in(app, sam, desk, screen.sign_up_button, shots="lifecycle-1-sign-up")
    assert sam.page.url.startswith(app.profile.domain + "/signup?"), sam.page.url
    sam.sign_up(username, email, password, screenshot="lifecycle-1-sign-up-browser-form")

    # Signed up, not confirmed: one verification email, and nobody signed in yet.
    sam.page.get_by_role("heading", name="Confirm your account").wait_for()
    user = idp.admin_get_user(UserPoolId=stand_in.pool.id, Username=username)
    assert user["UserStatus"] == "UNCONFIRMED"
    [verification] = stand_in.pool.outbox.messages(username=username)
    assert verification.kind == "verification"
    assert verification.to == email
    assert not started.signed_in
    assert app.window.signed_in_view is None
    # A wrong code is refused on the page, and the right one still works after it.
    code = outbox_code(stand_in, username, "verification")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    sam.confirm_account(wrong)
    assert sam.wait_for_alert() == lifecycle.CODE_MISMATCH
    sam.confirm_account(code, screenshot="lifecycle-1-sign-up-browser-code")

    finish_sign_in(started, shots="lifecycle-1-sign-up")
    assert_signed_in_as(app, "e2e-sam", username)
    assert app.bridge.identity is not None
    assert app.bridge.identity.claims["email"] == email
    assert not app.signed_in_view().admin_visible()
    user = idp.admin_get_user(UserPoolId=stand_in.pool.id, Username=username)
    assert user["UserStatus"] == "CONFIRMED"
    attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert attributes["email_verified"] == "true"
    assert refresh_works(stand_in, "e2e-sam")["username"] == username
    # The password chosen on the sign-up page is the account's.
    assert admin_tokens(idp, stand_in, username, password)["RefreshToken"]
    assert [m.kind for m in stand_in.pool.outbox.messages(username=username)] == ["verification"]


def test_2_forgot_password_in_chromium_ends_signed_in_and_the_old_password_is_dead(
    make_app: Callable[[str], DesktopApp],
    people: Callable[[str], Person],
    desk: BrowserDesk,
    stand_in: server.LocalCognito,
    idp: Any,
) -> None:
    old_password = app_env.password("alice")
    app = make_app("e2e-forgot")
    screen = app.window.sign_in_screen
    assert screen.forgot_password_button.isVisible()
    assert screen.forgot_password_button.isEnabled()
    alice = people("alice")

    started = start_sign_in(
        app, alice, desk, screen.forgot_password_button, shots="lifecycle-2-forgot"
    )
    assert alice.page.url.startswith(app.profile.domain + "/forgotPassword?"), alice.page.url
    alice.ask_for_reset_code("alice", screenshot="lifecycle-2-forgot-browser-username")
    alice.page.get_by_role("heading", name="Reset your password").wait_for()
    [reset] = stand_in.pool.outbox.messages(username="alice")
    assert reset.kind == "password_reset"
    assert reset.to == "alice@example.com"
    code = outbox_code(stand_in, "alice", "password_reset")
    # Until the code is used, the old password is still the one Cognito checks.
    assert admin_tokens(idp, stand_in, "alice", old_password)["RefreshToken"]
    alice.reset_password(code, ALICE_NEW_PASSWORD, screenshot="lifecycle-2-forgot-browser-reset")

    finish_sign_in(started, shots="lifecycle-2-forgot")
    assert_signed_in_as(app, "e2e-forgot", "alice")
    assert refresh_works(stand_in, "e2e-forgot")["username"] == "alice"
    assert admin_tokens(idp, stand_in, "alice", ALICE_NEW_PASSWORD)["RefreshToken"]
    with pytest.raises(idp.exceptions.NotAuthorizedException):
        admin_tokens(idp, stand_in, "alice", old_password)
    # The code is spent: a second reset with it is refused.
    with pytest.raises(idp.exceptions.CodeMismatchException):
        idp.confirm_forgot_password(
            ClientId=stand_in.pool.client_id,
            Username="alice",
            ConfirmationCode=code,
            Password="Another-Passw0rd!",
        )


def test_3_totp_enrolled_in_the_app_is_asked_for_at_the_next_sign_in(
    signed_in: Callable[..., SignedIn],
    desk: BrowserDesk,
    stand_in: server.LocalCognito,
    idp: Any,
    fake_clock: clock.FakeClock,
) -> None:
    app, alice, _ = signed_in("e2e-mfa", "alice", shots="lifecycle-3-mfa-first")
    assert mfa_settings(idp, stand_in, "alice") == {"methods": [], "preferred": None}

    # Profile > Security: off; the person sets up an authenticator app.
    secret, enrolled_code, enrolled_step = enrol_in_app(
        app, idp, stand_in, fake_clock, "alice", "lifecycle-3-mfa"
    )

    sign_out_everywhere(app, alice, desk, "lifecycle-3-mfa")

    # The next sign-in asks for a code after the password.
    started = start_sign_in(app, alice, desk, shots="lifecycle-3-mfa-again")
    alice.sign_in("alice", app_env.password("alice"))
    # The code used at enrolment is spent: within its step it is refused as a replay.
    assert totp.step_of(fake_clock()) == enrolled_step
    alice.enter_mfa_code(enrolled_code, screenshot="lifecycle-3-mfa-again-browser-code-page")
    assert alice.wait_for_alert() == lifecycle.MFA_CODE_REUSED
    alice.screenshot("lifecycle-3-mfa-again-browser-replay-refused")
    assert app.window.signed_in_view is None
    # The person waits for the next code.
    alice.enter_mfa_code(code_now(fake_clock, secret, after_step=enrolled_step))

    finish_sign_in(started, shots="lifecycle-3-mfa-again")
    assert_signed_in_as(app, "e2e-mfa", "alice")
    assert refresh_works(stand_in, "e2e-mfa")["username"] == "alice"
    assert security_tab(app).mode is security_panel.Mode.ON


def test_4_an_admin_resets_a_users_mfa_and_they_enrol_a_new_authenticator(
    make_app: Callable[[str], DesktopApp],
    people: Callable[[str], Person],
    desk: BrowserDesk,
    stand_in: server.LocalCognito,
    idp: Any,
    fake_clock: clock.FakeClock,
) -> None:
    # Optional MFA: AdminSetUserMFAPreference can turn a user's TOTP off (a pool that
    # requires MFA refuses, test 5); "it doesn't reset an existing TOTP MFA", so the user
    # registers a new authenticator (AssociateSoftwareToken) when they turn MFA on again.
    assert stand_in.pool.settings.mfa == "OPTIONAL"
    password = app_env.password("alice")

    alice_app, alice = make_app("e2e-alice"), people("alice")
    sign_in(alice_app, alice, desk, "alice", password, shots="lifecycle-4-alice-first")
    old_secret, _, _ = enrol_in_app(
        alice_app, idp, stand_in, fake_clock, "alice", "lifecycle-4-alice"
    )
    assert mfa_settings(idp, stand_in, "alice") == {"methods": [TOTP], "preferred": TOTP}

    # The admin resets alice's MFA in the app.
    admin_app = make_app("e2e-admin")
    sign_in(
        admin_app,
        people("admin"),
        desk,
        "admin",
        app_env.password("admin"),
        shots="lifecycle-4-admin",
    )
    panel = users_tab(admin_app)
    open_user(admin_app, panel, "alice")
    pane = panel.detail
    assert pane.detail is not None and pane.detail.mfa is not None
    assert pane.detail.mfa.totp
    assert pane.reset_mfa_button.isVisible() and pane.reset_mfa_button.isEnabled()
    admin_app.screenshot("lifecycle-4-admin-app-alice-with-mfa")
    QtTest.QTest.mouseClick(pane.reset_mfa_button, LEFT)
    dialog = pane.confirm_dialog
    assert dialog is not None and dialog.isVisible()
    assert "alice" in dialog.question.text()
    admin_app.screenshot("lifecycle-4-admin-app-reset-mfa-dialog", dialog)
    QtTest.QTest.mouseClick(dialog.confirm_button, LEFT)
    admin_app.wait_until(
        lambda: (
            not pane.is_busy
            and not pane.is_loading()
            and pane.detail is not None
            and pane.detail.mfa is not None
            and not pane.detail.mfa.totp
        )
    )
    assert not pane.reset_mfa_button.isVisible()  # nothing left to reset
    assert "alice" in panel.message.text() and "MFA was reset" in panel.message.text()
    admin_app.screenshot("lifecycle-4-admin-app-mfa-reset")
    assert mfa_settings(idp, stand_in, "alice")["methods"] == []

    # Alice's next sign-in asks for no code; she sets up a new authenticator.
    sign_out_everywhere(alice_app, alice, desk, "lifecycle-4-alice")
    sign_in(alice_app, alice, desk, "alice", password, shots="lifecycle-4-alice-again")
    assert_signed_in_as(alice_app, "e2e-alice", "alice")
    fake_clock.advance(totp.STEP_S)
    new_secret, _, enrolled_step = enrol_in_app(
        alice_app, idp, stand_in, fake_clock, "alice", "lifecycle-4-alice-again"
    )
    assert new_secret != old_secret
    assert mfa_settings(idp, stand_in, "alice") == {"methods": [TOTP], "preferred": TOTP}

    # At the following sign-in the old authenticator's code no longer works; the new one's does.
    sign_out_everywhere(alice_app, alice, desk, "lifecycle-4-alice-again")
    started = start_sign_in(alice_app, alice, desk, shots="lifecycle-4-alice-third")
    alice.sign_in("alice", password)
    new_code = code_now(fake_clock, new_secret, after_step=enrolled_step)
    old_code = totp.code(old_secret, fake_clock())
    assert old_code != new_code
    alice.enter_mfa_code(old_code, screenshot="lifecycle-4-alice-third-browser-code-page")
    assert alice.wait_for_alert() == lifecycle.MFA_CODE_MISMATCH
    alice.screenshot("lifecycle-4-alice-third-browser-old-code-refused")
    alice.enter_mfa_code(new_code)
    finish_sign_in(started, shots="lifecycle-4-alice-third")
    assert_signed_in_as(alice_app, "e2e-alice", "alice")
    assert refresh_works(stand_in, "e2e-alice")["username"] == "alice"


@pytest.mark.parametrize("pool_settings", ["ON"], indirect=True)
def test_5_a_pool_that_requires_mfa_enrols_at_first_sign_in_and_keeps_it(
    make_app: Callable[[str], DesktopApp],
    people: Callable[[str], Person],
    desk: BrowserDesk,
    stand_in: server.LocalCognito,
    idp: Any,
    fake_clock: clock.FakeClock,
) -> None:
    assert stand_in.pool.settings.mfa == "ON"
    password = app_env.password("alice")

    # Alice's first sign-in shows the set-up page after the password.
    alice_app, alice = make_app("e2e-alice"), people("alice")
    secret, enrolled_step = sign_in_enrolling(
        alice_app, alice, desk, fake_clock, "alice", password, "lifecycle-5-alice-first"
    )
    assert_signed_in_as(alice_app, "e2e-alice", "alice")
    assert mfa_settings(idp, stand_in, "alice") == {"methods": [TOTP], "preferred": TOTP}

    # The admin (enrolling too) cannot turn it off: the app says why, MFA stays on.
    admin_app = make_app("e2e-admin")
    sign_in_enrolling(
        admin_app,
        people("admin"),
        desk,
        fake_clock,
        "admin",
        app_env.password("admin"),
        "lifecycle-5-admin",
    )
    panel = users_tab(admin_app)
    open_user(admin_app, panel, "alice")
    pane = panel.detail
    QtTest.QTest.mouseClick(pane.reset_mfa_button, LEFT)
    dialog = pane.confirm_dialog
    assert dialog is not None and dialog.isVisible()
    QtTest.QTest.mouseClick(dialog.confirm_button, LEFT)
    admin_app.wait_until(lambda: "requires MFA" in panel.message.text() and not pane.is_busy)
    admin_app.screenshot("lifecycle-5-admin-app-reset-refused")
    assert mfa_settings(idp, stand_in, "alice") == {"methods": [TOTP], "preferred": TOTP}

    # Alice's next sign-in asks for her code, as before.
    sign_out_everywhere(alice_app, alice, desk, "lifecycle-5-alice")
    started = start_sign_in(alice_app, alice, desk, shots="lifecycle-5-alice-again")
    alice.sign_in("alice", password)
    alice.enter_mfa_code(code_now(fake_clock, secret, after_step=enrolled_step))
    finish_sign_in(started, shots="lifecycle-5-alice-again")
    assert_signed_in_as(alice_app, "e2e-alice", "alice")
