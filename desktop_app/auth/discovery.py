"""OpenID Connect discovery for a profile, fetched once per process and checked.

The discovery document tells the app where to send people and tokens, so it is
validated before anything uses it: the issuer must be exactly the profile's
(OpenID Connect Discovery 1.0, 4.3), the endpoints the sign-in needs must be
there, and every endpoint must be https (plain http only on loopback, for the
local stand-in; never with user-info: :func:`desktop_app.urls.is_https_or_loopback`).
"""

from __future__ import annotations

import dataclasses
import threading
from typing import Any

import requests

from desktop_app import config, errors, urls
from desktop_app.auth import http

_REQUIRED = ("authorization_endpoint", "token_endpoint", "jwks_uri")
_OPTIONAL = ("userinfo_endpoint", "revocation_endpoint", "end_session_endpoint")

# Validated documents by URL. A document is cached only once it has passed the
# checks for some profile; it is re-checked against every profile that asks.
_documents: dict[str, dict[str, Any]] = {}
_url_locks: dict[str, threading.Lock] = {}
_lock = threading.Lock()


@dataclasses.dataclass(frozen=True)
class Endpoints:
    """Where the user pool's OAuth 2.0 / OpenID Connect endpoints are."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str | None
    revocation_endpoint: str | None
    end_session_endpoint: str | None


def discover(profile: config.Profile, session: requests.Session) -> Endpoints:
    """The profile's endpoints, from ``profile.effective_discovery_url``.

    Fetched at most once per process per URL (concurrent callers share one
    fetch). :class:`~desktop_app.errors.NetworkError` if it cannot be fetched
    (transport, timeout, 5xx); :class:`~desktop_app.errors.DiscoveryError` if it
    is missing (4xx) or not what the profile expects.
    """
    url = profile.effective_discovery_url
    with _lock:
        url_lock = _url_locks.setdefault(url, threading.Lock())
    with url_lock:
        document = _documents.get(url)
        if document is not None:
            return _endpoints(document, profile)
        document = _fetch(url, session)
        endpoints = _endpoints(document, profile)
        _documents[url] = document
        return endpoints


def clear_cache() -> None:
    """Forget every fetched document (for tests, and for switching profiles in place)."""
    with _lock:
        _documents.clear()
        _url_locks.clear()


def _fetch(url: str, session: requests.Session) -> dict[str, Any]:
    where = http.describe(url)
    try:
        return http.get_json(session, url)
    except http.HttpStatusError as exc:
        if exc.status >= 500:
            raise
        raise errors.DiscoveryError(
            f"no OpenID discovery document at {where} (HTTP {exc.status}); "
            "check the profile's issuer or discovery_url"
        ) from None
    except errors.NetworkError:
        raise
    except errors.CognitoDesktopError as exc:
        raise errors.DiscoveryError(f"bad OpenID discovery document: {exc}") from None


def _endpoints(document: dict[str, Any], profile: config.Profile) -> Endpoints:
    where = http.describe(profile.effective_discovery_url)
    issuer = document.get("issuer")
    if issuer != profile.issuer:
        raise errors.DiscoveryError(
            f"discovery at {where} is for issuer {issuer!r}, "
            f"but the profile expects {profile.issuer!r}"
        )
    found: dict[str, str | None] = {}
    for key in (*_REQUIRED, *_OPTIONAL):
        value = document.get(key)
        if value is None and key in _REQUIRED:
            raise errors.DiscoveryError(f"discovery at {where} has no {key}")
        if value is not None and not urls.is_https_or_loopback(value):
            shown = http.describe(value) if isinstance(value, str) else type(value).__name__
            raise errors.DiscoveryError(
                f"discovery at {where}: {key} {shown!r} must be an https URL "
                "(http only for loopback)"
            )
        found[key] = value
    # Cognito's own document lists neither; both live on the managed-login domain.
    revocation = found["revocation_endpoint"] or f"{profile.domain}/oauth2/revoke"
    end_session = found["end_session_endpoint"] or f"{profile.domain}/logout"
    return Endpoints(
        issuer=profile.issuer,
        authorization_endpoint=found["authorization_endpoint"] or "",
        token_endpoint=found["token_endpoint"] or "",
        jwks_uri=found["jwks_uri"] or "",
        userinfo_endpoint=found["userinfo_endpoint"],
        revocation_endpoint=revocation,
        end_session_endpoint=end_session,
    )
