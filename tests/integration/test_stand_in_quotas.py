"""Quota emulation over HTTP: boto3 meets Cognito's TooManyRequestsException, botocore's
retry modes treat it as Cognito's throttling is treated, managed login and the token
endpoint count as documented. The stand-in runs on the test's clock, so buckets refill
only when the test says."""

from __future__ import annotations

from typing import Any

import boto3
import botocore.config
import pytest
import requests

from local_cognito import quotas, server, settings
from tests.support import clock

pytestmark = pytest.mark.integration
TIMEOUT = 10


@pytest.fixture
def pool_settings() -> settings.PoolSettings:
    return settings.PoolSettings(
        require_pkce=True,
        quotas=quotas.cognito({"UserCreation": 2, "UserAuthentication": 1}),
    )


def client(stand_in: server.LocalCognito, **retries: Any) -> Any:
    """A boto3 cognito-idp client with the given retry settings (one attempt by default)."""
    config = botocore.config.Config(retries=retries or {"total_max_attempts": 1})  # type: ignore[arg-type]
    return boto3.client(
        "cognito-idp",
        endpoint_url=stand_in.url,
        region_name=stand_in.pool.settings.region,
        aws_access_key_id="local",
        aws_secret_access_key="local",
        config=config,
    )


def invite(idp: Any, stand_in: server.LocalCognito, name: str) -> None:
    idp.admin_create_user(UserPoolId=stand_in.pool.id, Username=name, MessageAction="SUPPRESS")


def test_boto3_gets_too_many_requests_and_the_rate_comes_back_with_time(
    stand_in: server.LocalCognito, fake_clock: clock.FakeClock
) -> None:
    idp = client(stand_in)
    invite(idp, stand_in, "u1")
    invite(idp, stand_in, "u2")
    with pytest.raises(idp.exceptions.TooManyRequestsException) as caught:
        invite(idp, stand_in, "u3")
    error = caught.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error["Error"] == {"Code": "TooManyRequestsException", "Message": "Too many requests"}
    assert "u3" not in stand_in.pool.pool.users  # refused before moto saw it
    # Another category is not held up by this one.
    assert idp.admin_get_user(UserPoolId=stand_in.pool.id, Username="u1")["Username"] == "u1"
    fake_clock.advance(0.5)  # 2 per second: one more now
    invite(idp, stand_in, "u3")
    with pytest.raises(idp.exceptions.TooManyRequestsException):
        invite(idp, stand_in, "u4")


def test_botocores_standard_retries_treat_it_as_throttling_and_legacy_does_not(
    stand_in: server.LocalCognito,
) -> None:
    assert stand_in.limiter is not None
    invite(client(stand_in), stand_in, "u1")
    invite(client(stand_in), stand_in, "u2")  # the bucket is empty; the clock stands still
    standard = client(stand_in, mode="standard", total_max_attempts=2)
    with pytest.raises(standard.exceptions.TooManyRequestsException) as caught:
        invite(standard, stand_in, "u3")
    assert caught.value.response["ResponseMetadata"]["RetryAttempts"] == 1
    assert stand_in.limiter.throttled["UserCreation"] == 2  # tried, retried
    # botocore's legacy mode retries only HTTP 429 and other codes as throttling, not
    # Cognito's 400 TooManyRequestsException: one attempt, no retry.
    legacy = client(stand_in, mode="legacy", max_attempts=2)
    with pytest.raises(legacy.exceptions.TooManyRequestsException) as caught:
        invite(legacy, stand_in, "u3")
    assert caught.value.response["ResponseMetadata"]["RetryAttempts"] == 0
    assert stand_in.limiter.throttled["UserCreation"] == 3


def test_managed_login_and_the_token_endpoint_count_as_sign_ins(
    stand_in: server.LocalCognito, fake_clock: clock.FakeClock
) -> None:
    login = f"{stand_in.url}/login"
    assert requests.get(login, timeout=TIMEOUT).status_code != 429  # a page: not counted
    first = requests.post(login, data={"username": "alice"}, timeout=TIMEOUT)
    assert first.status_code != 429  # counted (then refused for its own reasons)
    second = requests.post(login, data={"username": "alice"}, timeout=TIMEOUT)
    assert second.status_code == 429 and second.headers["Retry-After"] == "1"
    assert "Too many requests" in second.text
    refresh = requests.post(
        f"{stand_in.url}/oauth2/token",
        data={"grant_type": "refresh_token", "refresh_token": "x", "client_id": "y"},
        timeout=TIMEOUT,
    )
    assert refresh.status_code == 429 and refresh.json() == {"error": "too_many_requests"}
    # Code redemption has an allocation of its own at the same rate: not yet spent.
    code = requests.post(
        f"{stand_in.url}/oauth2/token",
        data={"grant_type": "authorization_code", "code": "x", "client_id": "y"},
        timeout=TIMEOUT,
    )
    assert code.status_code != 429
    idp = client(stand_in)
    with pytest.raises(idp.exceptions.TooManyRequestsException):  # the same category
        idp.admin_initiate_auth(
            UserPoolId=stand_in.pool.id,
            ClientId=stand_in.pool.client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "alice", "PASSWORD": "Alice-Passw0rd!"},
        )
    fake_clock.advance(1.0)
    assert requests.post(login, data={"username": "alice"}, timeout=TIMEOUT).status_code != 429


def test_without_quotas_nothing_is_throttled(fake_clock: clock.FakeClock) -> None:
    with server.LocalCognito(port=0, now=fake_clock, demo_users=False) as stand_in:
        assert stand_in.limiter is None and stand_in.info()["quotas"] is None
        idp = client(stand_in)
        for i in range(60):
            invite(idp, stand_in, f"u{i}")
        assert len(stand_in.pool.pool.users) == 60


def test_info_reports_each_categorys_rate(stand_in: server.LocalCognito) -> None:
    rates = stand_in.info()["quotas"]
    assert rates["UserCreation"] == 2 and rates["UserList"] == 30
    assert set(rates) == set(quotas.CATEGORIES)
    idp = client(stand_in)
    answers = []
    for _ in range(40):
        try:
            answers.append(len(idp.list_users(UserPoolId=stand_in.pool.id)["Users"]))
        except idp.exceptions.TooManyRequestsException:
            answers.append(-1)
    assert answers.count(-1) == 10  # 30 a second, the clock standing still
