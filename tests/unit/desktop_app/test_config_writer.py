"""desktop_app.config_writer: the TOML it writes reads back, and saving is safe."""

from __future__ import annotations

import os
import stat
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from desktop_app import config, config_writer, errors

POOL_ID = "eu-west-2_AbC123xyz"
TABLE: dict[str, Any] = {
    "region": "eu-west-2",
    "user_pool_id": POOL_ID,
    "domain": "https://auth.example.com",
    "client_id": "abc123client",
    "redirect_uris": ["http://127.0.0.1:53682/callback", "http://127.0.0.1:53683/callback"],
}
OTHER = """\
# The team's shared pool; ask #identity before changing it.
[profiles.team]
user_pool_id = "us-east-1_Team12345"  # prod
domain = "https://login.team.example"
client_id = "teamclient"
redirect_uris = ["http://127.0.0.1:53682/callback/team"]
"""
HOSTILE = [
    'quote " and backslash \\ ',
    "new\nline, tab\t, cr\r, form feed\f, backspace\b",
    "controls \x00 \x01 \x1f and DEL \x7f",
    "unicode: é ü 漢字 \U0001f600 \u2028",
    "looks like toml: ] [profiles.x] = \"\"\" ''' # not a comment",
    "trailing backslash \\",
]


def table(**changes: Any) -> dict[str, Any]:
    merged = {**TABLE, **changes}
    return {key: value for key, value in merged.items() if value is not None}


def own(name: str) -> list[str]:
    """Redirect URIs for profile ``name`` alone (two profiles may not share one)."""
    return [f"http://127.0.0.1:53682/callback/{name}"]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# -- profile_table and dump -----------------------------------------------------------


def test_profile_table_round_trips_a_pool_profile() -> None:
    profile = config.parse_profile("work", table())
    assert config.parse_profile("work", config_writer.profile_table(profile)) == profile
    assert config_writer.profile_table(profile) == table()  # defaults and unset keys left out


