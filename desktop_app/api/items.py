"""The protected API's ``GET /items``: one cursor-paged list, parsed into typed values.

The body is checked field by field before anything reaches a view: a page the
client cannot trust becomes an :class:`~desktop_app.errors.ApiError` naming the
field that is wrong, never the value (it came from the network and could be
anything, including something that must not end up in a log).
"""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any, Protocol

from desktop_app import errors

PATH = "/items"
MAX_LIMIT = 100  # the API refuses a larger ?limit= (protected_api/routes/items.py)
DEFAULT_LIMIT = 50
# get_json only returns bodies of successful responses, and /items answers 200.
_OK = 200


class JsonApi(Protocol):
    """What :func:`fetch_page` needs of a client (``ApiClient`` is one)."""

    def get_json(self, path: str, params: dict[str, Any] | None = None) -> Any: ...


@dataclasses.dataclass(frozen=True)
class Item:
    """One row of ``/items``. ``updated_at`` is always timezone-aware."""

    id: str
    title: str
    updated_at: datetime.datetime
    size_bytes: int


@dataclasses.dataclass(frozen=True)
class ItemPage:
    """One page: its items, the cursor of the next page (``None`` on the last) and
    how many items there are in all."""

    items: tuple[Item, ...]
    next_cursor: str | None
    total: int


def fetch_page(
    api: JsonApi, cursor: str | None = None, limit: int = DEFAULT_LIMIT, *, path: str = PATH
) -> ItemPage:
    """GET one page (blocking: call it from a worker, never the GUI thread).

    ``cursor`` is the previous page's ``next_cursor`` (``None`` for the first);
    ``path`` exists for tests and deployments that mount the route elsewhere.
    Raises ``ApiError`` for an error status or a body that is not a valid page,
    ``NetworkError`` when the API cannot be reached.
    """
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be between 1 and {MAX_LIMIT}")
    params: dict[str, Any] = {"limit": limit}
    if cursor is not None:
        params["cursor"] = cursor
    return parse_page(api.get_json(path, params))


def parse_page(body: Any) -> ItemPage:
    """Validate a decoded ``/items`` body; see the module docstring."""
    if not isinstance(body, dict):
        raise _invalid("the body is not a JSON object")
    raw_items = body.get("items")
    if not isinstance(raw_items, list):
        raise _invalid("'items' is missing or not a list")
    parsed = tuple(_parse_item(raw, index) for index, raw in enumerate(raw_items))
    next_cursor = body.get("next_cursor")
    # An empty cursor would be sent back as "?cursor=" and read as "first page":
    # the list would start over and a view paging through it would never end.
    if next_cursor is not None and (not isinstance(next_cursor, str) or not next_cursor):
        raise _invalid("'next_cursor' is not a non-empty string or null")
    total = body.get("total")
    if not _is_count(total):
        raise _invalid("'total' is not a non-negative integer")
    assert isinstance(total, int)  # narrowed by _is_count
    if total < len(parsed):
        raise _invalid("'total' is smaller than the number of items on the page")
    return ItemPage(items=parsed, next_cursor=next_cursor, total=total)


def _parse_item(raw: Any, index: int) -> Item:
    where = f"items[{index}]"
    if not isinstance(raw, dict):
        raise _invalid(f"{where} is not an object")
    item_id = raw.get("id")
    if not isinstance(item_id, str) or not item_id:
        raise _invalid(f"{where}.id is not a non-empty string")
    title = raw.get("title")
    if not isinstance(title, str):
        raise _invalid(f"{where}.title is not a string")
    size = raw.get("size_bytes")
    if not _is_count(size):
        raise _invalid(f"{where}.size_bytes is not a non-negative integer")
    assert isinstance(size, int)
    return Item(id=item_id, title=title, updated_at=_timestamp(raw, where), size_bytes=size)


def _timestamp(raw: dict[str, Any], where: str) -> datetime.datetime:
    value = raw.get("updated_at")
    if not isinstance(value, str):
        raise _invalid(f"{where}.updated_at is not a string")
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise _invalid(f"{where}.updated_at is not an ISO 8601 timestamp") from None
    # Without an offset the instant is a guess; the view converts to local time
    # and would show the wrong hour rather than fail.
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise _invalid(f"{where}.updated_at has no timezone")
    return parsed


def _is_count(value: object) -> bool:
    # bool is an int subclass: JSON true must not pass as 1.
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _invalid(reason: str) -> errors.ApiError:
    return errors.ApiError(_OK, f"the items page is not valid: {reason}")
