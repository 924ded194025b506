"""Profiles: which user pool, app client and API the app talks to.

The file is TOML with one table per profile under ``[profiles.NAME]`` (format in
docs/configuration.md). It is found, in order, from ``--config PATH``, the
``COGNITO_DESKTOP_CONFIG`` environment variable, or ``config.toml`` in the
platform's user config directory. Unknown keys and bad values are errors that
name the key, and so are two profiles that share a redirect or sign-out URI (each
environment needs its own: RFC 9700 4.4, mix-up attacks).
"""

from __future__ import annotations

import dataclasses
import os
import re
import urllib.parse
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

import platformdirs

from desktop_app import APP_NAME, errors, urls

CONFIG_ENV = "COGNITO_DESKTOP_CONFIG"
PROFILE_ENV = "COGNITO_DESKTOP_PROFILE"
DEFAULT_PROFILE = "default"
DEFAULT_SCOPES = ("openid", "email", "profile")
_POOL_ID = re.compile(r"^(?P<region>[a-z]{2}(-[a-z]+)+-\d+)_[0-9A-Za-z]+$")
_PROFILE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
#: Cognito's two issuer formats (IssuerConfigurationType in the Cognito API reference):
#: the user pool's issuer is ``https://{host}.{region}.amazonaws.com/{poolId}``.
ISSUER_HOSTS = {"classic": "cognito-idp", "updated": "issuer-cognito-idp"}
DEFAULT_ISSUER_FORMAT = "classic"
_COGNITO_ISSUER = re.compile(
    r"^https://(?P<host>cognito-idp|issuer-cognito-idp)\.(?P<region>[a-z]{2}(-[a-z]+)+-\d+)"
    r"\.amazonaws\.com/(?P<pool>[a-z]{2}(-[a-z]+)+-\d+_[0-9A-Za-z]+)$"
)


def cognito_issuer(
    region: str, user_pool_id: str, issuer_format: str = DEFAULT_ISSUER_FORMAT
) -> str:
    """The pool's issuer in ``issuer_format``: ``classic`` is
    ``https://cognito-idp.{region}.amazonaws.com/{poolId}``, ``updated`` is
    ``https://issuer-cognito-idp.{region}.amazonaws.com/{poolId}``."""
    return f"https://{ISSUER_HOSTS[issuer_format]}.{region}.amazonaws.com/{user_pool_id}"


def issuer_format_of(issuer: str) -> str | None:
    """``classic`` or ``updated`` for a Cognito user pool issuer, None for any other URL."""
    match = _COGNITO_ISSUER.match(issuer)
    if match is None:
        return None
    return next(fmt for fmt, host in ISSUER_HOSTS.items() if host == match["host"])


def default_path() -> Path:
    """``config.toml`` in the user config dir (e.g. ``~/.config/cognito-desktop``)."""
    return platformdirs.user_config_path(APP_NAME, appauthor=False) / "config.toml"


def resolve_path(
    explicit: str | os.PathLike[str] | None = None, environ: Mapping[str, str] = os.environ
) -> Path:
    """The config file to use: ``--config``, then ``$COGNITO_DESKTOP_CONFIG``, then default."""
    if explicit:
        return Path(explicit).expanduser()
    if environ.get(CONFIG_ENV):
        return Path(environ[CONFIG_ENV]).expanduser()
    return default_path()


@dataclasses.dataclass(frozen=True)
class Profile:
    """One validated ``[profiles.NAME]`` table."""

    name: str
    client_id: str
    domain: str
    redirect_uris: tuple[str, ...]
    issuer: str
    region: str | None = None
    user_pool_id: str | None = None
    scopes: tuple[str, ...] = DEFAULT_SCOPES
    api_url: str | None = None
    admin_group: str = "Admin"
    logout_uri: str | None = None
    discovery_url: str | None = None
    ca_bundle: str | None = None  # a PEM file of CAs to trust (corporate TLS inspection)
    proxy: str | None = None  # an http(s) proxy URL for every request the app makes
    # Which of Cognito's issuer formats ``issuer`` is in ("classic" or "updated").
    issuer_format: str = DEFAULT_ISSUER_FORMAT
    # Whether signing out also opens managed login's /logout in the browser, ending the
    # browser's managed-login session (otherwise the next sign-in may skip the form).
    sign_out_in_browser: bool = True
    # What the pool's managed login offers, so the sign-in screen offers it too:
    # self-registration ("Create an account", off unless the pool allows it) and
    # account recovery ("Forgot your password?", shown by Cognito unless recovery is
    # admin-only).
    self_sign_up: bool = False
    password_reset: bool = True
    # Password sign-in through the protected API (``cognito-desktop login
    # --password-stdin``, ``self-test --sign-in``), for automation and headless test
    # runs; off unless set. Its tokens come from a separate app client (the API's
    # automation client), whose id the ID token's audience must be. The GUI never
    # uses it: it signs in through the system browser (RFC 8252 4.1; 8.12: an app that
    # takes the password itself sees the user's full credentials).
    password_sign_in: bool = False
    password_sign_in_client_id: str | None = None

    @property
    def effective_discovery_url(self) -> str:
        """Where to fetch discovery: the override, else ``{issuer}/.well-known/...``."""
        return self.discovery_url or f"{self.issuer}/.well-known/openid-configuration"


