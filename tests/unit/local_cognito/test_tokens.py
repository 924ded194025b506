"""local_cognito.tokens: Cognito's claims, lifetimes and refresh-token rules, in process."""

from __future__ import annotations

import types
from typing import Any

import jwt
import pytest

from local_cognito import pool as pool_mod
from local_cognito import seed, settings, tokens
from tests.support import clock

ACCESS_S = 3600
REFRESH_S = 30 * 86400


def claims(token: str) -> dict[str, Any]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


@pytest.fixture
def service(demo_pool: pool_mod.LocalPool) -> tokens.TokenService:
    return demo_pool.tokens


@pytest.fixture
def alice(demo_pool: pool_mod.LocalPool, service: tokens.TokenService) -> tokens.RefreshRecord:
    """A sign-in session for alice with the scopes managed login grants by default."""
    return service.start_session(demo_pool.client_id, "alice", ("openid", "email", "profile"))


# -- pure helpers ---------------------------------------------------------------------------


def test_at_hash_matches_the_openid_connect_core_example() -> None:
    # OpenID Connect Core 1.0, appendix A.3 (RS256, SHA-256).
    assert tokens.at_hash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y") == "77QmUPtjPfzWtF2AnpK9RQ"


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({}, (3600, 3600, 30 * 86400)),  # Cognito's defaults: 1 h, 1 h, 30 d
        ({"AccessTokenValidity": 2, "RefreshTokenValidity": 7}, (7200, 3600, 7 * 86400)),
        (
            {
                "AccessTokenValidity": 5,
                "IdTokenValidity": 90,
                "RefreshTokenValidity": 600,
                "TokenValidityUnits": {
                    "AccessToken": "minutes",
                    "IdToken": "minutes",
                    "RefreshToken": "seconds",
                },
            },
            (300, 5400, 600),
        ),
    ],
)
def test_token_lifetimes_read_validity_and_units(
    config: dict[str, Any], expected: tuple[int, int, int]
) -> None:
    client = types.SimpleNamespace(extended_config=config)
    assert tokens.token_lifetimes(client) == expected


def test_groups_come_in_precedence_order_then_by_name() -> None:
    def group(name: str, precedence: int | None) -> Any:
        return types.SimpleNamespace(group_name=name, precedence=precedence)

    user = types.SimpleNamespace(
        groups=[group("zeta", None), group("Team", 5), group("Admin", 0), group("alpha", None)]
    )
    assert tokens.group_names(user) == ["Admin", "Team", "alpha", "zeta"]


@pytest.mark.parametrize(
    ("scopes", "released"),
    [
        (["openid"], {"email", "email_verified", "name", "phone_number", "custom:team"}),
        (
            ["openid", tokens.ADMIN_SCOPE],
            {"email", "email_verified", "name", "phone_number", "custom:team"},
        ),
        (["openid", "email"], {"email", "email_verified"}),
        (["openid", "phone"], {"phone_number"}),
        (["openid", "profile"], {"name", "custom:team"}),
    ],
)
def test_scopes_release_their_attributes_only(scopes: list[str], released: set[str]) -> None:
    user = types.SimpleNamespace(
        attribute_lookup={
            "sub": "not-an-attribute",
            "email": "a@example.com",
            "email_verified": "true",
            "name": "A",
            "phone_number": "+15550100",
            "custom:team": "blue",
        }
    )
    assert set(tokens.visible_attributes(user, scopes)) == released


def test_a_refresh_record_never_shows_its_token(alice: tokens.RefreshRecord) -> None:
    assert alice.token not in repr(alice)
    assert len(alice.token) >= 1500  # as long as Cognito's (the keyring code cares)


# -- refresh tokens -------------------------------------------------------------------------


def test_a_session_redeems_until_it_expires(
    demo_pool: pool_mod.LocalPool,
    service: tokens.TokenService,
    alice: tokens.RefreshRecord,
    fake_clock: clock.FakeClock,
) -> None:
    assert service.redeem(alice.token, demo_pool.client_id) is alice
    assert alice.sub == demo_pool.pool.users["alice"].id
    assert alice.expires_at == fake_clock() + REFRESH_S
    fake_clock.advance(REFRESH_S)
    with pytest.raises(tokens.InvalidGrant, match="expired"):
        service.redeem(alice.token, demo_pool.client_id)


