"""desktop_app.qt.messages: every failure the GUI shows, classified and worded once."""

from __future__ import annotations

import pytest

from desktop_app import errors
from desktop_app.admin import actions, attributes
from desktop_app.auth import cognito_idp, mfa
from desktop_app.qt import messages

Kind = messages.FailureKind
SECRET = "eyJhbGciOiJSUzI1NiJ9.secret-token-value"


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (errors.SignInCancelled("cancelled"), Kind.CANCELLED),
        (errors.SignInTimeout("timed out"), Kind.TIMEOUT),
        (errors.AuthorizationDenied("access_denied"), Kind.DENIED),
        (errors.NoFreePort([53682]), Kind.NO_PORT),
        (errors.NetworkError("down"), Kind.NETWORK),
        (errors.DiscoveryError("no discovery"), Kind.NETWORK),
        (errors.TokenExchangeError("refused"), Kind.ERROR),
        (RuntimeError("bug"), Kind.ERROR),
    ],
)
def test_failure_kind(exc: BaseException, kind: Kind) -> None:
    assert messages.failure_kind(exc) is kind


def test_describe_capitalises_our_line_and_names_anything_else_by_type_only() -> None:
    assert messages.describe(errors.NetworkError("the API did not answer")) == (
        "The API did not answer"
    )
    foreign = messages.describe(KeyError(SECRET))
    assert foreign == "Unexpected error (KeyError); see the log for details."
    assert SECRET not in foreign


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (Kind.CANCELLED, "Sign-in was cancelled."),
        (Kind.TIMEOUT, "Sign-in timed out: the browser did not come back in time. Try again."),
        (Kind.DENIED, "Access denied"),
        (
            Kind.NETWORK,
            "Could not reach the sign-in service. Check your connection and try again. "
            "(Access denied)",
        ),
        (Kind.NO_PORT, "Access denied"),
        (Kind.ERROR, "Access denied"),
    ],
)
def test_sign_in_failure_words_each_kind(kind: Kind, expected: str) -> None:
    assert messages.sign_in_failure(kind, "Access denied") == expected


def test_the_session_ended_sentence() -> None:
    assert messages.session_ended() == messages.SESSION_ENDED
    assert "sign in again" in messages.SESSION_ENDED


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (errors.ApiError(403, "forbidden"), "You don't have access to this data."),
        (
            errors.NetworkError("the API did not answer"),
            "Can't reach the server. Check your connection, then retry.\nThe API did not answer",
        ),
        (
            errors.ApiError(502, "bad gateway"),
            "The server could not send the items (error 502).\nAPI error 502: bad gateway",
        ),
        (
            RuntimeError(SECRET),
            "Something went wrong while loading the items.\n"
            "Unexpected error (RuntimeError); see the log for details.",
        ),
    ],
)
def test_data_failure(exc: BaseException, expected: str) -> None:
    assert messages.data_failure(exc) == expected


@pytest.mark.parametrize(
    ("exc", "forbidden", "gone"),
    [
        (errors.ApiError(403, "no"), True, False),
        (errors.ApiError(404, "no"), False, True),
        (errors.ApiError(409, "no"), False, False),
        (errors.NetworkError("down"), False, False),
    ],
)
def test_forbidden_and_gone(exc: BaseException, forbidden: bool, gone: bool) -> None:
    assert messages.is_forbidden(exc) is forbidden
    assert messages.is_gone(exc) is gone


def test_an_unusable_environment_names_the_reason() -> None:
    text = messages.environment_unusable(errors.ConfigError("profile 'x' has no client_id"))
    assert text == "This environment cannot be used: Profile 'x' has no client_id"


def api_error(status: int, code: str | None, message: str = "detail") -> errors.ApiError:
    return errors.ApiError(status, message, code)


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (api_error(403, "forbidden"), "You are not allowed to do this (admin group required)."),
        (
            api_error(404, "not_found"),
            "That user (or group) no longer exists; the list was refreshed.",
        ),
        (api_error(409, "already_exists"), "A user with that name or email already exists."),
        (api_error(409, "conflict"), "A user with that name or email already exists."),
        (
            api_error(409, "self_lockout", "you cannot delete your own account; ask another admin"),
            "You cannot delete your own account; ask another admin.",
        ),
        (
            api_error(409, "invalid_state", "user is not FORCE_CHANGE_PASSWORD"),
            "Not possible in the user's current state: user is not FORCE_CHANGE_PASSWORD.",
        ),
        (api_error(429, "throttled"), "Cognito is throttling requests; wait a moment and retry."),
        (api_error(400, "invalid_request", "bad filter"), "The request was refused: bad filter."),
        (api_error(500, None), "The user directory failed to answer; try again later."),
        (api_error(502, "upstream"), "The user directory failed to answer; try again later."),
        (api_error(503, "unavailable"), "The user directory failed to answer; try again later."),
        (api_error(418, None, "teapot"), "The API refused the request (418): teapot."),
        (
            errors.NetworkError("the API at http://x did not answer (ConnectionError)"),
            "The API could not be reached. Check the connection and try again.",
        ),
        (ValueError("that is not an email address"), "that is not an email address"),
        (errors.SessionExpired("sign in again"), "sign in again"),
        (KeyError(SECRET), "Unexpected error (KeyError)."),
        (RuntimeError(SECRET), "Unexpected error (RuntimeError)."),
    ],
)
def test_admin_failure(exc: BaseException, expected: str) -> None:
    assert messages.admin_failure(exc) == expected
    assert SECRET not in messages.admin_failure(exc)


