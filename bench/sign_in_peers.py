"""The clients ``bench.desktop_sign_in`` runs beside ours, each as its users would run it.

* **google-auth-oauthlib** ``InstalledAppFlow.run_local_server`` (the goal's baseline);
* **MSAL for Python** ``PublicClientApplication.acquire_token_interactive`` and, from a
  persisted token cache, ``acquire_token_silent``;
* **bare Authlib** (context since issue 22; the goal's floor is ``bench.floors``): PKCE,
  one ``http.server`` request, the code exchange; no ID-token verification, nothing stored.

What MSAL needed to run against Cognito (the stand-in behaves like Cognito here):

1. MSAL accepts only ``https`` authorities. It is given Cognito's real issuer
   (``https://cognito-idp.{region}.amazonaws.com/{pool}``) as ``oidc_authority`` and a
   :class:`StandInTransport` as ``http_client``, which sends Cognito's https hosts to the
   stand-in's http listener and presents the discovery document's endpoints as https
   (they are http on loopback). Against a real pool none of this is needed.
2. MSAL 1.39's loopback receiver accepts only ``response_mode=form_post`` answers and
   answers a query-string redirect with a 400. Cognito's ``/oauth2/authorize`` has no
   ``response_mode`` parameter and always redirects with the code in the query, so
   **MSAL's interactive flow cannot complete against Cognito as shipped**. The benchmark
   checks that (:func:`msal_refuses_cognito_redirect`) and then times MSAL with a browser
   that re-sends the redirect's parameters as a form POST, which Cognito never does.
3. MSAL adds ``offline_access openid profile`` to the scopes; Cognito drops the ones the
   client is not allowed (``offline_access``) and still returns a refresh token.
4. MSAL's redirect URI is ``http://localhost:PORT`` (no path); it is registered on the
   app client like the others.
5. MSAL's token cache is a JSON string the app persists itself (``msal-extensions``
   encrypts it where it can); here a plain file, read and parsed on every silent run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import msal  # type: ignore[import-untyped]
import requests
from google_auth_oauthlib.flow import InstalledAppFlow  # type: ignore[import-untyped]

from bench import _common as common
from bench import floors

MSAL_EXTRA_SCOPES = ("offline_access", "openid", "profile")  # MSAL adds these itself


class Person(Protocol):
    """The scripted person the clients' browsers reach (see ``bench.desktop_sign_in``)."""

    def settle(self) -> list[str]: ...


def _report(name: str, failures: Sequence[str]) -> None:
    for failure in failures:
        print(f"{name}: browser failure: {failure}")


# -- google-auth-oauthlib ------------------------------------------------------------------


class PublicClientFlow(InstalledAppFlow):  # type: ignore[misc]  # untyped library
    """InstalledAppFlow for a public client: ``client_id`` in the token request body."""

    def fetch_token(self, **kwargs: Any) -> Any:
        kwargs.setdefault("include_client_id", True)
        return super().fetch_token(**kwargs)


def google_once(
    client_config: dict[str, Any],
    scopes: Sequence[str],
    port: int,
    browser_name: str,
    person: Person,
    timeout_s: float,
) -> tuple[float, bool]:
    """One ``run_local_server`` sign-in with a new flow; seconds, and whether it got
    an access token."""
    flows: list[Any] = []
    credentials: list[Any] = []

    def run() -> None:
        flow = PublicClientFlow.from_client_config(
            client_config, scopes=list(scopes), autogenerate_code_verifier=True
        )
        flows.append(flow)
        credentials.append(
            flow.run_local_server(
                host="127.0.0.1",
                port=port,
                open_browser=True,
                browser=browser_name,
                authorization_prompt_message=None,
                timeout_seconds=timeout_s,
            )
        )

    seconds = common.timed_clean(run)
    failures = person.settle()
    flows[0].oauth2session.close()
    token = getattr(credentials[0], "token", None) if credentials else None
    _report("google-auth-oauthlib", failures)
    return seconds, not failures and isinstance(token, str) and bool(token)


# -- MSAL ----------------------------------------------------------------------------------


