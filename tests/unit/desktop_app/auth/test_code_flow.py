"""desktop_app.auth.code_flow: one interactive sign-in, browser or pasted, up to checked tokens.

The token client and the ID token validator are stand-ins that record what they are
given; the browser is a function that follows the authorize URL back to the real
loopback receiver (or does not open at all).
"""

from __future__ import annotations

import dataclasses
import socket
import urllib.parse
import webbrowser
from collections.abc import Callable
from typing import Any

import pytest

from desktop_app import config, errors
from desktop_app.auth import authorization, code_flow, discovery, pkce, tokens
from tests.support import loopback_probe, start_link

ENDPOINTS = discovery.Endpoints(
    issuer="https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Unit",
    authorization_endpoint="https://auth.example.com/oauth2/authorize",
    token_endpoint="https://auth.example.com/oauth2/token",
    jwks_uri="https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Unit/.well-known/jwks.json",
    userinfo_endpoint=None,
    revocation_endpoint=None,
    end_session_endpoint=None,
)
ANSWER = tokens.TokenResponse("access", 1.0, id_token="id-token", refresh_token="refresh")
CLAIMS = {"sub": "s", "cognito:username": "alice"}


class Client:
    """A token client that answers ``answer`` (or raises it) and records each exchange."""

    def __init__(self, answer: tokens.TokenResponse | Exception = ANSWER) -> None:
        self.answer = answer
        self.exchanges: list[dict[str, str]] = []

    def exchange(self, token_endpoint: str, **form: str) -> tokens.TokenResponse:
        self.exchanges.append({"token_endpoint": token_endpoint, **form})
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


class Validator:
    """Accepts every ID token; records the token and nonce it was asked about."""

    def __init__(self) -> None:
        self.checked: list[tuple[str, str | None]] = []

    def validate(self, id_token: str, *, nonce: str | None) -> dict[str, Any]:
        self.checked.append((id_token, nonce))
        return CLAIMS


@dataclasses.dataclass
class Person:
    """Opens (or not) the authorize URL and comes back on the redirect with a code."""

    opens_browser: bool | Exception = True
    shown: list[tuple[str, bool]] = dataclasses.field(default_factory=list)
    answered: list[int] = dataclasses.field(default_factory=list)

    def sign_in(self, url: str) -> None:
        url = start_link.follow(url)  # opened on the start link; by hand, on the URL itself
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
        port = urllib.parse.urlsplit(query["redirect_uri"]).port
        assert port is not None
        target = f"/callback?code=the-code&state={query['state']}"
        self.answered.append(loopback_probe.request(port, target).status)

    def open_browser(self, url: str) -> bool:
        if isinstance(self.opens_browser, Exception):
            raise self.opens_browser
        if self.opens_browser:
            self.sign_in(url)
        return self.opens_browser

    def show_url(self, url: str, opened: bool) -> None:
        self.shown.append((url, opened))
        if not opened:
            self.sign_in(url)  # by hand


def profile() -> config.Profile:
    port = loopback_probe.free_port()
    return config.parse_profile(
        "unit",
        {
            "user_pool_id": "eu-west-1_Unit",
            "client_id": "client-1",
            "domain": "https://auth.example.com",
            "redirect_uris": [f"http://127.0.0.1:{port}/callback"],
        },
    )


def run(
    client: Client,
    validator: Validator,
    person: Person | None = None,
    paste: Callable[[str], str] | None = None,
    chosen: config.Profile | None = None,
    entry: authorization.Entry = authorization.Entry.SIGN_IN,
) -> tuple[tokens.TokenResponse, dict[str, Any]]:
    person = person or Person()
    return code_flow.run(
        chosen or profile(),
        ENDPOINTS,
        client,  # type: ignore[arg-type]
        validator,  # type: ignore[arg-type]
        open_browser=person.open_browser,
        show_url=person.show_url,
        paste_redirect=paste,
        timeout=5,
        cancel=None,
        entry=entry,
    )


def sent(url: str) -> dict[str, str]:
    assert url.startswith(ENDPOINTS.authorization_endpoint + "?")
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))


