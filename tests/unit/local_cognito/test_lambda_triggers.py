"""local_cognito.lambda_triggers without HTTP: which triggers run, the event's envelope,
the serving lock let go while a handler runs, and how a pre token generation answer
becomes token claims (tokens.Customization). The operations over HTTP are in
tests/integration/test_triggers_stand_in.py."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
from moto.core.exceptions import JsonRESTError

from local_cognito import lambda_triggers, seed, settings, tokens
from local_cognito import pool as pool_mod
from triggers import config as trigger_config


@pytest.fixture
def pool_settings() -> settings.PoolSettings:
    return settings.PoolSettings(triggers=("PreSignUp",), allowed_email_domains=("example.com",))


def echo(event: dict[str, Any], config: Any, cognito: Any) -> dict[str, Any]:
    return event


def test_only_the_enabled_triggers_run(pool: pool_mod.LocalPool) -> None:
    called: list[str] = []

    def record(event: dict[str, Any], config: Any, cognito: Any) -> dict[str, Any]:
        called.append(event["triggerSource"])
        return event

    triggers = lambda_triggers.Triggers(pool.pool, trigger_config.Config())
    assert triggers.run("PreSignUp", "PreSignUp_SignUp", "bob", {}) is None
    triggers.replace("PreSignUp", record)  # replacing turns it on
    assert triggers.run("PreSignUp", "PreSignUp_SignUp", "bob", {}) == {}
    assert called == ["PreSignUp_SignUp"]


def test_unknown_trigger_names_are_refused(pool: pool_mod.LocalPool) -> None:
    with pytest.raises(ValueError, match="unknown triggers: PreAuthentication"):
        lambda_triggers.Triggers(
            pool.pool, trigger_config.Config(), frozenset({"PreAuthentication"})
        )
    with pytest.raises(ValueError, match="unknown trigger"):
        pool.triggers.replace("Migrate", echo)


def test_the_envelope_is_cognitos(pool: pool_mod.LocalPool) -> None:
    seen: list[dict[str, Any]] = []

    def record(event: dict[str, Any], config: Any, cognito: Any) -> dict[str, Any]:
        seen.append(event)
        return event

    pool.triggers.replace("PreSignUp", record)
    pool.triggers.run(
        "PreSignUp",
        "PreSignUp_AdminCreateUser",
        "bob",
        {"email": "bob@example.com"},
        request={"validationData": {}},
        response={"autoConfirmUser": False},
    )
    assert seen == [
        {
            "version": "1",
            "triggerSource": "PreSignUp_AdminCreateUser",
            "region": pool.settings.region,
            "userPoolId": pool.id,
            "userName": "bob",
            "callerContext": {
                "awsSdkVersion": lambda_triggers.SDK_VERSION,
                "clientId": "CLIENT_ID_NOT_APPLICABLE",
            },
            "request": {"userAttributes": {"email": "bob@example.com"}, "validationData": {}},
            "response": {"autoConfirmUser": False},
        }
    ]


def test_a_users_attributes_carry_sub_and_status(pool: pool_mod.LocalPool) -> None:
    seed.seed_demo(pool)
    alice = pool.pool._get_user("alice")
    found = lambda_triggers.user_attributes(alice)
    assert found["sub"] == alice.id
    assert found["cognito:user_status"] == "CONFIRMED"
    assert found["email"] == "alice@example.com"


def test_the_real_pre_sign_up_handler_runs_without_a_server(pool: pool_mod.LocalPool) -> None:
    """Pre sign-up calls no Cognito API, so a pool without HTTP runs it too."""
    with pytest.raises(JsonRESTError) as refused:
        pool.accounts.sign_up("mallory", "Mallory-Passw0rd!", {"email": "m@evil.org"})
    assert refused.value.error_type == "UserLambdaValidationException"
    assert pool.pool._get_user("mallory") is None
    assert pool.accounts.sign_up("bobby", "Bobby-Passw0rd!", {"email": "b@example.com"})


def test_a_handler_needing_cognito_before_the_server_listens_fails_clearly(
    pool: pool_mod.LocalPool,
) -> None:
    def calls_cognito(event: dict[str, Any], config: Any, cognito: Any) -> dict[str, Any]:
        cognito()
        return event

    pool.triggers.replace("PostConfirmation", calls_cognito)
    with pytest.raises(JsonRESTError, match="the stand-in is not serving"):
        pool.triggers.run("PostConfirmation", "PostConfirmation_ConfirmSignUp", "bob", {})


def test_bind_gives_the_handlers_the_stand_ins_url_unless_one_is_set(
    pool: pool_mod.LocalPool,
) -> None:
    pool.triggers.bind("http://127.0.0.1:9229")
    assert pool.triggers.config.managed_login_url == "http://127.0.0.1:9229"
    configured = dataclasses.replace(
        trigger_config.Config(), managed_login_url="https://login.example.com"
    )
    other = lambda_triggers.Triggers(pool.pool, configured)
    other.bind("http://127.0.0.1:9229")
    assert other.config.managed_login_url == "https://login.example.com"


def test_the_server_is_let_go_while_a_handler_runs(pool: pool_mod.LocalPool) -> None:
    """The handler may call the stand-in, which serves one request at a time."""
    state: list[str] = []

    @contextlib.contextmanager
    def released() -> Iterator[None]:
        state.append("released")
        yield
        state.append("taken back")

    def record(event: dict[str, Any], config: Any, cognito: Any) -> dict[str, Any]:
        state.append("handler")
        return event

    pool.triggers.bind("http://127.0.0.1:9229", released)
    pool.triggers.replace("PreSignUp", record)
    pool.triggers.run("PreSignUp", "PreSignUp_SignUp", "bob", {})
    assert state == ["released", "handler", "taken back"]


# -- tokens.Customization ------------------------------------------------------------------


def claims() -> dict[str, Any]:
    return {
        "sub": "s",
        "scope": "openid email",
        "cognito:groups": ["Admin"],
        "email": "a@example.com",
        "token_use": "access",
    }


def test_added_and_suppressed_claims_are_suppressed() -> None:
    custom = tokens.Customization(
        access_claims={"plan": "pro"}, access_suppress=frozenset({"plan"})
    )
    found = claims()
    custom.apply(found, "access")
    assert "plan" not in found


def test_scopes_are_added_once_and_suppressed() -> None:
    custom = tokens.Customization(
        scopes_add=("email", "orders.read"), scopes_suppress=frozenset({"openid"})
    )
    found = claims()
    custom.apply(found, "access")
    assert found["scope"] == "email orders.read"
    id_claims = claims()
    custom.apply(id_claims, "id")  # scopes are the access token's only
    assert id_claims["scope"] == "openid email"


def test_group_overrides_replace_or_remove_the_groups_claim() -> None:
    replaced = claims()
    tokens.Customization(groups=("Readers",)).apply(replaced, "id")
    assert replaced["cognito:groups"] == ["Readers"]
    removed = claims()
    tokens.Customization(groups=()).apply(removed, "access")
    assert "cognito:groups" not in removed
    kept = claims()
    tokens.Customization().apply(kept, "access")
    assert kept == claims()


def test_an_answer_with_the_wrong_types_is_an_invalid_lambda_response(
    pool: pool_mod.LocalPool,
) -> None:
    seed.seed_demo(pool)
    alice = pool.pool._get_user("alice")
    bad_answers: list[Any] = [
        "claims",
        {"idTokenGeneration": ["plan"]},
        {"accessTokenGeneration": {"claimsToAddOrOverride": ["plan"]}},
        {"accessTokenGeneration": {"scopesToAdd": ["two words"]}},
        {"groupOverrideDetails": {"groupsToOverride": "Admin"}},
    ]
    for details in bad_answers:

        def answer(event: dict[str, Any], config: Any, cognito: Any, d: Any = details) -> Any:
            event["response"]["claimsAndScopeOverrideDetails"] = d
            return event

        pool.triggers.replace("PreTokenGeneration", answer)
        with pytest.raises(JsonRESTError) as refused:
            lambda_triggers.token_customization(
                pool.triggers,
                "TokenGeneration_Authentication",
                alice,
                client_id=pool.client_id,
                scopes=("openid",),
                groups=[],
            )
        assert refused.value.error_type == "InvalidLambdaResponseException", details
