"""The boto3 client the handlers get in these tests: a real cognito-idp client (so
parameters are checked against the API's model) under botocore's Stubber."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.stub import Stubber

from tests.unit.triggers import events


@pytest.fixture
def client() -> Any:
    return events.idp_client()


@pytest.fixture
def stub(client: Any) -> Iterator[Stubber]:
    """Every response a test queues must be asked for."""
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()
