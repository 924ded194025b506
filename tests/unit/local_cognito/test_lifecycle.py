"""local_cognito.lifecycle: sign-up codes, forgot password and TOTP MFA, on a clock the
test moves (codes: 24 h for sign-up, 1 h for resets, 5 attempts; TOTP: +-1 step, no
replays)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from moto.cognitoidp import exceptions as moto_errors
from moto.cognitoidp import models as moto_models
from moto.core.exceptions import JsonRESTError

from local_cognito import lifecycle, seed, settings, totp
from local_cognito import pool as pool_mod
from tests.support import clock

Status = moto_models.UserStatus
Outcome = pool_mod.LoginOutcome
PASSWORD = "Carol-Passw0rd!"
EMAIL = "carol@example.com"


def outbox_codes(pool: pool_mod.LocalPool, username: str, kind: str) -> list[str]:
    return [str(m.code) for m in pool.outbox.messages(username=username) if m.kind == kind]


def latest_code(pool: pool_mod.LocalPool, username: str, kind: str = "verification") -> str:
    codes = outbox_codes(pool, username, kind)
    assert codes, f"no {kind} message for {username}"
    return codes[-1]


def other_code(code: str) -> str:
    """A six-digit code that is not ``code``."""
    return f"{(int(code) + 1) % 1_000_000:06d}"


def sign_up(
    pool: pool_mod.LocalPool, username: str = "carol", email: str = EMAIL, **extra: str
) -> Any:
    return pool.accounts.sign_up(username, PASSWORD, {"email": email, **extra})


def error_of(excinfo: pytest.ExceptionInfo[JsonRESTError]) -> tuple[str, str]:
    return excinfo.value.error_type, str(excinfo.value.message)


# -- sign-up ---------------------------------------------------------------------------------


def test_sign_up_makes_an_unconfirmed_user_and_emails_a_six_digit_code(
    pool: pool_mod.LocalPool,
) -> None:
    user = sign_up(pool)
    assert pool.pool.users["carol"] is user
    assert user.status == Status.UNCONFIRMED
    assert user.password == PASSWORD
    assert user.attribute_lookup["email"] == EMAIL
    assert user.attribute_lookup.get("email_verified") != "true"
    [message] = pool.outbox.messages(username="carol")
    assert (message.kind, message.to) == ("verification", EMAIL)
    assert message.code is not None and re.fullmatch(r"[0-9]{6}", message.code)
    template = pool.pool.extended_config["VerificationMessageTemplate"]
    assert message.subject == template["EmailSubject"]
    assert message.body == template["EmailMessage"].replace("{####}", message.code)
    assert message.temporary_password is None
    assert pool.accounts.has_pending_code("sign_up", "carol")
    assert pool.accounts.delivery_of(user) == {
        "Destination": "c***@e***",
        "DeliveryMedium": "EMAIL",
        "AttributeName": "email",
    }


def test_the_code_message_follows_the_pools_verification_template(
    pool: pool_mod.LocalPool,
) -> None:
    pool.pool.extended_config["VerificationMessageTemplate"] = {
        "EmailSubject": "Welcome to Example",
        "EmailMessage": "Hello! Your code: {####} (valid 24 h)",
    }
    sign_up(pool)
    [message] = pool.outbox.messages(username="carol")
    assert message.subject == "Welcome to Example"
    assert message.body == f"Hello! Your code: {message.code} (valid 24 h)"


def test_a_wrong_code_is_a_mismatch_and_the_right_one_still_works(
    pool: pool_mod.LocalPool,
) -> None:
    sign_up(pool)
    code = latest_code(pool, "carol")
    with pytest.raises(moto_errors.CodeMismatchException) as excinfo:
        pool.accounts.confirm_sign_up("carol", other_code(code))
    assert error_of(excinfo) == ("CodeMismatchException", lifecycle.CODE_MISMATCH)
    assert pool.pool.users["carol"].status == Status.UNCONFIRMED
    pool.accounts.confirm_sign_up("carol", code)
    assert pool.pool.users["carol"].status == Status.CONFIRMED


def test_confirming_makes_the_user_confirmed_with_a_verified_email(
    pool: pool_mod.LocalPool,
) -> None:
    user = sign_up(pool)
    pool.accounts.confirm_sign_up("carol", f" {latest_code(pool, 'carol')} ")
    assert user.status == Status.CONFIRMED
    assert user.attribute_lookup["email_verified"] == "true"
    assert not pool.accounts.has_pending_code("sign_up", "carol")
    # The verified email is now a sign-in alias.
    assert pool.find_user(EMAIL.upper()) is user
    assert pool.authenticate(EMAIL, PASSWORD) == pool_mod.LoginResult(Outcome.SIGNED_IN, "carol")
    with pytest.raises(moto_errors.NotAuthorizedError) as excinfo:
        pool.accounts.confirm_sign_up("carol", latest_code(pool, "carol"))
    assert error_of(excinfo) == (
        "NotAuthorizedException",
        "User cannot be confirmed. Current status is CONFIRMED",
    )


def test_the_code_lives_24_hours(pool: pool_mod.LocalPool, fake_clock: clock.FakeClock) -> None:
    sign_up(pool)
    fake_clock.advance(24 * 3600 - 1)
    pool.accounts.confirm_sign_up("carol", latest_code(pool, "carol"))
    assert pool.pool.users["carol"].status == Status.CONFIRMED


def test_an_expired_code_is_refused_and_a_new_one_works(
    pool: pool_mod.LocalPool, fake_clock: clock.FakeClock
) -> None:
    sign_up(pool)
    code = latest_code(pool, "carol")
    fake_clock.advance(24 * 3600 + 1)
    assert not pool.accounts.has_pending_code("sign_up", "carol")
    with pytest.raises(moto_errors.ExpiredCodeException) as excinfo:
        pool.accounts.confirm_sign_up("carol", code)
    assert error_of(excinfo) == ("ExpiredCodeException", lifecycle.CODE_EXPIRED)
    assert pool.pool.users["carol"].status == Status.UNCONFIRMED
    with pytest.raises(JsonRESTError):  # still no good afterwards
        pool.accounts.confirm_sign_up("carol", code)
    pool.accounts.resend_confirmation_code("carol")
    pool.accounts.confirm_sign_up("carol", latest_code(pool, "carol"))
    assert pool.pool.users["carol"].status == Status.CONFIRMED


def test_four_wrong_codes_still_leave_the_right_one_working(pool: pool_mod.LocalPool) -> None:
    sign_up(pool)
    code = latest_code(pool, "carol")
    for _ in range(lifecycle.MAX_CODE_ATTEMPTS - 1):
        with pytest.raises(moto_errors.CodeMismatchException):
            pool.accounts.confirm_sign_up("carol", other_code(code))
    pool.accounts.confirm_sign_up("carol", code)
    assert pool.pool.users["carol"].status == Status.CONFIRMED


def test_five_wrong_codes_end_the_code_even_for_the_right_one(pool: pool_mod.LocalPool) -> None:
    assert lifecycle.MAX_CODE_ATTEMPTS == 5
    sign_up(pool)
    code = latest_code(pool, "carol")
    for _ in range(5):
        with pytest.raises(moto_errors.CodeMismatchException):
            pool.accounts.confirm_sign_up("carol", other_code(code))
    for candidate in (code, other_code(code)):
        with pytest.raises(JsonRESTError) as excinfo:
            pool.accounts.confirm_sign_up("carol", candidate)
        assert error_of(excinfo) == ("LimitExceededException", lifecycle.ATTEMPTS_EXCEEDED)
    assert pool.pool.users["carol"].status == Status.UNCONFIRMED
    # A new code starts a new count.
    pool.accounts.resend_confirmation_code("carol")
    pool.accounts.confirm_sign_up("carol", latest_code(pool, "carol"))
    assert pool.pool.users["carol"].status == Status.CONFIRMED


def test_resending_invalidates_the_old_code_and_restarts_the_clock(
    pool: pool_mod.LocalPool, fake_clock: clock.FakeClock
) -> None:
    sign_up(pool)
    old = latest_code(pool, "carol")
    fake_clock.advance(23 * 3600)
    details = pool.accounts.resend_confirmation_code("carol")
    assert details == {
        "Destination": "c***@e***",
        "DeliveryMedium": "EMAIL",
        "AttributeName": "email",
    }
    new = latest_code(pool, "carol")
    assert len(outbox_codes(pool, "carol", "verification")) == 2
    if new != old:  # one chance in a million that the new code repeats the old
        with pytest.raises(moto_errors.CodeMismatchException):
            pool.accounts.confirm_sign_up("carol", old)
    fake_clock.advance(2 * 3600)  # 25 h after sign-up, 2 h after the resend
    pool.accounts.confirm_sign_up("carol", new)
    assert pool.pool.users["carol"].status == Status.CONFIRMED


def test_resend_is_for_unconfirmed_users_and_silent_for_unknown_ones(
    demo_pool: pool_mod.LocalPool,
) -> None:
    before = len(demo_pool.outbox.messages())
    unknown = demo_pool.accounts.resend_confirmation_code("nobody")
    assert set(unknown) == {"Destination", "DeliveryMedium", "AttributeName"}
    assert (unknown["DeliveryMedium"], unknown["AttributeName"]) == ("EMAIL", "email")
    with pytest.raises(moto_errors.InvalidParameterException) as excinfo:
        demo_pool.accounts.resend_confirmation_code("alice")
    assert error_of(excinfo) == ("InvalidParameterException", lifecycle.ALREADY_CONFIRMED)
    assert len(demo_pool.outbox.messages()) == before


def test_codes_belong_to_their_user(pool: pool_mod.LocalPool) -> None:
    sign_up(pool, "carol", EMAIL)
    sign_up(pool, "dave", "dave@example.com")
    with pytest.raises(moto_errors.CodeMismatchException):
        pool.accounts.confirm_sign_up("dave", latest_code(pool, "carol"))
    pool.accounts.confirm_sign_up("dave", latest_code(pool, "dave"))


def test_confirming_an_unknown_user_is_a_code_mismatch(pool: pool_mod.LocalPool) -> None:
    # PreventUserExistenceErrors: no UserNotFoundException.
    with pytest.raises(moto_errors.CodeMismatchException):
        pool.accounts.confirm_sign_up("nobody", "123456")


@pytest.mark.parametrize("existing", ["alice", "newbie", "dora"])
def test_a_taken_username_is_refused_and_the_holder_untouched(
    demo_pool: pool_mod.LocalPool, existing: str
) -> None:
    holder = demo_pool.pool.users[existing]
    before = (holder.id, holder.password, holder.status, dict(holder.attribute_lookup))
    messages = len(demo_pool.outbox.messages())
    with pytest.raises(moto_errors.UsernameExistsException) as excinfo:
        demo_pool.accounts.sign_up(existing, PASSWORD, {"email": EMAIL})
    assert error_of(excinfo) == ("UsernameExistsException", lifecycle.USER_EXISTS)
    assert demo_pool.pool.users[existing] is holder
    assert (holder.id, holder.password, holder.status, dict(holder.attribute_lookup)) == before
    assert len(demo_pool.outbox.messages()) == messages


def test_an_unconfirmed_sign_up_holds_its_username(pool: pool_mod.LocalPool) -> None:
    first = sign_up(pool)
    with pytest.raises(moto_errors.UsernameExistsException):
        pool.accounts.sign_up("carol", "Other-Passw0rd!", {"email": "other@example.com"})
    assert pool.pool.users["carol"] is first and first.password == PASSWORD
    assert len(pool.outbox.messages()) == 1


@pytest.mark.parametrize(
    ("username", "password", "attributes", "error"),
    [
        ("carol", "short", {"email": EMAIL}, "InvalidPasswordException"),
        ("carol", "Aa1!xyz", {"email": EMAIL}, "InvalidPasswordException"),  # 7 characters
        ("carol", "carol-passw0rd!", {"email": EMAIL}, "InvalidPasswordException"),  # no upper
        ("carol", "Carol-Password!", {"email": EMAIL}, "InvalidPasswordException"),  # no digit
        ("carol", "CarolPassw0rd", {"email": EMAIL}, "InvalidPasswordException"),  # no symbol
        ("carol", PASSWORD, {"email": "not-an-email"}, "InvalidParameterException"),
        ("carol", PASSWORD, {"email": "carol@example"}, "InvalidParameterException"),
        ("carol", PASSWORD, {"email": "   "}, "InvalidParameterException"),
        ("carol", PASSWORD, {}, "InvalidParameterException"),
        (
            "carol",
            PASSWORD,
            {"email": EMAIL, "email_verified": "true"},
            "InvalidParameterException",
        ),
        ("carol", PASSWORD, {"email": EMAIL, "sub": "x"}, "InvalidParameterException"),
        ("", PASSWORD, {"email": EMAIL}, "InvalidParameterException"),
        ("ca rol", PASSWORD, {"email": EMAIL}, "InvalidParameterException"),
        ("carol\n", PASSWORD, {"email": EMAIL}, "InvalidParameterException"),
        ("c" * 129, PASSWORD, {"email": EMAIL}, "InvalidParameterException"),
        # With email as an alias, Cognito takes no username in email format.
        ("carol@example.com", PASSWORD, {"email": EMAIL}, "InvalidParameterException"),
    ],
)
def test_a_refused_sign_up_leaves_nothing_behind(
    pool: pool_mod.LocalPool,
    username: str,
    password: str,
    attributes: dict[str, str],
    error: str,
) -> None:
    with pytest.raises(JsonRESTError) as excinfo:
        pool.accounts.sign_up(username, password, attributes)
    assert excinfo.value.error_type == error
    assert pool.pool.users == {}
    assert pool.outbox.messages() == []
    # Nothing half-created blocks the retry with good input.
    user = sign_up(pool)
    assert user.status == Status.UNCONFIRMED
    pool.accounts.confirm_sign_up("carol", latest_code(pool, "carol"))
    assert user.status == Status.CONFIRMED


def test_the_longest_username_is_128_characters(pool: pool_mod.LocalPool) -> None:
    assert sign_up(pool, "c" * 128).username == "c" * 128


@pytest.mark.parametrize("pool_settings", [settings.PoolSettings(self_sign_up=False)])
def test_sign_up_is_refused_when_only_admins_create_users(pool: pool_mod.LocalPool) -> None:
    assert pool.accounts.self_sign_up is False
    assert pool.pool.extended_config["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    with pytest.raises(moto_errors.NotAuthorizedError) as excinfo:
        sign_up(pool)
    assert error_of(excinfo) == ("NotAuthorizedException", lifecycle.SIGN_UP_DISABLED)
    assert pool.pool.users == {} and pool.outbox.messages() == []


def test_sign_up_follows_the_pools_admin_only_setting_when_it_changes(
    pool: pool_mod.LocalPool,
) -> None:
    assert pool.accounts.self_sign_up is True
    pool.pool.extended_config["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] = True
    with pytest.raises(moto_errors.NotAuthorizedError):
        sign_up(pool)


# -- aliases and admin confirmation ------------------------------------------------------------


def test_confirming_an_email_another_user_has_verified_is_an_alias_conflict(
    demo_pool: pool_mod.LocalPool,
) -> None:
    alice = demo_pool.pool.users["alice"]
    # Signing up with a taken email is allowed: the alias is claimed at confirmation.
    user = sign_up(demo_pool, "alice2", "alice@example.com")
    with pytest.raises(moto_errors.AliasExistsException) as excinfo:
        demo_pool.accounts.confirm_sign_up("alice2", latest_code(demo_pool, "alice2"))
    assert error_of(excinfo) == ("AliasExistsException", lifecycle.ALIAS_EXISTS)
    assert user.status == Status.UNCONFIRMED
    assert user.attribute_lookup.get("email_verified") != "true"
    assert alice.attribute_lookup["email_verified"] == "true"
    assert demo_pool.find_user("alice@example.com") is alice


def test_force_alias_creation_moves_the_alias_to_the_new_user(
    demo_pool: pool_mod.LocalPool,
) -> None:
    alice = demo_pool.pool.users["alice"]
    user = sign_up(demo_pool, "alice2", "ALICE@example.com")
    with pytest.raises(moto_errors.AliasExistsException):
        demo_pool.accounts.confirm_sign_up("alice2", latest_code(demo_pool, "alice2"))
    demo_pool.accounts.resend_confirmation_code("alice2")
    demo_pool.accounts.confirm_sign_up("alice2", latest_code(demo_pool, "alice2"), force_alias=True)
    assert user.status == Status.CONFIRMED
    assert user.attribute_lookup["email_verified"] == "true"
    assert alice.attribute_lookup["email_verified"] == "false"
    assert alice.status == Status.CONFIRMED  # alice keeps her account, not the alias
    assert demo_pool.find_user("alice@example.com") is user
    assert demo_pool.authenticate("alice", "Alice-Passw0rd!").outcome is Outcome.SIGNED_IN


def test_admin_confirm_sign_up_is_only_for_unconfirmed_users(
    demo_pool: pool_mod.LocalPool,
) -> None:
    user = sign_up(demo_pool)
    demo_pool.accounts.admin_confirm_sign_up("carol")
    assert user.status == Status.CONFIRMED
    # An admin confirms the account, not the email.
    assert user.attribute_lookup.get("email_verified") != "true"
    assert not demo_pool.accounts.has_pending_code("sign_up", "carol")
    for name in ("carol", "alice", "newbie"):
        status = demo_pool.pool.users[name].status
        with pytest.raises(moto_errors.NotAuthorizedError) as excinfo:
            demo_pool.accounts.admin_confirm_sign_up(name)
        assert error_of(excinfo) == (
            "NotAuthorizedException",
            f"User cannot be confirmed. Current status is {status.value}",
        )
    with pytest.raises(moto_errors.UserNotFoundError):
        demo_pool.accounts.admin_confirm_sign_up("nobody")
    assert demo_pool.authenticate("carol", PASSWORD).outcome is Outcome.SIGNED_IN


# -- managed login meets an unconfirmed user -------------------------------------------------


def test_signing_in_unconfirmed_with_the_password_sends_a_new_code(
    pool: pool_mod.LocalPool,
) -> None:
    sign_up(pool)
    first = latest_code(pool, "carol")
    assert pool.authenticate("carol", "Wrong-Passw0rd!").outcome is Outcome.FAILED
    assert len(outbox_codes(pool, "carol", "verification")) == 1
    assert pool.authenticate("carol", PASSWORD) == pool_mod.LoginResult(
        Outcome.NOT_CONFIRMED, "carol"
    )
    second = latest_code(pool, "carol")
    assert len(outbox_codes(pool, "carol", "verification")) == 2
    if first != second:
        with pytest.raises(moto_errors.CodeMismatchException):
            pool.accounts.confirm_sign_up("carol", first)
    pool.accounts.confirm_sign_up("carol", second)
    assert pool.authenticate("carol", PASSWORD).outcome is Outcome.SIGNED_IN


def test_an_unconfirmed_users_email_is_no_sign_in_alias(pool: pool_mod.LocalPool) -> None:
    sign_up(pool)
    assert pool.find_user(EMAIL) is None
    assert pool.authenticate(EMAIL, PASSWORD).outcome is Outcome.FAILED


# -- forgot password --------------------------------------------------------------------------


def test_forgot_password_emails_a_reset_code(demo_pool: pool_mod.LocalPool) -> None:
    details = demo_pool.accounts.forgot_password("alice")
    assert details == {
        "Destination": "a***@e***",
        "DeliveryMedium": "EMAIL",
        "AttributeName": "email",
    }
    [message] = demo_pool.outbox.messages(username="alice")
    assert (message.kind, message.to) == ("password_reset", "alice@example.com")
    assert message.code is not None and re.fullmatch(r"[0-9]{6}", message.code)
    assert message.code in message.body
    demo_pool.accounts.confirm_forgot_password("alice", message.code, "New-Passw0rd!")
    alice = demo_pool.pool.users["alice"]
    assert (alice.password, alice.status) == ("New-Passw0rd!", Status.CONFIRMED)
    assert demo_pool.authenticate("alice", "Alice-Passw0rd!").outcome is Outcome.FAILED
    assert demo_pool.authenticate("alice", "New-Passw0rd!").outcome is Outcome.SIGNED_IN
    with pytest.raises(moto_errors.CodeMismatchException):  # spent
        demo_pool.accounts.confirm_forgot_password("alice", message.code, "Other-Passw0rd!")


def test_forgot_password_by_the_verified_email(demo_pool: pool_mod.LocalPool) -> None:
    demo_pool.accounts.forgot_password("Alice@Example.com")
    code = latest_code(demo_pool, "alice", "password_reset")
    demo_pool.accounts.confirm_forgot_password("alice@example.com", code, "New-Passw0rd!")
    assert demo_pool.pool.users["alice"].password == "New-Passw0rd!"


def test_an_unknown_user_gets_the_same_answer_and_no_message(
    demo_pool: pool_mod.LocalPool,
) -> None:
    before = len(demo_pool.outbox.messages())
    known = demo_pool.accounts.forgot_password("alice")
    for login in ("nobody", "nobody@example.com"):
        unknown = demo_pool.accounts.forgot_password(login)
        assert set(unknown) == set(known)
        assert (unknown["DeliveryMedium"], unknown["AttributeName"]) == ("EMAIL", "email")
        assert re.fullmatch(r".\*\*\*@.\*\*\*", unknown["Destination"])
    assert len(demo_pool.outbox.messages()) == before + 1  # alice's only
    with pytest.raises(moto_errors.CodeMismatchException) as excinfo:
        demo_pool.accounts.confirm_forgot_password("nobody", "123456", "New-Passw0rd!")
    assert error_of(excinfo) == ("CodeMismatchException", lifecycle.CODE_MISMATCH)


def test_a_reset_code_lives_one_hour(
    demo_pool: pool_mod.LocalPool, fake_clock: clock.FakeClock
) -> None:
    demo_pool.accounts.forgot_password("alice")
    code = latest_code(demo_pool, "alice", "password_reset")
    fake_clock.advance(3600 - 1)
    demo_pool.accounts.confirm_forgot_password("alice", code, "New-Passw0rd!")
    assert demo_pool.pool.users["alice"].password == "New-Passw0rd!"


def test_an_expired_reset_code_is_refused(
    demo_pool: pool_mod.LocalPool, fake_clock: clock.FakeClock
) -> None:
    demo_pool.accounts.forgot_password("alice")
    code = latest_code(demo_pool, "alice", "password_reset")
    fake_clock.advance(3600 + 1)
    with pytest.raises(moto_errors.ExpiredCodeException) as excinfo:
        demo_pool.accounts.confirm_forgot_password("alice", code, "New-Passw0rd!")
    assert error_of(excinfo) == ("ExpiredCodeException", lifecycle.CODE_EXPIRED)
    assert demo_pool.pool.users["alice"].password == "Alice-Passw0rd!"


def test_five_wrong_reset_codes_end_the_code(demo_pool: pool_mod.LocalPool) -> None:
    demo_pool.accounts.forgot_password("alice")
    code = latest_code(demo_pool, "alice", "password_reset")
    for _ in range(5):
        with pytest.raises(moto_errors.CodeMismatchException):
            demo_pool.accounts.confirm_forgot_password("alice", other_code(code), "New-Passw0rd!")
    with pytest.raises(JsonRESTError) as excinfo:
        demo_pool.accounts.confirm_forgot_password("alice", code, "New-Passw0rd!")
    assert error_of(excinfo) == ("LimitExceededException", lifecycle.ATTEMPTS_EXCEEDED)
    assert demo_pool.pool.users["alice"].password == "Alice-Passw0rd!"
    demo_pool.accounts.forgot_password("alice")  # a new code, a new count
    demo_pool.accounts.confirm_forgot_password(
        "alice", latest_code(demo_pool, "alice", "password_reset"), "New-Passw0rd!"
    )


def test_a_second_request_replaces_the_first_code(demo_pool: pool_mod.LocalPool) -> None:
    demo_pool.accounts.forgot_password("alice")
    first = latest_code(demo_pool, "alice", "password_reset")
    demo_pool.accounts.forgot_password("alice")
    second = latest_code(demo_pool, "alice", "password_reset")
    if first != second:
        with pytest.raises(moto_errors.CodeMismatchException):
            demo_pool.accounts.confirm_forgot_password("alice", first, "New-Passw0rd!")
    demo_pool.accounts.confirm_forgot_password("alice", second, "New-Passw0rd!")


def test_a_weak_new_password_does_not_spend_the_code(demo_pool: pool_mod.LocalPool) -> None:
    demo_pool.accounts.forgot_password("alice")
    code = latest_code(demo_pool, "alice", "password_reset")
    for _ in range(lifecycle.MAX_CODE_ATTEMPTS + 1):  # nor count as attempts
        with pytest.raises(moto_errors.InvalidPasswordException):
            demo_pool.accounts.confirm_forgot_password("alice", code, "weak")
    assert demo_pool.pool.users["alice"].password == "Alice-Passw0rd!"
    demo_pool.accounts.confirm_forgot_password("alice", code, "New-Passw0rd!")
    assert demo_pool.pool.users["alice"].password == "New-Passw0rd!"


def test_confirm_forgot_password_without_a_code_requested_is_a_mismatch(
    demo_pool: pool_mod.LocalPool,
) -> None:
    with pytest.raises(moto_errors.CodeMismatchException):
        demo_pool.accounts.confirm_forgot_password("alice", "123456", "New-Passw0rd!")


def test_a_sign_up_code_is_no_reset_code(pool: pool_mod.LocalPool) -> None:
    sign_up(pool)
    code = latest_code(pool, "carol")
    pool.accounts.admin_confirm_sign_up("carol")
    pool.pool.users["carol"].update_attributes([{"Name": "email_verified", "Value": "true"}])
    with pytest.raises(moto_errors.CodeMismatchException):
        pool.accounts.confirm_forgot_password("carol", code, "New-Passw0rd!")


def test_an_invited_user_cannot_reset(demo_pool: pool_mod.LocalPool) -> None:
    before = len(demo_pool.outbox.messages())
    with pytest.raises(moto_errors.NotAuthorizedError) as excinfo:
        demo_pool.accounts.forgot_password("newbie")
    assert error_of(excinfo) == ("NotAuthorizedException", lifecycle.RESET_NOT_ALLOWED)
    assert error_of(excinfo)[1] == "User password cannot be reset in the current state."
    assert len(demo_pool.outbox.messages()) == before


def test_a_disabled_user_cannot_reset(demo_pool: pool_mod.LocalPool) -> None:
    with pytest.raises(moto_errors.NotAuthorizedError) as excinfo:
        demo_pool.accounts.forgot_password("dora")
    assert error_of(excinfo) == ("NotAuthorizedException", "User is disabled.")
    assert demo_pool.outbox.messages(username="dora") == []


@pytest.mark.parametrize("email_verified", ["false", None])
def test_a_user_without_a_verified_email_cannot_reset(
    pool: pool_mod.LocalPool, email_verified: str | None
) -> None:
    user = seed.add_user(pool, "erin", "Erin-Passw0rd!", "erin@example.com")
    if email_verified is None:
        user.attributes = [a for a in user.attributes if a["Name"] != "email_verified"]
        user.attribute_lookup.pop("email_verified")
    else:
        user.update_attributes([{"Name": "email_verified", "Value": email_verified}])
    with pytest.raises(moto_errors.InvalidParameterException) as excinfo:
        pool.accounts.forgot_password("erin")
    assert error_of(excinfo) == ("InvalidParameterException", lifecycle.NO_RECOVERY)
    assert error_of(excinfo)[1] == (
        "Cannot reset password for the user as there is no registered/verified email or "
        "phone_number"
    )
    assert pool.outbox.messages() == []


def test_a_user_without_an_email_cannot_reset(pool: pool_mod.LocalPool) -> None:
    pool.pool.users["frank"] = moto_models.CognitoIdpUser(
        pool.id, "frank", "Frank-Passw0rd!", Status.CONFIRMED, []
    )
    with pytest.raises(moto_errors.InvalidParameterException) as excinfo:
        pool.accounts.forgot_password("frank")
    assert error_of(excinfo)[1] == lifecycle.NO_RECOVERY


def test_an_unconfirmed_user_cannot_reset(pool: pool_mod.LocalPool) -> None:
    sign_up(pool)
    with pytest.raises(moto_errors.InvalidParameterException):
        pool.accounts.forgot_password("carol")
    assert outbox_codes(pool, "carol", "password_reset") == []


def test_a_reset_required_user_finishes_with_the_reset_code(
    demo_pool: pool_mod.LocalPool,
) -> None:
    demo_pool.backend.admin_reset_user_password(demo_pool.id, "alice")
    assert demo_pool.pool.users["alice"].status == Status.RESET_REQUIRED
    demo_pool.accounts.forgot_password("alice")  # RESET_REQUIRED users may ask again
    code = latest_code(demo_pool, "alice", "password_reset")
    demo_pool.accounts.confirm_forgot_password("alice", code, "New-Passw0rd!")
    assert demo_pool.pool.users["alice"].status == Status.CONFIRMED


def test_a_user_disabled_after_asking_cannot_finish(demo_pool: pool_mod.LocalPool) -> None:
    demo_pool.accounts.forgot_password("alice")
    demo_pool.pool.users["alice"].enabled = False
    with pytest.raises(moto_errors.NotAuthorizedError):
        demo_pool.accounts.confirm_forgot_password(
            "alice", latest_code(demo_pool, "alice", "password_reset"), "New-Passw0rd!"
        )
    assert demo_pool.pool.users["alice"].password == "Alice-Passw0rd!"


# -- TOTP MFA ----------------------------------------------------------------------------------


def enrol(pool: pool_mod.LocalPool, clock_now: float, username: str = "alice") -> str:
    """Associate, verify and enable TOTP for ``username``; the secret."""
    secret = pool.accounts.associate_software_token(username)
    pool.accounts.verify_software_token(username, totp.code(secret, clock_now))
    pool.accounts.set_totp_preference(username, True, True)
    return secret


def test_associate_then_a_wrong_code_then_the_right_one(
    demo_pool: pool_mod.LocalPool, fake_clock: clock.FakeClock
) -> None:
    accounts = demo_pool.accounts
    secret = accounts.associate_software_token("alice")
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    assert accounts.pending_secret("alice") == secret
    assert not accounts.has_totp("alice")
    right = totp.code(secret, fake_clock())
    with pytest.raises(JsonRESTError) as excinfo:
        accounts.verify_software_token("alice", other_code(right))
    assert error_of(excinfo) == ("EnableSoftwareTokenMFAException", lifecycle.TOTP_VERIFY_MISMATCH)
    assert not accounts.has_totp("alice")
    accounts.verify_software_token("alice", right)
    assert accounts.has_totp("alice") and accounts.pending_secret("alice") is None
    # Verified is not enabled: SetUserMFAPreference turns it on.
    alice = demo_pool.pool.users["alice"]
    assert not accounts.totp_enabled("alice")
    assert demo_pool.after_password("alice").outcome is Outcome.SIGNED_IN
    accounts.set_totp_preference("alice", True, True)
    assert accounts.totp_enabled("alice")
    assert alice.software_token_mfa_enabled is True
    assert alice.preferred_mfa_setting == "SOFTWARE_TOKEN_MFA"
    settings_json = alice.to_json(extended=True)
    assert settings_json["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]
    assert settings_json["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"
    assert demo_pool.after_password("alice") == pool_mod.LoginResult(Outcome.MFA_REQUIRED, "alice")


def test_verify_without_an_association_is_refused(demo_pool: pool_mod.LocalPool) -> None:
    for username in ("alice", "nobody"):
        with pytest.raises(JsonRESTError) as excinfo:
            demo_pool.accounts.verify_software_token(username, "123456")
        assert excinfo.value.error_type == "EnableSoftwareTokenMFAException"


def test_a_new_association_replaces_the_pending_secret(
    demo_pool: pool_mod.LocalPool, fake_clock: clock.FakeClock
) -> None:
    first = demo_pool.accounts.associate_software_token("alice")
    second = demo_pool.accounts.associate_software_token("alice")
    assert first != second
    first_code = totp.code(first, fake_clock())
    if first_code != totp.code(second, fake_clock()):
        with pytest.raises(JsonRESTError):
            demo_pool.accounts.verify_software_token("alice", first_code)
    demo_pool.accounts.verify_software_token("alice", totp.code(second, fake_clock()))


def test_verify_takes_the_step_either_side_but_not_two_away(
    demo_pool: pool_mod.LocalPool, fake_clock: clock.FakeClock
) -> None:
    secret = demo_pool.accounts.associate_software_token("alice")
    stale = totp.code(secret, fake_clock() - 2 * totp.STEP_S)
    if stale not in {totp.code(secret, fake_clock() + d * totp.STEP_S) for d in (-1, 0, 1)}:
        with pytest.raises(JsonRESTError):
            demo_pool.accounts.verify_software_token("alice", stale)
    demo_pool.accounts.verify_software_token("alice", totp.code(secret, fake_clock() - totp.STEP_S))
    assert demo_pool.accounts.has_totp("alice")


def test_enabling_before_verifying_is_refused(
    demo_pool: pool_mod.LocalPool, fake_clock: clock.FakeClock
) -> None:
    alice = demo_pool.pool.users["alice"]
    with pytest.raises(moto_errors.InvalidParameterException) as excinfo:
        demo_pool.accounts.set_totp_preference("alice", True, True)
    assert error_of(excinfo) == ("InvalidParameterException", lifecycle.TOTP_NOT_VERIFIED)
    demo_pool.accounts.associate_software_token("alice")  # associated, still unverified
    with pytest.raises(moto_errors.InvalidParameterException):
        demo_pool.accounts.set_totp_preference("alice", True, False)
    assert alice.software_token_mfa_enabled is False
    assert not demo_pool.accounts.totp_enabled("alice")
    with pytest.raises(moto_errors.UserNotFoundError):
        demo_pool.accounts.set_totp_preference("nobody", False, False)


def test_enabled_but_not_preferred_still_asks_for_a_code(
    demo_pool: pool_mod.LocalPool, fake_clock: clock.FakeClock
) -> None:
    secret = demo_pool.accounts.associate_software_token("alice")
    demo_pool.accounts.verify_software_token("alice", totp.code(secret, fake_clock()))
    demo_pool.accounts.set_totp_preference("alice", True, False)
    alice = demo_pool.pool.users["alice"]
    assert alice.software_token_mfa_enabled is True
    assert not alice.preferred_mfa_setting
    # Cognito: an activated MFA type is asked for at every sign-in.
    assert demo_pool.after_password("alice").outcome is Outcome.MFA_REQUIRED


def test_a_sign_in_code_is_refused_the_second_time_in_its_step(
    demo_pool: pool_mod.LocalPool, fake_clock: clock.FakeClock
) -> None:
    accounts = demo_pool.accounts
    secret = seed.DEMO_TOTP_SECRET
    now_code = totp.code(secret, fake_clock())
    accounts.check_mfa_code("tom", now_code)
    with pytest.raises(moto_errors.ExpiredCodeException) as excinfo:
        accounts.check_mfa_code("tom", now_code)
    assert error_of(excinfo) == ("ExpiredCodeException", lifecycle.MFA_CODE_REUSED)
    assert "already been used once" in error_of(excinfo)[1]
    fake_clock.advance(totp.STEP_S)
    # The used code is still inside the window, and still refused; the next step's is new.
    with pytest.raises(moto_errors.ExpiredCodeException):
        accounts.check_mfa_code("tom", now_code)
    accounts.check_mfa_code("tom", totp.code(secret, fake_clock()))


def test_an_older_step_is_refused_after_a_newer_one(
    demo_pool: pool_mod.LocalPool, fake_clock: clock.FakeClock
) -> None:
    secret = seed.DEMO_TOTP_SECRET
    previous = totp.code(secret, fake_clock() - totp.STEP_S)
    current = totp.code(secret, fake_clock())
    if previous == current:
        pytest.skip("two steps share a code")
    demo_pool.accounts.check_mfa_code("tom", current)
    with pytest.raises(moto_errors.ExpiredCodeException):
        demo_pool.accounts.check_mfa_code("tom", previous)


def test_a_wrong_or_stale_sign_in_code_is_a_mismatch(
    demo_pool: pool_mod.LocalPool, fake_clock: clock.FakeClock
) -> None:
    secret = seed.DEMO_TOTP_SECRET
    window = {totp.code(secret, fake_clock() + d * totp.STEP_S) for d in (-1, 0, 1)}
    stale = totp.code(secret, fake_clock() - 2 * totp.STEP_S)
    for candidate in (other_code(totp.code(secret, fake_clock())), stale, "", "abcdef"):
        if candidate in window:
            continue
        with pytest.raises(moto_errors.CodeMismatchException) as excinfo:
            demo_pool.accounts.check_mfa_code("tom", candidate)
        assert error_of(excinfo) == ("CodeMismatchException", lifecycle.MFA_CODE_MISMATCH)
    # A user without TOTP has no code that works.
    with pytest.raises(moto_errors.CodeMismatchException):
        demo_pool.accounts.check_mfa_code("alice", totp.code(secret, fake_clock()))


def test_the_verification_code_cannot_sign_in_again(
    demo_pool: pool_mod.LocalPool, fake_clock: clock.FakeClock
) -> None:
    secret = demo_pool.accounts.associate_software_token("alice")
    code = totp.code(secret, fake_clock())
    demo_pool.accounts.verify_software_token("alice", code)
    demo_pool.accounts.set_totp_preference("alice", True, True)
    with pytest.raises(moto_errors.ExpiredCodeException):
        demo_pool.accounts.check_mfa_code("alice", code)
    fake_clock.advance(totp.STEP_S)
    demo_pool.accounts.check_mfa_code("alice", totp.code(secret, fake_clock()))


def test_turning_totp_off_keeps_the_authenticator_and_a_new_one_replaces_it(
    demo_pool: pool_mod.LocalPool, fake_clock: clock.FakeClock
) -> None:
    # "This operation doesn't reset an existing TOTP MFA for a user. To register a new
    # TOTP factor for a user, make an AssociateSoftwareToken request."
    accounts = demo_pool.accounts
    tom = demo_pool.pool.users["tom"]
    assert accounts.totp_enabled("tom")
    accounts.set_totp_preference("tom", False, False)
    assert accounts.has_totp("tom") and not accounts.totp_enabled("tom")
    assert tom.software_token_mfa_enabled is False
    assert not tom.preferred_mfa_setting
    assert tom.to_json(extended=True)["UserMFASettingList"] == []
    assert demo_pool.after_password("tom").outcome is Outcome.SIGNED_IN
    # On again without a new association: the old authenticator still works.
    accounts.set_totp_preference("tom", True, True)
    accounts.check_mfa_code("tom", totp.code(seed.DEMO_TOTP_SECRET, fake_clock()))
    # A new association replaces it once verified.
    new = accounts.associate_software_token("tom")
    assert new != seed.DEMO_TOTP_SECRET
    fake_clock.advance(totp.STEP_S)
    accounts.verify_software_token("tom", totp.code(new, fake_clock()))
    fake_clock.advance(totp.STEP_S)
    with pytest.raises(moto_errors.CodeMismatchException):
        accounts.check_mfa_code("tom", totp.code(seed.DEMO_TOTP_SECRET, fake_clock()))
    accounts.check_mfa_code("tom", totp.code(new, fake_clock()))


def test_totp_cannot_be_turned_off_while_the_pool_requires_mfa(
    demo_pool: pool_mod.LocalPool,
) -> None:
    demo_pool.pool.mfa_config = "ON"
    with pytest.raises(moto_errors.InvalidParameterException, match="requires MFA"):
        demo_pool.accounts.set_totp_preference("tom", False, False)
    assert demo_pool.accounts.totp_enabled("tom")


def test_the_demo_user_tom_is_enrolled_with_the_printed_secret(
    demo_pool: pool_mod.LocalPool, fake_clock: clock.FakeClock
) -> None:
    [tom] = [u for u in seed.DEMO_USERS if u.totp_secret]
    assert (tom.username, tom.totp_secret) == ("tom", seed.DEMO_TOTP_SECRET)
    assert demo_pool.authenticate("tom", tom.password) == pool_mod.LoginResult(
        Outcome.MFA_REQUIRED, "tom"
    )
    demo_pool.accounts.check_mfa_code("tom", totp.code(seed.DEMO_TOTP_SECRET, fake_clock()))


@pytest.mark.parametrize("pool_settings", [settings.PoolSettings(mfa="ON")])
def test_a_pool_that_requires_mfa_enrols_users_at_sign_in(
    demo_pool: pool_mod.LocalPool, fake_clock: clock.FakeClock
) -> None:
    accounts = demo_pool.accounts
    assert accounts.mfa is lifecycle.MfaMode.ON
    assert demo_pool.pool.mfa_config == "ON"
    assert accounts.needs_mfa_setup("alice")
    assert demo_pool.authenticate("alice", "Alice-Passw0rd!") == pool_mod.LoginResult(
        Outcome.MFA_SETUP, "alice"
    )
    assert not accounts.needs_mfa_setup("tom")  # enrolled: a code, not a setup
    assert demo_pool.after_password("tom").outcome is Outcome.MFA_REQUIRED
    enrol(demo_pool, fake_clock())
    assert not accounts.needs_mfa_setup("alice")
    assert demo_pool.after_password("alice").outcome is Outcome.MFA_REQUIRED
    # Cannot be turned off while the pool requires MFA (an admin's reset is refused).
    with pytest.raises(moto_errors.InvalidParameterException):
        accounts.set_totp_preference("alice", False, False)
    assert demo_pool.after_password("alice").outcome is Outcome.MFA_REQUIRED


@pytest.mark.parametrize("mfa", ["OPTIONAL", "OFF"])
def test_without_required_mfa_nobody_must_enrol(fake_clock: clock.FakeClock, mfa: str) -> None:
    made = pool_mod.LocalPool(settings.PoolSettings(mfa=mfa), now=fake_clock)
    try:
        seed.seed_demo(made)
        assert made.accounts.mfa is lifecycle.MfaMode(mfa)
        assert not made.accounts.needs_mfa_setup("alice")
        assert made.authenticate("alice", "Alice-Passw0rd!").outcome is Outcome.SIGNED_IN
    finally:
        made.close()