def test_for_an_admin_forbidden_wins_over_the_code() -> None:
    assert "not allowed" in messages.admin_failure(api_error(403, "self_lockout", "x"))


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (
            "admin_removed",
            "Your admin rights were removed: you are no longer in the admin group.",
        ),
        ("account_disabled", "Your account is disabled."),
        ("account_deleted", "Your account no longer exists."),
        ("signed_out", "Your session was ended (signed out everywhere); sign in again."),
        (
            "mfa_required",
            "Admin actions need two-step verification on your account: turn it on in "
            "Profile > Security, then try again.",
        ),
    ],
)
def test_a_change_refused_because_the_admin_lost_their_rights_says_why(
    code: str, expected: str
) -> None:
    exc = api_error(403, code, "your admin rights were removed: " + SECRET)
    assert messages.admin_failure(exc) == expected
    assert messages.is_forbidden(exc)


def test_the_last_admin_is_worded() -> None:
    exc = api_error(
        409,
        "last_admin",
        "you cannot disable bob: this would leave the pool without an enabled admin",
    )
    assert messages.admin_failure(exc) == (
        "Not done: this would leave the pool without an enabled admin. "
        "Make another user an admin first."
    )


def test_admin_sentences_are_filled_in_and_none_is_empty() -> None:
    assert messages.admin_text("{user} is disabled.", user="alice") == "alice is disabled."
    assert messages.admin_text(None) == ""


def test_a_step_a_guard_refused_is_worded_with_the_guards_reason() -> None:
    me = actions.Acting(username="admin", sub="sub-admin", admin_group="Admin")
    refused = actions.step(actions.DISABLE, "admin", me)
    assert refused.refused is not None
    with pytest.raises(actions.RefusedError) as caught:
        refused.run(object())  # type: ignore[arg-type]
    assert messages.admin_failure(caught.value) == (
        "You cannot disable your own account: you would be signed out for good."
    )
    done = actions.step(actions.DISABLE, "alice", me)
    assert messages.action_done(done) == "alice is disabled."


# -- Profile > Security ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("exc", "said"),
    [
        (mfa.WrongCodeError("That is not the code."), "That is not the code."),
        (
            mfa.MfaError("Cognito refused the change", "User pool requires MFA", "X"),
            "Cognito refused the change: User pool requires MFA.",
        ),
        (mfa.MissingScopeError(mfa.MISSING_SCOPE), mfa.MISSING_SCOPE + "."),
        (
            cognito_idp.Unreachable("ConnectTimeout"),
            "Could not reach Cognito. Check your connection and try again. (ConnectTimeout)",
        ),
        (errors.SessionExpired("please sign in again"), "Please sign in again"),
        (RuntimeError(SECRET), "Unexpected error (RuntimeError); see the log for details."),
    ],
    ids=["wrong code", "cognito's reason", "missing scope", "unreachable", "ended", "bug"],
)
def test_security_failure(exc: BaseException, said: str) -> None:
    assert messages.security_failure(exc) == said


@pytest.mark.parametrize("problem", list(attributes.Problem), ids=lambda p: p.value)
def test_every_attribute_problem_has_its_own_sentence(problem: attributes.Problem) -> None:
    said = messages.attribute_problem(attributes.Invalid(problem, 20))
    assert said and said != "Not a valid value." and "{" not in said
    assert said.endswith(".")


def test_an_attribute_limit_is_named() -> None:
    too_long = attributes.Invalid(attributes.Problem.TOO_LONG, 2048)
    assert messages.attribute_problem(too_long) == "Too long: at most 2,048 characters."
    assert messages.attribute_problem(attributes.Invalid(attributes.Problem.TOO_SMALL, 0)) == (
        "Too small: at least 0."
    )
