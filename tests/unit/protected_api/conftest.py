"""Fixtures for protected_api's unit tests: AWS without AWS, and Cognito stand-ins."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from botocore.stub import Stubber

from protected_api import cognito_admin
from tests.unit.protected_api import stubs


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dummy keys, and no shared config that could name a real account."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")


@pytest.fixture
def stubbed(aws_credentials: None) -> Iterator[tuple[cognito_admin.CognitoAdmin, Stubber]]:
    """The adapter (app client :data:`stubs.CLIENT`) on a boto3 client whose answers
    botocore's Stubber gives, in order; every queued answer must have been used by the
    end of the test."""
    client = boto3.client("cognito-idp", region_name="us-east-1")
    with Stubber(client) as stubber:
        yield cognito_admin.CognitoAdmin(client, stubs.POOL_ID, stubs.CLIENT), stubber
        stubber.assert_no_pending_responses()


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """botocore's backoff delays, recorded instead of slept."""
    delays: list[float] = []
    monkeypatch.setattr("botocore.endpoint.time.sleep", delays.append)
    return delays


@pytest.fixture
def throttling(aws_credentials: None) -> Iterator[stubs.Upstream]:
    """A cognito-idp that answers every request ``TooManyRequestsException``."""
    upstream = stubs.Upstream(400, "TooManyRequestsException", "Rate exceeded")
    with upstream.server:
        yield upstream