class StandInTransport:
    """MSAL's ``http_client``: Cognito's https hosts go to the stand-in's http listener.

    ``issuer_origin`` (``https://cognito-idp.{region}.amazonaws.com``) and the https form
    of ``stand_in`` map to ``stand_in``; the discovery document's http endpoints are
    shown to MSAL as https. One ``requests.Session`` per transport, like MSAL's default.
    """

    def __init__(self, issuer_origin: str, stand_in: str) -> None:
        self._issuer_origin = issuer_origin.rstrip("/")
        self._stand_in = stand_in.rstrip("/")
        self._stand_in_https = as_https(self._stand_in)
        self._http = requests.Session()

    def _target(self, url: str) -> str:
        for origin in (self._issuer_origin, self._stand_in_https):
            if url == origin or url.startswith(origin + "/"):
                return self._stand_in + url[len(origin) :]
        raise ValueError(f"MSAL asked for a host the stand-in does not serve: {url}")

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", common.TIMEOUT_S)
        response = self._http.get(self._target(url), **kwargs)
        if url.endswith("/.well-known/openid-configuration"):
            response._content = response.content.replace(
                self._stand_in.encode(), self._stand_in_https.encode()
            )
        return response

    def post(self, url: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", common.TIMEOUT_S)
        return self._http.post(self._target(url), **kwargs)

    def close(self) -> None:
        self._http.close()


def as_https(url: str) -> str:
    return "https://" + url.removeprefix("http://")


def as_http(url: str) -> str:
    """A browser-side URL from MSAL (https, see :class:`StandInTransport`) for the stand-in."""
    return "http://" + url.removeprefix("https://")


def msal_app(
    client_id: str,
    issuer: str,
    transport: StandInTransport,
    *,
    cache: msal.SerializableTokenCache | None = None,
    http_cache: dict[Any, Any] | None = None,
) -> msal.PublicClientApplication:
    """A PublicClientApplication for the pool; ``http_cache`` shared across apps keeps
    the discovery document for the process, as ours does."""
    return msal.PublicClientApplication(
        client_id,
        oidc_authority=issuer,
        http_client=transport,
        token_cache=cache,
        http_cache=http_cache,
    )


def msal_once(
    make_app: Callable[[msal.SerializableTokenCache], msal.PublicClientApplication],
    scopes: Sequence[str],
    port: int,
    person: Person,
    timeout_s: float,
) -> tuple[float, bool, str | None]:
    """One ``acquire_token_interactive`` with a new app and cache; seconds, whether it
    got tokens, and the serialized cache (what the app would persist). MSAL opens the
    default browser (``webbrowser.open``): the caller registers its person there."""
    results: list[dict[str, Any]] = []
    caches: list[msal.SerializableTokenCache] = []

    def run() -> None:
        cache = msal.SerializableTokenCache()
        caches.append(cache)
        app = make_app(cache)
        results.append(
            app.acquire_token_interactive(
                [s for s in scopes if s not in MSAL_EXTRA_SCOPES],
                port=port,
                timeout=timeout_s,
            )
        )

    seconds = common.timed_clean(run)
    failures = person.settle()
    _report("MSAL", failures)
    result = results[0] if results else {}
    ok = not failures and bool(result.get("access_token")) and "error" not in result
    return seconds, ok, caches[0].serialize() if caches else None


def msal_silent_once(
    make_app: Callable[[msal.SerializableTokenCache], msal.PublicClientApplication],
    scopes: Sequence[str],
    cache_file: Path,
) -> tuple[float, bool]:
    """A new app reads the persisted cache and refreshes (``force_refresh=True``: ours
    keeps no access token across runs either); seconds, and whether it got tokens."""
    results: list[dict[str, Any] | None] = []

    def run() -> None:
        cache = msal.SerializableTokenCache()
        cache.deserialize(cache_file.read_text(encoding="utf-8"))
        app = make_app(cache)
        accounts = app.get_accounts()
        results.append(
            app.acquire_token_silent(
                [s for s in scopes if s not in MSAL_EXTRA_SCOPES],
                account=accounts[0] if accounts else None,
                force_refresh=True,
            )
        )

    seconds = common.timed_clean(run)
    result = results[0] if results else None
    return seconds, bool(result and result.get("access_token") and result.get("id_token"))


def msal_refuses_cognito_redirect(
    make_app: Callable[[msal.SerializableTokenCache], msal.PublicClientApplication],
    scopes: Sequence[str],
    port: int,
    refused: Callable[[], int | None],
) -> tuple[bool, int | None]:
    """Run MSAL with a browser that follows Cognito's redirect as Cognito sends it (a GET
    with the code in the query). True when MSAL got no token; and the status the
    browser saw from MSAL's receiver (``refused()``)."""
    app = make_app(msal.SerializableTokenCache())
    try:
        result = app.acquire_token_interactive(
            [s for s in scopes if s not in MSAL_EXTRA_SCOPES],
            port=port,
            timeout=3,
        )
    except Exception:
        result = {}
    return not result.get("access_token"), refused()


# -- bare Authlib (context: the old floor) ---------------------------------------------


def authlib_floor_once(
    client_id: str,
    scopes: Sequence[str],
    authorization_endpoint: str,
    token_endpoint: str,
    port: int,
    browser_name: str,
    person: Person,
    timeout_s: float,
) -> tuple[float, bool]:
    """What any loopback PKCE client must do and nothing more: PKCE S256 and ``state``
    (Authlib), one request on ``http.server`` (it reuses the port: ``SO_REUSEADDR``),
    the code exchange. No ID-token verification, nothing stored."""
    tokens: list[dict[str, Any]] = []

    def run() -> None:
        token, _ = floors.authlib_code_flow(
            client_id,
            scopes,
            authorization_endpoint,
            token_endpoint,
            port,
            browser_name,
            timeout_s,
            nonce=False,
        )
        tokens.append(token)

    seconds = common.timed_clean(run)
    failures = person.settle()
    _report("bare Authlib", failures)
    return seconds, not failures and bool(tokens and tokens[0].get("access_token"))