_KEYS = {
    "region",
    "user_pool_id",
    "issuer",
    "domain",
    "client_id",
    "redirect_uris",
    "scopes",
    "api_url",
    "admin_group",
    "logout_uri",
    "discovery_url",
    "ca_bundle",
    "proxy",
    "issuer_format",
    "sign_out_in_browser",
    "self_sign_up",
    "password_reset",
    "password_sign_in",
    "password_sign_in_client_id",
}


#: The settings a signed-in session is bound to: its tokens were issued by this pool to
#: these app clients (the stored session is refused for any other, see
#: ``desktop_app.auth.session.Session.resume``), so a change to one of them ends it.
SESSION_FIELDS = frozenset(
    {
        "issuer",
        "user_pool_id",
        "region",
        "issuer_format",
        "client_id",
        "password_sign_in",
        "password_sign_in_client_id",
    }
)


def changed_fields(old: Profile, new: Profile) -> tuple[str, ...]:
    """The settings that differ between two readings of a profile, in the order
    :class:`Profile` declares them (empty when the profile reads the same)."""
    return tuple(
        field.name
        for field in dataclasses.fields(Profile)
        if getattr(old, field.name) != getattr(new, field.name)
    )


def ends_session(changed: Collection[str]) -> bool:
    """Whether a session built with the old settings is void under the new ones
    (:data:`SESSION_FIELDS`); other changes (``api_url``, ``proxy``...) leave it valid."""
    return not SESSION_FIELDS.isdisjoint(changed)


