"""Settings from the environment: derived where they can be, refused by name where wrong."""

from __future__ import annotations

import pytest

from protected_api import settings

POOL = "eu-west-1_AbCdEfGhI"
ISSUER = f"https://cognito-idp.eu-west-1.amazonaws.com/{POOL}"
UPDATED_ISSUER = f"https://issuer-cognito-idp.eu-west-1.amazonaws.com/{POOL}"
MINIMAL = {"COGNITO_USER_POOL_ID": POOL, "COGNITO_CLIENT_IDS": "app-1"}


def test_a_pool_and_a_client_are_enough() -> None:
    config = settings.Settings.from_env(MINIMAL)
    assert config == settings.Settings(
        issuer=ISSUER,
        client_ids=("app-1",),
        user_pool_id=POOL,
        region="eu-west-1",
        jwks_url=f"{ISSUER}/.well-known/jwks.json",
        idp_endpoint_url=None,
        admin_group="Admin",
        leeway_seconds=5.0,
        max_body_bytes=64 * 1024,
    )


def test_every_variable_is_read_and_trimmed() -> None:
    config = settings.Settings.from_env(
        {
            "COGNITO_ISSUER": f" {ISSUER} ",
            "COGNITO_REGION": "eu-west-1",
            "COGNITO_CLIENT_IDS": " app-1 , ,app-2,",
            "COGNITO_JWKS_URL": "http://127.0.0.1:9229/jwks.json",
            "COGNITO_IDP_ENDPOINT_URL": "http://127.0.0.1:9229",
            "ADMIN_GROUP": "Ops.Team@x",
            "JWT_LEEWAY_SECONDS": "0",
            "MAX_BODY_BYTES": " 2048 ",
        }
    )
    assert (config.user_pool_id, config.issuer) == (POOL, ISSUER)
    assert config.client_ids == ("app-1", "app-2")
    assert config.jwks_url == "http://127.0.0.1:9229/jwks.json"
    assert config.idp_endpoint_url == "http://127.0.0.1:9229"
    assert (config.admin_group, config.leeway_seconds) == ("Ops.Team@x", 0.0)
    assert config.max_body_bytes == 2048


@pytest.mark.parametrize(
    ("changes", "names"),
    [
        ({"COGNITO_USER_POOL_ID": ""}, "COGNITO_USER_POOL_ID"),
        ({"COGNITO_USER_POOL_ID": "not-a-pool"}, "COGNITO_USER_POOL_ID"),
        ({"COGNITO_REGION": "us-east-1"}, "COGNITO_REGION"),
        ({"COGNITO_ISSUER": ISSUER.replace("AbCd", "Other")}, "COGNITO_ISSUER"),
        ({"COGNITO_CLIENT_IDS": " , "}, "COGNITO_CLIENT_IDS"),
        ({"ADMIN_GROUP": "Admin Group"}, "ADMIN_GROUP"),
        ({"ADMIN_GROUP": "x" * 129}, "ADMIN_GROUP"),
        ({"JWT_LEEWAY_SECONDS": "five"}, "JWT_LEEWAY_SECONDS"),
        ({"JWT_LEEWAY_SECONDS": "301"}, "JWT_LEEWAY_SECONDS"),
        ({"JWT_LEEWAY_SECONDS": "-1"}, "JWT_LEEWAY_SECONDS"),
        ({"MAX_BODY_BYTES": "64k"}, "MAX_BODY_BYTES must be a whole number"),
        ({"MAX_BODY_BYTES": "1e5"}, "MAX_BODY_BYTES must be a whole number"),
        ({"MAX_BODY_BYTES": "-1"}, "MAX_BODY_BYTES must be a whole number"),
        ({"MAX_BODY_BYTES": "\u0661\u0662\u0663\u0664"}, "MAX_BODY_BYTES must be a whole"),
        ({"MAX_BODY_BYTES": "1023"}, "MAX_BODY_BYTES must be 1024..10485760"),
        ({"MAX_BODY_BYTES": "10485761"}, "MAX_BODY_BYTES must be 1024..10485760"),
        ({"MAX_BODY_BYTES": "9" * 5000}, "MAX_BODY_BYTES must be 1024..10485760"),
    ],
)
def test_a_bad_setting_is_refused_by_name(changes: dict[str, str], names: str) -> None:
    with pytest.raises(settings.SettingsError, match=names):
        settings.Settings.from_env({**MINIMAL, **changes})


def test_the_verifier_takes_access_tokens_of_the_configured_clients() -> None:
    config = settings.Settings.from_env(
        {**MINIMAL, "COGNITO_CLIENT_IDS": "app-1,app-2", "JWT_LEEWAY_SECONDS": "2.5"}
    )
    check = config.access_verifier()
    assert (check.issuer, check.token_use, check.leeway_seconds) == (ISSUER, "access", 2.5)
    assert check.client_ids == frozenset({"app-1", "app-2"})
    assert check.jwks_cache.url == config.jwks_url
    assert check.jwks_cache.fetches == 0


@pytest.mark.parametrize(
    "environ",
    [
        pytest.param({**MINIMAL, "COGNITO_ISSUER": UPDATED_ISSUER}, id="with-the-pool-id"),
        pytest.param({"COGNITO_ISSUER": UPDATED_ISSUER, "COGNITO_CLIENT_IDS": "app-1"}, id="alone"),
        pytest.param(
            {**MINIMAL, "COGNITO_ISSUER": UPDATED_ISSUER, "COGNITO_REGION": "eu-west-1"},
            id="with-the-region",
        ),
    ],
)
def test_the_updated_issuer_format_is_taken_and_checked(environ: dict[str, str]) -> None:
    """What ``cognito-local up --issuer-format updated`` passes, and a pool whose
    IssuerConfiguration is UPDATED needs."""
    config = settings.Settings.from_env(environ)
    assert (config.issuer, config.user_pool_id, config.region) == (
        UPDATED_ISSUER,
        POOL,
        "eu-west-1",
    )
    assert config.jwks_url == f"{UPDATED_ISSUER}/.well-known/jwks.json"
    assert config.access_verifier().issuer == UPDATED_ISSUER


