"""Sign-in attempt limits: counters per username and per client address, growing delays.

Password sign-in (:mod:`protected_api.password_sign_in`) lets anyone who can reach the
API try passwords, so every attempt is counted before Cognito is asked, under two keys:
the username and the client's address. A key with :attr:`Policy.free` attempts in its
window is refused for ``2 ** (n - free)`` seconds after its n-th attempt, at most
:attr:`Policy.max_lock_s` (:meth:`Policy.lock_seconds`); a window of quiet forgets it.
That is on top of Cognito's own lockout (five failures, then doubling), which counts
per user and only at Cognito.

**Counted before the answer is known.** An attempt is counted when it begins
(:meth:`Limiter.begin`), before Cognito is asked, so a burst of concurrent requests
cannot all pass a counter that still says zero: the store decides each one atomically.
The outcome then settles it (:class:`Attempt`): tokens clear the username's counter and
take the attempt back from the address's; a next challenge, or a failure that was not the
caller's (Cognito unreachable, a password the pool's policy refuses), takes the attempt
back from both; a wrong password, code or session leaves it counted. Taking an attempt
back also lifts the lock it set, if no later attempt has set another since (a lock
only ever starts on an attempt that finds its key unlocked).

**Keys.** A username is keyed case-folded (NFKC, as Cognito compares usernames by
default), an IPv6 address by its /64 (one host usually has the whole block), an IPv4
address as it is. Keys are SHA-256 digests, so a shared store holds no names.

**Stores.** :class:`AttemptStore` is the interface; :class:`MemoryAttemptStore` keeps
the counters in the process (one server; thread-safe, bounded), and
:class:`protected_api.dynamodb_attempts.DynamoDbAttemptStore` in a DynamoDB table every
instance shares (many Lambda instances). Both follow :func:`next_counter`.
"""

from __future__ import annotations

import collections
import dataclasses
import hashlib
import ipaddress
import math
import threading
import time
import unicodedata
from collections.abc import Callable
from typing import Protocol


@dataclasses.dataclass(frozen=True)
class Policy:
    """How many attempts a key has in a window before each one locks it, and how long."""

    free: int  # attempts in a window before the first lock (the free-th locks for 1 s)
    window_s: float = 15 * 60  # a key quiet this long starts again from zero
    max_lock_s: float = 15 * 60

    def __post_init__(self) -> None:
        if self.free < 1 or self.window_s <= 0 or not 0 < self.max_lock_s <= self.window_s:
            # A lock longer than the window would outlive the counter that set it.
            raise ValueError("need free >= 1 and 0 < max_lock_s <= window_s")

    def lock_seconds(self, attempts: int) -> float:
        """How long the key is refused after its ``attempts``-th attempt in the window."""
        if attempts < self.free:
            return 0.0
        # min() before the power: 2 ** 10_000 is a very large int, not an error.
        return float(min(2 ** min(attempts - self.free, 30), self.max_lock_s))


#: Per username: Cognito's own threshold (five, then doubling up to about 15 minutes).
USERNAME_POLICY = Policy(free=5)
#: Per address: room for a NAT or a test rig signing several people in, and still a
#: wall for one address trying many usernames.
ADDRESS_POLICY = Policy(free=20)


@dataclasses.dataclass(frozen=True)
class Counter:
    """A key's state: attempts in the window, refused until, forgotten at (epoch seconds)."""

    attempts: int
    locked_until: float
    expires_at: float

    def live(self, now: float) -> bool:
        return self.expires_at > now


def next_counter(current: Counter | None, policy: Policy, now: float) -> Counter | float:
    """One more attempt on a key: its new :class:`Counter`, or, while it is locked, the
    seconds left (and nothing changes). Every store applies this rule atomically."""
    live = current if current is not None and current.live(now) else None
    if live is not None and live.locked_until > now:
        return live.locked_until - now
    attempts = (live.attempts if live is not None else 0) + 1
    lock = policy.lock_seconds(attempts)
    return Counter(
        attempts=attempts,
        locked_until=now + lock if lock else 0.0,
        expires_at=now + policy.window_s,
    )


def retry_after(seconds: float) -> int:
    """``Retry-After`` for ``seconds`` left: whole seconds, at least 1 (RFC 9110 10.2.3)."""
    return max(1, math.ceil(seconds))


class AttemptStoreError(Exception):
    """The store could not answer; sign-in is refused (503) rather than left unlimited."""


class AttemptStore(Protocol):
    """Where the counters live. Each method is atomic per key."""

    def hit(self, key: str, policy: Policy, now: float) -> Counter | float:
        """Count an attempt (:func:`next_counter`): the new counter, or seconds left."""
        ...

    def forgive(self, key: str, now: float, lock: float) -> None:
        """Take one attempt back; ``lock`` is the ``locked_until`` it set (0: none), lifted
        if the key still has exactly that one."""
        ...

    def clear(self, key: str) -> None:
        """Forget the key (a successful sign-in, for its username)."""
        ...


