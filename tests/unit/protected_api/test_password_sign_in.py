"""The sign-in service: each step counted before Cognito is asked, then settled by its
outcome; refused while locked; closed when the attempt store fails."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from protected_api import (
    attempt_limits,
    cognito_sign_in,
    dynamodb_attempts,
    password_sign_in,
    settings,
    sign_in_errors,
)
from tests.unit.protected_api import stubs

TOKENS = cognito_sign_in.Tokens("access", "id", "refresh", 3600)
CHALLENGE = cognito_sign_in.Challenge("SOFTWARE_TOKEN_MFA", "s" * 40, "alice")
ADDRESS = "192.0.2.1"


class Cognito:
    """A PasswordSignIn whose every call answers (or raises) ``answer``, and records."""

    def __init__(self) -> None:
        self.answer: Any = TOKENS
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    def _give(self, name: str, *args: Any) -> Any:
        self.calls.append((name, args))
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer

    def start(self, *args: Any) -> Any:
        return self._give("start", *args)

    def respond(self, *args: Any) -> Any:
        return self._give("respond", *args)

    def associate_totp(self, *args: Any) -> Any:
        return self._give("associate_totp", *args)

    def verify_totp(self, *args: Any) -> Any:
        self.calls.append(("verify_totp", args))
        return "v" * 40

    def refresh(self, *args: Any) -> Any:
        return self._give("refresh", *args)


@pytest.fixture
def cognito() -> Cognito:
    return Cognito()


@pytest.fixture
def service(cognito: Cognito) -> password_sign_in.SignInService:
    limiter = attempt_limits.Limiter(
        attempt_limits.MemoryAttemptStore(),
        username_policy=attempt_limits.Policy(free=3),
        address_policy=attempt_limits.Policy(free=100),
        now=lambda: 1_800_000_000.0,
    )
    return password_sign_in.SignInService(cognito, limiter)  # type: ignore[arg-type]


def fails(call: Callable[[], Any]) -> sign_in_errors.SignInError:
    with pytest.raises(sign_in_errors.SignInError) as caught:
        call()
    return caught.value


WRONG = sign_in_errors.SignInError(401, "invalid_credentials", "Incorrect username or password.")


def test_three_wrong_passwords_lock_the_username_before_cognito_is_asked(
    service: password_sign_in.SignInService, cognito: Cognito
) -> None:
    cognito.answer = WRONG
    for _ in range(3):
        assert fails(lambda: service.sign_in("alice", "pw", ADDRESS)).code == "invalid_credentials"
    locked = fails(lambda: service.sign_in("alice", "pw", ADDRESS))
    assert (locked.status, locked.code, locked.retry_after) == (429, "too_many_attempts", 1)
    assert len(cognito.calls) == 3


def test_tokens_start_the_count_again(
    service: password_sign_in.SignInService, cognito: Cognito
) -> None:
    cognito.answer = WRONG
    for _ in range(2):
        fails(lambda: service.sign_in("alice", "pw", ADDRESS))
    cognito.answer = TOKENS
    assert service.sign_in("alice", "pw", ADDRESS) == TOKENS
    cognito.answer = WRONG
    for _ in range(3):
        assert fails(lambda: service.sign_in("alice", "pw", ADDRESS)).status == 401


def test_a_next_challenge_is_neither_a_failure_nor_a_fresh_start(
    service: password_sign_in.SignInService, cognito: Cognito
) -> None:
    wrong_code = sign_in_errors.SignInError(401, "invalid_code", "no")
    for _ in range(3):
        cognito.answer = CHALLENGE
        assert service.sign_in("alice", "pw", ADDRESS) == CHALLENGE
        cognito.answer = wrong_code
        fails(lambda: service.totp_code("s" * 40, "alice", "123456", ADDRESS))
    # Three wrong codes, however many sign-ins in between: locked.
    cognito.answer = CHALLENGE
    assert fails(lambda: service.sign_in("alice", "pw", ADDRESS)).code == "too_many_attempts"


@pytest.mark.parametrize(
    "error",
    [
        sign_in_errors.unavailable("down"),
        sign_in_errors.upstream_error(),
        sign_in_errors.SignInError(400, "invalid_request", "weak", counted=False),
    ],
    ids=lambda e: e.code,
)
def test_failures_that_are_not_the_callers_are_not_counted(
    service: password_sign_in.SignInService, cognito: Cognito, error: sign_in_errors.SignInError
) -> None:
    cognito.answer = error
    for _ in range(10):
        assert fails(lambda: service.sign_in("alice", "pw", ADDRESS)).code == error.code


def test_an_unexpected_exception_is_not_counted_either(
    service: password_sign_in.SignInService, cognito: Cognito
) -> None:
    cognito.answer = RuntimeError("bug")
    for _ in range(5):
        with pytest.raises(RuntimeError):
            service.sign_in("alice", "pw", ADDRESS)
    cognito.answer = TOKENS
    assert service.sign_in("alice", "pw", ADDRESS) == TOKENS


def test_each_step_calls_cognito_as_the_challenge_needs(
    service: password_sign_in.SignInService, cognito: Cognito
) -> None:
    session = "s" * 40
    service.new_password(session, "newbie", "Chosen-1!", ADDRESS)
    service.totp_code(session, "tom", "123456", ADDRESS)
    cognito.answer = cognito_sign_in.TotpSetup("SECRET", "t" * 40)
    service.totp_secret(session, "alice", ADDRESS)
    cognito.answer = TOKENS
    service.totp_setup("t" * 40, "alice", "654321", ADDRESS)
    service.refresh("refresh", "alice", ADDRESS)
    assert cognito.calls == [
        ("respond", ("NEW_PASSWORD_REQUIRED", session, "newbie", {"NEW_PASSWORD": "Chosen-1!"})),
        ("respond", ("SOFTWARE_TOKEN_MFA", session, "tom", {"SOFTWARE_TOKEN_MFA_CODE": "123456"})),
        ("associate_totp", (session,)),
        ("verify_totp", ("t" * 40, "654321")),
        ("respond", ("MFA_SETUP", "v" * 40, "alice", {})),
        ("refresh", ("refresh", "alice")),
    ]


def test_a_refresh_counts_only_the_address(
    service: password_sign_in.SignInService, cognito: Cognito
) -> None:
    cognito.answer = sign_in_errors.SignInError(401, "invalid_grant", "no")
    for _ in range(5):  # more than the username's allowance
        assert fails(lambda: service.refresh("bad", "alice", ADDRESS)).code == "invalid_grant"
    cognito.answer = TOKENS
    assert service.sign_in("alice", "pw", ADDRESS) == TOKENS


def test_an_attempt_store_that_fails_closes_sign_in(
    cognito: Cognito, aws_credentials: None
) -> None:
    store = dynamodb_attempts.DynamoDbAttemptStore(
        "attempts", dynamodb_attempts.client_for("us-east-1", stubs.closed_port_url())
    )
    service = password_sign_in.SignInService(
        cognito,  # type: ignore[arg-type]
        attempt_limits.Limiter(store),
    )
    error = fails(lambda: service.sign_in("alice", "pw", ADDRESS))
    assert (error.status, error.code, error.retry_after) == (503, "unavailable", 5)
    assert cognito.calls == []


def test_from_settings_picks_the_store(aws_credentials: None) -> None:
    base = stubs.settings_for("http://127.0.0.1:9")
    on = settings.Settings(
        **{
            **base.__dict__,
            "client_ids": (stubs.CLIENT, "automation"),
            "password_sign_in_client_id": "automation",
        }
    )
    in_process = password_sign_in.SignInService.from_settings(on)
    assert isinstance(in_process.limiter.store, attempt_limits.MemoryAttemptStore)
    assert in_process.floor_s == password_sign_in.SIGN_IN_FLOOR_S
    shared = password_sign_in.SignInService.from_settings(
        settings.Settings(
            **{
                **on.__dict__,
                "attempt_store_table": "attempts",
                "attempt_store_endpoint_url": "http://127.0.0.1:8",
            }
        )
    )
    store = shared.limiter.store
    assert isinstance(store, dynamodb_attempts.DynamoDbAttemptStore)
    assert store.table == "attempts"
    assert store.dynamodb.meta.endpoint_url == "http://127.0.0.1:8"
    assert store.dynamodb.meta.region_name == "us-east-1"
