"""protected_api.strict_json: RFC 8259 JSON with I-JSON's rules (RFC 7493), read the same
way as the desktop app's copy reads it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from desktop_app.auth import strict_json as app_strict_json
from protected_api import strict_json

ACCEPTED: list[tuple[bytes | str, Any]] = [
    (b'{"a": 1, "b": [true, null, 2.5, "x"]}', {"a": 1, "b": [True, None, 2.5, "x"]}),
    ('{"a": {"b": {}}}', {"a": {"b": {}}}),
    (b'"\\ud83d\\ude00"', "\U0001f600"),  # a surrogate pair is one character
    ('{"name": "zo\u00eb \u65e5\u672c"}'.encode(), {"name": "zo\u00eb \u65e5\u672c"}),
    (b" [1, -0.5e3, 1e400] ", [1, -500.0, float("inf")]),  # overflow is json's float
    (b'{"a": 1, "A": 2}', {"a": 1, "A": 2}),  # names are case-sensitive
    (b'[{"a": 1}, {"a": 2}]', [{"a": 1}, {"a": 2}]),  # one name in two objects
    (b'"\\\\ud800"', "\\ud800"),  # an escaped backslash, not a surrogate escape
]

REFUSED: list[tuple[bytes | str, str]] = [
    (b"NaN", "NaN or Infinity"),
    (b'{"a": NaN}', "NaN or Infinity"),
    ('{"a": [1, Infinity]}', "NaN or Infinity"),
    (b'{"a": {"b": -Infinity}}', "NaN or Infinity"),
    (b'\xef\xbb\xbf{"a": 1}', "byte-order mark"),
    ('\ufeff{"a": 1}', "byte-order mark"),
    ('{"a": 1}'.encode("utf-16"), "not UTF-8"),
    ('{"a": 1}'.encode("utf-32-le"), "not JSON"),  # UTF-8 (NULs), but not JSON
    (b'{"a": "\xff"}', "not UTF-8"),
    (b'{"a": 1, "a": 1}', "appears twice"),
    (b'{"a": 1, "b": {"c": 1, "c": 2}}', "appears twice"),
    (b'[{"x": 1, "x": 2}]', "appears twice"),
    (b'"\\ud800"', "lone surrogate"),
    (b'{"\\udfff": 1}', "lone surrogate"),
    (b'["ok", "\\ude00\\ud83d"]', "lone surrogate"),  # a pair in the wrong order
    ('"\ud800"', "lone surrogate"),  # a str input holding one itself
    (b"", "not JSON"),
    (b"{'a': 1}", "not JSON"),
    (b'{"a": 1,}', "not JSON"),
    (b"1" * 5000, "not JSON"),  # longer than Python's int-digit limit
    (b"[" * 100_000 + b"]" * 100_000, "too deep|not JSON"),
]


@pytest.mark.parametrize(("data", "expected"), ACCEPTED)
def test_strict_json_is_read_as_json_reads_it(data: bytes | str, expected: Any) -> None:
    assert strict_json.loads(data) == expected == json.loads(data)


@pytest.mark.parametrize(("data", "reason"), REFUSED)
def test_anything_else_is_a_value_error_with_a_fixed_reason(data: bytes | str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason) as caught:
        strict_json.loads(data)
    error = caught.value  # nothing of the document is chained on to be printed
    assert error.__cause__ is None and (error.__context__ is None or error.__suppress_context__)
    assert '"a"' not in str(caught.value) and "1" not in str(caught.value)


DOCUMENTS = [data for data, _ in ACCEPTED + REFUSED]


@pytest.mark.parametrize("data", DOCUMENTS, ids=[f"document-{i}" for i in range(len(DOCUMENTS))])
def test_the_api_and_the_app_read_every_document_alike(data: bytes | str) -> None:
    """The two copies exist because the API deploys alone; they must not drift apart."""

    def outcome(loads: Any) -> tuple[str, Any]:
        try:
            return "value", loads(data)
        except ValueError as exc:
            return "refused", str(exc)

    assert outcome(strict_json.loads) == outcome(app_strict_json.loads)


def test_python_json_would_take_what_strict_json_refuses() -> None:
    """Why the module exists: each of these reads as something to json.loads."""
    assert json.loads(b'\xef\xbb\xbf{"a": 1}') == {"a": 1}
    assert json.loads(b'{"a": 1, "a": 2}') == {"a": 2}
    assert json.loads('{"a": 1}'.encode("utf-16")) == {"a": 1}
    assert json.loads(b"[NaN]")[0] != json.loads(b"[NaN]")[0]


def test_only_bytes_and_str_are_read() -> None:
    with pytest.raises(TypeError):
        strict_json.loads(1)  # type: ignore[arg-type]
