"""The sign-in attempt counters in a DynamoDB table, shared by every instance of the API.

Lambda runs the API as many instances at once, each with its own memory, so counters
kept in a process would give an attacker one allowance per instance. This store keeps
them in one table (``ATTEMPT_STORE_TABLE``; the template provisions it):

* **one item per key**: partition key ``pk`` (a string: the hashed key of
  :mod:`protected_api.attempt_limits`), ``attempts`` and ``locked_until`` (numbers),
  ``expires_at`` (epoch seconds, the table's **TTL attribute**) and ``version``;
* **atomic**: each attempt reads the item (strongly consistent) and writes the next
  state of :func:`~protected_api.attempt_limits.next_counter` with ``UpdateItem``
  (``ADD attempts``, ``ADD version``) under a ``ConditionExpression`` that the item is
  still the version read (or, for a new or expired item, that it still is one). When
  another instance wrote first, the condition fails and the attempt is read and tried
  again, so no two instances ever count from the same state;
* **expiry**: DynamoDB deletes expired items only eventually (within days), so an item
  past ``expires_at`` is read as absent, never trusted;
* **failures fail closed**: an error, a timeout or endless contention raises
  :class:`~protected_api.attempt_limits.AttemptStoreError`, and the sign-in is
  refused (503), not let through uncounted. Settling an attempt after the answer
  (:meth:`forgive`, :meth:`clear`) only logs a failure: the attempt then stays counted.

The boto3 client has short timeouts and few retries (:func:`client_for`): a slow
table must not hold every sign-in. The role needs ``dynamodb:GetItem``,
``dynamodb:UpdateItem`` and ``dynamodb:DeleteItem`` on the table.

API reference: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateItem.html
"""

from __future__ import annotations

import logging
import math
from typing import Any

import boto3
import botocore.config
import botocore.exceptions

from protected_api import attempt_limits

log = logging.getLogger(__name__)

#: Reads and conditional writes per attempt before giving up (another instance kept
#: writing the same key first): the attempt is then refused, as when locked.
MAX_TRIES = 5


def client_for(region: str, endpoint_url: str | None = None) -> Any:
    """A DynamoDB client with bounded timeouts and retries (``endpoint_url``: tests only)."""
    return boto3.client(
        "dynamodb",
        region_name=region,
        endpoint_url=endpoint_url,
        config=botocore.config.Config(
            connect_timeout=2,
            read_timeout=3,
            retries={"mode": "standard", "total_max_attempts": 2},
        ),
    )


def _number(value: float) -> dict[str, str]:
    # Millisecond precision is plenty for seconds-long locks, and keeps the text short.
    return {"N": f"{value:.3f}"}


def _counter(item: dict[str, Any] | None) -> tuple[attempt_limits.Counter, int] | None:
    """The item as a counter and its version; None for no item."""
    if not item:
        return None
    counter = attempt_limits.Counter(
        attempts=int(item["attempts"]["N"]),
        locked_until=float(item.get("locked_until", {"N": "0"})["N"]),
        expires_at=float(item["expires_at"]["N"]),
    )
    return counter, int(item.get("version", {"N": "0"})["N"])