@pytest.mark.parametrize(
    ("environ", "against"),
    [
        (
            {**MINIMAL, "COGNITO_ISSUER": UPDATED_ISSUER.replace("AbCd", "X")},
            "COGNITO_USER_POOL_ID",
        ),
        ({**MINIMAL, "COGNITO_ISSUER": ISSUER.replace("//", "//x")}, "COGNITO_USER_POOL_ID"),
        ({**MINIMAL, "COGNITO_ISSUER": f"{UPDATED_ISSUER}/"}, "COGNITO_USER_POOL_ID"),
        (
            {"COGNITO_ISSUER": f"https://example.com/{POOL}", "COGNITO_CLIENT_IDS": "a"},
            "its pool id",
        ),
    ],
)
def test_an_issuer_of_neither_format_is_refused_naming_both(
    environ: dict[str, str], against: str
) -> None:
    with pytest.raises(settings.SettingsError) as refused:
        settings.Settings.from_env(environ)
    message = str(refused.value)
    assert message.startswith(f"COGNITO_ISSUER does not match {against}")
    assert f"it must be {ISSUER} or {UPDATED_ISSUER}" in message


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, False), ("true", True), ("1", True), ("On", True), ("false", False), ("no", False)],
)
def test_require_admin_mfa_is_an_explicit_on_or_off(value: str | None, expected: bool) -> None:
    environ = MINIMAL if value is None else {**MINIMAL, "REQUIRE_ADMIN_MFA": value}
    assert settings.Settings.from_env(environ).require_admin_mfa is expected


@pytest.mark.parametrize("value", ["ture", "2", "enabled"])
def test_a_typo_in_require_admin_mfa_is_refused_by_name(value: str) -> None:
    with pytest.raises(settings.SettingsError, match="REQUIRE_ADMIN_MFA"):
        settings.Settings.from_env({**MINIMAL, "REQUIRE_ADMIN_MFA": value})


# -- password sign-in ----------------------------------------------------------------------

SIGN_IN = {**MINIMAL, "COGNITO_CLIENT_IDS": "app-1,robot1", "PASSWORD_SIGN_IN_CLIENT_ID": "robot1"}


def test_password_sign_in_is_off_unless_its_client_is_set() -> None:
    config = settings.Settings.from_env(MINIMAL)
    assert not config.password_sign_in
    assert config.attempt_store_table is None
    # A table alone changes nothing (the template sets both together).
    assert not settings.Settings.from_env(
        {**MINIMAL, "ATTEMPT_STORE_TABLE": "t-1"}
    ).password_sign_in


def test_password_sign_in_settings_are_read() -> None:
    config = settings.Settings.from_env(
        {
            **SIGN_IN,
            "PASSWORD_SIGN_IN_CLIENT_SECRET": " s3cr3tvalue+abc ",
            "ATTEMPT_STORE_TABLE": "stack-AttemptTable-1AB2",
            "ATTEMPT_STORE_ENDPOINT_URL": "http://127.0.0.1:5000",
        }
    )
    assert config.password_sign_in and config.password_sign_in_client_id == "robot1"
    assert config.password_sign_in_client_secret == "s3cr3tvalue+abc"
    assert config.attempt_store_table == "stack-AttemptTable-1AB2"
    assert config.attempt_store_endpoint_url == "http://127.0.0.1:5000"
    assert "s3cr3tvalue" not in repr(config)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"COGNITO_CLIENT_IDS": "app-1"},
            "PASSWORD_SIGN_IN_CLIENT_ID must also be one of COGNITO_CLIENT_IDS",
        ),
        ({"PASSWORD_SIGN_IN_CLIENT_ID": "robot 1"}, "PASSWORD_SIGN_IN_CLIENT_ID is not"),
        ({"PASSWORD_SIGN_IN_CLIENT_SECRET": "has space"}, "PASSWORD_SIGN_IN_CLIENT_SECRET is not"),
        ({"ATTEMPT_STORE_TABLE": "no"}, "ATTEMPT_STORE_TABLE must be a DynamoDB table name"),
        ({"ATTEMPT_STORE_TABLE": "a/b/c"}, "ATTEMPT_STORE_TABLE must be a DynamoDB table name"),
        ({"ATTEMPT_STORE_ENDPOINT_URL": "127.0.0.1:5000"}, "ATTEMPT_STORE_ENDPOINT_URL must be"),
    ],
)
def test_a_bad_password_sign_in_setting_is_refused_by_name(
    changes: dict[str, str], message: str
) -> None:
    with pytest.raises(settings.SettingsError, match=message) as caught:
        settings.Settings.from_env({**SIGN_IN, **changes})
    assert "has space" not in str(caught.value)  # never a secret's value


def test_a_secret_without_its_client_is_refused() -> None:
    with pytest.raises(settings.SettingsError, match="PASSWORD_SIGN_IN_CLIENT_ID is not"):
        settings.Settings.from_env({**MINIMAL, "PASSWORD_SIGN_IN_CLIENT_SECRET": "abc"})
