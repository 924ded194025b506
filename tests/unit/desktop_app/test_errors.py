"""desktop_app.errors: each error's one line, and the fields callers read."""

from __future__ import annotations

import pytest

from desktop_app import errors


def test_no_free_port_lists_the_ports_and_says_what_to_do() -> None:
    error = errors.NoFreePort([53682, 53683])
    assert error.ports == (53682, 53683)
    assert "53682, 53683" in str(error) and "register another port" in str(error)


@pytest.mark.parametrize(
    ("description", "line"),
    [
        (None, "sign-in was refused: access_denied"),
        ("User is disabled.", "sign-in was refused: access_denied (User is disabled.)"),
    ],
)
def test_authorization_denied_carries_the_error_and_its_description(
    description: str | None, line: str
) -> None:
    error = errors.AuthorizationDenied("access_denied", description)
    assert str(error) == line
    assert (error.error, error.description) == ("access_denied", description)


def test_an_api_error_keeps_status_message_and_code() -> None:
    error = errors.ApiError(409, "you cannot delete your own account", "self_lockout")
    assert str(error) == "API error 409: you cannot delete your own account"
    assert (error.status, error.code) == (409, "self_lockout")


def test_unknown_signing_key_says_whether_to_retry_later() -> None:
    assert errors.UnknownSigningKey("kid k9", retry_later=True).retry_later
    assert not errors.UnknownSigningKey("kid k9", retry_later=False).retry_later


def test_the_hierarchy_callers_rely_on() -> None:
    # The bridge ends the session on NotSignedIn, and a refused refreshed ID token
    # is both: the session ended, and an ID-token failure.
    assert issubclass(errors.SessionExpired, errors.NotSignedIn)
    assert issubclass(errors.RefreshedIdTokenRefused, errors.SessionExpired)
    assert issubclass(errors.RefreshedIdTokenRefused, errors.IdTokenError)
    assert issubclass(errors.IdTokenError, errors.SignInError)
    assert all(
        issubclass(cls, errors.CognitoDesktopError)
        for cls in (errors.ConfigError, errors.NetworkError, errors.KeyringError)
    )
