"""``GET /items``: the same 137 items for everyone, paged by an opaque cursor."""

from __future__ import annotations

import base64
from typing import Any

import fastapi
import pytest

from protected_api.routes import items

ANYONE: Any = None  # the items are the same for every caller


def test_paging_visits_every_item_once() -> None:
    seen: list[str] = []
    cursor = None
    while True:
        page = items.items(ANYONE, limit=50, cursor=cursor)
        assert page.total == items.TOTAL_ITEMS
        seen += [item.id for item in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [f"item-{n:04d}" for n in range(1, items.TOTAL_ITEMS + 1)]


def test_items_are_the_same_on_every_call() -> None:
    assert items.item(8) == items.item(8)
    assert items.item(8).title == "Design review #2"
    assert items.item(0).title == "Quarterly report #1"


def test_a_cursor_at_the_end_is_an_empty_last_page() -> None:
    last = items.items(ANYONE, limit=100, cursor=items.items(ANYONE, limit=100).next_cursor)
    end = items.items(ANYONE, limit=5, cursor=base64.urlsafe_b64encode(b"o:137").decode())
    assert (len(last.items), last.next_cursor) == (37, None)
    assert (end.items, end.next_cursor) == ([], None)


def _cursor(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        pytest.param("!!", id="not-base64"),
        pytest.param(_cursor(b"\xff\xfe"), id="not-ascii"),
        pytest.param(_cursor(b"o:x"), id="not-a-number"),
        pytest.param(_cursor(b"o:138"), id="past-the-end"),
        pytest.param(_cursor(b"o:-1"), id="negative"),
        pytest.param(_cursor(b"p:5"), id="other-kind"),
    ],
)
def test_a_bad_cursor_is_a_400(cursor: str) -> None:
    with pytest.raises(fastapi.HTTPException) as caught:
        items.items(ANYONE, limit=5, cursor=cursor)
    assert caught.value.status_code == 400