@pytest.mark.parametrize(
    ("cut_off", "reason"),
    [
        (lambda pool, record: None, "belongs to another client"),
        (lambda pool, record: pool.tokens.revoke(record), "revoked"),
        (lambda pool, record: setattr(pool.pool.users["alice"], "enabled", False), "disabled"),
        (lambda pool, record: pool.pool.users.pop("alice"), "no longer exists"),
    ],
    ids=["other-client", "revoked", "disabled", "deleted"],
)
def test_redeem_refuses_with_a_reason_for_the_log(
    demo_pool: pool_mod.LocalPool, alice: tokens.RefreshRecord, cut_off: Any, reason: str
) -> None:
    cut_off(demo_pool, alice)
    client_id = "another-client" if reason.startswith("belongs") else demo_pool.client_id
    with pytest.raises(tokens.InvalidGrant, match=reason):
        demo_pool.tokens.redeem(alice.token, client_id)


def test_an_unknown_refresh_token_is_refused(
    demo_pool: pool_mod.LocalPool, service: tokens.TokenService
) -> None:
    with pytest.raises(tokens.InvalidGrant, match="unknown"):
        service.redeem("never-issued", demo_pool.client_id)
    assert service.find("never-issued") is None


def test_rotation_retires_the_old_token_after_the_grace_period(
    demo_pool: pool_mod.LocalPool,
    service: tokens.TokenService,
    alice: tokens.RefreshRecord,
    fake_clock: clock.FakeClock,
) -> None:
    assert service.rotation_grace(demo_pool.client_id) is None  # off by default
    newer = service.rotate(alice, grace_seconds=60)
    assert newer.token != alice.token and newer.origin_jti == alice.origin_jti
    assert service.find_by_origin(alice.origin_jti) is newer
    fake_clock.advance(59)
    assert service.redeem(alice.token, demo_pool.client_id) is alice  # within the grace
    fake_clock.advance(1)
    with pytest.raises(tokens.InvalidGrant, match="grace period"):
        service.redeem(alice.token, demo_pool.client_id)
    assert service.redeem(newer.token, demo_pool.client_id) is newer


@pytest.mark.parametrize(
    "pool_settings", [settings.PoolSettings(rotate_refresh_tokens=True, rotation_grace_seconds=7)]
)
def test_rotation_grace_is_the_clients_setting(
    demo_pool: pool_mod.LocalPool, service: tokens.TokenService
) -> None:
    assert service.rotation_grace(demo_pool.client_id) == 7


def test_revoking_kills_every_token_of_the_session(
    demo_pool: pool_mod.LocalPool, service: tokens.TokenService, alice: tokens.RefreshRecord
) -> None:
    access, _ = service.access_token(alice)
    newer = service.rotate(alice, grace_seconds=60)
    service.revoke(newer)
    for record in (alice, newer):
        with pytest.raises(tokens.InvalidGrant, match="revoked"):
            service.redeem(record.token, demo_pool.client_id)
    with pytest.raises(jwt.InvalidTokenError, match="revoked"):
        service.verify_access_token(access)


# -- JWTs -----------------------------------------------------------------------------------


def test_the_access_token_has_cognitos_claims(
    demo_pool: pool_mod.LocalPool, service: tokens.TokenService, fake_clock: clock.FakeClock
) -> None:
    admin = service.start_session(demo_pool.client_id, "admin", ("openid", tokens.ADMIN_SCOPE))
    token, lifetime = service.access_token(admin)
    found = claims(token)
    assert lifetime == ACCESS_S
    assert found["iss"] == f"https://cognito-idp.us-east-1.amazonaws.com/{demo_pool.id}"
    assert (found["token_use"], found["client_id"], found["username"]) == (
        "access",
        demo_pool.client_id,
        "admin",
    )
    assert found["scope"] == f"openid {tokens.ADMIN_SCOPE}"
    assert found["cognito:groups"] == [settings.ADMIN_GROUP]
    assert found["exp"] - found["iat"] == ACCESS_S and found["iat"] == int(fake_clock())
    assert found["origin_jti"] == admin.origin_jti and found["version"] == 2
    assert "aud" not in found
    assert jwt.get_unverified_header(token)["kid"] == demo_pool.key.kid