@pytest.mark.parametrize(
    ("opens", "opened"),
    [(True, True), (False, False), (webbrowser.Error("no browser"), False)],
    ids=["browser opens", "browser does not open", "no browser at all"],
)
def test_the_code_comes_back_on_the_loopback_and_is_exchanged_with_its_verifier(
    opens: bool | Exception, opened: bool
) -> None:
    client, validator, person, chosen = Client(), Validator(), Person(opens), profile()
    assert run(client, validator, person, chosen=chosen) == (ANSWER, CLAIMS)
    ((url, was_opened),) = person.shown
    assert was_opened is opened and person.answered == [200]
    request = sent(url)
    assert request["redirect_uri"] == chosen.redirect_uris[0]
    (exchange,) = client.exchanges
    assert exchange == {
        "token_endpoint": ENDPOINTS.token_endpoint,
        "code": "the-code",
        "redirect_uri": chosen.redirect_uris[0],  # exactly the one the code was sent to
        "code_verifier": exchange["code_verifier"],
    }
    assert pkce.challenge(exchange["code_verifier"]) == request["code_challenge"]
    assert validator.checked == [("id-token", request["nonce"])]


@pytest.mark.parametrize(
    ("entry", "path"),
    [
        (authorization.Entry.SIGN_UP, "/signup"),
        (authorization.Entry.FORGOT_PASSWORD, "/forgotPassword"),
    ],
)
def test_sign_up_and_forgot_password_are_the_same_flow_on_another_page(
    entry: authorization.Entry, path: str
) -> None:
    client, validator, person, chosen = Client(), Validator(), Person(), profile()
    assert run(client, validator, person, chosen=chosen, entry=entry) == (ANSWER, CLAIMS)
    ((url, opened),) = person.shown
    assert opened and person.answered == [200]  # through the one-time start link
    parts = urllib.parse.urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{chosen.domain}{path}"
    request = dict(urllib.parse.parse_qsl(parts.query))
    assert request == {
        "response_type": "code",
        "client_id": "client-1",
        "redirect_uri": chosen.redirect_uris[0],
        "scope": "openid email profile",
        "state": request["state"],
        "nonce": request["nonce"],
        "code_challenge": request["code_challenge"],
        "code_challenge_method": "S256",
    }
    (exchange,) = client.exchanges
    assert pkce.challenge(exchange["code_verifier"]) == request["code_challenge"]
    assert validator.checked == [("id-token", request["nonce"])]


def test_a_pasted_redirect_works_from_the_sign_up_page_too() -> None:
    chosen = profile()
    shown: list[str] = []

    def paste(url: str) -> str:
        shown.append(url)
        state = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))["state"]
        return f"{chosen.redirect_uris[0]}?code=pasted&state={state}"

    client = Client()
    no_browser = Person(AssertionError("no browser"))
    run(client, Validator(), no_browser, paste, chosen, authorization.Entry.SIGN_UP)
    assert shown[0].startswith(f"{chosen.domain}/signup?")
    assert client.exchanges[0]["code"] == "pasted"


def test_a_pasted_redirect_needs_no_browser_and_no_port() -> None:
    chosen = profile()
    shown: list[str] = []

    def paste(url: str) -> str:
        shown.append(url)
        return f"{chosen.redirect_uris[0]}?code=pasted&state={sent(url)['state']}"

    client, validator = Client(), Validator()
    port = urllib.parse.urlsplit(chosen.redirect_uris[0]).port
    with socket.socket() as squatter:  # the only registered port is taken: nothing binds
        squatter.bind(("127.0.0.1", port or 0))
        no_browser = Person(AssertionError("no browser"))
        assert run(client, validator, no_browser, paste, chosen) == (ANSWER, CLAIMS)
    assert client.exchanges[0]["code"] == "pasted"
    assert client.exchanges[0]["redirect_uri"] == chosen.redirect_uris[0]
    assert validator.checked == [("id-token", sent(shown[0])["nonce"])]


def test_every_attempt_has_fresh_randoms() -> None:
    seen: list[dict[str, str]] = []

    def paste(url: str) -> str:
        seen.append(sent(url))
        return "not the redirect"

    for _ in range(2):
        with pytest.raises(errors.SignInError):
            run(Client(), Validator(), paste=paste)
    first, second = seen
    for name in ("state", "nonce", "code_challenge"):
        assert first[name] != second[name]


@pytest.mark.parametrize(
    ("answer", "raised", "match"),
    [
        (tokens.Refused("invalid_grant"), errors.TokenExchangeError, r"refused.*\(invalid_grant\)"),
        (dataclasses.replace(ANSWER, id_token=None), errors.IdTokenError, "'openid'"),
    ],
    ids=["code refused", "no id token"],
)
def test_a_sign_in_that_brings_no_checkable_tokens_fails(
    answer: tokens.TokenResponse | Exception, raised: type[Exception], match: str
) -> None:
    validator = Validator()
    with pytest.raises(raised, match=match):
        run(Client(answer), validator)
    assert validator.checked == []
