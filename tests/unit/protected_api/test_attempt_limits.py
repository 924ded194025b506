"""Attempt limits: the policy, the keys, the limiter's settling, and the stores' one rule.

The rule every store follows is tested once, on each store
(:func:`store` is parametrized: in-process, and DynamoDB on moto); what only one
store does (bounded memory here, conditional writes there) is tested with it, here
and in test_dynamodb_attempts.py.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from protected_api import attempt_limits, dynamodb_attempts
from tests.unit.protected_api import stubs

POLICY = attempt_limits.Policy(free=3, window_s=60, max_lock_s=8)
T0 = 1_800_000_000.0


# -- the policy -----------------------------------------------------------------------------


def test_the_lock_doubles_from_the_free_attempts_up_to_the_cap() -> None:
    assert [POLICY.lock_seconds(n) for n in range(1, 9)] == [0, 0, 1, 2, 4, 8, 8, 8]
    assert attempt_limits.USERNAME_POLICY.lock_seconds(4) == 0
    assert attempt_limits.USERNAME_POLICY.lock_seconds(5) == 1  # after 5 failures: 2^(n-5)
    assert attempt_limits.USERNAME_POLICY.lock_seconds(14) == 512
    assert attempt_limits.USERNAME_POLICY.lock_seconds(15) == 15 * 60  # 1024, capped
    assert attempt_limits.USERNAME_POLICY.lock_seconds(10**9) == 15 * 60


@pytest.mark.parametrize(
    "arguments",
    [{"free": 0}, {"free": 5, "window_s": 0}, {"free": 5, "window_s": 60, "max_lock_s": 61}],
)
def test_a_policy_whose_lock_would_outlive_its_counter_is_refused(
    arguments: dict[str, float],
) -> None:
    with pytest.raises(ValueError, match="max_lock_s"):
        attempt_limits.Policy(**arguments)  # type: ignore[arg-type]


def test_retry_after_is_whole_seconds_and_never_zero() -> None:
    assert [attempt_limits.retry_after(s) for s in (0.0, 0.001, 1.0, 1.2, 7.9)] == [1, 1, 1, 2, 8]


# -- keys ---------------------------------------------------------------------------------


def test_a_username_key_ignores_case_and_compatibility_forms() -> None:
    key = attempt_limits.username_key("alice")
    assert key.startswith("user:") and "alice" not in key
    assert attempt_limits.username_key("ALICE") == key
    assert attempt_limits.username_key("\uff41lice") == key  # fullwidth a (NFKC)
    assert attempt_limits.username_key("alice2") != key
    assert attempt_limits.username_key("\ud800") != key  # a lone surrogate hashes too


def test_an_ipv6_address_is_keyed_by_its_slash_64() -> None:
    key = attempt_limits.address_key
    assert key("2001:db8:1:2::1") == key("2001:db8:1:2:ffff::9")
    assert key("2001:db8:1:2::1") != key("2001:db8:1:3::1")
    assert key("::ffff:192.0.2.7") == key("192.0.2.7")
    assert key("192.0.2.7") != key("192.0.2.8")
    assert "192.0.2.7" not in key("192.0.2.7")
    # Not an address: one shared key, never a free pass.
    assert key(None) == key("testclient") == key("")
    assert key(None) != key("192.0.2.7")


# -- every store --------------------------------------------------------------------------


@pytest.fixture(params=["memory", "dynamodb"])
def store(
    request: pytest.FixtureRequest, aws_credentials: None
) -> Iterator[attempt_limits.AttemptStore]:
    if request.param == "memory":
        yield attempt_limits.MemoryAttemptStore()
        return
    from moto import mock_aws

    with mock_aws():
        client = dynamodb_attempts.client_for("us-east-1")
        table = create_table(client)
        yield dynamodb_attempts.DynamoDbAttemptStore(table, OneCallAtATime(client))


class OneCallAtATime:
    """A boto3 client whose calls run one at a time. DynamoDB applies each UpdateItem
    atomically, condition and all; moto's in-process table does not when threads call it
    together (two conditional updates can both pass the same check), so concurrency
    tests make each call atomic, as DynamoDB does, and leave the store's read-then-write
    interleavings to the threads."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        call = getattr(self._client, name)

        def one_at_a_time(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                return call(*args, **kwargs)

        return one_at_a_time


def create_table(client: Any, name: str = "attempts") -> str:
    client.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return name


def hits(
    store: attempt_limits.AttemptStore, n: int, now: float = T0, key: str = "k"
) -> list[attempt_limits.Counter | float]:
    return [store.hit(key, POLICY, now) for _ in range(n)]


def test_attempts_count_until_the_free_ones_are_used_then_lock(
    store: attempt_limits.AttemptStore,
) -> None:
    first, second, third = hits(store, 3)
    assert isinstance(first, attempt_limits.Counter) and isinstance(third, attempt_limits.Counter)
    assert (first.attempts, first.locked_until, first.expires_at) == (1, 0.0, T0 + 60)
    assert isinstance(second, attempt_limits.Counter) and second.attempts == 2
    assert (third.attempts, third.locked_until) == (3, T0 + 1)
    # Locked: refused with the time left, and nothing changes.
    assert store.hit("k", POLICY, T0 + 0.25) == pytest.approx(0.75)
    assert store.hit("k", POLICY, T0 + 0.5) == pytest.approx(0.5)
    fourth = store.hit("k", POLICY, T0 + 1)
    assert isinstance(fourth, attempt_limits.Counter)
    assert (fourth.attempts, fourth.locked_until) == (4, T0 + 1 + 2)
    # Other keys are their own.
    other = store.hit("other", POLICY, T0 + 1)
    assert isinstance(other, attempt_limits.Counter) and other.attempts == 1


def test_a_quiet_window_forgets_a_key(store: attempt_limits.AttemptStore) -> None:
    hits(store, 2)
    later = store.hit("k", POLICY, T0 + 59)
    assert isinstance(later, attempt_limits.Counter) and later.attempts == 3
    # 60 s after the last attempt (its lock long over): a fresh start.
    fresh = store.hit("k", POLICY, T0 + 59 + 60)
    assert isinstance(fresh, attempt_limits.Counter)
    assert (fresh.attempts, fresh.locked_until) == (1, 0.0)


def test_forgiving_takes_one_attempt_back_and_lifts_only_its_own_lock(
    store: attempt_limits.AttemptStore,
) -> None:
    hits(store, 2)
    third = store.hit("k", POLICY, T0)
    assert isinstance(third, attempt_limits.Counter) and third.locked_until == T0 + 1
    store.forgive("k", T0, third.locked_until)  # e.g. it was a next challenge
    again = store.hit("k", POLICY, T0)  # not locked: the lock was this attempt's
    assert isinstance(again, attempt_limits.Counter)
    assert (again.attempts, again.locked_until) == (3, T0 + 1)
    # A lock some other attempt set stays, whatever is forgiven.
    store.forgive("k", T0, T0 + 12345)
    assert store.hit("k", POLICY, T0) == pytest.approx(1.0)
    store.forgive("k", T0, 0.0)
    assert store.hit("k", POLICY, T0) == pytest.approx(1.0)


def test_forgiving_never_goes_below_zero_or_revives_an_expired_key(
    store: attempt_limits.AttemptStore,
) -> None:
    store.forgive("never-seen", T0, 0.0)
    hits(store, 1)
    store.forgive("k", T0, 0.0)
    store.forgive("k", T0, 0.0)
    first = store.hit("k", POLICY, T0)
    assert isinstance(first, attempt_limits.Counter) and first.attempts == 1
    store.forgive("k", T0 + 61, 0.0)  # expired: left alone
    fresh = store.hit("k", POLICY, T0 + 62)
    assert isinstance(fresh, attempt_limits.Counter) and fresh.attempts == 1


def test_clearing_forgets_the_key_and_its_lock(store: attempt_limits.AttemptStore) -> None:
    hits(store, 5)
    assert not isinstance(store.hit("k", POLICY, T0), attempt_limits.Counter)
    store.clear("k")
    store.clear("never-seen")
    fresh = store.hit("k", POLICY, T0)
    assert isinstance(fresh, attempt_limits.Counter) and fresh.attempts == 1


def test_concurrent_attempts_are_each_counted_once(store: attempt_limits.AttemptStore) -> None:
    policy = attempt_limits.Policy(free=1000)
    seen: list[int] = []
    lock = threading.Lock()

    def attempt() -> None:
        for _ in range(5):
            outcome = store.hit("k", policy, T0)
            # A store may refuse under endless contention (fail closed), never miscount.
            if isinstance(outcome, attempt_limits.Counter):
                with lock:
                    seen.append(outcome.attempts)

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Every attempt saw its own count: none was lost or counted twice.
    assert len(seen) >= 10
    assert sorted(seen) == list(range(1, len(seen) + 1))


# -- the in-process store ----------------------------------------------------------------


def test_the_memory_store_is_bounded_dropping_the_least_recently_counted() -> None:
    store = attempt_limits.MemoryAttemptStore(max_keys=3)
    for name in ("a", "b", "c"):
        store.hit(name, POLICY, T0)
    store.hit("a", POLICY, T0 + 1)  # a is now the most recent
    store.hit("d", POLICY, T0 + 2)
    assert len(store) == 3
    b = store.hit("b", POLICY, T0 + 3)  # b was dropped: it starts again
    assert isinstance(b, attempt_limits.Counter) and b.attempts == 1
    a = store.hit("a", POLICY, T0 + 3)
    assert isinstance(a, attempt_limits.Counter) and a.attempts == 3


def test_the_memory_store_drops_expired_keys_as_it_goes() -> None:
    store = attempt_limits.MemoryAttemptStore()
    for n in range(100):
        store.hit(f"old-{n}", POLICY, T0)
    store.hit("new", POLICY, T0 + 61)
    assert len(store) == 1


# -- the limiter ----------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def limiter(clock: Clock) -> attempt_limits.Limiter:
    return attempt_limits.Limiter(
        attempt_limits.MemoryAttemptStore(),
        username_policy=attempt_limits.Policy(free=3),
        address_policy=attempt_limits.Policy(free=10),
        now=clock,
    )


def begin(
    limiter: attempt_limits.Limiter, username: str | None = "alice"
) -> attempt_limits.Attempt:
    attempt = limiter.begin(username, "192.0.2.1")
    assert isinstance(attempt, attempt_limits.Attempt), attempt
    return attempt


def test_failures_lock_the_username_then_a_success_frees_it(
    limiter: attempt_limits.Limiter, clock: Clock
) -> None:
    for _ in range(3):
        begin(limiter).failed()
    assert limiter.begin("alice", "192.0.2.1") == attempt_limits.Refused(retry_after=1)
    assert limiter.begin("ALICE", "192.0.2.9") == attempt_limits.Refused(retry_after=1)
    begin(limiter, "bob").failed()  # another user from the address is not locked
    clock.now += 1
    begin(limiter).succeeded()
    for _ in range(2):
        begin(limiter).failed()
    begin(limiter).failed()  # the 3rd since the success
    assert isinstance(limiter.begin("alice", "192.0.2.1"), attempt_limits.Refused)


def test_the_address_locks_across_usernames_and_is_checked_first(
    limiter: attempt_limits.Limiter,
) -> None:
    for n in range(10):
        begin(limiter, f"user-{n}").failed()
    assert limiter.begin("fresh", "192.0.2.1") == attempt_limits.Refused(retry_after=1)
    # The refused attempt did not reach the username's counter.
    for _ in range(2):
        assert isinstance(limiter.begin("fresh", "192.0.2.2"), attempt_limits.Attempt)
    assert isinstance(limiter.begin("fresh", "192.0.2.2"), attempt_limits.Attempt)
    assert isinstance(limiter.begin("fresh", "192.0.2.2"), attempt_limits.Refused)


def test_attempts_that_were_not_failures_cost_nothing(limiter: attempt_limits.Limiter) -> None:
    for _ in range(10):
        begin(limiter).not_counted()  # a next challenge, or Cognito unreachable
    for _ in range(10):
        begin(limiter, "bob").succeeded()
    for _ in range(2):
        begin(limiter).failed()
    assert isinstance(limiter.begin("alice", "192.0.2.1"), attempt_limits.Attempt)


def test_an_attempt_is_settled_once(limiter: attempt_limits.Limiter) -> None:
    for _ in range(2):
        attempt = begin(limiter)
        attempt.failed()
        attempt.not_counted()  # too late: it stays counted
    begin(limiter).failed()
    assert isinstance(limiter.begin("alice", "192.0.2.1"), attempt_limits.Refused)


def test_a_refresh_counts_the_address_only(limiter: attempt_limits.Limiter) -> None:
    for _ in range(9):
        begin(limiter, None).failed()
    begin(limiter, "alice").failed()  # the 10th from the address
    assert isinstance(limiter.begin(None, "192.0.2.1"), attempt_limits.Refused)
    assert isinstance(limiter.begin("alice", "192.0.2.3"), attempt_limits.Attempt)


def test_the_store_failing_is_an_error_not_a_pass(aws_credentials: None) -> None:
    dynamodb = dynamodb_attempts.client_for("us-east-1", stubs.closed_port_url())
    limiter = attempt_limits.Limiter(dynamodb_attempts.DynamoDbAttemptStore("attempts", dynamodb))
    with pytest.raises(attempt_limits.AttemptStoreError):
        limiter.begin("alice", "192.0.2.1")