class DynamoDbAttemptStore:
    """:class:`~protected_api.attempt_limits.AttemptStore` on one DynamoDB table."""

    def __init__(self, table: str, dynamodb: Any) -> None:
        self.table = table
        # Not named ``client``: tests/infra reads ``.client.<call>`` as cognito-idp calls.
        self.dynamodb = dynamodb

    def hit(
        self, key: str, policy: attempt_limits.Policy, now: float
    ) -> attempt_limits.Counter | float:
        for _ in range(MAX_TRIES):
            read = self._read(key)
            current = read[0] if read is not None else None
            outcome = attempt_limits.next_counter(current, policy, now)
            if not isinstance(outcome, attempt_limits.Counter):
                return outcome
            live = current is not None and current.live(now)
            if self._write(key, outcome, now, version=read[1] if live and read else None):
                return outcome
        log.warning("attempt store: %d conflicting writes on one key; refused", MAX_TRIES)
        return 1.0

    def forgive(self, key: str, now: float, lock: float) -> None:
        values = {
            ":minus": {"N": "-1"},
            ":one": {"N": "1"},
            ":zero": {"N": "0"},
            ":now": _number(now),
        }
        live = "attempts > :zero AND expires_at > :now"
        tries = [("ADD attempts :minus, version :one", live, values)]
        if lock:
            # First try to lift the lock this attempt set, if it is still the key's lock.
            lifted = {**values, ":mine": _number(lock), ":none": _number(0)}
            tries.insert(
                0,
                (
                    "SET locked_until = :none ADD attempts :minus, version :one",
                    f"{live} AND locked_until = :mine",
                    lifted,
                ),
            )
        for update, condition, expression_values in tries:
            try:
                self.dynamodb.update_item(
                    TableName=self.table,
                    Key={"pk": {"S": key}},
                    UpdateExpression=update,
                    ConditionExpression=condition,
                    ExpressionAttributeValues=expression_values,
                )
                return
            except botocore.exceptions.ClientError as exc:
                if _code(exc) != "ConditionalCheckFailedException":
                    log.warning("attempt store: UpdateItem failed (%s)", _code(exc))
                    return
                # Not that lock any more (or nothing to take back): try the next form.
            except botocore.exceptions.BotoCoreError as exc:
                log.warning("attempt store: UpdateItem failed (%s)", type(exc).__name__)
                return

    def clear(self, key: str) -> None:
        try:
            self.dynamodb.delete_item(TableName=self.table, Key={"pk": {"S": key}})
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
            log.warning("attempt store: DeleteItem failed (%s)", _why(exc))

    def _read(self, key: str) -> tuple[attempt_limits.Counter, int] | None:
        try:
            answer = self.dynamodb.get_item(
                TableName=self.table, Key={"pk": {"S": key}}, ConsistentRead=True
            )
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
            log.warning("attempt store: GetItem failed (%s)", _why(exc))
            raise attempt_limits.AttemptStoreError("the attempt store cannot be read") from None
        return _counter(answer.get("Item"))

    def _write(
        self, key: str, counter: attempt_limits.Counter, now: float, *, version: int | None
    ) -> bool:
        """Write ``counter`` if the item is still ``version`` (None: absent or expired);
        False if another writer came first."""
        values = {
            ":lock": _number(counter.locked_until),
            # The TTL attribute must be whole epoch seconds; round up so it never
            # expires before the counter does.
            ":expires": {"N": str(math.ceil(counter.expires_at))},
            ":one": {"N": "1"},
        }
        if version is None:
            update = (
                "SET attempts = :one, locked_until = :lock, expires_at = :expires ADD version :one"
            )
            condition = "attribute_not_exists(pk) OR expires_at <= :now"
            values[":now"] = _number(now)
        else:
            update = (
                "SET locked_until = :lock, expires_at = :expires ADD attempts :one, version :one"
            )
            condition = "version = :version"
            values[":version"] = {"N": str(version)}
        try:
            self.dynamodb.update_item(
                TableName=self.table,
                Key={"pk": {"S": key}},
                UpdateExpression=update,
                ConditionExpression=condition,
                ExpressionAttributeValues=values,
            )
        except botocore.exceptions.ClientError as exc:
            if _code(exc) == "ConditionalCheckFailedException":
                return False
            log.warning("attempt store: UpdateItem failed (%s)", _code(exc))
            raise attempt_limits.AttemptStoreError("the attempt store cannot be written") from None
        except botocore.exceptions.BotoCoreError as exc:
            log.warning("attempt store: UpdateItem failed (%s)", type(exc).__name__)
            raise attempt_limits.AttemptStoreError("the attempt store cannot be written") from None
        return True


def _code(exc: botocore.exceptions.ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _why(exc: Exception) -> str:
    if isinstance(exc, botocore.exceptions.ClientError):
        return _code(exc)
    return type(exc).__name__
