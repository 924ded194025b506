"""Searching users: the ListUsers ``Filter`` that an attribute, a match and a value become.

ListUsers filters on one attribute from a fixed list, exactly (``=``) or by
prefix (``^=``), against a quoted value (API reference, ListUsers, "Filter").
The attribute is checked against that list and the value cannot close its
quotes, so a search can never become a different filter.
"""

from __future__ import annotations

import typing
import unicodedata
from typing import Literal

from protected_api import admin_errors

# ListUsers can filter on these attributes only (ListUsers, "Filter").
SearchAttribute = Literal[
    "username",
    "email",
    "phone_number",
    "name",
    "given_name",
    "family_name",
    "preferred_username",
    "cognito:user_status",
    "status",
    "sub",
]
SEARCHABLE_ATTRIBUTES: tuple[str, ...] = typing.get_args(SearchAttribute)
Match = Literal["exact", "prefix"]
MATCH_OPERATORS: dict[str, str] = {"exact": "=", "prefix": "^="}
MAX_FILTER_VALUE = 256


def build_filter(attribute: str, match: Match, value: str) -> str:
    """A ListUsers ``Filter``: ``attribute = "value"`` with ``\\`` and ``"`` escaped.

    :class:`~protected_api.admin_errors.AdminError` 400 ``invalid_parameter`` for an
    attribute ListUsers cannot filter on, or a value that is empty, too long or
    holds control characters.
    """
    if attribute not in SEARCHABLE_ATTRIBUTES:
        raise admin_errors.AdminError(
            400, "invalid_parameter", f"cannot search on attribute {attribute!r}"
        )
    if not value or len(value) > MAX_FILTER_VALUE:
        raise admin_errors.AdminError(
            400, "invalid_parameter", f"value must be 1..{MAX_FILTER_VALUE} chars"
        )
    if any(unicodedata.category(c) == "Cc" for c in value):
        raise admin_errors.AdminError(
            400, "invalid_parameter", "value must not contain control characters"
        )
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'{attribute} {MATCH_OPERATORS[match]} "{escaped}"'


def filter_for(attribute: str | None, match: Match | None, value: str | None) -> str | None:
    """The ``Filter`` for a search given as three query parameters; ``None`` for no search.

    The three come together or not at all: any other mix is a 400
    ``invalid_request``, since a filter missing a part has no meaning to guess.
    """
    if attribute is None and match is None and value is None:
        return None
    if attribute is None or match is None or value is None:
        raise admin_errors.AdminError(
            400, "invalid_request", "give attribute, match and value together, or none"
        )
    return build_filter(attribute, match, value)
