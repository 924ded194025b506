"""triggers.pre_token_generation: the plan claim, and nothing about authority."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from tests.unit.triggers import events
from triggers import pre_token_generation
from triggers.config import Config

SOURCES = [
    "TokenGeneration_HostedAuth",
    "TokenGeneration_Authentication",
    "TokenGeneration_NewPasswordChallenge",
    "TokenGeneration_AuthenticateDevice",
    "TokenGeneration_RefreshTokens",
]


DEFAULTS = Config()


def _run(event: dict[str, Any], config: Config = DEFAULTS) -> dict[str, Any]:
    return pre_token_generation.handle(event, config, events.no_cognito)


def _v2(plan: str) -> dict[str, Any]:
    return {
        "claimsAndScopeOverrideDetails": {
            "idTokenGeneration": {"claimsToAddOrOverride": {"plan": plan}},
            "accessTokenGeneration": {"claimsToAddOrOverride": {"plan": plan}},
        }
    }


@pytest.mark.parametrize("source", SOURCES)
def test_v2_plan_in_both_tokens(source: str) -> None:
    event = events.pre_token_generation(
        source, attributes=events.user_attributes(**{"custom:plan": "pro"})
    )
    assert _run(event) is event
    assert event["response"] == _v2("pro")


@pytest.mark.parametrize("source", SOURCES)
def test_v1_plan_in_the_id_token(source: str) -> None:
    event = events.pre_token_generation(
        source, version="1", attributes=events.user_attributes(**{"custom:plan": "team_2"})
    )
    assert _run(event)["response"] == {
        "claimsOverrideDetails": {"claimsToAddOrOverride": {"plan": "team_2"}}
    }


def test_v3_answers_like_v2() -> None:
    event = events.pre_token_generation(version="3")
    assert _run(event)["response"] == _v2("free")


def test_machine_tokens_have_no_plan() -> None:
    event = events.pre_token_generation("TokenGeneration_ClientCredentials", version="3")
    del event["request"]["userAttributes"]
    assert _run(event)["response"] == {"claimsAndScopeOverrideDetails": None}


def test_no_plan_attribute_gets_the_default() -> None:
    assert _run(events.pre_token_generation(), Config(default_plan="basic"))["response"] == (
        _v2("basic")
    )


@pytest.mark.parametrize(
    "plan",
    [
        'Admin"',
        "Admin",
        "pro\n",
        "pro,admin",
        '{"cognito:groups": ["Admin"]}',
        "",
        "-pro",
        "a" * 33,
        "pro plan",
    ],
)
def test_bad_plan_falls_back_to_the_default(plan: str, caplog: pytest.LogCaptureFixture) -> None:
    event = events.pre_token_generation(attributes=events.user_attributes(**{"custom:plan": plan}))
    with caplog.at_level(logging.WARNING, logger="triggers"):
        assert _run(event)["response"] == _v2("free")
    assert "custom:plan" in caplog.text
    if plan:
        assert plan not in caplog.text.replace("custom:plan", "")


HOSTILE: dict[str, Any] = {
    "custom:plan": 'Admin"',
    "cognito:groups": "Admin",
    "cognito:preferred_role": "arn:aws:iam::123456789012:role/Admin",
    "custom:groups": "Admin",
}


@pytest.mark.parametrize("version", ["1", "2"])
def test_never_names_groups_or_reserved_claims(version: str) -> None:
    event = events.pre_token_generation(
        version=version, attributes=events.user_attributes(**HOSTILE)
    )
    # Even a response already carrying group overrides does not survive.
    event["response"] = {
        "claimsAndScopeOverrideDetails": {"groupOverrideDetails": {"groupsToOverride": ["Admin"]}},
        "claimsOverrideDetails": {"groupOverrideDetails": {"groupsToOverride": ["Admin"]}},
    }
    text = json.dumps(_run(event)["response"])
    assert "groupOverrideDetails" not in text
    assert "cognito:" not in text
    assert "Admin" not in text
    assert "plan" in text
    for reserved in ("sub", "iss", "aud", "token_use", "scope", "username", "client_id"):
        assert f'"{reserved}"' not in text


def test_plan_of_the_wrong_type_named() -> None:
    event = events.pre_token_generation(attributes={"custom:plan": ["pro"]})
    with pytest.raises(ValueError, match=r"request\.userAttributes\.custom:plan"):
        _run(event)


def test_missing_user_attributes_named() -> None:
    event = events.pre_token_generation()
    del event["request"]["userAttributes"]
    with pytest.raises(ValueError, match=r"request\.userAttributes"):
        _run(event)


@pytest.mark.parametrize("version", ["4", "V2_0", None])
def test_unknown_version_refused(version: Any) -> None:
    event = events.pre_token_generation() | {"version": version}
    with pytest.raises(ValueError, match="version"):
        _run(event)
