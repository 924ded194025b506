"""triggers.aws: the client's limits (Cognito gives a trigger 5 s) and log-safe error names."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import botocore.exceptions
import pytest

from triggers import aws


@pytest.fixture
def fresh_client(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No cached client before or after, and a region and dummy keys from the environment
    (as Lambda gives them)."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    aws.cognito_client.cache_clear()
    yield
    aws.cognito_client.cache_clear()


@pytest.mark.usefixtures("fresh_client")
def test_client_times_out_quickly_and_retries_little() -> None:
    client = aws.cognito_client()
    assert client.meta.service_model.service_name == "cognito-idp"
    assert client.meta.region_name == "eu-west-1"
    config: Any = client.meta.config  # botocore's stubs leave its options out
    assert (config.connect_timeout, config.read_timeout) == (1, 3)
    # One attempt: a retry could not finish inside Cognito's 5 s.
    assert config.retries == {"total_max_attempts": 1, "mode": "standard"}
    assert config.connect_timeout + config.read_timeout < 5


@pytest.mark.usefixtures("fresh_client")
def test_client_built_once_per_environment() -> None:
    assert aws.cognito_client() is aws.cognito_client()


def test_error_code_of_a_service_error() -> None:
    exc = botocore.exceptions.ClientError(
        {"Error": {"Code": "UserNotFoundException", "Message": "jane@example.com not found"}},
        "AdminAddUserToGroup",
    )
    assert aws.error_code(exc) == "UserNotFoundException"


def test_error_code_of_a_transport_error() -> None:
    exc = botocore.exceptions.ConnectTimeoutError(endpoint_url="https://cognito-idp.example")
    assert aws.error_code(exc) == "ConnectTimeoutError"
    assert isinstance(exc, aws.ERRORS)
