"""local_cognito.seed: the demo users ``cognito-local up`` prints, and synthetic ones for load."""

from __future__ import annotations

import pytest
from moto.cognitoidp import models as moto_models

from local_cognito import pool as pool_mod
from local_cognito import seed, settings


def test_the_demo_users_are_seeded_as_documented(demo_pool: pool_mod.LocalPool) -> None:
    users = demo_pool.pool.users
    assert sorted(users) == sorted(u.username for u in seed.DEMO_USERS)
    for demo in seed.DEMO_USERS:
        user = users[demo.username]
        assert user.password == demo.password
        assert user.status == moto_models.UserStatus[demo.status]
        assert user.enabled is demo.enabled
        assert user.attribute_lookup["email"] == demo.email
        assert user.attribute_lookup["email_verified"] == "true"
        assert sorted(g.group_name for g in user.groups) == sorted(demo.groups)
    admins = demo_pool.pool.groups[settings.ADMIN_GROUP]
    assert admins.precedence == 0
    assert {u.username for u in admins.users} == {"admin"}


def test_only_the_invited_demo_user_gets_an_invitation(demo_pool: pool_mod.LocalPool) -> None:
    [message] = demo_pool.outbox.messages()
    assert (message.kind, message.username) == ("invitation", "newbie")
    assert message.temporary_password == "Temp-Passw0rd1!"


def test_as_json_is_what_up_prints() -> None:
    admin = seed.DEMO_USERS[0].as_json()
    assert admin == {
        "username": "admin",
        "password": "Admin-Passw0rd!",
        "email": "admin@example.com",
        "groups": ["Admin"],
        "status": "CONFIRMED",
        "enabled": True,
        "note": "administrator",
        "totp_secret": None,
    }


def test_add_user_refuses_a_duplicate(pool: pool_mod.LocalPool) -> None:
    seed.add_user(pool, "carol", "Carol-Passw0rd!", "carol@example.com")
    with pytest.raises(ValueError, match="'carol' already exists"):
        seed.add_user(pool, "carol", "Other-Passw0rd!", "other@example.com")


def test_ensure_group_makes_a_group_once(pool: pool_mod.LocalPool) -> None:
    made = seed.ensure_group(pool, "Team", precedence=3)
    assert seed.ensure_group(pool, "Team") is made
    assert (made.group_name, made.precedence) == ("Team", 3)


def test_synthetic_users_are_numbered_and_share_a_password(pool: pool_mod.LocalPool) -> None:
    assert seed.seed_synthetic(pool, 3) == ["user00001", "user00002", "user00003"]
    assert seed.seed_synthetic(pool, 2, start=99_999) == ["user099999", "user100000"]
    user = pool.pool.users["user00002"]
    assert user.password == seed.SYNTHETIC_PASSWORD
    assert user.attribute_lookup["email"] == "user00002@example.test"
    assert seed.seed_synthetic(pool, 0) == []


def test_a_negative_count_is_refused(pool: pool_mod.LocalPool) -> None:
    with pytest.raises(ValueError, match="count must be >= 0"):
        seed.seed_synthetic(pool, -1)
