"""SignatureMemo: a bounded LRU that answers only while the JWKS holds the very same key."""

from __future__ import annotations

from typing import Any

import pytest

from protected_api import signature_memo


class Keys:
    """The JWKS cache as the memo sees it: ``peek`` at whatever the test puts in."""

    def __init__(self, **keys: Any) -> None:
        self.keys = keys

    def peek(self, kid: str) -> Any:
        return self.keys.get(kid)


KEY = object()
KEYS = Keys(k1=KEY)


def filled(size: int, *tokens: str) -> signature_memo.SignatureMemo:
    memo = signature_memo.SignatureMemo(size)
    for token in tokens:
        memo.put(token, "k1", KEY, {"jti": token})
    return memo


def test_a_remembered_token_answers_its_claims() -> None:
    memo = filled(4, "t1")
    assert memo.get("t1", KEYS) == {"jti": "t1"}
    assert memo.get("t2", KEYS) is None


@pytest.mark.parametrize(
    "keys",
    [
        pytest.param(Keys(k1=object()), id="same-kid-other-key"),
        pytest.param(Keys(), id="kid-gone"),
        pytest.param(Keys(k2=KEY), id="key-under-another-kid"),
    ],
)
def test_a_key_rotated_out_stops_the_memo_at_once(keys: Keys) -> None:
    memo = filled(4, "t1")
    assert memo.get("t1", keys) is None
    assert memo.get("t1", KEYS) == {"jti": "t1"}  # the entry itself is not trusted less


def test_the_claims_are_a_copy_taken_when_put() -> None:
    memo = signature_memo.SignatureMemo(4)
    claims = {"cognito:groups": ["Users"]}
    memo.put("t1", "k1", KEY, claims)
    claims["cognito:groups"] = ["Admin"]
    assert memo.get("t1", KEYS) == {"cognito:groups": ["Users"]}


def test_the_least_recently_used_token_goes_first() -> None:
    memo = filled(2, "t1", "t2")
    assert memo.get("t1", KEYS) is not None  # t1 is now the most recent
    memo.put("t3", "k1", KEY, {"jti": "t3"})
    assert [memo.get(t, KEYS) is not None for t in ("t1", "t2", "t3")] == [True, False, True]


@pytest.mark.parametrize("size", [0, -1])
def test_a_memo_of_no_size_remembers_nothing(size: int) -> None:
    assert filled(size, "t1").get("t1", KEYS) is None
