"""local_cognito.state in process: what a snapshot holds, a pool rebuilt from it, which
requests count as changes, and the flags winning over a saved client's settings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from local_cognito import keys, seed, settings, state
from local_cognito import pool as pool_mod
from tests.support import clock


@pytest.mark.parametrize(
    ("method", "target", "changes"),
    [
        ("POST", "AWSCognitoIdentityProviderService.AdminCreateUser", True),
        ("POST", "AWSCognitoIdentityProviderService.AdminDisableUser", True),
        ("POST", "AWSCognitoIdentityProviderService.ListUsers", False),
        ("POST", "AWSCognitoIdentityProviderService.AdminGetUser", False),
        ("POST", "AWSCognitoIdentityProviderService.AdminListGroupsForUser", False),
        ("POST", "AWSCognitoIdentityProviderService.DescribeUserPool", False),
        ("POST", "AWSCognitoIdentityProviderService.GlobalSignOut", True),
        ("POST", None, True),  # a managed-login form: a sign-up, a new password...
        ("GET", None, False),
    ],
)
def test_which_requests_may_change_the_state(
    method: str, target: str | None, changes: bool
) -> None:
    assert state.changes_state(method, target) is changes


def saved_of(pool: pool_mod.LocalPool, where: Path) -> state.Saved:
    """The pool's snapshot, through JSON and the key's PEM, as a restart reads it."""
    data = json.loads(json.dumps(state.snapshot(pool)))
    return state.Saved(data, pool.key.private_pem(), where / state.STATE_FILE)


def test_a_pool_rebuilt_from_its_snapshot_is_the_same_pool(
    tmp_path: Path, fake_clock: clock.FakeClock
) -> None:
    config = settings.PoolSettings()
    first = pool_mod.LocalPool(config, now=fake_clock)
    seed.seed_demo(first)
    web = first.backend.create_user_pool_client(
        first.id, True, {"ClientName": "web-app", "CallbackURLs": ["https://web.test/cb"]}
    )
    first.ensure_group("Plain")  # no precedence
    first.accounts.sign_up("sam", "Sam-Passw0rd!", {"email": "sam@example.com"})
    saved = saved_of(first, tmp_path)
    users = {name: u.to_json(extended=True) for name, u in first.pool.users.items()}
    ids = (first.id, first.client_id, first.automation_client_id, first.key.kid)
    first.close()

    second = pool_mod.LocalPool(config, now=fake_clock, saved=saved)
    try:
        assert second.restored
        assert (second.id, second.client_id, second.automation_client_id, second.key.kid) == ids
        assert {n: u.to_json(extended=True) for n, u in second.pool.users.items()} == users
        assert second.pool.users.names() == sorted(users)  # the ListUsers index too
        copy = second.pool.clients[web.id]
        assert (copy.secret, copy.generate_secret) == (web.secret, True)
        assert copy.extended_config["CallbackURLs"] == ["https://web.test/cb"]
        assert second.pool.groups["Plain"].precedence is None
        assert second.pool.groups["Admin"].precedence == 0
        assert [g.group_name for g in second.pool.users["admin"].groups] == ["Admin"]
        assert second.accounts.has_pending_code("sign_up", "sam")
        assert second.accounts.totp_enabled("tom")
        assert [m.id for m in second.outbox.messages()] == [1, 2]
        message = second.outbox.send(
            kind="invitation", to="x@y.z", username="x", subject="", body=""
        )
        assert message.id == 3
    finally:
        second.close()


def test_the_flags_win_over_a_saved_clients_settings(
    tmp_path: Path, fake_clock: clock.FakeClock
) -> None:
    first = pool_mod.LocalPool(settings.PoolSettings(rotate_refresh_tokens=True), now=fake_clock)
    first.client.extended_config["ReadAttributes"] = ["email"]  # set through the API
    saved = saved_of(first, tmp_path)
    first.close()
    second = pool_mod.LocalPool(
        settings.PoolSettings(environment="staging", automation_client=False),
        now=fake_clock,
        saved=saved,
    )
    try:
        config = second.client.extended_config
        assert second.client_id == saved.data["clients"]["desktop"]["id"]
        assert config["CallbackURLs"][0].endswith("/callback/staging")  # the flag's
        assert "RefreshTokenRotation" not in config  # no --rotate-refresh-tokens now
        assert config["ReadAttributes"] == ["email"]  # kept: no flag says otherwise
        assert second.automation_client is None
    finally:
        second.close()


def test_a_saved_key_comes_back_under_its_kid() -> None:
    key = keys.SigningKey()
    again = keys.SigningKey.from_pem(key.private_pem(), key.kid)
    token = key.sign({"sub": "x"})
    assert again.kid == key.kid and again.jwks() == key.jwks()
    assert again.sign({"sub": "x"}).split(".")[:2] == token.split(".")[:2]
    with pytest.raises(ValueError, match="hex"):
        keys.SigningKey.from_pem(key.private_pem(), "not-a-kid")
