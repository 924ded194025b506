"""desktop_app.auth.authorization: the authorize URL and the one reading of a response.

The response table (:mod:`.authorization_responses`) runs here through the pure
function and the paste-back path, and in ``test_loopback.py`` through the receiver.
"""

from __future__ import annotations

import urllib.parse

import pytest

from desktop_app import errors
from desktop_app.auth import authorization
from tests.unit.desktop_app.auth.authorization_responses import CASES, STATE, Case

REDIRECT = "http://127.0.0.1:53682/callback"
ENDPOINT = "https://auth.example.com/oauth2/authorize"


def test_the_authorization_url_carries_every_parameter_cognito_needs() -> None:
    url = authorization.authorization_url(
        ENDPOINT,
        client_id="client-1",
        redirect_uri=REDIRECT,
        scopes=("openid", "email", "aws.cognito.signin.user.admin"),
        state="s",
        nonce="n",
        code_challenge="c" * 43,
    )
    assert url.startswith(f"{ENDPOINT}?")
    query = urllib.parse.urlsplit(url).query
    assert "+" not in query and "scope=openid%20email%20aws.cognito.signin.user.admin" in query
    assert dict(urllib.parse.parse_qsl(query, strict_parsing=True)) == {
        "response_type": "code",
        "client_id": "client-1",
        "redirect_uri": REDIRECT,
        "scope": "openid email aws.cognito.signin.user.admin",
        "state": "s",
        "nonce": "n",
        "code_challenge": "c" * 43,
        "code_challenge_method": "S256",
    }


@pytest.mark.parametrize(
    ("entry", "start"),
    [
        (authorization.Entry.SIGN_IN, ENDPOINT),
        (authorization.Entry.SIGN_UP, "https://login.example.com/signup"),
        (authorization.Entry.FORGOT_PASSWORD, "https://login.example.com/forgotPassword"),
    ],
)
def test_each_entry_starts_on_its_managed_login_page(
    entry: authorization.Entry, start: str
) -> None:
    # Sign-in keeps the discovered endpoint; the other two are pages on the managed-login
    # domain (Cognito's /signup and /forgotPassword), which take the same parameters.
    found = authorization.entry_endpoint(
        entry, authorization_endpoint=ENDPOINT, domain="https://login.example.com/"
    )
    assert found == start


@pytest.mark.parametrize(
    ("query", "params"),
    [
        ("code=c&state=s", {"code": ["c"], "state": ["s"]}),
        ("code=&state=s&state=t", {"code": [""], "state": ["s", "t"]}),  # blanks kept
        ("a=%20b", {"a": [" b"]}),
        ("", {}),
        ("&".join(f"p{n}=v" for n in range(21)), {}),  # more than MAX_QUERY_FIELDS: nothing
    ],
)
def test_query_parameters(query: str, params: dict[str, list[str]]) -> None:
    assert authorization.query_parameters(query) == params


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_parse_authorization_response(case: Case) -> None:
    params = authorization.query_parameters(case.text)
    case.check(lambda: authorization.parse_authorization_response(params, expected_state=STATE))


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_a_pasted_redirect_is_read_the_same_way(case: Case) -> None:
    pasted = f"\t{REDIRECT}?{case.text} \n"  # as copied from an address bar
    case.check(
        lambda: authorization.code_from_pasted_redirect(
            pasted, redirect_uri=REDIRECT, expected_state=STATE
        )
    )


@pytest.mark.parametrize(
    "url",
    [
        f"http://localhost:53682/callback?code=c&state={STATE}",
        f"http://127.0.0.1:53683/callback?code=c&state={STATE}",
        f"http://127.0.0.1/callback?code=c&state={STATE}",
        f"https://127.0.0.1:53682/callback?code=c&state={STATE}",
        f"http://127.0.0.1:53682/callback/?code=c&state={STATE}",
        f"http://127.0.0.1:53682/other?code=c&state={STATE}",
        f"http://evil@127.0.0.1:53682/callback?code=c&state={STATE}",
        f"http://evil.example/callback?code=c&state={STATE}",
        "c",
        "",
    ],
)
def test_a_pasted_url_that_is_not_the_redirect_uri_is_refused(url: str) -> None:
    with pytest.raises(errors.SignInError) as caught:
        authorization.code_from_pasted_redirect(url, redirect_uri=REDIRECT, expected_state=STATE)
    assert type(caught.value) is errors.SignInError
    assert "redirect URL" in str(caught.value)


@pytest.mark.parametrize(
    ("params", "is_response"),
    [
        ({"code": ["c"]}, True),
        ({"error": [""]}, True),
        ({"code": ["c"], "error": ["e"]}, True),
        ({"state": ["s"]}, False),
        ({}, False),
    ],
)
def test_is_authorization_response(params: dict[str, list[str]], is_response: bool) -> None:
    assert authorization.is_authorization_response(params) is is_response


@pytest.mark.parametrize(
    ("text", "limit", "shown"),
    [
        ("plain text", 20, "plain text"),
        ("\x1b[2J\x07bell\n", 20, "\ufffd[2J\ufffdbell\ufffd"),
        ("abcdef", 4, "abc\u2026"),
        ("abcd", 4, "abcd"),
    ],
)
def test_printable(text: str, limit: int, shown: str) -> None:
    assert authorization.printable(text, limit) == shown