class MemoryAttemptStore:
    """Counters in this process: for one server. Thread-safe; at most ``max_keys`` keys,
    dropping expired ones first, then the least recently counted (an attacker who floods
    it with new keys can only push out keys quieter than their own)."""

    def __init__(self, max_keys: int = 50_000) -> None:
        self._max_keys = max_keys
        self._counters: collections.OrderedDict[str, Counter] = collections.OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._counters)

    def hit(self, key: str, policy: Policy, now: float) -> Counter | float:
        with self._lock:
            outcome = next_counter(self._counters.get(key), policy, now)
            if isinstance(outcome, Counter):
                self._counters[key] = outcome
                self._counters.move_to_end(key)
                self._prune(now)
            return outcome

    def forgive(self, key: str, now: float, lock: float) -> None:
        with self._lock:
            current = self._counters.get(key)
            if current is not None and current.live(now) and current.attempts > 0:
                lifted = 0.0 if lock and current.locked_until == lock else current.locked_until
                self._counters[key] = dataclasses.replace(
                    current, attempts=current.attempts - 1, locked_until=lifted
                )

    def clear(self, key: str) -> None:
        with self._lock:
            self._counters.pop(key, None)

    def _prune(self, now: float) -> None:
        # Keys are kept in the order they were last counted, which (every policy here has
        # the same window) is also the order they expire in: the front goes first.
        while len(self._counters) > self._max_keys:
            self._counters.popitem(last=False)
        while self._counters:
            oldest = next(iter(self._counters.values()))
            if oldest.live(now):
                break
            self._counters.popitem(last=False)


def username_key(username: str) -> str:
    """The store key of a username: case-folded, NFKC, hashed."""
    folded = unicodedata.normalize("NFKC", username).casefold()
    return "user:" + hashlib.sha256(folded.encode("utf-8", "surrogatepass")).hexdigest()


def address_key(address: str | None) -> str:
    """The store key of a client address: IPv6 by its /64, hashed. An address that is not
    an IP (a test client, a Unix socket) shares one key: limited together, never freed."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        network = "unknown"
    else:
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if isinstance(ip, ipaddress.IPv6Address):
            network = str(ipaddress.IPv6Network((ip, 64), strict=False))
        else:
            network = str(ip)
    return "addr:" + hashlib.sha256(network.encode("ascii")).hexdigest()


@dataclasses.dataclass(frozen=True)
class Refused:
    """The attempt was not made: a key is locked for ``retry_after`` more seconds."""

    retry_after: int


@dataclasses.dataclass
class Attempt:
    """An attempt that was counted; settle it once with the outcome."""

    _limiter: Limiter
    # (key, the locked_until its hit set): the address's, then the username's if any.
    _hits: tuple[tuple[str, float], ...]
    _settled: bool = False

    def succeeded(self) -> None:
        """Tokens: the username starts again from zero; the address gets the attempt back."""
        self._settle(forgive=self._hits[:1], clear=tuple(key for key, _ in self._hits[1:]))

    def not_counted(self) -> None:
        """Not a wrong guess (a next challenge, Cognito unreachable...): take it back."""
        self._settle(forgive=self._hits)

    def failed(self) -> None:
        """A wrong password, code, session or refresh token: it stays counted."""
        self._settle()

    def _settle(
        self, *, forgive: tuple[tuple[str, float], ...] = (), clear: tuple[str, ...] = ()
    ) -> None:
        if self._settled:
            return
        self._settled = True
        self._limiter.release(forgive=forgive, clear=clear)


class Limiter:
    """The two counters of every attempt, over one :class:`AttemptStore`."""

    def __init__(
        self,
        store: AttemptStore,
        *,
        username_policy: Policy = USERNAME_POLICY,
        address_policy: Policy = ADDRESS_POLICY,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.username_policy = username_policy
        self.address_policy = address_policy
        self._now = now

    def begin(self, username: str | None, address: str | None) -> Attempt | Refused:
        """Count an attempt from ``address`` (for ``username``, if given), or refuse it.

        The address is counted first: a locked address costs no username an attempt.
        Raises :class:`AttemptStoreError` when the store cannot answer.
        """
        now = self._now()
        by_address = address_key(address)
        outcome = self.store.hit(by_address, self.address_policy, now)
        if not isinstance(outcome, Counter):
            return Refused(retry_after(outcome))
        address_hit = (by_address, outcome.locked_until)
        if username is None:
            return Attempt(self, (address_hit,))
        by_username = username_key(username)
        outcome = self.store.hit(by_username, self.username_policy, now)
        if not isinstance(outcome, Counter):
            # Refused before Cognito: the address keeps this attempt (it asked for a
            # locked name), the username's lock is not lengthened.
            return Refused(retry_after(outcome))
        return Attempt(self, (address_hit, (by_username, outcome.locked_until)))

    def release(
        self, *, forgive: tuple[tuple[str, float], ...] = (), clear: tuple[str, ...] = ()
    ) -> None:
        """Settle an attempt (see :class:`Attempt`). A store failure here only leaves the
        attempt counted, so it is logged by the store and not raised."""
        now = self._now()
        for key, lock in forgive:
            self.store.forgive(key, now, lock)
        for key in clear:
            self.store.clear(key)
