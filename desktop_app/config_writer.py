"""Writing the profile file: what the Environments dialog saves.

The file holds strings, booleans and lists of strings only, so the writer is a few
lines of TOML 1.0 rather than a dependency. Whatever it writes is read back with tomllib
and compared before the file is replaced, atomically and with mode 0600.
"""

from __future__ import annotations

import os
import re
import tempfile
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from desktop_app import config, errors

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


def profile_table(profile: config.Profile) -> dict[str, str | bool | list[str]]:
    """``profile`` as the table that :func:`parse_profile` turns back into it.

    A pool id is written as ``region`` + ``user_pool_id`` (the issuer follows from
    them and ``issuer_format``); defaults (``scopes``, ``admin_group``,
    ``issuer_format = "classic"``, ``sign_out_in_browser = true``, ``self_sign_up =
    false``, ``password_reset = true``, ``password_sign_in = false``) and unset keys
    are left out.
    """
    table: dict[str, str | bool | list[str]] = {}
    if profile.user_pool_id is not None:
        if profile.region is not None:
            table["region"] = profile.region
        table["user_pool_id"] = profile.user_pool_id
    else:
        table["issuer"] = profile.issuer
    if profile.issuer_format != config.DEFAULT_ISSUER_FORMAT:
        table["issuer_format"] = profile.issuer_format
    table["domain"] = profile.domain
    table["client_id"] = profile.client_id
    table["redirect_uris"] = list(profile.redirect_uris)
    if profile.scopes != config.DEFAULT_SCOPES:
        table["scopes"] = list(profile.scopes)
    optional = {
        "api_url": profile.api_url,
        "admin_group": None if profile.admin_group == "Admin" else profile.admin_group,
        "logout_uri": profile.logout_uri,
        "discovery_url": profile.discovery_url,
        "ca_bundle": profile.ca_bundle,
        "proxy": profile.proxy,
        "password_sign_in_client_id": profile.password_sign_in_client_id,
    }
    table.update({key: value for key, value in optional.items() if value is not None})
    if not profile.sign_out_in_browser:
        table["sign_out_in_browser"] = False
    if profile.self_sign_up:
        table["self_sign_up"] = True
    if not profile.password_reset:
        table["password_reset"] = False
    if profile.password_sign_in:
        table["password_sign_in"] = True
    return table


def dump(profiles: Mapping[str, config.Profile | Mapping[str, Any]]) -> str:
    """The config file text for ``profiles`` (name -> :class:`Profile` or raw table).

    Values may be strings, booleans, numbers or lists of them;
    :class:`~desktop_app.errors.ConfigError` names the key of any other value.
    """
    return "\n".join(_render_table(name, _as_table(value)) for name, value in profiles.items())


def save(
    path: Path,
    tables: Mapping[str, config.Profile | Mapping[str, Any]],
    *,
    remove: Iterable[str] = (),
) -> None:
    """Write ``tables`` into ``path`` and drop the profiles named in ``remove``.

    Every profile written must pass :func:`parse_profile` (the error names the key)
    and share no redirect or sign-out URI with another profile in the file
    (:func:`~desktop_app.config.check_distinct_endpoints`). Other profiles are kept as
    they are, with their comments when the file's layout allows (otherwise the whole
    file is rewritten from its values). The file is
    replaced atomically (temporary file + ``os.replace``) and readable by its owner
    only (mode 0600). A file that is not valid TOML is left alone.
    """
    new = {name: _as_table(value) for name, value in tables.items()}
    for name, table in new.items():
        config.parse_profile(name, table)
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
    _check_distinct(expected, new)

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


def _check_distinct(expected: Mapping[str, Any], new: Mapping[str, Any]) -> None:
    """No profile written may share a redirect or sign-out URI with another profile.

    A kept profile that does not parse is left out of the comparison (the file keeps
    it as it was, for the user to fix); a clash between two kept profiles is not this
    save's to refuse (loading the file still does).
    """
    parsed: dict[str, config.Profile] = {}
    for name, table in expected.items():
        try:
            parsed[name] = config.parse_profile(name, table)
        except errors.ConfigError:
            continue
    config.check_distinct_endpoints(parsed, involving=set(new))


def _as_table(value: config.Profile | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(value, config.Profile):
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
