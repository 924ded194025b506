"""local_cognito.lifecycle's password sign-in, on a clock the test moves: Cognito's
temporary lockout (5 free failures, then 2^(n-5) s up to 15 min; reset by a right
password after it or 15 quiet minutes), the answers to unknown, reset-required and
disabled users, and the app client's rules (ExplicitAuthFlows, rotation,
PreventUserExistenceErrors, SECRET_HASH). Managed login (``LocalPool.authenticate``)
and the API share them; tests/integration/test_password_flow_fidelity.py drives the
same rules through boto3."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

import pytest
from moto.cognitoidp import exceptions as moto_errors
from moto.cognitoidp import models as moto_models
from moto.core.exceptions import JsonRESTError

from local_cognito import lifecycle, settings
from local_cognito import pool as pool_mod
from tests.support import clock

Outcome = pool_mod.LoginOutcome
RIGHT = "Alice-Passw0rd!"
WRONG = "Wrong-Passw0rd!"
EXCEEDED = ("NotAuthorizedException", lifecycle.PASSWORD_ATTEMPTS_EXCEEDED)
BAD = ("NotAuthorizedException", lifecycle.BAD_CREDENTIALS)


def attempt(pool: pool_mod.LocalPool, login: str, password: str, **kwargs: Any) -> Any:
    """A password sign-in as the API makes it: the user, or (``__type``, message)."""
    try:
        return pool.accounts.password_sign_in(login, password, aliases=False, **kwargs)
    except JsonRESTError as exc:
        return exc.error_type, str(exc.message)


def fail(pool: pool_mod.LocalPool, times: int, login: str = "alice") -> None:
    """``times`` wrong passwords at once (only the fifth and later lock out)."""
    for _ in range(times):
        assert attempt(pool, login, WRONG) == BAD


def fail_through(pool: pool_mod.LocalPool, fake_clock: clock.FakeClock, times: int) -> None:
    """``times`` counted failures for alice, each after the lockout before it is over."""
    for done in range(times):
        fake_clock.advance(lifecycle.lockout_seconds(done))
        assert attempt(pool, "alice", WRONG) == BAD


# -- the lockout -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("failures", "seconds"),
    [(0, 0), (1, 0), (4, 0), (5, 1), (6, 2), (7, 4), (10, 32), (14, 512), (15, 900), (99, 900)],
)
def test_lockout_doubles_from_one_second_after_five_failures_up_to_15_minutes(
    failures: int, seconds: float
) -> None:
    assert lifecycle.lockout_seconds(failures) == seconds


def test_five_failures_lock_out_even_the_right_password_for_one_second(
    demo_pool: pool_mod.LocalPool, fake_clock: clock.FakeClock
) -> None:
    fail(demo_pool, 4)
    assert attempt(demo_pool, "alice", RIGHT).username == "alice"  # four are free
    fail(demo_pool, 5)
    assert attempt(demo_pool, "alice", RIGHT) == EXCEEDED
    assert attempt(demo_pool, "alice", WRONG) == EXCEEDED  # not counted
    fake_clock.advance(0.5)
    assert attempt(demo_pool, "alice", RIGHT) == EXCEEDED
    fake_clock.advance(0.5)
    assert attempt(demo_pool, "alice", RIGHT).username == "alice"


def test_each_failure_after_a_lockout_doubles_it_to_the_15_minute_cap(
    demo_pool: pool_mod.LocalPool, fake_clock: clock.FakeClock
) -> None:
    fail(demo_pool, 5)
    fake_clock.advance(1)
    for failures in range(6, 18):
        assert attempt(demo_pool, "alice", WRONG) == BAD
        locked = min(2 ** (failures - 5), 15 * 60)
        fake_clock.advance(locked - 0.5)
        assert attempt(demo_pool, "alice", RIGHT) == EXCEEDED, failures
        fake_clock.advance(0.5)
    assert attempt(demo_pool, "alice", RIGHT).username == "alice"


def test_attempts_during_a_lockout_do_not_lengthen_it(
    demo_pool: pool_mod.LocalPool, fake_clock: clock.FakeClock
) -> None:
    fail(demo_pool, 5)  # locked 1 s
    for _ in range(4):
        assert attempt(demo_pool, "alice", WRONG) == EXCEEDED
        fake_clock.advance(0.25)
    assert attempt(demo_pool, "alice", WRONG) == BAD  # the 6th failure: 2 s
    fake_clock.advance(2)
    assert attempt(demo_pool, "alice", RIGHT).username == "alice"


def test_a_right_password_after_the_lockout_starts_the_count_again(
    demo_pool: pool_mod.LocalPool, fake_clock: clock.FakeClock
) -> None:
    fail_through(demo_pool, fake_clock, 7)
    fake_clock.advance(lifecycle.lockout_seconds(7))
    assert attempt(demo_pool, "alice", RIGHT).username == "alice"
    fail(demo_pool, 4)  # four free failures again, not an 8th
    assert attempt(demo_pool, "alice", RIGHT).username == "alice"


def test_fifteen_quiet_minutes_after_a_lockout_start_the_count_again(
    demo_pool: pool_mod.LocalPool, fake_clock: clock.FakeClock
) -> None:
    fail_through(demo_pool, fake_clock, 6)  # locked 2 s
    fake_clock.advance(lifecycle.LOCKOUT_QUIET_RESET_S)
    fail(demo_pool, 4)
    assert attempt(demo_pool, "alice", RIGHT).username == "alice"


def test_less_than_fifteen_quiet_minutes_keep_the_count(
    demo_pool: pool_mod.LocalPool, fake_clock: clock.FakeClock
) -> None:
    fail_through(demo_pool, fake_clock, 6)
    fake_clock.advance(lifecycle.LOCKOUT_QUIET_RESET_S - 1)
    assert attempt(demo_pool, "alice", WRONG) == BAD  # the 7th: 4 s
    fake_clock.advance(3.5)
    assert attempt(demo_pool, "alice", RIGHT) == EXCEEDED


def test_an_attempt_during_the_lockout_restarts_the_quiet_period(
    demo_pool: pool_mod.LocalPool, fake_clock: clock.FakeClock
) -> None:
    fail_through(demo_pool, fake_clock, 15)  # locked 15 minutes
    fake_clock.advance(600)
    assert attempt(demo_pool, "alice", RIGHT) == EXCEEDED
    fake_clock.advance(600)  # 20 min after the failure, 10 after the last attempt
    assert attempt(demo_pool, "alice", WRONG) == BAD  # the 16th: 15 minutes again
    assert attempt(demo_pool, "alice", RIGHT) == EXCEEDED


def test_the_lockout_is_per_user(demo_pool: pool_mod.LocalPool) -> None:
    fail(demo_pool, 5)
    assert attempt(demo_pool, "alice", RIGHT) == EXCEEDED
    assert attempt(demo_pool, "admin", "Admin-Passw0rd!").username == "admin"


def test_unknown_names_lock_out_alike_so_the_lockout_reveals_no_user(
    demo_pool: pool_mod.LocalPool, fake_clock: clock.FakeClock
) -> None:
    fail(demo_pool, 5, login="nobody")
    assert attempt(demo_pool, "nobody", WRONG) == EXCEEDED
    fake_clock.advance(1)
    assert attempt(demo_pool, "nobody", WRONG) == BAD


def test_managed_login_and_the_api_share_one_counter(
    demo_pool: pool_mod.LocalPool, fake_clock: clock.FakeClock
) -> None:
    for _ in range(3):
        result = demo_pool.authenticate("alice@example.com", WRONG)  # by the email alias
        assert (result.outcome, result.message) == (Outcome.FAILED, lifecycle.BAD_CREDENTIALS)
    fail(demo_pool, 2)
    assert attempt(demo_pool, "alice", RIGHT) == EXCEEDED
    result = demo_pool.authenticate("alice", RIGHT)
    assert (result.outcome, result.message) == (
        Outcome.FAILED,
        lifecycle.PASSWORD_ATTEMPTS_EXCEEDED,
    )
    fake_clock.advance(1)
    assert demo_pool.authenticate("alice", RIGHT).outcome is Outcome.SIGNED_IN


# -- the answer to a password ----------------------------------------------------------------


def test_unknown_users_are_revealed_only_when_the_client_allows_it(
    demo_pool: pool_mod.LocalPool,
) -> None:
    assert attempt(demo_pool, "nobody", RIGHT) == BAD
    assert attempt(demo_pool, "nobody", RIGHT, hide_unknown=False) == (
        "UserNotFoundException",
        lifecycle.USER_NOT_FOUND,
    )
    # Only managed login takes the email alias.
    assert attempt(demo_pool, "alice@example.com", RIGHT) == BAD
    assert demo_pool.accounts.password_sign_in("alice@example.com", RIGHT).username == "alice"


def test_reset_required_is_said_whatever_the_password(demo_pool: pool_mod.LocalPool) -> None:
    demo_pool.pool.users["alice"].status = moto_models.UserStatus.RESET_REQUIRED
    for password in (RIGHT, WRONG):
        assert attempt(demo_pool, "alice", password) == (
            "PasswordResetRequiredException",
            lifecycle.PASSWORD_RESET_REQUIRED,
        )
    demo_pool.pool.users["alice"].enabled = False  # disabled: the usual checks
    assert attempt(demo_pool, "alice", WRONG) == BAD


def test_disabled_is_said_only_after_the_right_password(demo_pool: pool_mod.LocalPool) -> None:
    assert attempt(demo_pool, "dora", "Dora-Passw0rd!") == (
        "NotAuthorizedException",
        lifecycle.USER_DISABLED,
    )
    assert attempt(demo_pool, "dora", WRONG) == BAD


def test_invited_and_unconfirmed_users_are_returned_for_the_next_step(
    demo_pool: pool_mod.LocalPool,
) -> None:
    newbie = attempt(demo_pool, "newbie", "Temp-Passw0rd1!")
    assert newbie.status == moto_models.UserStatus.FORCE_CHANGE_PASSWORD
    demo_pool.pool.users["alice"].status = moto_models.UserStatus.UNCONFIRMED
    assert attempt(demo_pool, "alice", RIGHT).status == moto_models.UserStatus.UNCONFIRMED


# -- the app client's rules ------------------------------------------------------------------


def client_with(pool: pool_mod.LocalPool, *, secret: bool = False, **config: Any) -> Any:
    return pool.backend.create_user_pool_client(pool.id, secret, {"ClientName": "c", **config})


@pytest.mark.parametrize(
    ("flows", "allowed", "refused"),
    [
        pytest.param(
            None,
            {"REFRESH_TOKEN_AUTH", "USER_SRP_AUTH", "CUSTOM_AUTH"},
            {"ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH", "USER_PASSWORD_AUTH"},
            id="default",
        ),
        pytest.param(
            [],
            set(),
            {"ADMIN_USER_PASSWORD_AUTH", "USER_PASSWORD_AUTH", "REFRESH_TOKEN_AUTH"},
            id="none",
        ),
        pytest.param(
            ["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            {
                "ADMIN_USER_PASSWORD_AUTH",
                "ADMIN_NO_SRP_AUTH",
                "REFRESH_TOKEN_AUTH",
                "REFRESH_TOKEN",
            },
            {"USER_PASSWORD_AUTH", "USER_SRP_AUTH", "CUSTOM_AUTH"},
            id="automation",
        ),
        pytest.param(
            ["ALLOW_USER_PASSWORD_AUTH"],
            {"USER_PASSWORD_AUTH"},
            {"ADMIN_USER_PASSWORD_AUTH", "REFRESH_TOKEN_AUTH", "USER_SRP_AUTH"},
            id="user-password-only",
        ),
        pytest.param(
            ["ADMIN_NO_SRP_AUTH"],
            {"ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH", "REFRESH_TOKEN_AUTH"},
            {"USER_PASSWORD_AUTH"},
            id="legacy",
        ),
    ],
)
def test_explicit_auth_flows_decide_each_flow(
    pool: pool_mod.LocalPool, flows: list[str] | None, allowed: set[str], refused: set[str]
) -> None:
    config: dict[str, Any] = {} if flows is None else {"ExplicitAuthFlows": flows}
    client = client_with(pool, **config)
    for flow in allowed:
        lifecycle.check_auth_flow(client, flow)
    for flow in refused:
        with pytest.raises(moto_errors.InvalidParameterException) as excinfo:
            lifecycle.check_auth_flow(client, flow)
        assert excinfo.value.message == lifecycle.AUTH_FLOW_NOT_ENABLED, flow
    lifecycle.check_auth_flow(client, "SOMETHING_ELSE")  # left to moto


def test_a_rotating_client_refuses_refresh_token_auth(pool: pool_mod.LocalPool) -> None:
    client = client_with(
        pool,
        ExplicitAuthFlows=["ALLOW_REFRESH_TOKEN_AUTH"],
        RefreshTokenRotation={"Feature": "ENABLED", "RetryGracePeriodSeconds": 0},
    )
    for flow in ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"):
        with pytest.raises(moto_errors.NotAuthorizedError) as excinfo:
            lifecycle.check_auth_flow(client, flow)
        assert excinfo.value.message == lifecycle.REFRESH_NEEDS_ROTATION_API
    client.extended_config["RefreshTokenRotation"] = {"Feature": "DISABLED"}
    lifecycle.check_auth_flow(client, "REFRESH_TOKEN_AUTH")


def test_prevent_user_existence_errors_defaults_to_legacy(pool: pool_mod.LocalPool) -> None:
    legacy = client_with(pool, PreventUserExistenceErrors="LEGACY")
    enabled = client_with(pool, PreventUserExistenceErrors="ENABLED")
    assert not lifecycle.hides_unknown_users(client_with(pool))
    assert not lifecycle.hides_unknown_users(legacy)
    assert lifecycle.hides_unknown_users(enabled)
    assert lifecycle.hides_unknown_users(pool.client)
    assert lifecycle.hides_unknown_users(pool.automation_client)


def secret_hash(client: Any, username: str) -> str:
    digest = hmac.new(
        client.secret.encode(), (username + client.id).encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


def test_a_client_with_a_secret_needs_the_secret_hash(pool: pool_mod.LocalPool) -> None:
    public, confidential = client_with(pool), client_with(pool, secret=True)
    lifecycle.check_secret_hash(public, "alice", None)
    lifecycle.check_secret_hash(confidential, "alice", secret_hash(confidential, "alice"))
    for given in (None, "", secret_hash(confidential, "bob"), secret_hash(public, "alice")):
        with pytest.raises(moto_errors.NotAuthorizedError, match="Unable to verify secret hash"):
            lifecycle.check_secret_hash(confidential, "alice", given)


# -- the automation client -------------------------------------------------------------------


def test_the_pool_has_an_automation_client_for_the_api_integration(
    pool: pool_mod.LocalPool,
) -> None:
    client = pool.automation_client
    assert pool.automation_client_id == client.id != pool.client_id
    assert pool.pool.clients[client.id] is client
    config = client.extended_config
    assert config["ClientName"] == settings.AUTOMATION_CLIENT_NAME == "cognito-desktop-automation"
    assert client.generate_secret is False
    assert config["AllowedOAuthFlowsUserPoolClient"] is False
    assert not config.get("AllowedOAuthFlows") and not config.get("CallbackURLs")
    assert lifecycle.explicit_auth_flows(client) == {
        "ALLOW_ADMIN_USER_PASSWORD_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
    }
    assert not lifecycle.rotates_refresh_tokens(client)
    assert config["AccessTokenValidity"] == pool.client.extended_config["AccessTokenValidity"]


@pytest.mark.parametrize("pool_settings", [settings.PoolSettings(rotate_refresh_tokens=True)])
def test_rotation_on_the_desktop_client_leaves_the_automation_client_refreshing(
    pool: pool_mod.LocalPool,
) -> None:
    assert lifecycle.rotates_refresh_tokens(pool.client)
    lifecycle.check_auth_flow(pool.automation_client, "REFRESH_TOKEN_AUTH")


@pytest.mark.parametrize("pool_settings", [settings.PoolSettings(automation_client=False)])
def test_the_automation_client_is_optional(pool: pool_mod.LocalPool) -> None:
    assert pool.automation_client is None and pool.automation_client_id is None
    assert list(pool.pool.clients) == [pool.client_id]


def test_the_default_settings_have_the_automation_client() -> None:
    assert settings.DEFAULTS.automation_client is True
