"""Settings from the environment: derived where they can be, refused by name where wrong."""

from __future__ import annotations

import pytest

from protected_api import settings

POOL = "eu-west-1_AbCdEfGhI"
ISSUER = f"https://cognito-idp.eu-west-1.amazonaws.com/{POOL}"
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
        }
    )
    assert (config.user_pool_id, config.issuer) == (POOL, ISSUER)
    assert config.client_ids == ("app-1", "app-2")
    assert config.jwks_url == "http://127.0.0.1:9229/jwks.json"
    assert config.idp_endpoint_url == "http://127.0.0.1:9229"
    assert (config.admin_group, config.leeway_seconds) == ("Ops.Team@x", 0.0)


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
