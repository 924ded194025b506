"""``GET /items``: a sample protected resource with cursor paging.

Deterministic data (the same for every caller) so the desktop app's API panel
has something real to page through, and tests can assert on it.
"""

from __future__ import annotations

import base64
import binascii
import datetime
from typing import Annotated

import fastapi
import pydantic

from protected_api import auth, scopes

# The resource server's read scope, when the settings require scopes.
router = fastapi.APIRouter(
    tags=["user"], dependencies=[fastapi.Depends(scopes.require(scopes.READ))]
)
TOTAL_ITEMS = 137
MAX_LIMIT = 100
_EPOCH = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
_TOPICS = (
    "Quarterly report",
    "Design review",
    "Release notes",
    "Budget",
    "Roadmap",
    "Incident summary",
    "Onboarding guide",
)


class Item(pydantic.BaseModel):
    id: str
    title: str
    updated_at: datetime.datetime
    size_bytes: int


class ItemPage(pydantic.BaseModel):
    items: list[Item]
    next_cursor: str | None = pydantic.Field(description="pass as ?cursor= for the next page")
    total: int


def item(index: int) -> Item:
    return Item(
        id=f"item-{index + 1:04d}",
        title=f"{_TOPICS[index % len(_TOPICS)]} #{index // len(_TOPICS) + 1}",
        updated_at=_EPOCH + datetime.timedelta(hours=7 * index),
        size_bytes=1024 + (index * 7919) % 65536,
    )


def _encode(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode().rstrip("=")


def _decode(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        kind, _, value = raw.partition(":")
        offset = int(value)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise fastapi.HTTPException(400, "cursor is not valid") from None
    if kind != "o" or not 0 <= offset <= TOTAL_ITEMS:
        raise fastapi.HTTPException(400, "cursor is not valid")
    return offset


@router.get("/items", response_model=ItemPage, summary="A page of sample items")
def items(
    user: auth.CurrentUser,
    limit: Annotated[int, fastapi.Query(ge=1, le=MAX_LIMIT)] = 20,
    cursor: Annotated[str | None, fastapi.Query(max_length=64)] = None,
) -> ItemPage:
    start = _decode(cursor) if cursor else 0
    end = min(start + limit, TOTAL_ITEMS)
    return ItemPage(
        items=[item(i) for i in range(start, end)],
        next_cursor=_encode(end) if end < TOTAL_ITEMS else None,
        total=TOTAL_ITEMS,
    )
