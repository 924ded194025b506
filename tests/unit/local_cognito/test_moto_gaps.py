"""local_cognito.moto_gaps: each place the stand-in patches moto's backend, called in process.

Through the backend's own methods (what moto's HTTP layer calls), so each patch is
tested without a server; tests/integration/test_cognito_idp_api.py covers the same
behaviour over boto3.
"""

from __future__ import annotations

import re
import string
from typing import Any

import pytest
from moto.cognitoidp import exceptions as moto_errors
from moto.cognitoidp import models as moto_models

from local_cognito import lifecycle, moto_gaps
from local_cognito import pool as pool_mod

EMAIL = [{"Name": "email", "Value": "carol@example.com"}]


def invite(pool: pool_mod.LocalPool, action: str | None = None, password: str | None = None) -> Any:
    return pool.backend.admin_create_user(pool.id, "carol", action, password, EMAIL)


def test_temporary_passwords_meet_cognitos_default_policy() -> None:
    for _ in range(50):
        password = moto_gaps.generate_temporary_password()
        assert len(password) == 14
        for alphabet in (string.ascii_uppercase, string.ascii_lowercase, string.digits):
            assert set(password) & set(alphabet), password
        assert set(password) - set(string.ascii_letters + string.digits), password
    assert len({moto_gaps.generate_temporary_password() for _ in range(20)}) == 20


def test_codes_are_six_digits() -> None:
    codes = {lifecycle.new_code() for _ in range(50)}
    assert all(re.fullmatch(r"\d{6}", code) for code in codes)
    assert len(codes) > 1


# -- AdminCreateUser --------------------------------------------------------------------------


def test_an_invitation_carries_a_generated_temporary_password(pool: pool_mod.LocalPool) -> None:
    user = invite(pool)
    [message] = pool.outbox.messages(to="carol@example.com")
    assert message.kind == "invitation" and message.username == "carol"
    assert message.temporary_password == user.password
    assert user.status == moto_models.UserStatus.FORCE_CHANGE_PASSWORD


def test_suppress_sends_nothing_and_a_given_password_must_meet_the_policy(
    pool: pool_mod.LocalPool,
) -> None:
    with pytest.raises(moto_errors.InvalidPasswordException):
        invite(pool, "SUPPRESS", "weak")
    assert invite(pool, "SUPPRESS", "Given-Passw0rd!").password == "Given-Passw0rd!"
    assert pool.outbox.messages() == []


def test_resend_keeps_the_user_and_sends_a_new_password(pool: pool_mod.LocalPool) -> None:
    first = invite(pool)
    again = invite(pool, "RESEND")
    assert again is first and again.id == first.id  # same sub; moto would make a new user
    old, new = pool.outbox.messages(username="carol")
    assert new.temporary_password == first.password != old.temporary_password


def test_resend_is_only_for_invited_users(pool: pool_mod.LocalPool) -> None:
    invite(pool).status = moto_models.UserStatus.CONFIRMED
    with pytest.raises(moto_gaps.UnsupportedUserStateException, match="FORCE_CHANGE_PASSWORD"):
        invite(pool, "RESEND")


def test_an_unknown_message_action_is_refused(pool: pool_mod.LocalPool) -> None:
    with pytest.raises(moto_errors.InvalidParameterException):
        invite(pool, "SHOUT")


# -- password resets --------------------------------------------------------------------------


def test_admin_reset_emails_a_code_that_a_reset_takes_once(
    demo_pool: pool_mod.LocalPool,
) -> None:
    demo_pool.backend.admin_reset_user_password(demo_pool.id, "alice")
    user = demo_pool.pool.users["alice"]
    assert user.status == moto_models.UserStatus.RESET_REQUIRED
    [message] = demo_pool.outbox.messages(username="alice")
    assert message.kind == "password_reset" and message.code is not None
    accounts = demo_pool.accounts
    with pytest.raises(moto_errors.CodeMismatchException):
        accounts.confirm_forgot_password("alice", "not-it", "New-Passw0rd!")
    accounts.confirm_forgot_password("alice", message.code, "New-Passw0rd!")
    assert (user.password, user.status) == ("New-Passw0rd!", moto_models.UserStatus.CONFIRMED)
    with pytest.raises(moto_errors.CodeMismatchException):  # spent
        accounts.confirm_forgot_password("alice", message.code, "Other-Passw0rd!")


