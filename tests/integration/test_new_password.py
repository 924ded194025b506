"""Invited and reset users choose a new password on managed login, then get a code."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from local_cognito import server, settings
from tests.support import clock
from tests.support.relying_party import exchange
from tests.support.scripted_browser import AuthRequest, Page, ScriptedBrowser, callback_params

pytestmark = pytest.mark.integration
TIMEOUT = 10
NEW_PASSWORD = "Brand-New-Passw0rd!"


def challenge_page(
    browser: ScriptedBrowser, request: AuthRequest, username: str, password: str
) -> Page:
    page = browser.open(request)
    assert not isinstance(page, str)
    result = browser.submit(page, username=username, password=password)
    assert not isinstance(result, str), "must not sign in before the password is changed"
    assert result.form is not None and "new_password" in result.form.inputs
    return result


def status(idp: Any, stand_in: server.LocalCognito, username: str) -> str:
    return str(idp.admin_get_user(UserPoolId=stand_in.pool.id, Username=username)["UserStatus"])


def test_invited_user_sets_a_new_password_and_signs_in(
    idp: Any, stand_in: server.LocalCognito, browser: ScriptedBrowser, auth_request: AuthRequest
) -> None:
    page = challenge_page(browser, auth_request, "newbie", "Temp-Passw0rd1!")
    assert "code" not in page.form.inputs  # type: ignore[union-attr]

    weak = browser.submit(page, new_password="weak", confirm_password="weak")
    assert not isinstance(weak, str) and weak.error
    mismatch = browser.submit(page, new_password=NEW_PASSWORD, confirm_password="other")
    assert not isinstance(mismatch, str) and mismatch.error == "Passwords do not match."
    assert status(idp, stand_in, "newbie") == "FORCE_CHANGE_PASSWORD"

    url = browser.submit(page, new_password=NEW_PASSWORD, confirm_password=NEW_PASSWORD)
    assert isinstance(url, str)
    params = callback_params(url)
    assert params["state"] == auth_request.state
    assert exchange(stand_in, params["code"], auth_request.verifier).status_code == 200
    assert status(idp, stand_in, "newbie") == "CONFIRMED"

    # The temporary password is gone; the new one works from a fresh browser.
    fresh = ScriptedBrowser(stand_in.url)
    again = AuthRequest(stand_in.pool.client_id, auth_request.redirect_uri)
    assert fresh.sign_in(again, "newbie", NEW_PASSWORD).startswith(auth_request.redirect_uri)


def test_wrong_temporary_password_shows_no_new_password_page(
    browser: ScriptedBrowser, auth_request: AuthRequest
) -> None:
    page = browser.open(auth_request)
    assert not isinstance(page, str)
    result = browser.submit(page, username="newbie", password="Not-The-Temp1!")
    assert not isinstance(result, str)
    assert result.error == "Incorrect username or password."


def test_new_password_challenge_expires(
    stand_in: server.LocalCognito,
    browser: ScriptedBrowser,
    auth_request: AuthRequest,
    fake_clock: clock.FakeClock,
) -> None:
    page = challenge_page(browser, auth_request, "newbie", "Temp-Passw0rd1!")
    fake_clock.advance(settings.CHALLENGE_LIFETIME_S + 1)
    result = browser.submit(page, new_password=NEW_PASSWORD, confirm_password=NEW_PASSWORD)
    assert not isinstance(result, str)
    assert result.error == "Your session expired. Please sign in again."


def test_forged_challenge_id_is_refused(
    browser: ScriptedBrowser, auth_request: AuthRequest
) -> None:
    page = challenge_page(browser, auth_request, "newbie", "Temp-Passw0rd1!")
    assert page.form is not None
    page.form.fields["challenge"] = "guessed"
    result = browser.submit(page, new_password=NEW_PASSWORD, confirm_password=NEW_PASSWORD)
    assert not isinstance(result, str)


def test_reset_required_user_resets_with_the_emailed_code(
    idp: Any, stand_in: server.LocalCognito, browser: ScriptedBrowser, auth_request: AuthRequest
) -> None:
    idp.admin_reset_user_password(UserPoolId=stand_in.pool.id, Username="alice")
    assert status(idp, stand_in, "alice") == "RESET_REQUIRED"
    mail = requests.get(f"{stand_in.url}/outbox.json", timeout=TIMEOUT).json()
    code = [m for m in mail if m["username"] == "alice"][-1]["code"]

    page = challenge_page(browser, auth_request, "alice", "anything")
    assert "code" in page.form.inputs  # type: ignore[union-attr]
    wrong = "000000" if code != "000000" else "111111"
    bad = browser.submit(page, code=wrong, new_password=NEW_PASSWORD, confirm_password=NEW_PASSWORD)
    assert not isinstance(bad, str) and bad.error
    url = browser.submit(page, code=code, new_password=NEW_PASSWORD, confirm_password=NEW_PASSWORD)
    assert isinstance(url, str) and "code=" in url
    assert status(idp, stand_in, "alice") == "CONFIRMED"
