"""local_cognito.profile writes a ``local`` profile the desktop app reads, and nothing else.

local_cognito may not import desktop_app, but its tests may: this is where the two
sides of the config file are held to the same contract.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

import pytest

from desktop_app import config, errors
from local_cognito import profile, seed, server, settings

POOL_ID = "us-east-1_LoCaL1234"
BASE_URL = "http://127.0.0.1:9229"


def fake_info(**overrides: Any) -> dict[str, Any]:
    """Shaped like ``LocalCognito.info()``."""
    info: dict[str, Any] = {
        "managed_login_url": BASE_URL,
        "cognito_idp_endpoint": BASE_URL,
        "issuer": f"https://cognito-idp.us-east-1.amazonaws.com/{POOL_ID}",
        "discovery_url": f"{BASE_URL}/{POOL_ID}/.well-known/openid-configuration",
        "jwks_url": f"{BASE_URL}/{POOL_ID}/.well-known/jwks.json",
        "region": "us-east-1",
        "user_pool_id": POOL_ID,
        "client_id": "26charlocalclientid0000000",
        "callback_urls": [
            "http://127.0.0.1:53682/callback/local",
            "http://127.0.0.1:53683/callback/local",
        ],
        "logout_urls": [
            "http://127.0.0.1:53682/signed-out/local",
            "http://127.0.0.1:53683/signed-out/local",
        ],
        "issuer_format": "classic",
        "scopes": ["openid", "email", "profile", "aws.cognito.signin.user.admin"],
        "api_url": None,
        "outbox_url": f"{BASE_URL}/outbox",
        "demo_users": [seed.DEMO_USERS[0].as_json()],
    }
    info.update(overrides)
    return info


# -- the two resolve_path functions agree ---------------------------------------------


@pytest.mark.parametrize(
    ("explicit", "environ"),
    [
        pytest.param("/x/explicit.toml", {profile.CONFIG_ENV: "/x/env.toml"}, id="explicit-wins"),
        pytest.param(Path("/x/explicit.toml"), {}, id="explicit-path-object"),
        pytest.param("~/explicit.toml", {}, id="explicit-tilde"),
        pytest.param(None, {profile.CONFIG_ENV: "/x/env.toml"}, id="env"),
        pytest.param(None, {profile.CONFIG_ENV: "~/env.toml"}, id="env-tilde"),
        pytest.param(None, {profile.CONFIG_ENV: ""}, id="env-empty"),
        pytest.param("", {}, id="explicit-empty"),
        pytest.param(None, {}, id="default"),
    ],
)
def test_resolve_path_agrees_with_app(explicit: str | Path | None, environ: dict[str, str]) -> None:
    assert profile.resolve_path(explicit, environ) == config.resolve_path(explicit, environ)


def test_env_names_agree() -> None:
    assert profile.CONFIG_ENV == config.CONFIG_ENV
    assert profile.resolve_path(None, {}) == config.default_path()


# -- what write() produces ------------------------------------------------------------


def test_written_profile_loads_in_app(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "config.toml"
    info = fake_info()
    profile.write(path, profile.profile_values(info))
    loaded = config.load_profile(path, "local")
    assert loaded.name == "local"
    assert loaded.client_id == info["client_id"]
    assert loaded.region == "us-east-1"
    assert loaded.user_pool_id == POOL_ID
    assert loaded.issuer == info["issuer"]
    assert loaded.domain == BASE_URL
    assert loaded.discovery_url == info["discovery_url"]
    assert loaded.effective_discovery_url == info["discovery_url"]
    assert loaded.redirect_uris == tuple(info["callback_urls"])
    assert loaded.scopes == tuple(info["scopes"])
    assert loaded.logout_uri == info["logout_urls"][0]
    assert loaded.admin_group == "Admin"
    assert loaded.api_url is None


def test_api_url_written_when_known(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    profile.write(path, profile.profile_values(fake_info(api_url="http://127.0.0.1:9230")))
    assert config.load_profile(path, "local").api_url == "http://127.0.0.1:9230"


def test_password_sign_in_written_with_the_api_and_the_automation_client(
    tmp_path: Path,
) -> None:
    path = tmp_path / "config.toml"
    info = fake_info(api_url="http://127.0.0.1:9230", automation_client_id="automation00000")
    values = profile.profile_values(info)
    assert values["password_sign_in"] is True
    assert values["password_sign_in_client_id"] == "automation00000"
    profile.write(path, values)
    loaded = config.load_profile(path, "local")
    assert loaded.password_sign_in is True
    assert loaded.password_sign_in_client_id == "automation00000"
    assert loaded.client_id == info["client_id"]  # the GUI keeps the browser flow


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"automation_client_id": "automation00000"}, id="no-api"),
        pytest.param({"api_url": "http://127.0.0.1:9230"}, id="no-automation-client"),
        pytest.param({"api_url": "http://127.0.0.1:9230", "automation_client_id": None}, id="off"),
    ],
)
def test_no_password_sign_in_without_both(tmp_path: Path, changes: dict[str, Any]) -> None:
    values = profile.profile_values(fake_info(**changes))
    assert "password_sign_in" not in values and "password_sign_in_client_id" not in values
    path = tmp_path / "config.toml"
    profile.write(path, values)
    assert config.load_profile(path, "local").password_sign_in is False


def test_no_temporary_files_left(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    profile.write(path, profile.profile_values(fake_info()))
    profile.write(path, profile.profile_values(fake_info()))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml"]


def rewritten(path: Path, before: str) -> str:
    """``before`` in a config file, then the stand-in's profile written into it: the text."""
    path.write_text(before, encoding="utf-8")
    profile.write(path, profile.profile_values(fake_info()))
    return path.read_text(encoding="utf-8")


