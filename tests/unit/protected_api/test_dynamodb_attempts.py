"""The DynamoDB attempt store on moto's DynamoDB: the item it keeps, its conditional
writes when another instance writes first, and failing closed.

The rule it shares with the in-process store (counts, locks, expiry, forgiving) is
tested on both in test_attempt_limits.py.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from protected_api import attempt_limits, dynamodb_attempts
from tests.unit.protected_api import stubs
from tests.unit.protected_api.test_attempt_limits import POLICY, T0, create_table

TABLE = "attempts"


@pytest.fixture
def dynamodb(aws_credentials: None) -> Iterator[Any]:
    from moto import mock_aws

    with mock_aws():
        client = dynamodb_attempts.client_for("us-east-1")
        create_table(client, TABLE)
        yield client


def item(dynamodb: Any, key: str = "k") -> dict[str, Any]:
    found: dict[str, Any] = dynamodb.get_item(
        TableName=TABLE, Key={"pk": {"S": key}}, ConsistentRead=True
    ).get("Item", {})
    return found


def test_one_item_per_key_with_a_ttl_in_whole_seconds(dynamodb: Any) -> None:
    store = dynamodb_attempts.DynamoDbAttemptStore(TABLE, dynamodb)
    now = T0 + 0.4
    for _ in range(3):
        store.hit("k", POLICY, now)
    stored = item(dynamodb)
    assert set(stored) == {"pk", "attempts", "locked_until", "expires_at", "version"}
    assert stored["pk"] == {"S": "k"}
    assert (stored["attempts"], stored["version"]) == ({"N": "3"}, {"N": "3"})
    assert float(stored["locked_until"]["N"]) == pytest.approx(T0 + 1.4)
    # The TTL attribute: whole seconds, rounded up (never before the counter ends).
    assert stored["expires_at"] == {"N": "1800000061"}


def test_two_instances_count_on_one_item(dynamodb: Any) -> None:
    first = dynamodb_attempts.DynamoDbAttemptStore(TABLE, dynamodb)
    second = dynamodb_attempts.DynamoDbAttemptStore(
        TABLE, dynamodb_attempts.client_for("us-east-1")
    )
    first.hit("k", POLICY, T0)
    second.hit("k", POLICY, T0)
    third = first.hit("k", POLICY, T0)
    assert isinstance(third, attempt_limits.Counter) and third.attempts == 3
    assert second.hit("k", POLICY, T0) == pytest.approx(1.0)  # the lock the first one set


def test_an_expired_item_dynamodb_has_not_deleted_yet_is_not_trusted(dynamodb: Any) -> None:
    dynamodb.put_item(
        TableName=TABLE,
        Item={
            "pk": {"S": "k"},
            "attempts": {"N": "99"},
            "locked_until": {"N": str(T0 + 3600)},  # nonsense, but past its expiry
            "expires_at": {"N": str(int(T0))},
            "version": {"N": "7"},
        },
    )
    store = dynamodb_attempts.DynamoDbAttemptStore(TABLE, dynamodb)
    fresh = store.hit("k", POLICY, T0)
    assert isinstance(fresh, attempt_limits.Counter)
    assert (fresh.attempts, fresh.locked_until) == (1, 0.0)
    assert item(dynamodb)["version"] == {"N": "8"}


class Interleaved:
    """A client on which another instance counts the same key right after each of the
    first ``times`` reads: the store's conditional write then finds the item changed."""

    def __init__(self, client: Any, times: int) -> None:
        self._client = client
        self._other = dynamodb_attempts.DynamoDbAttemptStore(TABLE, client)
        self.times = times
        self.updates = 0

    def get_item(self, **kwargs: Any) -> Any:
        answer = self._client.get_item(**kwargs)
        if self.times > 0:
            self.times -= 1
            self._other.hit(kwargs["Key"]["pk"]["S"], attempt_limits.Policy(free=1000), T0)
        return answer

    def update_item(self, **kwargs: Any) -> Any:
        self.updates += 1
        return self._client.update_item(**kwargs)


def test_a_write_that_finds_the_item_changed_reads_again(dynamodb: Any) -> None:
    client = Interleaved(dynamodb, times=2)
    store = dynamodb_attempts.DynamoDbAttemptStore(TABLE, client)
    outcome = store.hit("k", POLICY, T0)
    # Two attempts of the other instance came first; this one is the third, and locks.
    assert isinstance(outcome, attempt_limits.Counter)
    assert (outcome.attempts, outcome.locked_until) == (3, T0 + 1)
    assert client.updates == 3  # two refused by their condition, one written
    assert item(dynamodb)["attempts"] == {"N": "3"}


def test_endless_contention_refuses_the_attempt(
    dynamodb: Any, caplog: pytest.LogCaptureFixture
) -> None:
    store = dynamodb_attempts.DynamoDbAttemptStore(TABLE, Interleaved(dynamodb, times=100))
    assert store.hit("k", POLICY, T0) == 1.0
    assert "conflicting writes" in caplog.text


def test_a_table_that_cannot_be_read_or_written_fails_closed(
    dynamodb: Any, caplog: pytest.LogCaptureFixture
) -> None:
    store = dynamodb_attempts.DynamoDbAttemptStore("no-such-table", dynamodb)
    with pytest.raises(attempt_limits.AttemptStoreError):
        store.hit("k", POLICY, T0)
    # Settling after the answer only logs: the attempt then stays counted.
    caplog.set_level(logging.WARNING)
    store.forgive("k", T0, T0 + 1)
    store.clear("k")
    assert caplog.text.count("ResourceNotFoundException") == 3


class WritesFail:
    def __init__(self, client: Any) -> None:
        self._client = client

    def get_item(self, **kwargs: Any) -> Any:
        return self._client.get_item(**kwargs)

    def update_item(self, **kwargs: Any) -> Any:
        return self._client.update_item(**{**kwargs, "TableName": "no-such-table"})


def test_a_write_that_fails_fails_closed(dynamodb: Any) -> None:
    store = dynamodb_attempts.DynamoDbAttemptStore(TABLE, WritesFail(dynamodb))
    with pytest.raises(attempt_limits.AttemptStoreError):
        store.hit("k", POLICY, T0)


def test_an_unreachable_table_fails_closed_within_the_client_bounds(
    aws_credentials: None, sleeps: list[float]
) -> None:
    client = dynamodb_attempts.client_for("us-east-1", stubs.closed_port_url())
    config = client.meta.config
    assert (config.connect_timeout, config.read_timeout) == (2, 3)
    assert config.retries == {"mode": "standard", "total_max_attempts": 2}
    store = dynamodb_attempts.DynamoDbAttemptStore(TABLE, client)
    with pytest.raises(attempt_limits.AttemptStoreError):
        store.hit("k", POLICY, T0)
    assert len(sleeps) == 1  # two attempts in all
    store.forgive("k", T0, 0.0)  # logged, not raised
    store.clear("k")
