"""Writes the desktop app's ``local`` profile for a running stand-in.

local_cognito must not import desktop_app, so the config-file resolution below
mirrors ``desktop_app.config.resolve_path``; tests/unit/local_cognito/
test_profile.py checks that the two agree and that the app loads what this writes.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import platformdirs

APP_NAME = "cognito-desktop"
CONFIG_ENV = "COGNITO_DESKTOP_CONFIG"
PROFILE = "local"
_HEADER = re.compile(r"^\s*\[")


def resolve_path(
    explicit: str | os.PathLike[str] | None = None, environ: Mapping[str, str] = os.environ
) -> Path:
    """Same order as the app: ``--config``, ``$COGNITO_DESKTOP_CONFIG``, platform default."""
    if explicit:
        return Path(explicit).expanduser()
    if environ.get(CONFIG_ENV):
        return Path(environ[CONFIG_ENV]).expanduser()
    return platformdirs.user_config_path(APP_NAME, appauthor=False) / "config.toml"


def profile_values(info: Mapping[str, Any]) -> dict[str, Any]:
    """The ``[profiles.local]`` keys for a stand-in described by ``LocalCognito.info()``.

    ``redirect_uris`` and ``logout_uri`` are the client's own, whose paths end in the
    environment's name (``/callback/local``), so no other profile shares them.
    ``password_sign_in`` and ``password_sign_in_client_id`` are written only when both the
    API and the automation client are there.
    """
    values: dict[str, Any] = {
        "region": info["region"],
        "user_pool_id": info["user_pool_id"],
        "client_id": info["client_id"],
        "domain": info["managed_login_url"],
        "discovery_url": info["discovery_url"],
        "redirect_uris": list(info["callback_urls"]),
        "scopes": list(info["scopes"]),
        "logout_uri": info["logout_urls"][0],
        "admin_group": "Admin",
        # Managed login's "Sign up" and "Forgot your password?": the app offers both.
        "self_sign_up": bool(info.get("self_sign_up", False)),
        "password_reset": True,
    }
    if info.get("issuer_format", "classic") != "classic":
        # The app derives the issuer from the pool id in this format.
        values["issuer_format"] = info["issuer_format"]
    if info.get("api_url"):
        values["api_url"] = info["api_url"]
        if info.get("automation_client_id"):
            # The API started next to the pool signs people in on the automation client
            # (`cognito-desktop login --password-stdin`, `self-test --sign-in`).
            values["password_sign_in"] = True
            values["password_sign_in_client_id"] = info["automation_client_id"]
    return values


def _toml_string(value: object) -> str:
    # A JSON string without ASCII-escaping is a TOML basic string, except that
    # TOML also wants DEL escaped (TOML 1.0 "String").
    return json.dumps(str(value), ensure_ascii=False).replace("\x7f", "\\u007F")


def render(values: Mapping[str, Any], name: str = PROFILE) -> str:
    """One ``[profiles.NAME]`` table of string, boolean and list-of-string values."""
    lines = [f"[profiles.{name}]"]
    for key, value in values.items():
        if isinstance(value, bool):
            rendered = "true" if value else "false"
        elif isinstance(value, list):
            rendered = "[" + ", ".join(_toml_string(v) for v in value) + "]"
        else:
            rendered = _toml_string(value)
        lines.append(f"{key} = {rendered}")
    return "\n".join(lines) + "\n"


def write(path: Path, values: Mapping[str, Any], name: str = PROFILE) -> None:
    """Replace (or add) ``[profiles.NAME]`` in ``path``, keeping every other line.

    The file is written atomically; if the existing file is not valid TOML it is
    left alone and ``ValueError`` says so.
    """
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    try:
        tomllib.loads(old)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path} is not valid TOML ({exc}); not touching it") from None
    kept: list[str] = []
    skipped: list[str] = []
    skipping = False
    header = re.compile(rf"^\s*\[\s*profiles\s*\.\s*\"?{re.escape(name)}\"?\s*\]\s*(#.*)?$")
    for line in old.splitlines(keepends=True):
        if _HEADER.match(line):
            if skipping:
                # Comments and blank lines just above the next table belong to it.
                tail = len(skipped)
                while tail and (
                    not skipped[tail - 1].strip() or skipped[tail - 1].lstrip().startswith("#")
                ):
                    tail -= 1
                kept.extend(skipped[tail:])
                skipped = []
            skipping = bool(header.match(line))
        (skipped if skipping else kept).append(line)
    text = "".join(kept).rstrip("\n")
    text = (text + "\n\n" if text else "") + render(values, name)
    tomllib.loads(text)  # never write a file the app cannot read
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".config-", suffix=".toml")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