def read_bytes(path: Path) -> bytes:
    """The config file's bytes; :class:`~desktop_app.errors.ConfigError` if unreadable."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise errors.ConfigError(f"config file not found: {path}") from None
    except OSError as exc:
        raise errors.ConfigError(f"cannot read config file {path}: {exc}") from None


def load(path: Path) -> dict[str, Profile]:
    """Every profile in ``path``; :class:`~desktop_app.errors.ConfigError` on any problem."""
    return parse(read_bytes(path), path)


def parse(data: bytes, path: Path) -> dict[str, Profile]:
    """Every profile in ``data``, the bytes of the config file at ``path`` (named in
    errors); :class:`~desktop_app.errors.ConfigError` on any problem."""
    import tomllib  # here, not at the top: the GUI paints before reading the file

    try:
        raw = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise errors.ConfigError(f"cannot read config file {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise errors.ConfigError(f"{path} is not valid TOML: {exc}") from None
    unknown = set(raw) - {"profiles"}
    if unknown:
        raise errors.ConfigError(f"{path}: unknown top-level key {sorted(unknown)[0]!r}")
    profiles = raw.get("profiles", {})
    if not isinstance(profiles, dict):
        raise errors.ConfigError(f"{path}: 'profiles' must be a table")
    parsed = {name: parse_profile(name, table) for name, table in profiles.items()}
    check_distinct_endpoints(parsed)
    return parsed


def check_distinct_endpoints(
    profiles: Mapping[str, Profile], involving: Collection[str] | None = None
) -> None:
    """Refuse two profiles that share a redirect URI, or share a ``logout_uri``.

    A redirect URI names one environment: if two pools' app clients both send the
    browser to it, a response from one could be taken for the other (a mix-up attack,
    RFC 9700 4.4), so each environment gets its own path. URIs are compared after
    normalising (:func:`desktop_app.urls.comparable`: host case, default port and
    path). With ``involving``, only clashes with one of those profiles count.
    """
    redirects = {name: profile.redirect_uris for name, profile in profiles.items()}
    logouts = {name: (p.logout_uri,) for name, p in profiles.items() if p.logout_uri}
    _refuse_shared(redirects, "redirect_uris", "list", "/callback", involving)
    _refuse_shared(logouts, "logout_uri", "use", "/signed-out", involving)


def _refuse_shared(
    uris: Mapping[str, Collection[str]],
    key: str,
    verb: str,
    default_path: str,
    involving: Collection[str] | None,
) -> None:
    seen: dict[str, tuple[str, str]] = {}  # comparable URI -> (profile, URI as written)
    for name, listed in uris.items():
        for uri in listed:
            first, written = seen.setdefault(urls.comparable(uri), (name, uri))
            if first == name or (
                involving is not None and first not in involving and name not in involving
            ):
                continue
            if urls.parse_loopback_redirect(written) is not None:
                path = urllib.parse.urlsplit(written).path.rstrip("/") or default_path
                fix = f"give each environment its own path, e.g. {path}/{first}"
            else:
                fix = "give each environment its own"
                fix += " sign-out URL" if key == "logout_uri" else " URI"
            raise errors.ConfigError(
                f"profiles.{first}.{key} and profiles.{name}.{key} both {verb} {written}; {fix}"
            )


def load_profile(path: Path, name: str) -> Profile:
    """The profile ``name`` from ``path``."""
    return pick(load(path), path, name)


def pick(profiles: Mapping[str, Profile], path: Path, name: str) -> Profile:
    """The profile ``name`` of ``profiles`` (read from ``path``), or a ConfigError."""
    if name not in profiles:
        known = ", ".join(sorted(profiles)) or "none"
        raise errors.ConfigError(f"{path}: no profile {name!r} (profiles: {known})")
    return profiles[name]


def parse_profile(name: str, table: Any) -> Profile:
    """Validate one profile table; errors name ``profiles.NAME.KEY``."""
    if not _PROFILE_NAME.match(name):
        raise errors.ConfigError(f"profile name {name!r} must be 1-64 letters, digits, - or _")
    if not isinstance(table, dict):
        raise errors.ConfigError(f"profiles.{name} must be a table")
    where = f"profiles.{name}"
    unknown = set(table) - _KEYS
    if unknown:
        raise errors.ConfigError(f"{where}: unknown key {sorted(unknown)[0]!r}")

    def string(key: str, required: bool = False) -> str | None:
        value = table.get(key)
        if value is None:
            if required:
                raise errors.ConfigError(f"{where}.{key} is required")
            return None
        if not isinstance(value, str) or not value.strip():
            raise errors.ConfigError(f"{where}.{key} must be a non-empty string")
        return value.strip()

    def strings(key: str) -> tuple[str, ...] | None:
        value = table.get(key)
        if value is None:
            return None
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(v, str) and v for v in value)
        ):
            raise errors.ConfigError(f"{where}.{key} must be a non-empty list of strings")
        return tuple(value)

    def boolean(key: str, default: bool) -> bool:
        value = table.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):  # a TOML boolean, not "true" or 1
            raise errors.ConfigError(f"{where}.{key} must be true or false")
        return value

    region, pool_id, issuer = string("region"), string("user_pool_id"), string("issuer")
    issuer_format = _issuer_format(string("issuer_format"), issuer, where)
    if pool_id is not None:
        match = _POOL_ID.match(pool_id)
        if match is None:
            raise errors.ConfigError(f"{where}.user_pool_id {pool_id!r} is not a user pool id")
        if region is not None and region != match["region"]:
            raise errors.ConfigError(
                f"{where}.region {region!r} does not match user_pool_id {pool_id!r}"
            )
        region = match["region"]
        derived = cognito_issuer(region, pool_id, issuer_format)
        if issuer is not None and issuer != derived:
            raise errors.ConfigError(
                f"{where}.issuer does not match region and user_pool_id "
                f"(in the {issuer_format} issuer format, it is {derived})"
            )
        issuer = derived
    if issuer is None:
        raise errors.ConfigError(f"{where}: set user_pool_id (and region) or issuer")
    _url(issuer, f"{where}.issuer")

    redirect_uris = strings("redirect_uris")
    if redirect_uris is None:
        raise errors.ConfigError(f"{where}.redirect_uris is required")
    for uri in redirect_uris:
        _loopback_redirect(uri, f"{where}.redirect_uris")

    client_id = string("client_id", required=True) or ""
    domain = string("domain", required=True) or ""
    _url(domain, f"{where}.domain")
    for key in ("api_url", "discovery_url"):
        if (value := string(key)) is not None:
            _url(value, f"{where}.{key}")
    if (logout_uri := string("logout_uri")) is not None:
        _loopback_redirect(logout_uri, f"{where}.logout_uri", https_too=True)
    password_sign_in = boolean("password_sign_in", False)
    password_client_id = string("password_sign_in_client_id")
    if password_sign_in:
        for key, value in (
            ("password_sign_in_client_id", password_client_id),
            ("api_url", string("api_url")),
        ):
            if value is None:
                raise errors.ConfigError(f"{where}.{key} is required when password_sign_in is true")
    ca_bundle, proxy = string("ca_bundle"), string("proxy")
    if ca_bundle is not None and not Path(ca_bundle).expanduser().is_file():
        raise errors.ConfigError(f"{where}.ca_bundle {ca_bundle!r} is not a file")
    if proxy is not None and urllib.parse.urlsplit(proxy).scheme not in ("http", "https"):
        raise errors.ConfigError(f"{where}.proxy {proxy!r} must be an http:// or https:// URL")
    return Profile(
        name=name,
        client_id=client_id,
        domain=domain.rstrip("/"),
        redirect_uris=redirect_uris,
        issuer=issuer,
        region=region,
        user_pool_id=pool_id,
        scopes=strings("scopes") or DEFAULT_SCOPES,
        api_url=string("api_url"),
        admin_group=string("admin_group") or "Admin",
        logout_uri=logout_uri,
        discovery_url=string("discovery_url"),
        ca_bundle=str(Path(ca_bundle).expanduser()) if ca_bundle else None,
        proxy=proxy,
        issuer_format=issuer_format,
        sign_out_in_browser=boolean("sign_out_in_browser", True),
        self_sign_up=boolean("self_sign_up", False),
        password_reset=boolean("password_reset", True),
        password_sign_in=password_sign_in,
        password_sign_in_client_id=password_client_id,
    )


def _issuer_format(explicit: str | None, issuer: str | None, where: str) -> str:
    """The profile's issuer format: ``issuer_format`` if set, else the format of an
    explicit Cognito ``issuer``, else ``classic``. The two must agree when both are set."""
    if explicit is not None and explicit not in ISSUER_HOSTS:
        raise errors.ConfigError(
            f'{where}.issuer_format must be "classic" or "updated", not {explicit!r}'
        )
    shape = issuer_format_of(issuer) if issuer is not None else None
    if explicit is not None and issuer is not None and shape != explicit:
        if shape is None:
            raise errors.ConfigError(
                f"{where}.issuer is not a Cognito user pool issuer, so issuer_format "
                f"{explicit!r} cannot apply; drop issuer_format"
            )
        raise errors.ConfigError(
            f"{where}.issuer is in the {shape} format (https://{ISSUER_HOSTS[shape]}...) "
            f"but issuer_format is {explicit!r}"
        )
    return explicit or shape or DEFAULT_ISSUER_FORMAT


def _url(value: str, key: str) -> None:
    """https anywhere; plain http only to a loopback host (the stand-in); no user-info."""
    if not urls.is_https_or_loopback(value):
        _refuse_userinfo(value, key)
        raise errors.ConfigError(f"{key} {value!r} must be an https URL (http only for loopback)")


def _loopback_redirect(uri: str, key: str, *, https_too: bool = False) -> None:
    """RFC 8252 7.3: ``http://127.0.0.1:PORT/path`` with an explicit port (the rule is
    :func:`desktop_app.urls.parse_loopback_redirect`, which the receiver binds by);
    ``https_too`` also allows an https page (a sign-out URL)."""
    if https_too and urllib.parse.urlsplit(uri).scheme == "https":
        _url(uri, key)
        return
    if urls.parse_loopback_redirect(uri) is not None:
        return
    _refuse_userinfo(uri, key)
    _refuse_localhost(uri, key)
    shape = "http://127.0.0.1:PORT/PATH (loopback, explicit port)"
    raise errors.ConfigError(
        f"{key}: {uri!r} must be " + (f"an https URL, or {shape}" if https_too else shape)
    )


def _refuse_localhost(uri: str, key: str) -> None:
    """Say what to use instead of ``http://localhost:...`` (RFC 8252 8.3)."""
    if urls.uses_localhost(uri):
        raise errors.ConfigError(
            f"{key}: {uri!r} uses localhost; use {urls.with_loopback_ip(uri)} "
            "(RFC 8252 8.3) and register that in the app client"
        )


def _refuse_userinfo(value: str, key: str) -> None:
    """Say so when ``value`` holds ``user:pass@``, without echoing it (a password)."""
    if urls.has_userinfo(urllib.parse.urlsplit(value)):
        raise errors.ConfigError(f"{key} must not hold a user name or password before the host")
