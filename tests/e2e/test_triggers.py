"""The Lambda triggers end to end (issue 20), with the stand-in running the ``triggers``
package as ``python3 dev.py demo`` does: a person from an allowed domain signs themselves
up in real Chromium, lands in the default group, signs in to the real GUI, and the
protected API's ``/me`` shows the claim the pre token generation trigger added; an admin
then sees their sign-in time in Admin > Users, recorded by the post authentication
trigger. A person from another domain is refused on the sign-up page.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable
from typing import Any

import pytest

from desktop_app.models import user_cells
from local_cognito import lambda_triggers, server, settings
from tests.e2e.chromium import BrowserDesk, Person
from tests.e2e.conftest import SignedIn
from tests.e2e.desktop import DesktopApp, finish_sign_in, start_sign_in, users_tab
from tests.integration import conftest as integration
from tests.support import loopback_probe

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

SAM = ("sam", "sam@example.com", "Sam-Chosen-Passw0rd!")
REFUSAL = "PreSignUp failed with error Sign-up is open to addresses at example.com only."


@pytest.fixture
def pool_settings() -> settings.PoolSettings:
    """The e2e suite's pool (callback ports free right now) with the demo's triggers."""
    return dataclasses.replace(
        integration.pool_settings_on(loopback_probe.free_ports(3)),
        triggers=lambda_triggers.NAMES,
        allowed_email_domains=("example.com",),
    )


def test_a_self_registered_user_joins_the_default_group_and_shows_up_for_the_admin(
    make_app: Callable[[str], DesktopApp],
    people: Callable[[str], Person],
    signed_in: Callable[..., SignedIn],
    desk: BrowserDesk,
    stand_in: server.LocalCognito,
    idp: Any,
) -> None:
    username, email, password = SAM
    app = make_app("e2e-trigger-sam")
    sam = people(username)
    started = start_sign_in(
        app, sam, desk, app.window.sign_in_screen.sign_up_button, shots="triggers-1-sign-up"
    )
    sam.sign_up(username, email, password, screenshot="triggers-1-browser-sign-up")
    sam.page.get_by_role("heading", name="Confirm your account").wait_for()
    [mail] = stand_in.pool.outbox.messages(username=username)
    # The custom message trigger wrote the email: the app's name and a sign-in link.
    assert stand_in.pool.settings.app_name in mail.subject
    assert mail.code is not None and mail.code in mail.body
    assert f'href="{stand_in.url}/login?' in mail.body
    sam.confirm_account(mail.code)
    finish_sign_in(started, shots="triggers-1-sign-up")

    # Post confirmation put sam in the default group; the tokens say so.
    groups = idp.admin_list_groups_for_user(UserPoolId=stand_in.pool.id, Username=username)
    assert [g["GroupName"] for g in groups["Groups"]] == [settings.DEFAULT_GROUP]
    identity = app.bridge.identity
    assert identity is not None
    assert list(identity.groups) == [settings.DEFAULT_GROUP]
    assert not app.signed_in_view().admin_visible()
    # Pre token generation added the plan claim; the app shows it, the API reads it.
    assert identity.claims["plan"] == "free"
    profile = app.signed_in_view().profile
    assert profile.fields["plan"].text() == "free"
    app.screenshot("triggers-1-app-profile-plan")
    me = app.call_api(lambda api: api.get_json("/me"))
    assert isinstance(me, dict), me
    assert me["username"] == username
    assert me["plan"] == "free"

    # Post authentication recorded the sign-in: the admin's table shows when.
    attributes = {
        a["Name"]: a["Value"]
        for a in idp.admin_get_user(UserPoolId=stand_in.pool.id, Username=username)[
            "UserAttributes"
        ]
    }
    recorded = datetime.datetime.strptime(
        attributes["custom:last_sign_in"], "%Y-%m-%dT%H:%M:%SZ"
    ).replace(tzinfo=datetime.UTC)
    assert abs(datetime.datetime.now(datetime.UTC) - recorded) < datetime.timedelta(minutes=5)
    admin_app, _, _ = signed_in("e2e-trigger-admin", "admin", shots="triggers-1-admin")
    panel = users_tab(admin_app)
    model = panel.model
    column = user_cells.Column.LAST_SIGN_IN
    sam_row = model.row_of(username)
    assert sam_row is not None
    shown = model.data(model.index(sam_row, column))
    assert shown and shown != "Never", shown
    assert recorded.astimezone().strftime("%Y") in shown
    alice_row = model.row_of("alice")  # alice has not signed in since the pool started
    assert alice_row is not None
    assert model.data(model.index(alice_row, column)) == "Never"
    admin_app.screenshot("triggers-1-admin-last-sign-in")


def test_a_refused_domain_gets_the_refusal_on_the_sign_up_page(
    make_app: Callable[[str], DesktopApp],
    people: Callable[[str], Person],
    desk: BrowserDesk,
    stand_in: server.LocalCognito,
) -> None:
    app = make_app("e2e-trigger-refused")
    mallory = people("mallory")
    started = start_sign_in(
        app, mallory, desk, app.window.sign_in_screen.sign_up_button, shots="triggers-2-refused"
    )
    mallory.sign_up("mallory", "mallory@gmail.com", "Mallory-Passw0rd!")
    assert mallory.wait_for_alert() == REFUSAL
    mallory.screenshot("triggers-2-browser-refused")
    assert stand_in.pool.pool._get_user("mallory") is None
    assert stand_in.pool.outbox.messages(username="mallory") == []
    assert not started.signed_in
    assert app.window.signed_in_view is None
