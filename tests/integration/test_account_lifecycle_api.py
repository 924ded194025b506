"""The account lifecycle through boto3 over real HTTP: SignUp and its codes, ForgotPassword,
TOTP MFA (AssociateSoftwareToken, VerifySoftwareToken, (Admin)SetUserMFAPreference) and
the SOFTWARE_TOKEN_MFA challenge, with Cognito's error types and messages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import botocore.exceptions
import pytest
import requests

from local_cognito import lifecycle, seed, server, settings, totp
from tests.support import clock

pytestmark = pytest.mark.integration
TIMEOUT = 10
PASSWORD = "Carol-Passw0rd!"
EMAIL = "carol@example.com"


def refused(call: Callable[..., Any], **kwargs: Any) -> tuple[str, str]:
    """The (``__type``, message) a call is refused with."""
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        call(**kwargs)
    error = excinfo.value.response["Error"]
    return str(error["Code"]), str(error.get("Message", ""))


def outbox(stand_in: server.LocalCognito, username: str, kind: str) -> list[dict[str, Any]]:
    response = requests.get(f"{stand_in.url}/outbox.json", timeout=TIMEOUT)
    assert response.status_code == 200
    return [m for m in response.json() if m["username"] == username and m["kind"] == kind]


def latest_code(stand_in: server.LocalCognito, username: str, kind: str = "verification") -> str:
    messages = outbox(stand_in, username, kind)
    assert messages, f"no {kind} message for {username}"
    return str(messages[-1]["code"])


def other_code(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def attributes(idp: Any, stand_in: server.LocalCognito, username: str) -> dict[str, str]:
    user = idp.admin_get_user(UserPoolId=stand_in.pool.id, Username=username)
    return {a["Name"]: a["Value"] for a in user["UserAttributes"]}


def status(idp: Any, stand_in: server.LocalCognito, username: str) -> str:
    return str(idp.admin_get_user(UserPoolId=stand_in.pool.id, Username=username)["UserStatus"])


def sign_up(idp: Any, stand_in: server.LocalCognito, username: str = "carol") -> dict[str, Any]:
    return dict(
        idp.sign_up(
            ClientId=stand_in.pool.client_id,
            Username=username,
            Password=PASSWORD,
            UserAttributes=[{"Name": "email", "Value": EMAIL}],
        )
    )


def password_auth(
    idp: Any, stand_in: server.LocalCognito, username: str, password: str
) -> dict[str, Any]:
    return dict(
        idp.admin_initiate_auth(
            UserPoolId=stand_in.pool.id,
            ClientId=stand_in.pool.client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": password},
        )
    )


def access_token(idp: Any, stand_in: server.LocalCognito, username: str, password: str) -> str:
    return str(
        password_auth(idp, stand_in, username, password)["AuthenticationResult"]["AccessToken"]
    )


def answer_mfa(
    idp: Any, stand_in: server.LocalCognito, session: str, username: str, code: str
) -> dict[str, Any]:
    return dict(
        idp.admin_respond_to_auth_challenge(
            UserPoolId=stand_in.pool.id,
            ClientId=stand_in.pool.client_id,
            ChallengeName="SOFTWARE_TOKEN_MFA",
            Session=session,
            ChallengeResponses={"USERNAME": username, "SOFTWARE_TOKEN_MFA_CODE": code},
        )
    )


# -- SignUp, ConfirmSignUp, ResendConfirmationCode ---------------------------------------------


def test_sign_up_then_confirm(idp: Any, stand_in: server.LocalCognito) -> None:
    answer = sign_up(idp, stand_in)
    assert answer["UserConfirmed"] is False
    assert answer["CodeDeliveryDetails"] == {
        "Destination": "c***@e***",
        "DeliveryMedium": "EMAIL",
        "AttributeName": "email",
    }
    assert answer["UserSub"] == attributes(idp, stand_in, "carol")["sub"]
    assert status(idp, stand_in, "carol") == "UNCONFIRMED"
    assert attributes(idp, stand_in, "carol").get("email_verified") != "true"
    [message] = outbox(stand_in, "carol", "verification")
    assert message["to"] == EMAIL and message["code"] in message["body"]
    idp.confirm_sign_up(
        ClientId=stand_in.pool.client_id, Username="carol", ConfirmationCode=message["code"]
    )
    assert status(idp, stand_in, "carol") == "CONFIRMED"
    assert attributes(idp, stand_in, "carol")["email_verified"] == "true"
    assert "AuthenticationResult" in password_auth(idp, stand_in, "carol", PASSWORD)
    assert refused(
        idp.confirm_sign_up,
        ClientId=stand_in.pool.client_id,
        Username="carol",
        ConfirmationCode=message["code"],
    ) == ("NotAuthorizedException", "User cannot be confirmed. Current status is CONFIRMED")


def test_an_unconfirmed_user_cannot_sign_in_through_the_api(
    idp: Any, stand_in: server.LocalCognito
) -> None:
    sign_up(idp, stand_in)
    assert refused(
        idp.admin_initiate_auth,
        UserPoolId=stand_in.pool.id,
        ClientId=stand_in.pool.client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "carol", "PASSWORD": PASSWORD},
    ) == ("UserNotConfirmedException", "User is not confirmed.")


def test_sign_up_refusals(idp: Any, stand_in: server.LocalCognito) -> None:
    client_id = stand_in.pool.client_id
    email = [{"Name": "email", "Value": EMAIL}]
    assert refused(
        idp.sign_up, ClientId=client_id, Username="alice", Password=PASSWORD, UserAttributes=email
    ) == ("UsernameExistsException", "User already exists")
    code, _ = refused(
        idp.sign_up, ClientId=client_id, Username="carol", Password="weak", UserAttributes=email
    )
    assert code == "InvalidPasswordException"
    for bad in (
        [{"Name": "email", "Value": "not-an-email"}],
        [],
        [*email, {"Name": "email_verified", "Value": "true"}],
    ):
        code, _ = refused(
            idp.sign_up, ClientId=client_id, Username="carol", Password=PASSWORD, UserAttributes=bad
        )
        assert code == "InvalidParameterException"
    assert refused(
        idp.sign_up,
        ClientId=client_id,
        Username="carol@example.com",
        Password=PASSWORD,
        UserAttributes=email,
    ) == ("InvalidParameterException", lifecycle.USERNAME_IS_EMAIL)
    # Nothing was left behind: the same username signs up now.
    assert refused(idp.admin_get_user, UserPoolId=stand_in.pool.id, Username="carol")[0] == (
        "UserNotFoundException"
    )
    sign_up(idp, stand_in)
    assert status(idp, stand_in, "carol") == "UNCONFIRMED"
    alice = attributes(idp, stand_in, "alice")
    assert alice["email"] == "alice@example.com" and alice["email_verified"] == "true"


@pytest.mark.parametrize("pool_settings", [settings.PoolSettings(self_sign_up=False)])
def test_sign_up_is_refused_when_only_admins_create_users(
    idp: Any, stand_in: server.LocalCognito
) -> None:
    assert refused(
        idp.sign_up,
        ClientId=stand_in.pool.client_id,
        Username="carol",
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": EMAIL}],
    ) == ("NotAuthorizedException", "SignUp is not permitted for this user pool")
    described = idp.describe_user_pool(UserPoolId=stand_in.pool.id)["UserPool"]
    assert described["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True


def test_confirm_sign_up_codes(
    idp: Any, stand_in: server.LocalCognito, fake_clock: clock.FakeClock
) -> None:
    client_id = stand_in.pool.client_id
    sign_up(idp, stand_in)
    code = latest_code(stand_in, "carol")
    assert refused(
        idp.confirm_sign_up, ClientId=client_id, Username="carol", ConfirmationCode=other_code(code)
    ) == ("CodeMismatchException", lifecycle.CODE_MISMATCH)
    fake_clock.advance(24 * 3600 + 1)
    assert refused(
        idp.confirm_sign_up, ClientId=client_id, Username="carol", ConfirmationCode=code
    ) == ("ExpiredCodeException", lifecycle.CODE_EXPIRED)
    assert status(idp, stand_in, "carol") == "UNCONFIRMED"
    resent = idp.resend_confirmation_code(ClientId=client_id, Username="carol")
    assert resent["CodeDeliveryDetails"]["Destination"] == "c***@e***"
    new = latest_code(stand_in, "carol")
    for _ in range(5):
        refused(
            idp.confirm_sign_up,
            ClientId=client_id,
            Username="carol",
            ConfirmationCode=other_code(new),
        )
    assert refused(
        idp.confirm_sign_up, ClientId=client_id, Username="carol", ConfirmationCode=new
    ) == ("LimitExceededException", lifecycle.ATTEMPTS_EXCEEDED)
    idp.resend_confirmation_code(ClientId=client_id, Username="carol")
    newest = latest_code(stand_in, "carol")
    if newest != new:
        assert (
            refused(
                idp.confirm_sign_up, ClientId=client_id, Username="carol", ConfirmationCode=new
            )[0]
            == "CodeMismatchException"
        )
    idp.confirm_sign_up(ClientId=client_id, Username="carol", ConfirmationCode=newest)
    assert status(idp, stand_in, "carol") == "CONFIRMED"


def test_confirm_and_resend_for_unknown_or_confirmed_users(
    idp: Any, stand_in: server.LocalCognito
) -> None:
    client_id = stand_in.pool.client_id
    # PreventUserExistenceErrors: no UserNotFoundException.
    assert refused(
        idp.confirm_sign_up, ClientId=client_id, Username="nobody", ConfirmationCode="123456"
    ) == ("CodeMismatchException", lifecycle.CODE_MISMATCH)
    unknown = idp.resend_confirmation_code(ClientId=client_id, Username="nobody")
    assert set(unknown["CodeDeliveryDetails"]) == {"Destination", "DeliveryMedium", "AttributeName"}
    assert refused(idp.resend_confirmation_code, ClientId=client_id, Username="alice") == (
        "InvalidParameterException",
        "User is already confirmed.",
    )
    assert outbox(stand_in, "nobody", "verification") == []


def test_an_alias_conflict_and_force_alias_creation(
    idp: Any, stand_in: server.LocalCognito
) -> None:
    client_id = stand_in.pool.client_id
    idp.sign_up(
        ClientId=client_id,
        Username="alice2",
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": "alice@example.com"}],
    )
    assert refused(
        idp.confirm_sign_up,
        ClientId=client_id,
        Username="alice2",
        ConfirmationCode=latest_code(stand_in, "alice2"),
    ) == ("AliasExistsException", "An account with the given email already exists.")
    assert status(idp, stand_in, "alice2") == "UNCONFIRMED"
    idp.resend_confirmation_code(ClientId=client_id, Username="alice2")
    idp.confirm_sign_up(
        ClientId=client_id,
        Username="alice2",
        ConfirmationCode=latest_code(stand_in, "alice2"),
        ForceAliasCreation=True,
    )
    assert attributes(idp, stand_in, "alice2")["email_verified"] == "true"
    assert attributes(idp, stand_in, "alice")["email_verified"] == "false"


def test_admin_confirm_sign_up(idp: Any, stand_in: server.LocalCognito) -> None:
    pool_id = stand_in.pool.id
    sign_up(idp, stand_in)
    idp.admin_confirm_sign_up(UserPoolId=pool_id, Username="carol")
    assert status(idp, stand_in, "carol") == "CONFIRMED"
    assert refused(idp.admin_confirm_sign_up, UserPoolId=pool_id, Username="carol") == (
        "NotAuthorizedException",
        "User cannot be confirmed. Current status is CONFIRMED",
    )
    assert refused(idp.admin_confirm_sign_up, UserPoolId=pool_id, Username="newbie") == (
        "NotAuthorizedException",
        "User cannot be confirmed. Current status is FORCE_CHANGE_PASSWORD",
    )
    assert refused(idp.admin_confirm_sign_up, UserPoolId=pool_id, Username="nobody") == (
        "UserNotFoundException",
        "User does not exist.",
    )
    # The pending sign-up code went with the confirmation.
    assert (
        refused(
            idp.confirm_sign_up,
            ClientId=stand_in.pool.client_id,
            Username="carol",
            ConfirmationCode=latest_code(stand_in, "carol"),
        )[0]
        == "NotAuthorizedException"
    )


# -- ForgotPassword, ConfirmForgotPassword -------------------------------------------------------


def test_forgot_password_then_confirm(
    idp: Any, stand_in: server.LocalCognito, fake_clock: clock.FakeClock
) -> None:
    client_id = stand_in.pool.client_id
    known = idp.forgot_password(ClientId=client_id, Username="alice")["CodeDeliveryDetails"]
    assert known == {
        "Destination": "a***@e***",
        "DeliveryMedium": "EMAIL",
        "AttributeName": "email",
    }
    code = latest_code(stand_in, "alice", "password_reset")
    assert (
        refused(
            idp.confirm_forgot_password,
            ClientId=client_id,
            Username="alice",
            ConfirmationCode=code,
            Password="weak",
        )[0]
        == "InvalidPasswordException"
    )
    assert refused(
        idp.confirm_forgot_password,
        ClientId=client_id,
        Username="alice",
        ConfirmationCode=other_code(code),
        Password="New-Passw0rd!",
    ) == ("CodeMismatchException", lifecycle.CODE_MISMATCH)
    fake_clock.advance(3600 - 1)
    idp.confirm_forgot_password(
        ClientId=client_id, Username="alice", ConfirmationCode=code, Password="New-Passw0rd!"
    )
    assert "AuthenticationResult" in password_auth(idp, stand_in, "alice", "New-Passw0rd!")
    assert (
        refused(
            idp.admin_initiate_auth,
            UserPoolId=stand_in.pool.id,
            ClientId=client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "alice", "PASSWORD": "Alice-Passw0rd!"},
        )[0]
        == "NotAuthorizedException"
    )


def test_forgot_password_codes_expire_and_run_out(
    idp: Any, stand_in: server.LocalCognito, fake_clock: clock.FakeClock
) -> None:
    client_id = stand_in.pool.client_id
    idp.forgot_password(ClientId=client_id, Username="alice")
    code = latest_code(stand_in, "alice", "password_reset")
    fake_clock.advance(3600 + 1)
    assert refused(
        idp.confirm_forgot_password,
        ClientId=client_id,
        Username="alice",
        ConfirmationCode=code,
        Password="New-Passw0rd!",
    ) == ("ExpiredCodeException", lifecycle.CODE_EXPIRED)
    idp.forgot_password(ClientId=client_id, Username="alice@example.com")  # by the alias
    code = latest_code(stand_in, "alice", "password_reset")
    for _ in range(5):
        refused(
            idp.confirm_forgot_password,
            ClientId=client_id,
            Username="alice",
            ConfirmationCode=other_code(code),
            Password="New-Passw0rd!",
        )
    assert refused(
        idp.confirm_forgot_password,
        ClientId=client_id,
        Username="alice",
        ConfirmationCode=code,
        Password="New-Passw0rd!",
    ) == ("LimitExceededException", lifecycle.ATTEMPTS_EXCEEDED)


def test_forgot_password_for_unknown_invited_and_disabled_users(
    idp: Any, stand_in: server.LocalCognito
) -> None:
    client_id = stand_in.pool.client_id
    known = idp.forgot_password(ClientId=client_id, Username="alice")["CodeDeliveryDetails"]
    unknown = idp.forgot_password(ClientId=client_id, Username="nobody")["CodeDeliveryDetails"]
    assert set(unknown) == set(known)
    assert (unknown["DeliveryMedium"], unknown["AttributeName"]) == ("EMAIL", "email")
    assert outbox(stand_in, "nobody", "password_reset") == []
    assert refused(
        idp.confirm_forgot_password,
        ClientId=client_id,
        Username="nobody",
        ConfirmationCode="123456",
        Password="New-Passw0rd!",
    ) == ("CodeMismatchException", lifecycle.CODE_MISMATCH)
    assert refused(idp.forgot_password, ClientId=client_id, Username="newbie") == (
        "NotAuthorizedException",
        "User password cannot be reset in the current state.",
    )
    assert refused(idp.forgot_password, ClientId=client_id, Username="dora") == (
        "NotAuthorizedException",
        "User is disabled.",
    )
    sign_up(idp, stand_in)  # its email is not verified yet
    assert refused(idp.forgot_password, ClientId=client_id, Username="carol") == (
        "InvalidParameterException",
        lifecycle.NO_RECOVERY,
    )


# -- TOTP: AssociateSoftwareToken, VerifySoftwareToken, SetUserMFAPreference ------------------


def test_enrol_totp_with_the_access_token(
    idp: Any, stand_in: server.LocalCognito, fake_clock: clock.FakeClock
) -> None:
    pool_id = stand_in.pool.id
    token = access_token(idp, stand_in, "alice", "Alice-Passw0rd!")
    before = idp.admin_get_user(UserPoolId=pool_id, Username="alice")
    assert before.get("UserMFASettingList", []) == []
    assert refused(
        idp.set_user_mfa_preference,
        AccessToken=token,
        SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True},
    ) == ("InvalidParameterException", lifecycle.TOTP_NOT_VERIFIED)
    secret = idp.associate_software_token(AccessToken=token)["SecretCode"]
    assert secret != seed.DEMO_TOTP_SECRET and len(secret) == 32
    right = totp.code(secret, fake_clock())
    assert refused(idp.verify_software_token, AccessToken=token, UserCode=other_code(right)) == (
        "EnableSoftwareTokenMFAException",
        lifecycle.TOTP_VERIFY_MISMATCH,
    )
    assert (
        refused(
            idp.set_user_mfa_preference,
            AccessToken=token,
            SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True},
        )[0]
        == "InvalidParameterException"
    )
    verified = idp.verify_software_token(
        AccessToken=token, UserCode=right, FriendlyDeviceName="phone"
    )
    assert verified["Status"] == "SUCCESS"
    idp.set_user_mfa_preference(
        AccessToken=token, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
    )
    after = idp.admin_get_user(UserPoolId=pool_id, Username="alice")
    assert after["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]
    assert after["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"
    mine = idp.get_user(AccessToken=token)
    assert mine["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]
    assert mine["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"
    # The next sign-in asks for a code from the new secret.
    started = password_auth(idp, stand_in, "alice", "Alice-Passw0rd!")
    assert started["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    fake_clock.advance(totp.STEP_S)
    done = answer_mfa(idp, stand_in, started["Session"], "alice", totp.code(secret, fake_clock()))
    assert "AccessToken" in done["AuthenticationResult"]
    # Turned off with the user's own token: no challenge, no secret.
    idp.set_user_mfa_preference(
        AccessToken=token, SoftwareTokenMfaSettings={"Enabled": False, "PreferredMfa": False}
    )
    off = idp.admin_get_user(UserPoolId=pool_id, Username="alice")
    assert off.get("UserMFASettingList", []) == [] and not off.get("PreferredMfaSetting")
    assert "AuthenticationResult" in password_auth(idp, stand_in, "alice", "Alice-Passw0rd!")


def test_the_user_api_wants_the_user_admin_scope(idp: Any, stand_in: server.LocalCognito) -> None:
    pool = stand_in.pool
    record = pool.tokens.start_session(pool.client_id, "alice", ("openid", "email"))
    narrow, _ = pool.tokens.access_token(record)
    calls: list[tuple[Callable[..., Any], dict[str, Any]]] = [
        (idp.associate_software_token, {}),
        (idp.verify_software_token, {"UserCode": "123456"}),
        (
            idp.set_user_mfa_preference,
            {"SoftwareTokenMfaSettings": {"Enabled": False, "PreferredMfa": False}},
        ),
    ]
    for call, kwargs in calls:
        assert refused(call, AccessToken=narrow, **kwargs) == (
            "NotAuthorizedException",
            "Access Token does not have required scopes",
        )
        code, _ = refused(call, AccessToken="not-a-token", **kwargs)
        assert code == "NotAuthorizedException"
    assert pool.accounts.pending_secret("alice") is None


def test_admin_set_user_mfa_preference(
    idp: Any, stand_in: server.LocalCognito, fake_clock: clock.FakeClock
) -> None:
    pool_id = stand_in.pool.id
    tom = idp.admin_get_user(UserPoolId=pool_id, Username="tom")
    assert tom["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]
    assert tom["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"
    # An admin's MFA reset: off (the authenticator stays registered, as Cognito documents).
    idp.admin_set_user_mfa_preference(
        UserPoolId=pool_id,
        Username="tom",
        SoftwareTokenMfaSettings={"Enabled": False, "PreferredMfa": False},
    )
    tom = idp.admin_get_user(UserPoolId=pool_id, Username="tom")
    assert tom.get("UserMFASettingList", []) == [] and not tom.get("PreferredMfaSetting")
    assert "AuthenticationResult" in password_auth(idp, stand_in, "tom", "Tom-Passw0rd!")
    # Never verified an authenticator: cannot be turned on.
    assert refused(
        idp.admin_set_user_mfa_preference,
        UserPoolId=pool_id,
        Username="admin",
        SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True},
    ) == ("InvalidParameterException", lifecycle.TOTP_NOT_VERIFIED)
    assert refused(
        idp.admin_set_user_mfa_preference,
        UserPoolId=pool_id,
        Username="nobody",
        SoftwareTokenMfaSettings={"Enabled": False, "PreferredMfa": False},
    ) == ("UserNotFoundException", "User does not exist.")
    # By the email alias, as Username allows.
    token = access_token(idp, stand_in, "alice", "Alice-Passw0rd!")
    secret = idp.associate_software_token(AccessToken=token)["SecretCode"]
    idp.verify_software_token(AccessToken=token, UserCode=totp.code(secret, fake_clock()))
    idp.admin_set_user_mfa_preference(
        UserPoolId=pool_id,
        Username="alice@example.com",
        SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True},
    )
    assert idp.admin_get_user(UserPoolId=pool_id, Username="alice")["UserMFASettingList"] == [
        "SOFTWARE_TOKEN_MFA"
    ]


def test_enabled_but_not_preferred_totp_is_still_asked_for(
    idp: Any, stand_in: server.LocalCognito, fake_clock: clock.FakeClock
) -> None:
    idp.admin_set_user_mfa_preference(
        UserPoolId=stand_in.pool.id,
        Username="tom",
        SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": False},
    )
    tom = idp.admin_get_user(UserPoolId=stand_in.pool.id, Username="tom")
    assert tom["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]
    # "If an MFA type is activated for a user, the user will be prompted for MFA during
    # all sign-in attempts" (SoftwareTokenMfaSettingsType).
    started = password_auth(idp, stand_in, "tom", "Tom-Passw0rd!")
    assert started.get("ChallengeName") == "SOFTWARE_TOKEN_MFA"
    assert "AuthenticationResult" not in started


# -- the SOFTWARE_TOKEN_MFA challenge ----------------------------------------------------------


def test_the_totp_demo_user_answers_a_software_token_challenge(
    idp: Any, stand_in: server.LocalCognito, fake_clock: clock.FakeClock
) -> None:
    started = password_auth(idp, stand_in, "tom", "Tom-Passw0rd!")
    assert started["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    assert "AuthenticationResult" not in started
    right = totp.code(seed.DEMO_TOTP_SECRET, fake_clock())
    code, message = refused(
        idp.admin_respond_to_auth_challenge,
        UserPoolId=stand_in.pool.id,
        ClientId=stand_in.pool.client_id,
        ChallengeName="SOFTWARE_TOKEN_MFA",
        Session=started["Session"],
        ChallengeResponses={"USERNAME": "tom", "SOFTWARE_TOKEN_MFA_CODE": other_code(right)},
    )
    assert (code, message) == ("CodeMismatchException", lifecycle.MFA_CODE_MISMATCH)
    done = answer_mfa(idp, stand_in, started["Session"], "tom", right)
    result = done["AuthenticationResult"]
    assert {"AccessToken", "IdToken", "RefreshToken"} <= set(result)
    assert idp.get_user(AccessToken=result["AccessToken"])["Username"] == "tom"
    # The same code in the same step, on a new sign-in: refused as used.
    again = password_auth(idp, stand_in, "tom", "Tom-Passw0rd!")
    assert refused(
        idp.admin_respond_to_auth_challenge,
        UserPoolId=stand_in.pool.id,
        ClientId=stand_in.pool.client_id,
        ChallengeName="SOFTWARE_TOKEN_MFA",
        Session=again["Session"],
        ChallengeResponses={"USERNAME": "tom", "SOFTWARE_TOKEN_MFA_CODE": right},
    ) == ("ExpiredCodeException", "Your software token has already been used once.")
    fake_clock.advance(totp.STEP_S)
    next_code = totp.code(seed.DEMO_TOTP_SECRET, fake_clock())
    assert "AuthenticationResult" in answer_mfa(idp, stand_in, again["Session"], "tom", next_code)


def test_an_mfa_answer_is_for_the_user_who_gave_the_password(
    idp: Any, stand_in: server.LocalCognito, fake_clock: clock.FakeClock
) -> None:
    # alice enrols, then answers her own challenge naming tom: tom's code must not give
    # her (or anyone without tom's password) tom's tokens.
    token = access_token(idp, stand_in, "alice", "Alice-Passw0rd!")
    secret = idp.associate_software_token(AccessToken=token)["SecretCode"]
    idp.verify_software_token(AccessToken=token, UserCode=totp.code(secret, fake_clock()))
    idp.set_user_mfa_preference(
        AccessToken=token, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
    )
    started = password_auth(idp, stand_in, "alice", "Alice-Passw0rd!")
    assert started["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    toms_code = totp.code(seed.DEMO_TOTP_SECRET, fake_clock())
    code, _ = refused(
        idp.admin_respond_to_auth_challenge,
        UserPoolId=stand_in.pool.id,
        ClientId=stand_in.pool.client_id,
        ChallengeName="SOFTWARE_TOKEN_MFA",
        Session=started["Session"],
        ChallengeResponses={"USERNAME": "tom", "SOFTWARE_TOKEN_MFA_CODE": toms_code},
    )
    assert code == "NotAuthorizedException"
    # tom's code was not spent by the refused answer.
    tom = password_auth(idp, stand_in, "tom", "Tom-Passw0rd!")
    assert "AuthenticationResult" in answer_mfa(idp, stand_in, tom["Session"], "tom", toms_code)


def test_an_mfa_answer_needs_a_live_session(
    idp: Any, stand_in: server.LocalCognito, fake_clock: clock.FakeClock
) -> None:
    right = totp.code(seed.DEMO_TOTP_SECRET, fake_clock())
    code, _ = refused(
        idp.admin_respond_to_auth_challenge,
        UserPoolId=stand_in.pool.id,
        ClientId=stand_in.pool.client_id,
        ChallengeName="SOFTWARE_TOKEN_MFA",
        Session="x" * 40,
        ChallengeResponses={"USERNAME": "tom", "SOFTWARE_TOKEN_MFA_CODE": right},
    )
    assert code in ("NotAuthorizedException", "ResourceNotFoundException")
    # The refused answer did not use up tom's code.
    started = password_auth(idp, stand_in, "tom", "Tom-Passw0rd!")
    assert "AuthenticationResult" in answer_mfa(idp, stand_in, started["Session"], "tom", right)


# -- a pool that requires MFA: the MFA_SETUP challenge ---------------------------------------


def respond(
    idp: Any, stand_in: server.LocalCognito, name: str, session: str, **answers: str
) -> dict[str, Any]:
    return dict(
        idp.admin_respond_to_auth_challenge(
            UserPoolId=stand_in.pool.id,
            ClientId=stand_in.pool.client_id,
            ChallengeName=name,
            Session=session,
            ChallengeResponses=answers,
        )
    )


@pytest.mark.parametrize("pool_settings", [settings.PoolSettings(mfa="ON")])
def test_a_required_mfa_pool_enrols_at_sign_in(
    idp: Any, stand_in: server.LocalCognito, fake_clock: clock.FakeClock
) -> None:
    started = password_auth(idp, stand_in, "alice", "Alice-Passw0rd!")
    assert started["ChallengeName"] == "MFA_SETUP"
    assert "AuthenticationResult" not in started
    session = started["Session"]
    # Nothing to answer with yet: no authenticator is verified.
    code, _ = refused(
        idp.admin_respond_to_auth_challenge,
        UserPoolId=stand_in.pool.id,
        ClientId=stand_in.pool.client_id,
        ChallengeName="MFA_SETUP",
        Session=session,
        ChallengeResponses={"USERNAME": "alice"},
    )
    assert code == "InvalidParameterException"
    associated = idp.associate_software_token(Session=session)
    secret = associated["SecretCode"]
    assert stand_in.pool.accounts.pending_secret("alice") == secret
    right = totp.code(secret, fake_clock())
    assert refused(
        idp.verify_software_token, Session=associated["Session"], UserCode=other_code(right)
    ) == ("EnableSoftwareTokenMFAException", lifecycle.TOTP_VERIFY_MISMATCH)
    verified = idp.verify_software_token(Session=associated["Session"], UserCode=right)
    assert verified["Status"] == "SUCCESS"
    done = respond(idp, stand_in, "MFA_SETUP", verified["Session"], USERNAME="alice")
    assert idp.get_user(AccessToken=done["AuthenticationResult"]["AccessToken"])["Username"] == (
        "alice"
    )
    alice = idp.admin_get_user(UserPoolId=stand_in.pool.id, Username="alice")
    assert alice["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]
    assert alice["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"
    # Enrolled: the next sign-in asks for a code; the one used to verify is spent.
    again = password_auth(idp, stand_in, "alice", "Alice-Passw0rd!")
    assert again["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    assert (
        refused(
            idp.admin_respond_to_auth_challenge,
            UserPoolId=stand_in.pool.id,
            ClientId=stand_in.pool.client_id,
            ChallengeName="SOFTWARE_TOKEN_MFA",
            Session=again["Session"],
            ChallengeResponses={"USERNAME": "alice", "SOFTWARE_TOKEN_MFA_CODE": right},
        )[0]
        == "ExpiredCodeException"
    )
    fake_clock.advance(totp.STEP_S)
    assert "AuthenticationResult" in answer_mfa(
        idp, stand_in, again["Session"], "alice", totp.code(secret, fake_clock())
    )
    # "You can't turn off TOTP MFA for any of your users when MFA is required in your user
    # pool" (SoftwareTokenMfaSettingsType): an admin's reset is refused, MFA stays on.
    assert refused(
        idp.admin_set_user_mfa_preference,
        UserPoolId=stand_in.pool.id,
        Username="alice",
        SoftwareTokenMfaSettings={"Enabled": False, "PreferredMfa": False},
    ) == ("InvalidParameterException", lifecycle.MFA_REQUIRED_BY_POOL)
    assert password_auth(idp, stand_in, "alice", "Alice-Passw0rd!")["ChallengeName"] == (
        "SOFTWARE_TOKEN_MFA"
    )


@pytest.mark.parametrize("pool_settings", [settings.PoolSettings(mfa="ON")])
def test_an_invited_user_in_a_required_mfa_pool_enrols_with_a_real_code(
    idp: Any, stand_in: server.LocalCognito, fake_clock: clock.FakeClock
) -> None:
    started = password_auth(idp, stand_in, "newbie", "Temp-Passw0rd1!")
    assert started["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    setup = respond(
        idp,
        stand_in,
        "NEW_PASSWORD_REQUIRED",
        started["Session"],
        USERNAME="newbie",
        NEW_PASSWORD="Chosen-Passw0rd!",
    )
    assert setup["ChallengeName"] == "MFA_SETUP"
    secret = idp.associate_software_token(Session=setup["Session"])["SecretCode"]
    right = totp.code(secret, fake_clock())
    code, _ = refused(
        idp.verify_software_token, Session=setup["Session"], UserCode=other_code(right)
    )
    assert code == "EnableSoftwareTokenMFAException"
    verified = idp.verify_software_token(Session=setup["Session"], UserCode=right)
    done = respond(idp, stand_in, "MFA_SETUP", verified["Session"], USERNAME="newbie")
    assert "AccessToken" in done["AuthenticationResult"]
    assert stand_in.pool.accounts.totp_enabled("newbie")


@pytest.mark.parametrize("pool_settings", [settings.PoolSettings(mfa="ON")])
def test_an_enrolled_user_in_a_required_mfa_pool_gets_a_code_challenge(
    idp: Any, stand_in: server.LocalCognito, fake_clock: clock.FakeClock
) -> None:
    started = password_auth(idp, stand_in, "tom", "Tom-Passw0rd!")
    assert started["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    right = totp.code(seed.DEMO_TOTP_SECRET, fake_clock())
    assert "AuthenticationResult" in answer_mfa(idp, stand_in, started["Session"], "tom", right)


def test_the_public_respond_action_checks_the_code_too(
    idp: Any, stand_in: server.LocalCognito, fake_clock: clock.FakeClock
) -> None:
    started = password_auth(idp, stand_in, "tom", "Tom-Passw0rd!")
    right = totp.code(seed.DEMO_TOTP_SECRET, fake_clock())
    answers = {"USERNAME": "tom", "SOFTWARE_TOKEN_MFA_CODE": other_code(right)}
    assert refused(
        idp.respond_to_auth_challenge,
        ClientId=stand_in.pool.client_id,
        ChallengeName="SOFTWARE_TOKEN_MFA",
        Session=started["Session"],
        ChallengeResponses=answers,
    ) == ("CodeMismatchException", lifecycle.MFA_CODE_MISMATCH)
    done = idp.respond_to_auth_challenge(
        ClientId=stand_in.pool.client_id,
        ChallengeName="SOFTWARE_TOKEN_MFA",
        Session=started["Session"],
        ChallengeResponses={**answers, "SOFTWARE_TOKEN_MFA_CODE": right},
    )
    assert "AccessToken" in done["AuthenticationResult"]
