"""Profiles: which user pool, app client and API the app talks to.

The file is TOML with one table per profile under ``[profiles.NAME]`` (format in
docs/configuration.md). It is found, in order, from ``--config PATH``, the
``COGNITO_DESKTOP_CONFIG`` environment variable, or ``config.toml`` in the
platform's user config directory. Unknown keys and bad values are errors that
name the key.
"""

from __future__ import annotations

import dataclasses
import os
import re
import urllib.parse
from collections.abc import Mapping
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
}


def load(path: Path) -> dict[str, Profile]:
    """Every profile in ``path``; :class:`~desktop_app.errors.ConfigError` on any problem."""
    import tomllib  # here, not at the top: the GUI paints before reading the file

    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise errors.ConfigError(f"config file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise errors.ConfigError(f"cannot read config file {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise errors.ConfigError(f"{path} is not valid TOML: {exc}") from None
    unknown = set(raw) - {"profiles"}
    if unknown:
        raise errors.ConfigError(f"{path}: unknown top-level key {sorted(unknown)[0]!r}")
    profiles = raw.get("profiles", {})
    if not isinstance(profiles, dict):
        raise errors.ConfigError(f"{path}: 'profiles' must be a table")
    return {name: parse_profile(name, table) for name, table in profiles.items()}


def load_profile(path: Path, name: str) -> Profile:
    """The profile ``name`` from ``path``."""
    profiles = load(path)
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

    region, pool_id, issuer = string("region"), string("user_pool_id"), string("issuer")
    if pool_id is not None:
        match = _POOL_ID.match(pool_id)
        if match is None:
            raise errors.ConfigError(f"{where}.user_pool_id {pool_id!r} is not a user pool id")
        if region is not None and region != match["region"]:
            raise errors.ConfigError(
                f"{where}.region {region!r} does not match user_pool_id {pool_id!r}"
            )
        region = match["region"]
        derived = f"https://cognito-idp.{region}.amazonaws.com/{pool_id}"
        if issuer is not None and issuer != derived:
            raise errors.ConfigError(f"{where}.issuer does not match region and user_pool_id")
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
    for key in ("api_url", "logout_uri", "discovery_url"):
        if (value := string(key)) is not None:
            _url(value, f"{where}.{key}")
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
        logout_uri=string("logout_uri"),
        discovery_url=string("discovery_url"),
        ca_bundle=str(Path(ca_bundle).expanduser()) if ca_bundle else None,
        proxy=proxy,
    )


def _url(value: str, key: str) -> None:
    """https anywhere; plain http only to a loopback host (the stand-in); no user-info."""
    if not urls.is_https_or_loopback(value):
        _refuse_userinfo(value, key)
        raise errors.ConfigError(f"{key} {value!r} must be an https URL (http only for loopback)")


def _loopback_redirect(uri: str, key: str) -> None:
    """RFC 8252 7.3: ``http://127.0.0.1:PORT/path`` with an explicit port (the rule is
    :func:`desktop_app.urls.parse_loopback_redirect`, which the receiver binds by)."""
    if urls.parse_loopback_redirect(uri) is not None:
        return
    _refuse_userinfo(uri, key)
    raise errors.ConfigError(
        f"{key}: {uri!r} must be http://127.0.0.1:PORT/PATH (loopback, explicit port)"
    )


def _refuse_userinfo(value: str, key: str) -> None:
    """Say so when ``value`` holds ``user:pass@``, without echoing it (a password)."""
    if urls.has_userinfo(urllib.parse.urlsplit(value)):
        raise errors.ConfigError(f"{key} must not hold a user name or password before the host")