def test_profile_table_round_trips_every_key(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("not checked here", encoding="utf-8")
    profile = config.parse_profile(
        "full",
        table(
            region=None,
            user_pool_id=None,
            issuer=f"https://cognito-idp.eu-west-2.amazonaws.com/{POOL_ID}",
            scopes=["openid", "aws.cognito.signin.user.admin"],
            api_url="https://api.example.com",
            admin_group="Operators",
            logout_uri="http://127.0.0.1:53682/signed-out",
            discovery_url="http://127.0.0.1:9229/pool/.well-known/openid-configuration",
            ca_bundle=str(bundle),
            proxy="http://proxy.example:3128",
        ),
    )
    written = config_writer.profile_table(profile)
    assert "issuer" in written and "user_pool_id" not in written
    assert config.parse_profile("full", written) == profile
    reread = tomllib.loads(config_writer.dump({"full": profile}))["profiles"]["full"]
    assert config.parse_profile("full", reread) == profile


@pytest.mark.parametrize(
    ("changes", "written"),
    [
        ({"issuer_format": "updated"}, {"issuer_format": "updated"}),
        ({"issuer_format": "classic"}, {}),  # the default is left out
        ({"sign_out_in_browser": False}, {"sign_out_in_browser": False}),
        ({"sign_out_in_browser": True}, {}),  # the default is left out
        ({"self_sign_up": True}, {"self_sign_up": True}),
        ({"self_sign_up": False}, {}),
        ({"password_reset": False}, {"password_reset": False}),
        ({"password_reset": True}, {}),
        (
            {
                "api_url": "https://api.example.com",
                "password_sign_in": True,
                "password_sign_in_client_id": "automation",
            },
            {
                "api_url": "https://api.example.com",
                "password_sign_in": True,
                "password_sign_in_client_id": "automation",
            },
        ),
        ({"password_sign_in": False}, {}),
        # Kept while switched off, so turning it back on is one key.
        (
            {"password_sign_in_client_id": "automation"},
            {"password_sign_in_client_id": "automation"},
        ),
    ],
)
def test_profile_table_writes_the_new_keys_only_when_not_the_default(
    changes: dict[str, Any], written: dict[str, Any]
) -> None:
    profile = config.parse_profile("work", table(**changes))
    out = config_writer.profile_table(profile)
    assert {k: v for k, v in out.items() if k in changes} == written
    assert config.parse_profile("work", out) == profile


def test_an_updated_issuer_profile_round_trips_through_a_file(tmp_path: Path) -> None:
    issuer = f"https://issuer-cognito-idp.eu-west-2.amazonaws.com/{POOL_ID}"
    for changes in ({"issuer_format": "updated"}, {"issuer": issuer}):
        profile = config.parse_profile("work", table(**changes, sign_out_in_browser=False))
        path = tmp_path / "config.toml"
        config_writer.save(path, {"work": profile})
        assert "sign_out_in_browser = false" in path.read_text(encoding="utf-8")
        loaded = config.load_profile(path, "work")
        assert loaded == profile
        assert (loaded.issuer, loaded.issuer_format) == (issuer, "updated")


@pytest.mark.parametrize("value", HOSTILE)
def test_strings_are_escaped_so_tomllib_reads_them_back(value: str) -> None:
    raw = table(admin_group=value, scopes=[value, "openid"])
    text = config_writer.dump({"work": raw})
    read = tomllib.loads(text)["profiles"]["work"]
    assert read == raw
    profile = config.parse_profile("work", read)
    assert profile.admin_group == value.strip()
    assert profile.scopes == (value, "openid")


def test_dump_writes_several_profiles_and_quotes_odd_keys() -> None:
    text = config_writer.dump({"a": table(), "b-2": config.parse_profile("b-2", table())})
    assert tomllib.loads(text)["profiles"].keys() == {"a", "b-2"}
    odd = config_writer.dump({"has space": {"we ird": "x"}})
    assert tomllib.loads(odd) == {"profiles": {"has space": {"we ird": "x"}}}


def test_values_toml_cannot_hold_are_errors_naming_the_key() -> None:
    with pytest.raises(errors.ConfigError, match=r"profiles\.work\.admin_group"):
        config_writer.dump({"work": table(admin_group="bad \ud800 surrogate")})
    with pytest.raises(errors.ConfigError, match=r"profiles\.work\.client_id"):
        config_writer.dump({"work": table(client_id={"nested": "table"})})


# -- save -------------------------------------------------------------------------------


def test_save_creates_the_file_owner_only_and_load_reads_it(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "config.toml"
    config_writer.save(path, {"work": table()})
    assert config.load(path) == {"work": config.parse_profile("work", table())}
    if sys.platform != "win32":
        assert mode(path) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["config.toml"]  # no temp file left


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_save_tightens_an_existing_files_mode(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(OTHER, encoding="utf-8")
    os.chmod(path, 0o644)
    config_writer.save(path, {"work": table()})
    assert mode(path) == 0o600


def test_save_keeps_other_profiles_and_their_comments(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(OTHER + "\n[profiles.work]\nclient_id = 'old'\n", encoding="utf-8")
    config_writer.save(path, {"work": table(client_id="new-client")})
    text = path.read_text(encoding="utf-8")
    assert text.startswith(OTHER)  # byte for byte, comments included
    profiles = config.load(path)
    assert profiles["work"].client_id == "new-client"
    assert profiles["team"].client_id == "teamclient"
    assert "old" not in text


def test_save_can_remove_and_rename(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    config_writer.save(
        path, {"a": table(), "b": table(client_id="b-client", redirect_uris=own("b"))}
    )
    renamed = table(client_id="b-client", redirect_uris=own("b"))
    config_writer.save(path, {"renamed": renamed}, remove=["b"])
    assert set(config.load(path)) == {"a", "renamed"}
    config_writer.save(path, {}, remove=["a", "renamed"])
    assert config.load(path) == {}
    assert config_writer.load_tables(path) == {}


def test_save_refuses_an_invalid_profile_naming_the_key(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(OTHER, encoding="utf-8")
    bad = table(redirect_uris=["https://example.com/callback"])
    with pytest.raises(errors.ConfigError, match=r"profiles\.work\.redirect_uris"):
        config_writer.save(path, {"work": bad})
    assert path.read_text(encoding="utf-8") == OTHER


def test_save_refuses_a_profile_sharing_a_redirect_uri_with_another(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(OTHER, encoding="utf-8")
    clash = table(
        redirect_uris=["http://127.0.0.1:53683/cb", "http://127.0.0.1:53682/callback/team"]
    )
    with pytest.raises(errors.ConfigError) as caught:
        config_writer.save(path, {"work": clash})
    assert str(caught.value) == (
        "profiles.team.redirect_uris and profiles.work.redirect_uris both list "
        "http://127.0.0.1:53682/callback/team; give each environment its own path, "
        "e.g. /callback/team/team"
    )
    assert path.read_text(encoding="utf-8") == OTHER
    # Two new profiles sharing a logout_uri are refused alike.
    both = {
        "a": table(redirect_uris=own("a"), logout_uri="http://127.0.0.1:53682/signed-out"),
        "b": table(redirect_uris=own("b"), logout_uri="http://127.0.0.1:53682/signed-out"),
    }
    with pytest.raises(errors.ConfigError, match=r"profiles\.a\.logout_uri and profiles\.b"):
        config_writer.save(path, both)
    assert path.read_text(encoding="utf-8") == OTHER


def test_save_does_not_block_on_a_clash_between_profiles_it_does_not_write(
    tmp_path: Path,
) -> None:
    # Two old profiles clash (the file needs fixing); saving a third is still possible,
    # and so is fixing one of the two.
    path = tmp_path / "config.toml"
    old = OTHER + OTHER.replace("[profiles.team]", "[profiles.team2]").split("\n", 1)[1]
    path.write_text(old, encoding="utf-8")
    config_writer.save(path, {"work": table()})
    fixed = config_writer.load_tables(path)["team2"] | {"redirect_uris": own("team2")}
    config_writer.save(path, {"team2": fixed})
    assert set(config.load(path)) == {"team", "team2", "work"}


def test_save_leaves_a_broken_file_alone(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[profiles.work\nnot toml", encoding="utf-8")
    with pytest.raises(errors.ConfigError, match="not valid TOML"):
        config_writer.save(path, {"work": table()})
    assert path.read_text(encoding="utf-8") == "[profiles.work\nnot toml"


def test_a_layout_the_line_editor_cannot_follow_is_rewritten_from_values(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    # An inline table: the profile has no [profiles.x] header line to cut out.
    path.write_text(
        '[profiles]\nwork = { client_id = "inline", domain = "https://a.example" }\n'
        "[profiles.team]\n" + OTHER.split("[profiles.team]\n")[1],
        encoding="utf-8",
    )
    config_writer.save(path, {"work": table()})
    profiles = config.load(path)
    assert profiles["work"].client_id == "abc123client"
    assert profiles["team"].client_id == "teamclient"


def test_a_failed_replace_keeps_the_old_file_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(OTHER, encoding="utf-8")

    def refuse(src: Any, dst: Any) -> None:
        raise PermissionError("read-only")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(errors.ConfigError, match="cannot write config file"):
        config_writer.save(path, {"work": table()})
    assert path.read_text(encoding="utf-8") == OTHER
    assert [p.name for p in tmp_path.iterdir()] == ["config.toml"]


def test_load_tables_lists_profiles_that_do_not_validate(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    assert config_writer.load_tables(path) == {}
    path.write_text(OTHER + "[profiles.broken]\nclient_id = 'x'\n", encoding="utf-8")
    tables = config_writer.load_tables(path)
    assert list(tables) == ["team", "broken"]
    assert tables["broken"] == {"client_id": "x"}
