"""local_cognito.pool: the moto pool and client it makes, and managed login's password rules."""

from __future__ import annotations

import re

import pytest
from moto.cognitoidp import models as moto_models

from local_cognito import pool as pool_mod
from local_cognito import seed, settings

Outcome = pool_mod.LoginOutcome


def test_the_pool_id_looks_like_cognitos_and_moto_knows_it_by_that_id(
    pool: pool_mod.LocalPool,
) -> None:
    assert re.fullmatch(r"us-east-1_[A-Za-z0-9]{9}", pool.id)
    assert pool.backend.user_pools[pool.id] is pool.pool
    assert pool.pool.arn.endswith(f"/{pool.id}")


def test_the_schema_is_the_templates_with_every_standard_attribute_listed(
    pool: pool_mod.LocalPool,
) -> None:
    described = pool.backend.describe_user_pool(pool.id).to_json(extended=True)
    attributes = {a["Name"]: a for a in described["SchemaAttributes"]}
    names = list(attributes)
    standard = list(moto_models.CognitoIdpUserPoolAttribute.STANDARD_SCHEMA)
    assert names[: len(standard)] == standard  # standard first, as Cognito lists them
    assert names[len(standard) :] == ["custom:last_sign_in", "custom:plan", "custom:department"]
    assert attributes["email"]["Required"] is True
    assert attributes["given_name"]["Required"] is False
    department = attributes["custom:department"]["StringAttributeConstraints"]
    assert department == {"MinLength": "0", "MaxLength": "64"}


def test_the_client_is_a_public_code_flow_client(pool: pool_mod.LocalPool) -> None:
    config = pool.client.extended_config
    assert pool.client.generate_secret is False
    assert config["AllowedOAuthFlows"] == ["code"]
    assert config["CallbackURLs"] == list(settings.DEFAULTS.callback_urls)
    assert config["AllowedOAuthScopes"] == list(settings.DEFAULTS.scopes)
    assert config["EnableTokenRevocation"] is True
    assert "RefreshTokenRotation" not in config


@pytest.mark.parametrize(
    ("pool_settings", "kind", "host"),
    [
        (settings.PoolSettings(), "ORIGINAL", "cognito-idp"),
        (settings.PoolSettings(issuer_format="updated"), "UPDATED", "issuer-cognito-idp"),
    ],
)
def test_the_issuer_configuration_is_the_tokens_issuer(
    pool: pool_mod.LocalPool, kind: str, host: str
) -> None:
    assert pool.pool.extended_config["IssuerConfiguration"] == {"Type": kind}
    assert pool.tokens.issuer == f"https://{host}.us-east-1.amazonaws.com/{pool.id}"


@pytest.mark.parametrize(
    ("pool_settings", "environment"),
    [(settings.PoolSettings(), "local"), (settings.PoolSettings(environment="qa"), "qa")],
)
def test_the_client_registers_its_environments_urls_only(
    pool: pool_mod.LocalPool, environment: str
) -> None:
    config = pool.client.extended_config
    assert config["CallbackURLs"] == settings.callback_urls(environment=environment)
    assert config["LogoutURLs"] == settings.logout_urls(environment=environment)
    assert all(url.endswith(f"/{environment}") for url in config["CallbackURLs"])


@pytest.mark.parametrize(
    "pool_settings", [settings.PoolSettings(rotate_refresh_tokens=True, rotation_grace_seconds=9)]
)
def test_rotation_is_the_clients_refresh_token_rotation(pool: pool_mod.LocalPool) -> None:
    assert pool.client.extended_config["RefreshTokenRotation"] == {
        "Feature": "ENABLED",
        "RetryGracePeriodSeconds": 9,
    }


def test_close_takes_the_pool_out_of_moto(pool: pool_mod.LocalPool) -> None:
    pool_id = pool.id
    pool.close()
    assert pool_id not in pool.backend.user_pools


# -- managed login's username and password check ------------------------------------------


