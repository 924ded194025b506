"""The adapter's account-lifecycle calls (issue 18): the MFA batch, confirming a sign-up,
resending its code, resetting MFA, marking an email verified; each checked against the
requests botocore's Stubber expects and the answers it gives."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from botocore.stub import Stubber

from protected_api import admin_errors, cognito_admin
from tests.unit.protected_api import stubs

P = stubs.POOL_ID
Stubbed = tuple[cognito_admin.CognitoAdmin, Stubber]


def account(username: str, **fields: Any) -> dict[str, Any]:
    """An AdminGetUser answer."""
    return {
        "Username": username,
        "UserAttributes": [{"Name": "sub", "Value": f"s-{username}"}],
    } | fields


def refused(call: Any) -> admin_errors.AdminError:
    with pytest.raises(admin_errors.AdminError) as caught:
        call()
    return caught.value


def test_get_user_answers_the_mfa_admin_get_user_reports(stubbed: Stubbed) -> None:
    adapter, stubber = stubbed
    answer = account(
        "bob", UserMFASettingList=["SOFTWARE_TOKEN_MFA"], PreferredMfaSetting="SOFTWARE_TOKEN_MFA"
    )
    stubber.add_response("admin_get_user", answer, {"UserPoolId": P, "Username": "bob"})
    stubber.add_response("admin_list_groups_for_user", {"Groups": []}, None)
    detail = adapter.get_user("bob")
    assert (detail.mfa_methods, detail.preferred_mfa) == (
        ["SOFTWARE_TOKEN_MFA"],
        "SOFTWARE_TOKEN_MFA",
    )


def test_the_mfa_batch_answers_each_name_once_in_order_and_the_missing_as_not_found(
    stubbed: Stubbed,
) -> None:
    adapter, stubber = stubbed
    adapter.MFA_CONCURRENCY = 1  # the Stubber answers in order
    stubber.add_response(
        "admin_get_user",
        account("ann", UserMFASettingList=["SOFTWARE_TOKEN_MFA"]),
        {"UserPoolId": P, "Username": "ann"},
    )
    stubber.add_client_error("admin_get_user", "UserNotFoundException", "User does not exist.")
    stubber.add_response("admin_get_user", account("cy", PreferredMfaSetting=""), None)
    answer = adapter.users_mfa(["ann", "gone", "ann", "cy"])
    assert [(u.username, u.found, u.mfa_methods, u.preferred_mfa) for u in answer.users] == [
        ("ann", True, ["SOFTWARE_TOKEN_MFA"], None),
        ("gone", False, [], None),
        ("cy", True, [], None),
    ]
    assert adapter.users_mfa([]).users == []


def test_any_other_failure_fails_the_batch(stubbed: Stubbed) -> None:
    adapter, stubber = stubbed
    adapter.MFA_CONCURRENCY = 1
    stubber.add_response("admin_get_user", account("ann"), None)
    stubber.add_client_error("admin_get_user", "InternalErrorException", "boom", 500)
    assert refused(lambda: adapter.users_mfa(["ann", "bo"])).status == 503


class CountingAdapter(cognito_admin.CognitoAdmin):
    """AdminGetUser answered locally; it waits until as many calls as the bound are in
    flight (or 2 s), and records the most it saw at once."""

    def __init__(self) -> None:
        super().__init__(None, P)  # type: ignore[arg-type]
        self.lock = threading.Lock()
        self.in_flight = self.most = 0
        self.full = threading.Event()

    def _admin_get_user(self, username: str) -> Any:
        with self.lock:
            self.in_flight += 1
            self.most = max(self.most, self.in_flight)
            if self.in_flight >= self.MFA_CONCURRENCY:
                self.full.set()
        self.full.wait(2)
        with self.lock:
            self.in_flight -= 1
        return account(username)


def test_the_mfa_batch_runs_a_bounded_number_of_calls_at_once() -> None:
    adapter = CountingAdapter()
    answer = adapter.users_mfa([f"u{i}" for i in range(60)])
    assert [u.username for u in answer.users] == [f"u{i}" for i in range(60)]
    assert adapter.most == cognito_admin.CognitoAdmin.MFA_CONCURRENCY


@pytest.mark.parametrize(
    ("call", "operation"),
    [
        (lambda a: a.confirm_sign_up("bob"), "admin_confirm_sign_up"),
        (lambda a: a.resend_confirmation_code("bob"), "resend_confirmation_code"),
    ],
    ids=["confirm", "resend"],
)
def test_only_an_unconfirmed_sign_up_is_confirmed_or_sent_a_code(
    stubbed: Stubbed, call: Any, operation: str
) -> None:
    adapter, stubber = stubbed
    stubber.add_response("admin_get_user", account("bob", UserStatus="CONFIRMED"), None)
    error = refused(lambda: call(adapter))
    assert (error.status, error.code) == (409, "invalid_state")
    assert (
        error.message
        == {
            "admin_confirm_sign_up": "only an unconfirmed sign-up can be confirmed; "
            "this user is CONFIRMED",
            "resend_confirmation_code": "only an unconfirmed sign-up can get a new verification "
            "code; this user is CONFIRMED",
        }[operation]
    )


def test_an_alias_is_confirmed_under_the_canonical_username(stubbed: Stubbed) -> None:
    adapter, stubber = stubbed
    stubber.add_response(
        "admin_get_user",
        account("bob", UserStatus="UNCONFIRMED"),
        {"UserPoolId": P, "Username": "bob@example.com"},
    )
    stubber.add_response("admin_confirm_sign_up", {}, {"UserPoolId": P, "Username": "bob"})
    adapter.confirm_sign_up("bob@example.com")


def test_resending_a_code_needs_the_app_client(stubbed: Stubbed) -> None:
    adapter, stubber = stubbed
    adapter.app_client_id = None
    stubber.add_response("admin_get_user", account("bob", UserStatus="UNCONFIRMED"), None)
    error = refused(lambda: adapter.resend_confirmation_code("bob"))
    assert (error.status, error.code) == (502, "upstream_error")


def test_from_settings_sends_codes_for_the_first_app_client(aws_credentials: None) -> None:
    adapter = cognito_admin.CognitoAdmin.from_settings(stubs.settings_for())
    assert adapter.app_client_id == stubs.CLIENT


def test_reset_mfa_turns_totp_off_and_not_preferred(stubbed: Stubbed) -> None:
    adapter, stubber = stubbed
    stubber.add_response(
        "admin_set_user_mfa_preference",
        {},
        {
            "UserPoolId": P,
            "Username": "bob",
            "SoftwareTokenMfaSettings": {"Enabled": False, "PreferredMfa": False},
        },
    )
    adapter.reset_mfa("bob")


def test_an_email_is_marked_verified_only_when_there_is_one(stubbed: Stubbed) -> None:
    adapter, stubber = stubbed
    stubber.add_response("admin_get_user", account("bob"), None)
    error = refused(lambda: adapter.mark_email_verified("bob"))
    assert (error.status, error.code) == (409, "invalid_state")
    with_email = account("bob", UserAttributes=[{"Name": "email", "Value": "bob@example.com"}])
    stubber.add_response("admin_get_user", with_email, None)
    stubber.add_response(
        "admin_update_user_attributes",
        {},
        {
            "UserPoolId": P,
            "Username": "bob",
            "UserAttributes": [{"Name": "email_verified", "Value": "true"}],
        },
    )
    adapter.mark_email_verified("bob")
