"""Strict JSON for what the API trusts: a token's header and payload.

:func:`loads` accepts only what RFC 8259 calls JSON, with I-JSON's extra rules
(RFC 7493): UTF-8 without a byte-order mark, no ``NaN``/``Infinity``/``-Infinity``,
no name twice in one object, no lone surrogate in a string. Python's
:func:`json.loads` accepts the first three (and, given bytes, strips a BOM or guesses
UTF-16/32), and keeps the last of two duplicate names; two parsers that read one
signed document differently are how a claim comes to mean two things.

It mirrors the desktop app's ``desktop_app/auth/strict_json.py`` on purpose: the API
is deployed alone (its package never imports ``desktop_app``, see
docs/ARCHITECTURE.md), so it keeps its own copy of the same rules. A change to one
belongs in the other.

Every failure is a :class:`ValueError` whose text is a fixed, secret-free reason
(never part of the document), safe to log.
"""

from __future__ import annotations

import json
import re
from typing import Any

_BOM = "\ufeff"
# A \uD800-\uDFFF escape: only then can a string parsed from UTF-8 text hold a lone
# surrogate (UTF-8 itself cannot encode one; a Python str given as input can hold one).
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def loads(data: bytes | str) -> Any:
    """The JSON value in ``data`` (bytes must be UTF-8); ``ValueError`` if it is not
    strict JSON as the module docstring says."""
    if isinstance(data, bytes | bytearray):
        try:
            text = bytes(data).decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError("text is not UTF-8") from None
    elif isinstance(data, str):
        text = data
        if _SURROGATE.search(text):
            raise ValueError("a string holds a lone surrogate")
    else:
        raise TypeError("strict_json.loads takes bytes or str")
    # RFC 8259 8.1: "Implementations MUST NOT add a byte order mark"; refused, not skipped.
    if text.startswith(_BOM):
        raise ValueError("text starts with a byte-order mark")
    try:
        value = json.loads(text, parse_constant=_refuse_constant, object_pairs_hook=_unique)
    except _RefusedError as refused:
        raise ValueError(str(refused)) from None
    except RecursionError:
        raise ValueError("nesting is too deep") from None
    except ValueError:
        # json's own message is only a position, but the exception holds the document.
        raise ValueError("text is not JSON") from None
    if _SURROGATE_ESCAPE.search(text) and _has_lone_surrogate(value):
        raise ValueError("a string holds a lone surrogate")  # RFC 7493 2.1
    return value


class _RefusedError(Exception):
    """Raised inside json's hooks: kept apart from json's own ValueErrors."""


def _refuse_constant(name: str) -> Any:
    raise _RefusedError("NaN or Infinity is not a JSON number")  # RFC 8259 6


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # RFC 8259 4 leaves duplicate names' meaning open; RFC 7493 2.3 forbids them.
    document = dict(pairs)
    if len(document) != len(pairs):
        raise _RefusedError("a name appears twice in one object")
    return document


def _has_lone_surrogate(value: Any) -> bool:
    """Whether any string (name or value) in ``value`` holds a lone surrogate.

    Iterative, so a document json could parse never overflows the stack here.
    """
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, str):
            try:
                item.encode("utf-8")  # a paired surrogate escape became one character
            except UnicodeEncodeError:
                return True
    return False