@pytest.mark.parametrize(
    ("login", "password", "outcome", "message"),
    [
        ("alice", "Alice-Passw0rd!", Outcome.SIGNED_IN, ""),
        ("ALICE@example.com", "Alice-Passw0rd!", Outcome.SIGNED_IN, ""),  # verified email alias
        ("alice", "wrong", Outcome.FAILED, pool_mod.BAD_CREDENTIALS),
        ("nobody", "Alice-Passw0rd!", Outcome.FAILED, pool_mod.BAD_CREDENTIALS),
        ("dora", "Dora-Passw0rd!", Outcome.FAILED, pool_mod.USER_DISABLED),
        # A disabled account is not revealed to someone without its password.
        ("dora", "wrong", Outcome.FAILED, pool_mod.BAD_CREDENTIALS),
        ("newbie", "Temp-Passw0rd1!", Outcome.NEW_PASSWORD_REQUIRED, ""),
    ],
)
def test_authenticate_like_the_hosted_ui(
    demo_pool: pool_mod.LocalPool, login: str, password: str, outcome: Outcome, message: str
) -> None:
    result = demo_pool.authenticate(login, password)
    assert (result.outcome, result.message) == (outcome, message)
    if outcome is not Outcome.FAILED:
        assert result.username == login.split("@")[0].lower()


def test_an_unverified_email_is_no_login(demo_pool: pool_mod.LocalPool) -> None:
    user = demo_pool.pool.users["alice"]
    user.delete_attributes(["email_verified"])
    assert demo_pool.find_user("alice@example.com") is None
    assert demo_pool.find_user("alice") is user


def test_reset_required_asks_for_a_reset_whatever_was_typed(demo_pool: pool_mod.LocalPool) -> None:
    demo_pool.pool.users["alice"].status = moto_models.UserStatus.RESET_REQUIRED
    result = demo_pool.authenticate("alice", "anything")
    assert (result.outcome, result.username) == (Outcome.RESET_REQUIRED, "alice")
    demo_pool.accounts.ensure_reset_code("alice")
    demo_pool.accounts.ensure_reset_code("alice")  # a pending code is not sent again
    [message] = demo_pool.outbox.messages(username="alice")
    assert message.kind == "password_reset" and message.code is not None
    assert re.fullmatch(r"\d{6}", message.code)


def test_a_new_password_must_meet_the_policy_then_confirms_the_user(
    demo_pool: pool_mod.LocalPool,
) -> None:
    refused = demo_pool.set_new_password("newbie", "short")
    assert refused == "The provided password does not conform to the configured password policy"
    assert demo_pool.pool.users["newbie"].status == moto_models.UserStatus.FORCE_CHANGE_PASSWORD
    assert demo_pool.set_new_password("newbie", "Chosen-Passw0rd!") == ""
    user = demo_pool.pool.users["newbie"]
    assert (user.status, user.password) == (moto_models.UserStatus.CONFIRMED, "Chosen-Passw0rd!")
    assert demo_pool.authenticate("newbie", "Chosen-Passw0rd!").outcome is Outcome.SIGNED_IN


def test_a_reset_needs_the_emailed_code(demo_pool: pool_mod.LocalPool) -> None:
    demo_pool.pool.users["alice"].status = moto_models.UserStatus.RESET_REQUIRED
    demo_pool.accounts.ensure_reset_code("alice")
    [message] = demo_pool.outbox.messages(username="alice")
    wrong = "000000" if message.code != "000000" else "111111"
    refused = demo_pool.set_new_password("alice", "New-Passw0rd!", wrong)
    assert refused == "Invalid verification code provided, please try again."
    assert demo_pool.set_new_password("alice", "New-Passw0rd!", message.code) == ""
    assert demo_pool.authenticate("alice", "New-Passw0rd!").outcome is Outcome.SIGNED_IN


def test_a_disabled_or_missing_user_cannot_set_a_password(demo_pool: pool_mod.LocalPool) -> None:
    assert demo_pool.set_new_password("dora", "New-Passw0rd!") == pool_mod.USER_DISABLED
    assert demo_pool.set_new_password("nobody", "New-Passw0rd!") == pool_mod.USER_DISABLED


# -- the emails -------------------------------------------------------------------------------


def test_an_invitation_fills_the_pools_template(pool: pool_mod.LocalPool) -> None:
    user = seed.add_user(pool, "carol", "Temp-Passw0rd1!", "carol@example.com")
    pool.send_invitation(user, "Temp-Passw0rd1!")
    [message] = pool.outbox.messages()
    assert (message.kind, message.to, message.subject) == (
        "invitation",
        "carol@example.com",
        "Your temporary password",
    )
    assert message.body == "Your username is carol and temporary password is Temp-Passw0rd1!."
    assert message.temporary_password == "Temp-Passw0rd1!"


def test_no_email_no_message(pool: pool_mod.LocalPool) -> None:
    user = seed.add_user(pool, "carol", "Temp-Passw0rd1!", "carol@example.com")
    user.delete_attributes(["email"])
    pool.send_invitation(user, "Temp-Passw0rd1!")
    pool.accounts.start_reset("carol")
    assert pool.outbox.messages() == []
