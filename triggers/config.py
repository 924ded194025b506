"""The triggers' configuration, from the Lambda function's environment variables.

| variable | meaning |
|---|---|
| ``ALLOWED_EMAIL_DOMAINS`` | comma-separated domains self-service sign-up is open to; empty: any |
| ``DEFAULT_GROUP`` | group a confirmed self-registered user joins; empty: none |
| ``ADMIN_GROUP`` | the administrators' group; default ``Admin`` (``DEFAULT_GROUP`` may not be it) |
| ``APP_NAME`` | the name messages carry; default ``Cognito Desktop`` |
| ``MANAGED_LOGIN_URL`` | managed login base URL, for the sign-in link in messages; empty: none |
| ``APP_CLIENT_NAME`` | the app client that link signs in to; default ``cognito-desktop`` |
| ``DEFAULT_PLAN`` | plan claim for a user without a valid ``custom:plan``; default ``free`` |

Every value is checked once, in :class:`Config` itself, so a configuration built in a
test or by the stand-in meets the same rules as one read from the environment. A bad
value raises :class:`ConfigError`, whose message names the variable.
"""

from __future__ import annotations

import dataclasses
import re
import urllib.parse
from collections.abc import Mapping

import triggers

_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")  # RFC 1123 host name label
_GROUP = re.compile(r"[\w+=,.@-]{1,128}")  # Cognito's GroupName, as protected_api reads it
_CLIENT_NAME = re.compile(r"[\w\s+=,.@-]{1,128}")  # Cognito's ClientName pattern
# (All three are used with fullmatch: a "$" would let a trailing newline through.)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# The stand-in serves managed login over plain HTTP on the loopback interface; nothing
# else may, since the link carries a person to a sign-in page.
_LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


class ConfigError(ValueError):
    """A bad environment variable; the message names it."""


def _dns_name(name: str) -> bool:
    """``name`` is a lowercase ASCII DNS name whose last label is not all digits (so an
    IPv4 address is not one). Internationalized names are given in their ``xn--`` form."""
    labels = name.split(".")
    return (
        len(name) <= 253
        and all(_LABEL.fullmatch(label) for label in labels)
        and not labels[-1].isdigit()
    )


def _check_domains(domains: tuple[str, ...]) -> None:
    for domain in domains:
        if not _dns_name(domain):
            raise ConfigError(
                "ALLOWED_EMAIL_DOMAINS must hold lowercase DNS names such as example.com "
                "(international names in their xn-- form), separated by commas"
            )


def _check_group(variable: str, value: str) -> None:
    if not _GROUP.fullmatch(value):
        raise ConfigError(f"{variable} must be a Cognito group name (letters, digits, +=,.@_-)")


def _check_groups(default_group: str, admin_group: str) -> None:
    _check_group("ADMIN_GROUP", admin_group)
    if not default_group:
        return
    _check_group("DEFAULT_GROUP", default_group)
    # Compared without case: a group one letter-case away from the admins' is a typo
    # waiting to grant admin, and self-registration must never do that.
    if default_group.casefold() == admin_group.casefold():
        raise ConfigError("DEFAULT_GROUP must not be the ADMIN_GROUP: sign-up never grants admin")


def _check_app_name(app_name: str) -> None:
    # It goes into email subjects and bodies: no line breaks (header injection) and short.
    if not app_name.strip() or len(app_name) > 64 or _CONTROL.search(app_name):
        raise ConfigError("APP_NAME must be 1 to 64 characters on one line")


def _check_login_url(url: str) -> None:
    if not url:
        return
    parts = urllib.parse.urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = -1
    host = parts.hostname or ""
    https = parts.scheme == "https" and _dns_name(host)
    loopback = parts.scheme == "http" and host in _LOOPBACK_HOSTS and port is not None
    if (
        not (https or loopback)
        or port == -1
        or "@" in parts.netloc
        or any(mark in url for mark in "?#\\")
        or _CONTROL.search(url)
        or " " in url
        or url.endswith("/")
    ):
        raise ConfigError(
            "MANAGED_LOGIN_URL must be https://host[/path] (or http://127.0.0.1, localhost "
            "or [::1] with a port, for the stand-in), with no user, query, fragment or "
            "trailing slash"
        )


def _check_client_name(name: str) -> None:
    if not _CLIENT_NAME.fullmatch(name):
        raise ConfigError("APP_CLIENT_NAME must be a Cognito app client name (1 to 128 chars)")


def _check_plan(plan: str) -> None:
    # fullmatch: PLAN_PATTERN's "$" alone would let "free\n" through.
    if not re.fullmatch(triggers.PLAN_PATTERN, plan):
        raise ConfigError(
            "DEFAULT_PLAN must be 1 to 32 of a-z, 0-9, _ and -, starting with a letter or digit"
        )


def _optional(env: Mapping[str, str], variable: str, default: str) -> str:
    """``env[variable]``, or ``default`` when unset. Set but blank is refused rather
    than taken as the default: a blank value is a template or typing mistake."""
    value = env.get(variable)
    if value is None:
        return default
    if not value.strip():
        raise ConfigError(f"{variable} is empty: unset it to use the default {default!r}")
    return value.strip()


def _domains(env: Mapping[str, str]) -> tuple[str, ...]:
    raw = env.get("ALLOWED_EMAIL_DOMAINS", "").strip()
    if not raw:
        return ()
    domains = [item.strip().lower() for item in raw.split(",")]
    if not all(domains):
        raise ConfigError("ALLOWED_EMAIL_DOMAINS has an empty entry (two commas in a row?)")
    return tuple(dict.fromkeys(domains))  # Without repeats, in the order given.


@dataclasses.dataclass(frozen=True)
class Config:
    """What the triggers need to know about the deployment (the variables above)."""

    allowed_email_domains: tuple[str, ...] = ()
    default_group: str = ""
    admin_group: str = "Admin"
    app_name: str = "Cognito Desktop"
    managed_login_url: str = ""
    app_client_name: str = "cognito-desktop"
    default_plan: str = "free"

    def __post_init__(self) -> None:
        # One trailing slash is forgiven, whoever built the configuration: the link
        # appends "/login".
        object.__setattr__(self, "managed_login_url", self.managed_login_url.removesuffix("/"))
        _check_domains(self.allowed_email_domains)
        _check_groups(self.default_group, self.admin_group)
        _check_app_name(self.app_name)
        _check_login_url(self.managed_login_url)
        _check_client_name(self.app_client_name)
        _check_plan(self.default_plan)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Config:
        """The configuration ``env`` (``os.environ`` in Lambda) describes; unset
        variables take their defaults. :class:`ConfigError` names a bad variable."""
        return cls(
            allowed_email_domains=_domains(env),
            default_group=env.get("DEFAULT_GROUP", "").strip(),
            admin_group=_optional(env, "ADMIN_GROUP", "Admin"),
            app_name=_optional(env, "APP_NAME", "Cognito Desktop"),
            managed_login_url=env.get("MANAGED_LOGIN_URL", "").strip(),
            app_client_name=_optional(env, "APP_CLIENT_NAME", "cognito-desktop"),
            default_plan=_optional(env, "DEFAULT_PLAN", "free"),
        )