def test_an_invited_user_cannot_reset_their_password(demo_pool: pool_mod.LocalPool) -> None:
    with pytest.raises(moto_errors.NotAuthorizedError, match="current state"):
        demo_pool.accounts.forgot_password("newbie")


# -- tokens through cognito-idp ------------------------------------------------------------


def admin_auth(pool: pool_mod.LocalPool, client_id: str, flow: str, **params: str) -> Any:
    return pool.backend.admin_initiate_auth(pool.id, client_id, flow, params)


def test_admin_auth_tokens_come_from_the_stand_ins_token_service(
    demo_pool: pool_mod.LocalPool,
) -> None:
    result = admin_auth(
        demo_pool,
        demo_pool.client_id,
        "ADMIN_USER_PASSWORD_AUTH",
        USERNAME="alice",
        PASSWORD="Alice-Passw0rd!",
    )["AuthenticationResult"]
    record = demo_pool.tokens.find(result["RefreshToken"])
    assert record is not None and record.username == "alice"
    claims = demo_pool.tokens.verify_access_token(result["AccessToken"])
    assert claims["origin_jti"] == record.origin_jti
    refreshed = admin_auth(
        demo_pool, demo_pool.client_id, "REFRESH_TOKEN_AUTH", REFRESH_TOKEN=record.token
    )["AuthenticationResult"]
    assert demo_pool.tokens.verify_access_token(refreshed["AccessToken"])["username"] == "alice"


def test_a_refresh_token_works_only_for_its_client_and_while_live(
    demo_pool: pool_mod.LocalPool,
) -> None:
    record = demo_pool.tokens.start_session(demo_pool.client_id, "alice", ("openid",))
    other = demo_pool.backend.create_user_pool_client(demo_pool.id, False, {"ClientName": "other"})
    with pytest.raises(moto_errors.NotAuthorizedError):
        admin_auth(demo_pool, other.id, "REFRESH_TOKEN_AUTH", REFRESH_TOKEN=record.token)
    demo_pool.tokens.revoke(record)
    with pytest.raises(moto_errors.NotAuthorizedError, match="Invalid Refresh Token"):
        demo_pool.pool.create_tokens_from_refresh_token(record.token)
    with pytest.raises(moto_errors.NotAuthorizedError, match="Invalid Refresh Token"):
        demo_pool.pool.create_tokens_from_refresh_token("never-issued")


def test_an_unregistered_pool_falls_back_to_moto(demo_pool: pool_mod.LocalPool) -> None:
    moto_gaps.unregister(demo_pool.id)
    invite(demo_pool)
    assert demo_pool.outbox.messages(to="carol@example.com") == []  # moto's own path


# -- AdminUpdateUserAttributes: a new email is unverified --------------------------------------


def email_of(pool: pool_mod.LocalPool, username: str) -> tuple[str | None, str | None]:
    found = pool.pool.users[username].attribute_lookup
    return found.get("email"), found.get("email_verified")


def test_a_new_email_is_unverified_unless_verified_in_the_same_call(
    demo_pool: pool_mod.LocalPool,
) -> None:
    update = demo_pool.backend.admin_update_user_attributes
    assert email_of(demo_pool, "alice") == ("alice@example.com", "true")
    update(demo_pool.id, "alice", [{"Name": "given_name", "Value": "Alice"}])
    assert email_of(demo_pool, "alice") == ("alice@example.com", "true")  # email untouched
    update(demo_pool.id, "alice", [{"Name": "email", "Value": "alice@example.com"}])
    assert email_of(demo_pool, "alice") == ("alice@example.com", "true")  # the same address
    update(demo_pool.id, "alice", [{"Name": "email", "Value": "alice@new.example"}])
    assert email_of(demo_pool, "alice") == ("alice@new.example", "false")
    update(
        demo_pool.id,
        "alice",
        [
            {"Name": "email", "Value": "alice@third.example"},
            {"Name": "email_verified", "Value": "true"},
        ],
    )
    assert email_of(demo_pool, "alice") == ("alice@third.example", "true")  # on purpose
    with pytest.raises(moto_errors.UserNotFoundError):
        update(demo_pool.id, "nobody", [{"Name": "email", "Value": "x@y.z"}])
