"""Profiles: which user pool, app client and API the app talks to.

The file is TOML with one table per profile under ``[profiles.NAME]`` (format in
docs/configuration.md). It is found, in order, from ``--config PATH``, the
``COGNITO_DESKTOP_CONFIG`` environment variable, or ``config.toml`` in the
platform's user config directory. Unknown keys and bad values are errors that
name the key.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import re
import tempfile
import tomllib
import urllib.parse
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import platformdirs

from desktop_app import APP_NAME, errors

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


def _is_loopback_host(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _url(value: str, key: str) -> None:
    """https anywhere; plain http only to a loopback host (the stand-in)."""
    parts = urllib.parse.urlsplit(value)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and _is_loopback_host(parts.hostname):
        return
    raise errors.ConfigError(f"{key} {value!r} must be an https URL (http only for loopback)")


def _loopback_redirect(uri: str, key: str) -> None:
    """RFC 8252 7.3: ``http://127.0.0.1:PORT/path`` with an explicit port.

    Only ``127.0.0.1`` and ``localhost``: the receiver binds 127.0.0.1, so a
    redirect to another loopback address (or ::1) could never arrive.
    """
    parts = urllib.parse.urlsplit(uri)
    try:
        port = parts.port
    except ValueError:
        port = None
    if (
        parts.scheme != "http"
        or parts.hostname not in ("127.0.0.1", "localhost")
        or port is None
        or parts.query
        or parts.fragment
    ):
        raise errors.ConfigError(
            f"{key}: {uri!r} must be http://127.0.0.1:PORT/PATH (loopback, explicit port)"
        )


# -- writing ----------------------------------------------------------------------------
#
# The file holds strings and lists of strings only, so the writer is a few lines of
# TOML 1.0 rather than a dependency. Whatever it writes is read back with tomllib
# and compared before the file is replaced.

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_TOML_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}
_TABLE_HEADER = re.compile(r"^\s*\[")


def load_tables(path: Path) -> dict[str, dict[str, Any]]:
    """The raw, unvalidated ``[profiles.*]`` tables in ``path`` (``{}`` if it does not
    exist), for editing: a profile with a bad value is still listed so it can be fixed."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise errors.ConfigError(f"cannot read config file {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise errors.ConfigError(f"{path} is not valid TOML: {exc}") from None
    profiles = raw.get("profiles", {})
    if not isinstance(profiles, dict):
        raise errors.ConfigError(f"{path}: 'profiles' must be a table")
    return {
        name: dict(table) if isinstance(table, dict) else {} for name, table in profiles.items()
    }


def profile_table(profile: Profile) -> dict[str, str | list[str]]:
    """``profile`` as the table that :func:`parse_profile` turns back into it.

    A pool id is written as ``region`` + ``user_pool_id`` (the issuer follows from
    them); defaults (``scopes``, ``admin_group``) and unset keys are left out.
    """
    table: dict[str, str | list[str]] = {}
    if profile.user_pool_id is not None:
        if profile.region is not None:
            table["region"] = profile.region
        table["user_pool_id"] = profile.user_pool_id
    else:
        table["issuer"] = profile.issuer
    table["domain"] = profile.domain
    table["client_id"] = profile.client_id
    table["redirect_uris"] = list(profile.redirect_uris)
    if profile.scopes != DEFAULT_SCOPES:
        table["scopes"] = list(profile.scopes)
    optional = {
        "api_url": profile.api_url,
        "admin_group": None if profile.admin_group == "Admin" else profile.admin_group,
        "logout_uri": profile.logout_uri,
        "discovery_url": profile.discovery_url,
        "ca_bundle": profile.ca_bundle,
        "proxy": profile.proxy,
    }
    table.update({key: value for key, value in optional.items() if value is not None})
    return table


def dump(profiles: Mapping[str, Profile | Mapping[str, Any]]) -> str:
    """The config file text for ``profiles`` (name -> :class:`Profile` or raw table).

    Values may be strings, booleans, numbers or lists of them;
    :class:`~desktop_app.errors.ConfigError` names the key of any other value.
    """
    return "\n".join(_render_table(name, _as_table(value)) for name, value in profiles.items())


def save(
    path: Path,
    tables: Mapping[str, Profile | Mapping[str, Any]],
    *,
    remove: Iterable[str] = (),
) -> None:
    """Write ``tables`` into ``path`` and drop the profiles named in ``remove``.

    Every profile written must pass :func:`parse_profile` (the error names the key).
    Other profiles are kept as they are, with their comments when the file's layout
    allows (otherwise the whole file is rewritten from its values). The file is
    replaced atomically (temporary file + ``os.replace``) and readable by its owner
    only (mode 0600). A file that is not valid TOML is left alone.
    """
    new = {name: _as_table(value) for name, value in tables.items()}
    for name, table in new.items():
        parse_profile(name, table)
    gone = set(remove) | set(new)
    try:
        old_text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        old_text = ""
    except (OSError, UnicodeDecodeError) as exc:
        raise errors.ConfigError(f"cannot read config file {path}: {exc}") from None
    try:
        old = tomllib.loads(old_text)
    except tomllib.TOMLDecodeError as exc:
        raise errors.ConfigError(f"{path} is not valid TOML ({exc}); not changing it") from None
    unknown = set(old) - {"profiles"}
    if unknown or not isinstance(old.get("profiles", {}), dict):
        raise errors.ConfigError(f"{path}: unexpected top-level content; not changing it")
    expected = {name: table for name, table in old.get("profiles", {}).items() if name not in gone}
    expected.update(new)

    text = _edit_in_place(old_text, gone, new)
    try:
        same = tomllib.loads(text) == ({"profiles": expected} if expected else {})
    except tomllib.TOMLDecodeError:
        same = False
    if not same:
        text = dump(expected)
        if tomllib.loads(text) != ({"profiles": expected} if expected else {}):
            raise errors.ConfigError(f"cannot write {path}: values do not round-trip")
    _write_atomically(path, text)


def _as_table(value: Profile | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(value, Profile):
        return dict(profile_table(value))
    return {key: list(item) if isinstance(item, tuple) else item for key, item in value.items()}


def _edit_in_place(old_text: str, gone: set[str], new: Mapping[str, dict[str, Any]]) -> str:
    """``old_text`` without the ``[profiles.NAME]`` sections in ``gone``, plus ``new``.

    Only headers on their own line are recognised; the caller checks the result
    with tomllib and falls back to :func:`dump` when this guess was wrong.
    """
    kept: list[str] = []
    skipped: list[str] = []
    skipping = False
    for line in old_text.splitlines(keepends=True):
        if _TABLE_HEADER.match(line):
            if skipping:
                # Comments and blank lines just above the next table belong to it.
                tail = len(skipped)
                while tail and (
                    not skipped[tail - 1].strip() or skipped[tail - 1].lstrip().startswith("#")
                ):
                    tail -= 1
                kept.extend(skipped[tail:])
                skipped = []
            skipping = _header_profile(line) in gone
        (skipped if skipping else kept).append(line)
    text = "".join(kept).rstrip("\n")
    rendered = [_render_table(name, table) for name, table in new.items()]
    return "\n".join(part for part in (text + "\n" if text else "", *rendered) if part)


def _header_profile(line: str) -> str | None:
    """The profile a ``[profiles.NAME]`` (or ``[profiles.NAME.sub]``) header opens."""
    match = re.match(
        r'^\s*\[\s*profiles\s*\.\s*(?:"(?P<quoted>[^"\\]*)"|(?P<bare>[A-Za-z0-9_-]+))\s*[\].]',
        line,
    )
    if match is None:
        return None
    return match["quoted"] if match["quoted"] is not None else match["bare"]


def _render_table(name: str, table: Mapping[str, Any]) -> str:
    lines = [f"[profiles.{_toml_key(name)}]"]
    for key, value in table.items():
        where = f"profiles.{name}.{key}"
        if isinstance(value, list):
            rendered = "[" + ", ".join(_toml_value(item, where) for item in value) + "]"
        else:
            rendered = _toml_value(value, where)
        lines.append(f"{_toml_key(key)} = {rendered}")
    return "\n".join(lines) + "\n"


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.match(key) else _toml_string(key, "a key")


def _toml_value(value: object, where: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value == value and abs(value) != float("inf"):
        return repr(value)
    if isinstance(value, str):
        return _toml_string(value, where)
    raise errors.ConfigError(f"{where} cannot be written (a {type(value).__name__})")


def _toml_string(value: str, where: str) -> str:
    """A TOML basic string (TOML 1.0 "String": escape quote, backslash and controls)."""
    out = ['"']
    for char in value:
        code = ord(char)
        if char in _TOML_ESCAPES:
            out.append(_TOML_ESCAPES[char])
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04X}")
        elif 0xD800 <= code <= 0xDFFF:
            raise errors.ConfigError(f"{where} holds a lone surrogate, which TOML cannot store")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def _write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one step, readable by its owner only."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # mkstemp creates the file 0600 and os.replace keeps that mode.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".config-", suffix=".toml")
    except OSError as exc:
        raise errors.ConfigError(f"cannot write config file {path}: {exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise errors.ConfigError(f"cannot write config file {path}: {exc}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
