"""The URL rules every layer shares: which hosts are loopback, which URLs the app may
talk to, and what a loopback redirect URI looks like.

Standard library only, and nothing from the project, so that ``config`` (the bottom
layer) can use it as well as ``auth``. Every rule refuses user-info (``user:pass@``):
no endpoint the app uses needs it, and it is how a URL is made to look like another
host (``https://auth.example.com@evil.example/``, RFC 3986 7.6).
"""

from __future__ import annotations

import dataclasses
import ipaddress
import urllib.parse

#: The hosts a loopback redirect URI may name: the IP literal 127.0.0.1 only. The
#: receiver binds 127.0.0.1 (RFC 8252 8.3), so a redirect to another loopback address
#: (or ``[::1]``) could never arrive. ``localhost`` is refused too (RFC 8252 8.3 says to
#: use the IP literal): a browser may resolve it to ``::1`` first, where another local
#: process could listen on the same port and take the authorization code.
REDIRECT_HOSTS = frozenset({"127.0.0.1"})


def is_loopback_host(host: str | None) -> bool:
    """``localhost``, or an IP literal on the loopback network (127.0.0.0/8, ``::1``)."""
    if host == "localhost":
        return True
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def has_userinfo(parts: urllib.parse.SplitResult) -> bool:
    """Whether the URL carries user-info (``user@``, ``user:pass@``, even ``:@``)."""
    return parts.username is not None or parts.password is not None


def is_https_or_loopback(url: object) -> bool:
    """``https`` with a host, or plain ``http`` to a loopback host (the local stand-in);
    never with user-info. Anything but a string is refused (discovery documents are
    untrusted JSON)."""
    if not isinstance(url, str):
        return False
    parts = urllib.parse.urlsplit(url)
    if not parts.hostname or has_userinfo(parts):
        return False
    if parts.scheme == "https":
        return True
    return parts.scheme == "http" and is_loopback_host(parts.hostname)


@dataclasses.dataclass(frozen=True)
class LoopbackRedirect:
    """A checked loopback redirect URI and its parts."""

    uri: str  # as configured: the token request must repeat it exactly
    host: str
    port: int
    path: str  # "/" when the URI has none (the browser then requests "/")


def parse_loopback_redirect(uri: str) -> LoopbackRedirect | None:
    """``uri``'s parts if it is ``http://127.0.0.1:PORT/PATH``, else None.

    RFC 8252 7.3: plain http to the loopback IP literal (``localhost`` is refused, 8.3:
    see :data:`REDIRECT_HOSTS`); the port is explicit because Cognito matches callback
    URLs exactly; no query or fragment (RFC 6749 3.1.2: the redirect URI "MUST NOT
    include a fragment component"; the server appends the query) and no user-info.
    """
    parts = urllib.parse.urlsplit(uri)
    host = parts.hostname or ""
    try:
        port = parts.port
    except ValueError:  # not a number, or out of range
        return None
    if (
        parts.scheme != "http"
        or host not in REDIRECT_HOSTS
        or not port
        or has_userinfo(parts)
        or parts.query
        or parts.fragment
    ):
        return None
    return LoopbackRedirect(uri=uri, host=host, port=port, path=parts.path or "/")


def uses_localhost(uri: str) -> bool:
    """Whether ``uri`` is plain http to ``localhost`` (any case): the loopback redirect
    RFC 8252 8.3 advises against, named so that errors can say what to use instead."""
    parts = urllib.parse.urlsplit(uri)
    return parts.scheme == "http" and parts.hostname == "localhost"


def with_loopback_ip(uri: str) -> str:
    """``uri`` with its host replaced by ``127.0.0.1`` (port, path and the rest kept).

    For error messages about a ``localhost`` redirect URI; the caller has already
    refused user-info, so none is carried over.
    """
    parts = urllib.parse.urlsplit(uri)
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = f"127.0.0.1:{port}" if port else "127.0.0.1"
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def comparable(url: str) -> str:
    """``url`` in the form two URLs are compared in: scheme and host lower-cased, a
    default port dropped, an empty path as ``/``; user-info dropped (never compared, never
    echoed). Query and fragment are kept as written.

    Cognito compares redirect URIs character for character, so this is not how a server
    matches them; it is how the app decides that two profiles name the same endpoint.
    """
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is not None and (scheme, port) not in (("http", 80), ("https", 443)):
        host = f"{host}:{port}"
    return urllib.parse.urlunsplit((scheme, host, parts.path or "/", parts.query, parts.fragment))
