"""What the API client tests share: the API's address, ``responses`` standing in for
it, an :class:`~desktop_app.api.client.ApiClient` on shared fake tokens, and answers
built from a good one with a change or two (:func:`changed`)."""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
import responses

from desktop_app.api import client
from desktop_app.auth import http
from tests.support.fake_api import FakeTokens

API = "https://api.example.com"
#: A value for :func:`changed`: leave the key out.
DROP = object()


def changed(good: Mapping[str, Any], **changes: Any) -> dict[str, Any]:
    """A deep copy of ``good`` with ``changes``; a key changed to :data:`DROP` is removed."""
    body = copy.deepcopy(dict(good))
    for key, value in changes.items():
        if value is DROP:
            del body[key]
        else:
            body[key] = value
    return body


@pytest.fixture
def mock() -> Iterator[responses.RequestsMock]:
    """Every request is answered by what the test registered, and must be asked for."""
    with responses.RequestsMock() as running:
        yield running


@pytest.fixture
def tokens() -> FakeTokens:
    return FakeTokens()


@pytest.fixture
def api(tokens: FakeTokens) -> client.ApiClient:
    return client.ApiClient(API, tokens, http.new_session())
