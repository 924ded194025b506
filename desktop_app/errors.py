"""Errors the app shows to people: each carries one clear, secret-free line.

``str(error)`` is what the CLI prints and the GUI shows. No message ever holds a
token, code, verifier, state, nonce or password.
"""

from __future__ import annotations

from collections.abc import Sequence

#: The command-line program (``[project.gui-scripts]`` in pyproject.toml).
PROG = "cognito-desktop"


def login_command(profile: str | None = None, *options: str) -> str:
    """The exact command that signs in to ``profile``, for hints like "run '...'".

    ``cognito-desktop login``, with the global ``--profile NAME`` (which the CLI takes
    before the subcommand) unless ``profile`` is None or the default profile;
    ``options`` are login's own (``--forgot-password``), after it.
    """
    from desktop_app import config  # here: config imports this module

    words = [PROG]
    if profile and profile != config.DEFAULT_PROFILE:
        words += ["--profile", profile]  # profile names are [A-Za-z0-9_-]: nothing to quote
    return " ".join([*words, "login", *options])


class CognitoDesktopError(Exception):
    """Base class; ``str(error)`` is the line the CLI prints and the GUI shows."""


class ConfigError(CognitoDesktopError):
    """The config file is missing, unreadable, or has a bad key or value."""


class NetworkError(CognitoDesktopError):
    """A request failed in transit or timed out; trying again may work."""


class DiscoveryError(CognitoDesktopError):
    """The OpenID discovery document is unreachable or not what the profile expects."""


# -- interactive sign-in ------------------------------------------------------------


class SignInError(CognitoDesktopError):
    """Interactive sign-in did not complete; nothing was stored."""


class SignInCancelled(SignInError):
    """The person (or the app) cancelled the sign-in."""


class SignInTimeout(SignInError):
    """No redirect came back from the browser in time."""


class NoFreePort(SignInError):
    """None of the registered loopback redirect ports could be bound."""

    def __init__(self, ports: Sequence[int]) -> None:
        listed = ", ".join(str(p) for p in ports)
        super().__init__(
            f"none of the registered redirect ports is free ({listed}); close the program "
            "using them or register another port on the app client"
        )
        self.ports = tuple(ports)


class AuthorizationDenied(SignInError):
    """The authorization server redirected back with ``error=`` (e.g. access_denied)."""

    def __init__(self, error: str, description: str | None = None) -> None:
        text = f"sign-in was refused: {error}"
        if description:
            text += f" ({description})"
        super().__init__(text)
        self.error = error
        self.description = description


class StateMismatch(SignInError):
    """The redirect's ``state`` was missing or not the one this attempt sent (CSRF)."""


class IssuerMismatch(SignInError):
    """The redirect's ``iss`` (RFC 9207) names another sign-in service than the profile's:
    a mix-up between environments (RFC 9700 4.4); the code is not redeemed."""


class TokenExchangeError(SignInError):
    """The token endpoint refused the authorization code."""


class IdTokenError(SignInError):
    """The ID token failed validation (OpenID Connect Core 3.1.3.7); nothing is trusted."""


class UnknownSigningKey(IdTokenError):
    """The ID token names a key the pool's key set does not hold. ``retry_later``: the
    set could not be refetched yet (at most once per 10 s), so a key rotated in moments
    ago may still be found; otherwise the set was just fetched and lacks it."""

    def __init__(self, message: str, *, retry_later: bool) -> None:
        super().__init__(message)
        self.retry_later = retry_later


# -- staying signed in ----------------------------------------------------------------


class NotSignedIn(CognitoDesktopError):
    """No session: sign in first."""


class SessionExpired(NotSignedIn):
    """The refresh token was refused (revoked, expired, user disabled): sign in again."""


class RefreshedIdTokenRefused(SessionExpired, IdTokenError):
    """A refresh answered with an ID token that failed validation (another issuer,
    client or person): the session has ended, as for :class:`SessionExpired`."""


class KeyringError(CognitoDesktopError):
    """The OS keyring failed or did not answer in time."""


class ActionRefused(CognitoDesktopError):
    """An admin action a guard refused (e.g. on one's own account), so nothing was sent;
    ``reason`` is the guard's sentence (:mod:`desktop_app.admin.actions`)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ApiError(CognitoDesktopError):
    """The protected API answered with an error."""

    def __init__(
        self,
        status: int,
        message: str,
        code: str | None = None,
        *,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(f"API error {status}: {message}")
        self.status = status
        self.message = message
        self.code = code  # the body's machine-readable "error" (e.g. "self_lockout")
        # Seconds to wait before asking again (the answer's Retry-After: 429 "throttled",
        # 503 "unavailable"); None when the API did not say.
        self.retry_after = retry_after