BEFORE = """\
# Cognito Desktop profiles. Hand-edited; keep this comment.

[profiles.work]  # production pool
region = "eu-west-2"
user_pool_id = "eu-west-2_AbC123"
domain = "https://auth.example.com"
client_id = "work-client"   # from the console
redirect_uris = ["http://127.0.0.1:53682/callback"]

[profiles.local]
# written by cognito-local
client_id = "stale"
domain = "http://127.0.0.1:1"

[profiles.home]
issuer = "https://cognito-idp.us-west-2.amazonaws.com/us-west-2_Home"
domain = "https://home.example.com"
client_id = "home-client"
redirect_uris = [
    "http://127.0.0.1:53690/callback",  # trailing comment
]
"""


def test_rewrite_replaces_only_local(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    after = rewritten(path, BEFORE)

    before_local = BEFORE.index("[profiles.local]")
    before_home = BEFORE.index("[profiles.home]")
    assert after.startswith(BEFORE[:before_local])  # header comment and work, byte-for-byte
    assert BEFORE[before_home:] in after  # home, byte-for-byte
    assert "stale" not in after
    assert after.count("[profiles.local]") == 1

    profiles = config.load(path)
    assert sorted(profiles) == ["home", "local", "work"]
    assert profiles["local"].client_id == fake_info()["client_id"]
    assert profiles["work"].client_id == "work-client"
    assert profiles["home"].redirect_uris == ("http://127.0.0.1:53690/callback",)


def test_rewrite_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(BEFORE, encoding="utf-8")
    profile.write(path, profile.profile_values(fake_info()))
    once = path.read_bytes()
    profile.write(path, profile.profile_values(fake_info()))
    assert path.read_bytes() == once


def test_rewrite_finds_quoted_and_spaced_header(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    after = rewritten(path, '[ profiles."local" ]  # old\nclient_id = "stale"\n')
    assert "stale" not in after
    assert config.load_profile(path, "local").client_id == fake_info()["client_id"]


def test_rewrite_keeps_comment_that_introduces_next_profile(tmp_path: Path) -> None:
    """A comment directly above ``[profiles.home]`` belongs to home, not to local."""
    before = """\
[profiles.local]
client_id = "stale"

# Home pool: the family's accounts.
[profiles.home]
issuer = "https://cognito-idp.us-west-2.amazonaws.com/us-west-2_Home"
domain = "https://home.example.com"
client_id = "home-client"
redirect_uris = ["http://127.0.0.1:53690/callback"]
"""
    after = rewritten(tmp_path / "config.toml", before)
    assert before[before.index("# Home pool") :] in after


def test_similar_profile_names_untouched(tmp_path: Path) -> None:
    other = """\
[profiles.local2]
issuer = "https://cognito-idp.us-west-2.amazonaws.com/us-west-2_L2"
domain = "https://l2.example.com"
client_id = "l2"
redirect_uris = ["http://127.0.0.1:53690/callback"]
"""
    path = tmp_path / "config.toml"
    assert rewritten(path, other).startswith(other)
    assert sorted(config.load(path)) == ["local", "local2"]


def test_invalid_existing_file_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    garbage = b'[profiles.work\nclient_id = "half\n\x00'
    path.write_bytes(garbage)
    os.utime(path, (1_000_000_000, 1_000_000_000))
    with pytest.raises(ValueError, match="not valid TOML") as caught:
        profile.write(path, profile.profile_values(fake_info()))
    assert str(path) in str(caught.value)
    assert path.read_bytes() == garbage
    assert path.stat().st_mtime == 1_000_000_000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml"]


# Text TOML must quote or escape, by test id.
AWKWARD_STRINGS = {
    "quotes": 'say "hi"',
    "backslashes": "C:\\Users\\me\\",
    "escape-lookalike": "\\u0041 is not A",
    "bmp-unicode": "café, naïve, 中文",
    "tab": "tab\there",
    "astral-unicode": "emoji 🔐 key",
    "single-quotes": "'single' and ''' triple",
    "newline": "line\nbreak",
}


@pytest.mark.parametrize("text", AWKWARD_STRINGS.values(), ids=AWKWARD_STRINGS.keys())
def test_strings_round_trip(tmp_path: Path, text: str) -> None:
    path = tmp_path / "config.toml"
    values = profile.profile_values(fake_info(client_id=text, scopes=["openid", text]))
    profile.write(path, values)
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    assert raw["profiles"]["local"]["client_id"] == text
    assert raw["profiles"]["local"]["scopes"] == ["openid", text]
    loaded = config.load_profile(path, "local")
    assert loaded.client_id == text.strip()
    assert loaded.scopes == ("openid", text)


def test_render_is_one_table() -> None:
    text = profile.render({"client_id": "x", "scopes": ["a", "b"]}, name="other")
    assert tomllib.loads(text) == {"profiles": {"other": {"client_id": "x", "scopes": ["a", "b"]}}}


# -- per-environment paths and the issuer format ---------------------------------------


def test_a_classic_profile_does_not_name_the_issuer_format(tmp_path: Path) -> None:
    values = profile.profile_values(fake_info())
    assert "issuer_format" not in values
    path = tmp_path / "config.toml"
    profile.write(path, values)
    assert config.load_profile(path, "local").issuer_format == "classic"


def test_an_updated_issuer_profile_loads_with_the_stand_ins_issuer(tmp_path: Path) -> None:
    with server.LocalCognito(
        port=0, config=settings.PoolSettings(issuer_format="updated"), demo_users=False
    ) as stand_in:
        info = stand_in.info()
    assert info["issuer"].startswith("https://issuer-cognito-idp.us-east-1.amazonaws.com/")
    assert info["issuer_format"] == "updated"
    values = profile.profile_values(info)
    assert values["issuer_format"] == "updated"
    path = tmp_path / "config.toml"
    profile.write(path, values)
    loaded = config.load_profile(path, "local")
    assert loaded.issuer == info["issuer"]  # what the tokens carry, derived by the app
    assert loaded.issuer_format == "updated"


def test_a_profile_for_another_environment_loads_next_to_local(tmp_path: Path) -> None:
    # Two stand-ins (two environments) write two profiles the app loads side by side.
    path = tmp_path / "config.toml"
    for name in ("local", "demo"):
        with server.LocalCognito(
            port=0, config=settings.PoolSettings(environment=name), demo_users=False
        ) as stand_in:
            info = stand_in.info()
        profile.write(path, profile.profile_values(info), name)
    profiles = config.load(path)
    assert profiles["local"].redirect_uris[0] == "http://127.0.0.1:53682/callback/local"
    assert profiles["demo"].redirect_uris == (
        "http://127.0.0.1:53682/callback/demo",
        "http://127.0.0.1:53683/callback/demo",
        "http://127.0.0.1:53684/callback/demo",
    )
    assert profiles["demo"].logout_uri == "http://127.0.0.1:53682/signed-out/demo"


def test_an_old_local_profile_sharing_paths_is_replaced_not_kept(tmp_path: Path) -> None:
    # A file from before per-environment paths: local and work both list /callback. The
    # stand-in rewrites local with /callback/local, after which the app loads the file.
    path = tmp_path / "config.toml"
    old_local = BEFORE.replace(
        '[profiles.local]\n# written by cognito-local\nclient_id = "stale"\n',
        '[profiles.local]\nuser_pool_id = "us-east-1_Old123"\nclient_id = "stale"\n'
        'redirect_uris = ["http://127.0.0.1:53682/callback"]\n',
    )
    path.write_text(old_local, encoding="utf-8")
    with pytest.raises(errors.ConfigError, match="both list"):
        config.load(path)
    profile.write(path, profile.profile_values(fake_info()))
    assert sorted(config.load(path)) == ["home", "local", "work"]
