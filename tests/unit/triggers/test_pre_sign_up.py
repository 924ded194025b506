"""triggers.pre_sign_up: self-service sign-up from the allowed domains only, nothing
auto-confirmed."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tests.unit.triggers import events
from triggers import pre_sign_up
from triggers.config import Config

ONE = Config(allowed_email_domains=("example.com",))
TWO = Config(allowed_email_domains=("example.com", "example.org"))
NOTHING_AUTOMATIC = {"autoConfirmUser": False, "autoVerifyEmail": False, "autoVerifyPhone": False}


def _run(event: dict[str, Any], config: Config) -> dict[str, Any]:
    return pre_sign_up.handle(event, config, events.no_cognito)


@pytest.mark.parametrize(
    "email", ["jane@example.com", "Jane.Doe@EXAMPLE.COM", 'odd"@name"@example.com']
)
def test_allowed_domain_signs_up(email: str) -> None:
    event = events.pre_sign_up(email=email)
    assert _run(event, ONE) is event
    assert event["response"] == NOTHING_AUTOMATIC


@pytest.mark.parametrize(
    "email",
    [
        "jane@evil-example.com",
        "jane@example.com.evil.org",
        "jane@sub.example.com",
        "jane@example.co",
        "example.com",  # no "@" at all
        "jane@example.com@evil.org",  # the domain is after the last "@"
        "jane@example.com.",
        "jane@",
        "",
    ],
)
def test_look_alike_domains_refused(email: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="triggers")
    with pytest.raises(pre_sign_up.SignUpRefused) as refused:
        _run(events.pre_sign_up(email=email), ONE)
    assert str(refused.value) == "Sign-up is open to addresses at example.com only"
    # The log says what happened where, never whose address.
    assert "PreSignUp_SignUp" in caplog.text
    assert events.POOL_ID in caplog.text
    assert "jane" not in caplog.text


def test_refusal_names_every_allowed_domain() -> None:
    with pytest.raises(pre_sign_up.SignUpRefused) as refused:
        _run(events.pre_sign_up(email="jane@example.net"), TWO)
    assert str(refused.value) == "Sign-up is open to addresses at example.com or example.org only"
    three = Config(allowed_email_domains=("a.com", "b.com", "c.com"))
    with pytest.raises(pre_sign_up.SignUpRefused, match=r"at a\.com, b\.com or c\.com only$"):
        _run(events.pre_sign_up(email="jane@example.net"), three)


def test_second_allowed_domain_signs_up() -> None:
    assert _run(events.pre_sign_up(email="jane@Example.org"), TWO)["response"] == NOTHING_AUTOMATIC


def test_no_email_refused_when_domains_are_restricted() -> None:
    # A phone-only sign-up has no domain to show.
    with pytest.raises(pre_sign_up.SignUpRefused):
        _run(events.pre_sign_up(email=None), ONE)


def test_refusal_is_an_exception_cognito_reports() -> None:
    # Cognito turns any error into UserLambdaValidationException with its message.
    assert issubclass(pre_sign_up.SignUpRefused, Exception)
    assert not issubclass(pre_sign_up.SignUpRefused, ValueError)


def test_no_restriction_lets_any_domain_sign_up() -> None:
    event = events.pre_sign_up(email="jane@anywhere.example")
    assert _run(event, Config())["response"] == NOTHING_AUTOMATIC


@pytest.mark.parametrize("source", ["PreSignUp_AdminCreateUser", "PreSignUp_ExternalProvider"])
def test_other_sources_pass_whatever_the_domain(source: str) -> None:
    event = events.pre_sign_up(source, email="jane@elsewhere.example")
    assert _run(event, ONE)["response"] == NOTHING_AUTOMATIC


@pytest.mark.parametrize("source", ["PreSignUp_SignUp", "PreSignUp_AdminCreateUser"])
def test_nothing_is_ever_auto_confirmed(source: str) -> None:
    event = events.pre_sign_up(source)
    event["response"] = {"autoConfirmUser": True, "autoVerifyEmail": True, "autoVerifyPhone": True}
    assert _run(event, Config())["response"] == NOTHING_AUTOMATIC


def test_null_response_filled_in() -> None:
    event = events.pre_sign_up() | {"response": None}
    assert _run(event, ONE)["response"] == NOTHING_AUTOMATIC


def test_missing_request_named() -> None:
    event = events.pre_sign_up()
    del event["request"]
    with pytest.raises(ValueError, match="request must be a JSON object"):
        _run(event, ONE)


def test_missing_user_attributes_named() -> None:
    event = events.pre_sign_up()
    del event["request"]["userAttributes"]
    with pytest.raises(ValueError, match=r"request\.userAttributes"):
        _run(event, Config())


def test_email_of_the_wrong_type_named() -> None:
    event = events.pre_sign_up()
    event["request"]["userAttributes"]["email"] = ["jane@example.com"]
    with pytest.raises(ValueError, match=r"request\.userAttributes\.email must be a string"):
        _run(event, ONE)


@pytest.mark.parametrize("field", ["triggerSource", "userPoolId"])
def test_missing_header_field_named(field: str) -> None:
    event = events.pre_sign_up()
    del event[field]
    with pytest.raises(ValueError, match=field):
        _run(event, ONE)
