"""triggers.post_authentication: the sign-in time, stamped in UTC; failures never stop
a sign-in."""

from __future__ import annotations

import datetime
import logging
from typing import Any

import pytest
from botocore.stub import Stubber

from tests.unit.triggers import events
from triggers import post_authentication
from triggers.config import Config

#: 11:30:05 in UTC+02:00, so a stamp left in local time would show.
MOMENT = datetime.datetime(
    2024, 5, 1, 11, 30, 5, 999, tzinfo=datetime.timezone(datetime.timedelta(hours=2))
)
UPDATE = {
    "UserPoolId": events.POOL_ID,
    "Username": events.USERNAME,
    "UserAttributes": [{"Name": "custom:last_sign_in", "Value": "2024-05-01T09:30:05Z"}],
}


def test_sign_in_stamped_in_utc(client: Any, stub: Stubber) -> None:
    stub.add_response("admin_update_user_attributes", {}, UPDATE)
    event = events.post_authentication()
    result = post_authentication.handle(event, Config(), lambda: client, now=lambda: MOMENT)
    assert result is event
    assert event["response"] == {}


def test_default_clock_is_utc_now(client: Any, stub: Stubber) -> None:
    before = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    seen: list[str] = []

    def capture(params: dict[str, Any], **kwargs: Any) -> None:
        seen.append(params["UserAttributes"][0]["Value"])

    client.meta.events.register(
        "before-parameter-build.cognito-idp.AdminUpdateUserAttributes", capture
    )
    stub.add_response("admin_update_user_attributes", {})
    post_authentication.handle(events.post_authentication(), Config(), lambda: client)
    after = datetime.datetime.now(datetime.UTC)
    [stamp] = seen
    moment = datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.UTC)
    assert before <= moment <= after


def test_naive_clock_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        post_authentication.handle(
            events.post_authentication(),
            Config(),
            events.no_cognito,
            now=lambda: datetime.datetime(2024, 5, 1),  # naive: the point of the test
        )


def test_failed_call_logged_and_swallowed(
    client: Any, stub: Stubber, caplog: pytest.LogCaptureFixture
) -> None:
    stub.add_client_error(
        "admin_update_user_attributes",
        service_error_code="InvalidParameterException",
        service_message="Attribute does not exist in the schema.",
        expected_params=UPDATE,
    )
    event = events.post_authentication()
    with caplog.at_level(logging.ERROR, logger="triggers"):
        result = post_authentication.handle(event, Config(), lambda: client, now=lambda: MOMENT)
    assert result is event
    [record] = caplog.records
    assert "InvalidParameterException" in record.getMessage()
    assert "PostAuthentication_Authentication" in record.getMessage()
    assert events.USERNAME not in caplog.text
    assert events.EMAIL not in caplog.text


def test_other_sources_ignored() -> None:
    event = events.post_authentication("PostAuthentication_Something")
    assert post_authentication.handle(event, Config(), events.no_cognito) is event


@pytest.mark.parametrize("field", ["userName", "userPoolId"])
def test_missing_field_named_before_any_call(field: str) -> None:
    event = events.post_authentication()
    del event[field]
    with pytest.raises(ValueError, match=field):
        post_authentication.handle(event, Config(), events.no_cognito, now=lambda: MOMENT)


def test_missing_request_named() -> None:
    event = events.post_authentication() | {"request": None}
    with pytest.raises(ValueError, match="request must be a JSON object"):
        post_authentication.handle(event, Config(), events.no_cognito, now=lambda: MOMENT)
