"""Parsing ``GET /items`` pages: typed values out, garbage refused with a clear line."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
import responses

from desktop_app import errors
from desktop_app.api import client, items
from tests.unit.desktop_app.api.conftest import API, DROP, changed

SECRET = "s3cr3t-looking-value"

GOOD_ITEM = {
    "id": "item-0001",
    "title": "Quarterly report #1",
    "updated_at": "2026-01-01T07:00:00Z",
    "size_bytes": 1024,
}
GOOD_PAGE = {"items": [GOOD_ITEM], "next_cursor": "bzox", "total": 137}


def page_with(**changes: Any) -> dict[str, Any]:
    return changed(GOOD_PAGE, **changes)


def item_with(**changes: Any) -> dict[str, Any]:
    return changed(GOOD_ITEM, **changes)


def test_a_good_page_parses_into_typed_values() -> None:
    page = items.parse_page(GOOD_PAGE)
    assert page == items.ItemPage(
        items=(
            items.Item(
                id="item-0001",
                title="Quarterly report #1",
                updated_at=datetime.datetime(2026, 1, 1, 7, tzinfo=datetime.UTC),
                size_bytes=1024,
            ),
        ),
        next_cursor="bzox",
        total=137,
    )
    assert page.items[0].updated_at.utcoffset() == datetime.timedelta(0)


def test_the_last_page_has_no_cursor_and_offsets_are_kept() -> None:
    body = page_with(
        items=[item_with(updated_at="2026-03-01T10:30:00+02:00")], next_cursor=None, total=1
    )
    page = items.parse_page(body)
    assert page.next_cursor is None
    assert page.items[0].updated_at == datetime.datetime(2026, 3, 1, 8, 30, tzinfo=datetime.UTC)


def test_an_empty_list_is_a_valid_page() -> None:
    assert items.parse_page({"items": [], "next_cursor": None, "total": 0}) == items.ItemPage(
        (), None, 0
    )


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        pytest.param([GOOD_ITEM], "the body is not a JSON object", id="list-body"),
        pytest.param(None, "the body is not a JSON object", id="null-body"),
        pytest.param(page_with(items=None), "'items' is missing", id="items-null"),
        pytest.param({"next_cursor": None, "total": 0}, "'items' is missing", id="no-items"),
        pytest.param(page_with(items={"a": 1}), "not a list", id="items-object"),
        pytest.param(page_with(items=[SECRET]), "items[0] is not an object", id="item-string"),
        pytest.param(page_with(items=[item_with(id=7)]), "items[0].id", id="id-int"),
        pytest.param(page_with(items=[item_with(id="")]), "items[0].id", id="id-empty"),
        pytest.param(page_with(items=[item_with(id=DROP)]), "items[0].id", id="id-missing"),
        pytest.param(page_with(items=[item_with(title=None)]), "items[0].title", id="title-null"),
        pytest.param(
            page_with(items=[GOOD_ITEM, item_with(size_bytes="12")]),
            "items[1].size_bytes",
            id="size-string",
        ),
        pytest.param(
            page_with(items=[item_with(size_bytes=-1)]), "items[0].size_bytes", id="size-negative"
        ),
        pytest.param(
            page_with(items=[item_with(size_bytes=True)]), "items[0].size_bytes", id="size-bool"
        ),
        pytest.param(
            page_with(items=[item_with(size_bytes=1.5)]), "items[0].size_bytes", id="size-float"
        ),
        pytest.param(
            page_with(items=[item_with(updated_at=SECRET)]),
            "items[0].updated_at is not an ISO 8601 timestamp",
            id="time-garbage",
        ),
        pytest.param(
            page_with(items=[item_with(updated_at=1767225600)]),
            "items[0].updated_at is not a string",
            id="time-epoch",
        ),
        pytest.param(
            page_with(items=[item_with(updated_at="2026-01-01T07:00:00")]),
            "items[0].updated_at has no timezone",
            id="time-naive",
        ),
        pytest.param(page_with(next_cursor=5), "'next_cursor'", id="cursor-int"),
        pytest.param(page_with(next_cursor=""), "'next_cursor'", id="cursor-empty"),
        pytest.param(page_with(total=None), "'total'", id="total-null"),
        pytest.param(page_with(total="137"), "'total'", id="total-string"),
        pytest.param(page_with(total=False), "'total'", id="total-bool"),
        pytest.param(page_with(total=0), "'total' is smaller", id="total-too-small"),
    ],
)
def test_garbage_is_an_api_error_that_names_the_field_not_the_value(body: Any, reason: str) -> None:
    with pytest.raises(errors.ApiError) as caught:
        items.parse_page(body)
    message = str(caught.value)
    assert message.startswith("API error 200: the items page is not valid: ")
    assert reason in message
    assert SECRET not in message


def test_fetch_page_sends_limit_and_cursor(
    mock: responses.RequestsMock, api: client.ApiClient
) -> None:
    mock.get(
        API + "/items",
        json=GOOD_PAGE,
        match=[responses.matchers.query_param_matcher({"limit": "25", "cursor": "abc"})],
    )
    page = items.fetch_page(api, "abc", 25)
    assert [item.id for item in page.items] == ["item-0001"]
    assert mock.calls[0].request.headers["Authorization"] == "Bearer tok-1"


def test_fetch_page_first_page_sends_no_cursor(
    mock: responses.RequestsMock, api: client.ApiClient
) -> None:
    mock.get(
        API + "/items",
        json=page_with(next_cursor=None),
        match=[responses.matchers.query_param_matcher({"limit": "50"})],
    )
    assert items.fetch_page(api).next_cursor is None


def test_fetch_page_non_json_and_bad_shape_are_api_errors(
    mock: responses.RequestsMock, api: client.ApiClient
) -> None:
    mock.get(API + "/items", body="<html>proxy login</html>", content_type="text/html")
    with pytest.raises(errors.ApiError, match="non-JSON"):
        items.fetch_page(api)
    mock.replace(responses.GET, API + "/items", body=json.dumps({"data": []}))
    with pytest.raises(errors.ApiError, match="'items' is missing"):
        items.fetch_page(api)


def test_fetch_page_passes_error_statuses_through(
    mock: responses.RequestsMock, api: client.ApiClient
) -> None:
    mock.get(API + "/items", status=403, json={"message": "forbidden"})
    with pytest.raises(errors.ApiError) as caught:
        items.fetch_page(api)
    assert caught.value.status == 403


@pytest.mark.parametrize("limit", [0, -1, items.MAX_LIMIT + 1])
def test_fetch_page_refuses_a_limit_the_api_would_refuse(limit: int) -> None:
    class NoCalls:
        def get_json(self, path: str, params: dict[str, Any] | None = None) -> Any:
            raise AssertionError("must not be called")

    with pytest.raises(ValueError, match="limit"):
        items.fetch_page(NoCalls(), None, limit)
