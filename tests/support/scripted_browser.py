"""A person's browser, scripted over plain HTTP against managed login.

It does what a browser does and nothing more: GET the authorize URL, follow
redirects on the managed-login host, fill in and POST forms (keeping cookies),
and stop at the redirect to the app's loopback callback, which it returns.
"""

from __future__ import annotations

import dataclasses
import html.parser
import urllib.parse
from typing import Any

import requests

from tests.support import pkce

TIMEOUT = 10


@dataclasses.dataclass
class Form:
    """The first form on a page: where it posts and its hidden fields."""

    action: str
    fields: dict[str, str]
    inputs: list[str]


@dataclasses.dataclass
class Page:
    url: str
    status: int
    text: str
    form: Form | None

    @property
    def error(self) -> str | None:
        """The page's alert message, if it shows one."""
        start = self.text.find('role="alert">')
        if start < 0:
            return None
        end = self.text.find("</p>", start)
        return html.unescape(self.text[start + len('role="alert">') : end])


class _FormParser(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.form: Form | None = None
        self._in_form = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "form" and self.form is None:
            self.form = Form(values.get("action", ""), {}, [])
            self._in_form = True
        elif tag == "input" and self._in_form and self.form is not None:
            name = values.get("name", "")
            self.form.inputs.append(name)
            if values.get("type") == "hidden":
                self.form.fields[name] = values.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_form = False


def _parse(response: requests.Response) -> Page:
    parser = _FormParser()
    parser.feed(response.text)
    return Page(response.url, response.status_code, response.text, parser.form)


@dataclasses.dataclass
class AuthRequest:
    """One authorize request and the PKCE verifier that belongs to it."""

    client_id: str
    redirect_uri: str
    scope: str | None = "openid email profile"
    state: str | None = "state-123"
    nonce: str | None = "nonce-456"
    verifier: str = ""
    challenge: str = ""
    method: str | None = "S256"
    extra: dict[str, str] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.verifier:
            self.verifier, self.challenge = pkce.pair()

    def params(self) -> dict[str, str]:
        params = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
        }
        optional = {
            "scope": self.scope,
            "state": self.state,
            "nonce": self.nonce,
            "code_challenge": self.challenge or None,
            "code_challenge_method": self.method,
        }
        params.update({k: v for k, v in optional.items() if v is not None})
        params.update(self.extra)
        return params


class ScriptedBrowser:
    """Cookies persist across calls, like one browser profile."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = requests.Session()

    def get(self, path_or_url: str, **kwargs: Any) -> requests.Response:
        url = path_or_url if "://" in path_or_url else self.base_url + path_or_url
        return self.http.get(url, allow_redirects=False, timeout=TIMEOUT, **kwargs)

    def authorize(self, request: AuthRequest) -> requests.Response:
        """GET /oauth2/authorize; the raw response (usually a 302)."""
        return self.get("/oauth2/authorize", params=request.params())

    def follow(self, response: requests.Response) -> requests.Response | str:
        """Follow redirects on managed login; stop at (and return) any other URL."""
        while response.status_code in (301, 302, 303, 307):
            location = urllib.parse.urljoin(response.url, response.headers["Location"])
            if not location.startswith(self.base_url + "/"):
                return location
            response = self.get(location)
        return response

    def open_url(self, url: str) -> Page | str:
        """The page at ``url`` after redirects on managed login, or the app URL it left for."""
        result = self.follow(self.get(url))
        return result if isinstance(result, str) else _parse(result)

    def open(self, request: AuthRequest) -> Page | str:
        """The page managed login shows for ``request``, or the callback URL if it
        redirected straight back (an existing session)."""
        result = self.follow(self.authorize(request))
        return result if isinstance(result, str) else _parse(result)

    def submit(self, page: Page, **fields: str) -> Page | str:
        """Fill in and POST the page's form; the next page, or the callback URL."""
        assert page.form is not None, f"no form on {page.url}"
        data = {**page.form.fields, **fields}
        url = urllib.parse.urljoin(page.url, page.form.action)
        response = self.http.post(url, data=data, allow_redirects=False, timeout=TIMEOUT)
        result = self.follow(response)
        return result if isinstance(result, str) else _parse(result)

    def sign_in(self, request: AuthRequest, username: str, password: str) -> str:
        """Complete managed login; the callback URL with ``code`` (and ``state``)."""
        page = self.open(request)
        if isinstance(page, str):
            return page
        result = self.submit(page, username=username, password=password)
        if not isinstance(result, str):
            raise AssertionError(f"sign-in did not redirect: {result.status} {result.error}")
        return result


def callback_params(url: str) -> dict[str, str]:
    """Query parameters of the loopback callback URL."""
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
