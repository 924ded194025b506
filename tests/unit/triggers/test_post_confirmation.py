"""triggers.post_confirmation: a confirmed sign-up joins the default group; a failed
call never fails the confirmation."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from botocore.stub import Stubber

from tests.unit.triggers import events
from triggers import post_confirmation
from triggers.config import Config

USERS = Config(default_group="Users")
ADD = {"UserPoolId": events.POOL_ID, "Username": events.USERNAME, "GroupName": "Users"}


def test_confirmed_sign_up_joins_the_default_group(client: Any, stub: Stubber) -> None:
    stub.add_response("admin_add_user_to_group", {}, ADD)
    event = events.post_confirmation()
    assert post_confirmation.handle(event, USERS, lambda: client) is event
    assert event["response"] == {}


def test_admin_confirmation_has_the_same_source(client: Any, stub: Stubber) -> None:
    # AdminConfirmSignUp also arrives as PostConfirmation_ConfirmSignUp: the user signed
    # up themselves either way.
    stub.add_response("admin_add_user_to_group", {}, ADD)
    post_confirmation.handle(events.post_confirmation(), USERS, lambda: client)


def test_password_reset_changes_nothing() -> None:
    event = events.post_confirmation("PostConfirmation_ConfirmForgotPassword")
    assert post_confirmation.handle(event, USERS, events.no_cognito) == (
        events.post_confirmation("PostConfirmation_ConfirmForgotPassword")
    )


def test_no_default_group_no_call() -> None:
    post_confirmation.handle(events.post_confirmation(), Config(), events.no_cognito)


@pytest.mark.parametrize("code", ["ResourceNotFoundException", "TooManyRequestsException"])
def test_failed_call_logged_and_swallowed(
    client: Any, stub: Stubber, code: str, caplog: pytest.LogCaptureFixture
) -> None:
    stub.add_client_error(
        "admin_add_user_to_group",
        service_error_code=code,
        service_message=f"User {events.USERNAME} with {events.EMAIL} failed",
        expected_params=ADD,
    )
    event = events.post_confirmation()
    with caplog.at_level(logging.ERROR, logger="triggers"):
        assert post_confirmation.handle(event, USERS, lambda: client) is event
    [record] = caplog.records
    assert record.levelno == logging.ERROR
    assert code in record.getMessage()
    assert events.POOL_ID in record.getMessage()
    assert events.USERNAME not in caplog.text
    assert events.EMAIL not in caplog.text


def test_no_answer_at_all_swallowed(caplog: pytest.LogCaptureFixture) -> None:
    import botocore.exceptions

    def unreachable() -> Any:
        raise botocore.exceptions.EndpointConnectionError(endpoint_url="https://idp.example")

    with caplog.at_level(logging.ERROR, logger="triggers"):
        post_confirmation.handle(events.post_confirmation(), USERS, unreachable)
    assert "EndpointConnectionError" in caplog.text


def test_other_errors_are_not_swallowed() -> None:
    def broken() -> Any:
        raise RuntimeError("a bug, not a failed call")

    with pytest.raises(RuntimeError):
        post_confirmation.handle(events.post_confirmation(), USERS, broken)


@pytest.mark.parametrize("field", ["userName", "userPoolId", "triggerSource"])
def test_missing_field_named_before_any_call(field: str) -> None:
    event = events.post_confirmation()
    del event[field]
    with pytest.raises(ValueError, match=field):
        post_confirmation.handle(event, USERS, events.no_cognito)


def test_missing_user_attributes_named() -> None:
    event = events.post_confirmation()
    event["request"] = {"clientMetadata": {}}
    with pytest.raises(ValueError, match=r"request\.userAttributes"):
        post_confirmation.handle(event, USERS, events.no_cognito)
