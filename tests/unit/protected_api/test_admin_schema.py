"""What the admin routes accept: names Cognito would take, addresses a person can type."""

from __future__ import annotations

from typing import Any

import fastapi
import pydantic
import pytest
import requests

from protected_api import admin_schema
from protected_api import server as api_server
from tests.unit.protected_api import stubs

INVITE = {"username": "carol", "email": "carol@example.com"}


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({}, id="minimal"),
        pytest.param({"username": "Ünïcødé.user+tag@x"}, id="unicode-and-punctuation"),
        pytest.param({"username": "u" * admin_schema.MAX_NAME}, id="longest-username"),
        pytest.param({"email": "a.b+c@sub.example.co"}, id="plus-and-subdomain"),
        pytest.param({"groups": ["Editors", "Admin"], "name": "Carol Example"}, id="groups-name"),
        pytest.param({"groups": ["g"] * 100}, id="most-groups"),
    ],
)
def test_an_invitation_is_accepted(changes: dict[str, Any]) -> None:
    invite = admin_schema.NewUser.model_validate({**INVITE, **changes})
    assert invite.model_dump(exclude_defaults=True) == {**INVITE, **changes}


# What makes an invitation invalid, by what is wrong with it.
REFUSED: dict[str, dict[str, Any]] = {
    "empty-username": {"username": ""},
    "long-username": {"username": "u" * (admin_schema.MAX_NAME + 1)},
    "space-in-username": {"username": "carol smith"},
    "control-in-username": {"username": "carol\n"},
    "no-at": {"email": "carol"},
    "no-dot-in-domain": {"email": "carol@localhost"},
    "quoted-local-part": {"email": '"carol"@example.com'},
    "address-literal": {"email": "carol@[127.0.0.1]"},
    "longer-than-254": {"email": f"c@{'d' * 250}.com"},
    "space-in-group": {"groups": ["has space"]},
    "empty-group": {"groups": [""]},
    "too-many-groups": {"groups": ["g"] * 101},
    "empty-name": {"name": ""},
    "control-in-name": {"name": "Carol\x1b[31m"},
    "unknown-field": {"password": "Passw0rd!"},
}


@pytest.mark.parametrize("changes", REFUSED.values(), ids=REFUSED.keys())
def test_an_invitation_is_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(pydantic.ValidationError):
        admin_schema.NewUser.model_validate({**INVITE, **changes})


# The parameter types, as FastAPI applies them to a request.

probe = fastapi.FastAPI()


@probe.get("/users/{username}/groups/{group}")
def _names(
    username: admin_schema.UsernamePath,
    group: admin_schema.GroupPath,
    limit: admin_schema.Limit = admin_schema.PAGE_MAX,
    pagination_token: admin_schema.PaginationToken = None,
) -> dict[str, Any]:
    return {"username": username, "group": group, "limit": limit, "token": pagination_token}


@pytest.fixture(scope="module")
def parameters() -> Any:
    with api_server.ApiServer(probe) as running:
        yield running


@pytest.mark.parametrize(
    ("path", "query", "status"),
    [
        ("/users/bob/groups/Editors", {}, 200),
        ("/users/b%C3%B6b/groups/%C3%89diteurs", {"limit": 1}, 200),
        ("/users/bob/groups/Editors", {"limit": 60, "pagination_token": "abc=="}, 200),
        ("/users/bob%20smith/groups/Editors", {}, 422),
        ("/users/bob/groups/Edi%09tors", {}, 422),
        (f"/users/{'u' * 129}/groups/Editors", {}, 422),
        ("/users/bob/groups/Editors", {"limit": 0}, 422),
        ("/users/bob/groups/Editors", {"limit": 61}, 422),
        ("/users/bob/groups/Editors", {"pagination_token": "a b"}, 422),
        ("/users/bob/groups/Editors", {"pagination_token": "x" * 2049}, 422),
    ],
)
def test_path_and_query_parameters(
    parameters: api_server.ApiServer, path: str, query: dict[str, Any], status: int
) -> None:
    response = requests.get(parameters.url + path, params=query, timeout=stubs.TIMEOUT)
    assert response.status_code == status, response.text