def test_the_id_token_has_the_audience_nonce_at_hash_and_typed_attributes(
    demo_pool: pool_mod.LocalPool, service: tokens.TokenService, alice: tokens.RefreshRecord
) -> None:
    access, _ = service.access_token(alice)
    found = claims(service.id_token(alice, nonce="n-123", access_token=access))
    assert (found["token_use"], found["aud"], found["cognito:username"]) == (
        "id",
        demo_pool.client_id,
        "alice",
    )
    assert found["nonce"] == "n-123" and found["at_hash"] == tokens.at_hash(access)
    assert found["email"] == "alice@example.com" and found["email_verified"] is True
    assert "cognito:groups" not in found  # alice is in no group
    bare = claims(service.id_token(alice))
    assert "nonce" not in bare and "at_hash" not in bare


def test_verify_access_token_takes_only_live_access_tokens(
    demo_pool: pool_mod.LocalPool,
    service: tokens.TokenService,
    alice: tokens.RefreshRecord,
    fake_clock: clock.FakeClock,
) -> None:
    access, _ = service.access_token(alice)
    assert service.verify_access_token(access)["username"] == "alice"
    with pytest.raises(jwt.InvalidTokenError):
        service.verify_access_token(service.id_token(alice))  # it has an audience
    id_use = demo_pool.key.sign({**claims(access), "token_use": "id"})
    with pytest.raises(jwt.InvalidTokenError, match="not an access token"):
        service.verify_access_token(id_use)
    fake_clock.advance(ACCESS_S)
    with pytest.raises(jwt.InvalidTokenError, match="expired"):
        service.verify_access_token(access)


def test_verify_access_token_refuses_a_disabled_user_or_a_global_sign_out(
    demo_pool: pool_mod.LocalPool, service: tokens.TokenService, alice: tokens.RefreshRecord
) -> None:
    first, _ = service.access_token(alice)
    second, _ = service.access_token(alice)
    demo_pool.pool.access_tokens.pop(first)  # what GlobalSignOut does in moto
    with pytest.raises(jwt.InvalidTokenError, match="signed out"):
        service.verify_access_token(first)
    demo_pool.pool.users["alice"].enabled = False
    with pytest.raises(jwt.InvalidTokenError, match="disabled"):
        service.verify_access_token(second)


def test_a_token_from_another_pool_does_not_verify(
    service: tokens.TokenService, fake_clock: clock.FakeClock
) -> None:
    other = pool_mod.LocalPool(now=fake_clock)  # another run: its own key and issuer
    try:
        seed.seed_demo(other)
        record = other.tokens.start_session(other.client_id, "alice", ("openid",))
        foreign, _ = other.tokens.access_token(record)
    finally:
        other.close()
    with pytest.raises(jwt.InvalidTokenError):
        service.verify_access_token(foreign)


def test_tokens_are_for_users_that_exist(
    demo_pool: pool_mod.LocalPool, service: tokens.TokenService
) -> None:
    with pytest.raises(tokens.InvalidGrant, match="no longer exists"):
        service.start_session(demo_pool.client_id, "nobody", ("openid",))


# -- the issuer format ---------------------------------------------------------------------


def test_tokens_carry_the_classic_issuer_by_default(
    demo_pool: pool_mod.LocalPool, service: tokens.TokenService, alice: tokens.RefreshRecord
) -> None:
    access, _ = service.access_token(alice)
    assert claims(access)["iss"] == f"https://cognito-idp.us-east-1.amazonaws.com/{demo_pool.id}"


@pytest.mark.parametrize("pool_settings", [settings.PoolSettings(issuer_format="updated")])
def test_tokens_carry_the_updated_issuer_when_the_pool_uses_it(
    demo_pool: pool_mod.LocalPool, service: tokens.TokenService, alice: tokens.RefreshRecord
) -> None:
    updated = f"https://issuer-cognito-idp.us-east-1.amazonaws.com/{demo_pool.id}"
    assert service.issuer == updated
    access, _ = service.access_token(alice)
    assert claims(access)["iss"] == updated
    assert service.verify_access_token(access)["iss"] == updated
