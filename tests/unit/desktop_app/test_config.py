"""desktop_app.config: where the file is, what a valid profile is, and errors that name the key."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from desktop_app import config, errors

POOL_ID = "eu-west-2_AbC123xyz"
ISSUER = f"https://cognito-idp.eu-west-2.amazonaws.com/{POOL_ID}"

# A minimal valid profile, as TOML lines; tests add, drop or replace one key.
BASE = {
    "region": '"eu-west-2"',
    "user_pool_id": f'"{POOL_ID}"',
    "domain": '"https://auth.example.com"',
    "client_id": '"abc123client"',
    "redirect_uris": '["http://127.0.0.1:53682/callback", "http://127.0.0.1:53683/callback"]',
}


def toml(name: str = "work", /, **keys: str | None) -> str:
    """A ``[profiles.NAME]`` table from :data:`BASE` with ``keys`` replacing (None: dropping)."""
    table = {**BASE, **keys}
    body = "".join(f"{key} = {value}\n" for key, value in table.items() if value is not None)
    return f"[profiles.{name}]\n{body}"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def config_error(path: Path, name: str = "work") -> str:
    """The message of the ConfigError that loading ``name`` raises; it is one line."""
    with pytest.raises(errors.ConfigError) as caught:
        config.load_profile(path, name)
    message = str(caught.value)
    assert "\n" not in message
    assert message
    return message


# -- resolve_path ---------------------------------------------------------------------


def test_explicit_path_wins_over_env(tmp_path: Path) -> None:
    environ = {config.CONFIG_ENV: str(tmp_path / "env.toml")}
    explicit = tmp_path / "explicit.toml"
    assert config.resolve_path(explicit, environ) == explicit
    assert config.resolve_path(str(explicit), environ) == explicit


def test_env_used_without_explicit(tmp_path: Path) -> None:
    environ = {config.CONFIG_ENV: str(tmp_path / "env.toml")}
    assert config.resolve_path(None, environ) == tmp_path / "env.toml"


def test_default_without_explicit_or_env() -> None:
    assert config.resolve_path(None, {}) == config.default_path()
    assert config.resolve_path(None, {config.CONFIG_ENV: ""}) == config.default_path()
    assert config.resolve_path("", {}) == config.default_path()


def test_paths_expand_user(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert config.resolve_path("~/a.toml", {}) == tmp_path / "a.toml"
    assert config.resolve_path(None, {config.CONFIG_ENV: "~/b.toml"}) == tmp_path / "b.toml"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG layout is Linux's")
def test_default_is_in_platform_config_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert config.default_path() == tmp_path / "cognito-desktop" / "config.toml"


def test_resolve_path_does_not_read_os_environ_when_given_a_mapping(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(config.CONFIG_ENV, str(tmp_path / "real-env.toml"))
    assert config.resolve_path(None, {}) == config.default_path()


# -- happy path -----------------------------------------------------------------------


def test_load_profile_derives_issuer(tmp_path: Path) -> None:
    path = write(tmp_path, toml())
    profile = config.load_profile(path, "work")
    assert profile.name == "work"
    assert profile.issuer == ISSUER
    assert profile.region == "eu-west-2"
    assert profile.user_pool_id == POOL_ID
    assert profile.client_id == "abc123client"
    assert profile.domain == "https://auth.example.com"
    assert profile.redirect_uris == (
        "http://127.0.0.1:53682/callback",
        "http://127.0.0.1:53683/callback",
    )
    assert profile.scopes == config.DEFAULT_SCOPES
    assert profile.admin_group == "Admin"
    assert profile.api_url is None
    assert profile.logout_uri is None
    assert profile.effective_discovery_url == f"{ISSUER}/.well-known/openid-configuration"


def test_region_taken_from_pool_id(tmp_path: Path) -> None:
    profile = config.load_profile(write(tmp_path, toml(region=None)), "work")
    assert profile.region == "eu-west-2"
    assert profile.issuer == ISSUER


def test_all_optional_keys(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        toml(
            issuer=f'"{ISSUER}"',
            domain='"http://127.0.0.1:9229/"',
            scopes='["openid", "email"]',
            api_url='"https://api.example.com/v1"',
            admin_group='"Admins"',
            logout_uri='"http://127.0.0.1:53682/signed-out"',
            discovery_url='"http://localhost:9229/pool/.well-known/openid-configuration"',
        ),
    )
    profile = config.load_profile(path, "work")
    assert profile.domain == "http://127.0.0.1:9229"  # trailing slash dropped
    assert profile.scopes == ("openid", "email")
    assert profile.api_url == "https://api.example.com/v1"
    assert profile.admin_group == "Admins"
    assert profile.logout_uri == "http://127.0.0.1:53682/signed-out"
    assert profile.effective_discovery_url == (
        "http://localhost:9229/pool/.well-known/openid-configuration"
    )


def test_issuer_alone_is_enough(tmp_path: Path) -> None:
    path = write(tmp_path, toml(region=None, user_pool_id=None, issuer=f'"{ISSUER}"'))
    profile = config.load_profile(path, "work")
    assert profile.issuer == ISSUER
    assert profile.user_pool_id is None


def test_load_returns_every_profile(tmp_path: Path) -> None:
    path = write(tmp_path, toml("work") + "\n" + toml("home", client_id='"other"'))
    profiles = config.load(path)
    assert sorted(profiles) == ["home", "work"]
    assert profiles["home"].client_id == "other"


def test_empty_file_has_no_profiles(tmp_path: Path) -> None:
    assert config.load(write(tmp_path, "")) == {}


# -- errors name the key --------------------------------------------------------------


def test_unknown_key(tmp_path: Path) -> None:
    message = config_error(write(tmp_path, toml(client_secret='"s3cret"')))
    assert "profiles.work" in message
    assert "client_secret" in message
    assert "s3cret" not in message


def test_unknown_top_level_key(tmp_path: Path) -> None:
    message = config_error(write(tmp_path, 'default_profile = "work"\n' + toml()))
    assert "default_profile" in message


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("client_id", "5"),
        ("client_id", '""'),
        ("domain", "true"),
        ("region", "[1]"),
        ("api_url", "3.5"),
        ("admin_group", '"   "'),
        ("redirect_uris", '"http://127.0.0.1:53682/callback"'),
        ("redirect_uris", "[]"),
        ("redirect_uris", "[1, 2]"),
        ("scopes", '"openid"'),
        ("scopes", '["openid", ""]'),
    ],
)
def test_wrong_type(tmp_path: Path, key: str, value: str) -> None:
    message = config_error(write(tmp_path, toml(**{key: value})))
    assert f"profiles.work.{key}" in message


@pytest.mark.parametrize("key", ["client_id", "redirect_uris", "domain"])
def test_missing_required_key(tmp_path: Path, key: str) -> None:
    message = config_error(write(tmp_path, toml(**{key: None})))
    assert f"profiles.work.{key}" in message
    assert "required" in message


def test_missing_pool_and_issuer(tmp_path: Path) -> None:
    message = config_error(write(tmp_path, toml(region=None, user_pool_id=None)))
    assert "user_pool_id" in message
    assert "issuer" in message


@pytest.mark.parametrize(
    "uri",
    [
        "http://example.com:53682/callback",  # not loopback
        "http://10.0.0.1:53682/callback",
        "http://127.0.0.1/callback",  # no port
        "http://127.0.0.1:0/callback",  # port 0: the receiver could never be reached on it
        "https://127.0.0.1:53682/callback",  # RFC 8252 loopback redirects are http
        "http://127.0.0.1:notaport/callback",
        "http://127.0.0.1:53682/callback?x=1",
        "http://127.0.0.1:53682/callback#frag",
        "myapp://callback",
    ],
)
def test_bad_redirect_uri(tmp_path: Path, uri: str) -> None:
    path = write(tmp_path, toml(redirect_uris=f'["http://127.0.0.1:53682/callback", "{uri}"]'))
    message = config_error(path)
    assert "profiles.work.redirect_uris" in message
    assert uri in message


@pytest.mark.parametrize("uri", ["http://[::1]:1/cb", "http://127.0.0.2:8080/"])
def test_other_loopback_addresses_are_refused(tmp_path: Path, uri: str) -> None:
    # The receiver binds 127.0.0.1 only, so these redirects could never arrive.
    message = config_error(write(tmp_path, toml(redirect_uris=f'["{uri}"]')))
    assert "profiles.work.redirect_uris" in message


@pytest.mark.parametrize("uri", ["http://localhost:53682/callback", "http://127.0.0.1:8080/"])
def test_loopback_redirect_variants_accepted(tmp_path: Path, uri: str) -> None:
    profile = config.load_profile(write(tmp_path, toml(redirect_uris=f'["{uri}"]')), "work")
    assert profile.redirect_uris == (uri,)


@pytest.mark.parametrize("key", ["domain", "api_url", "logout_uri", "discovery_url"])
@pytest.mark.parametrize(
    "url", ["http://auth.example.com", "ftp://auth.example.com", "auth.example.com", "https://"]
)
def test_non_https_url(tmp_path: Path, key: str, url: str) -> None:
    message = config_error(write(tmp_path, toml(**{key: f'"{url}"'})))
    assert f"profiles.work.{key}" in message
    assert "https" in message


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("domain", '"https://admin:hunter2@auth.example.com"'),
        ("api_url", '"https://admin:hunter2@api.example.com/v1"'),
        ("logout_uri", '"http://admin:hunter2@127.0.0.1:53682/signed-out"'),
        ("discovery_url", '"http://admin:hunter2@localhost:9229/pool"'),
        ("redirect_uris", '["http://admin:hunter2@127.0.0.1:53682/callback"]'),
    ],
)
def test_user_info_in_a_url_is_refused_without_echoing_it(
    tmp_path: Path, key: str, value: str
) -> None:
    message = config_error(write(tmp_path, toml(**{key: value})))
    assert f"profiles.work.{key}" in message
    assert "user name or password" in message
    assert "hunter2" not in message


@pytest.mark.parametrize(
    "pool_id", ["nope", "us-east-1", "us-east-1_", "US-EAST-1_abc", "us-east-1_ab-c", "_abc"]
)
def test_bad_pool_id(tmp_path: Path, pool_id: str) -> None:
    message = config_error(write(tmp_path, toml(region=None, user_pool_id=f'"{pool_id}"')))
    assert "profiles.work.user_pool_id" in message
    assert pool_id in message


def test_issuer_mismatch(tmp_path: Path) -> None:
    other = "https://cognito-idp.eu-west-2.amazonaws.com/eu-west-2_Other"
    message = config_error(write(tmp_path, toml(issuer=f'"{other}"')))
    assert "profiles.work.issuer" in message


def test_region_contradicting_pool_id(tmp_path: Path) -> None:
    """A pool id starts with its region; a different ``region`` yields an issuer that
    can never match a token, so it must be refused, naming the key."""
    message = config_error(write(tmp_path, toml(region='"us-east-1"')))
    assert "profiles.work.region" in message or "profiles.work.user_pool_id" in message


def test_bad_profile_name(tmp_path: Path) -> None:
    path = write(tmp_path, toml('"has space"'))
    with pytest.raises(errors.ConfigError, match="has space"):
        config.load(path)


def test_profiles_not_a_table(tmp_path: Path) -> None:
    with pytest.raises(errors.ConfigError, match="'profiles'"):
        config.load(write(tmp_path, 'profiles = "work"\n'))


def test_profile_not_a_table(tmp_path: Path) -> None:
    with pytest.raises(errors.ConfigError, match=r"profiles\.work"):
        config.load(write(tmp_path, '[profiles]\nwork = "x"\n'))


def test_invalid_toml(tmp_path: Path) -> None:
    path = write(tmp_path, '[profiles.work]\nclient_id = "unterminated\n')
    message = config_error(path)
    assert str(path) in message
    assert "TOML" in message


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b'[profiles.work]\nclient_id = "\xff\xfe"\n')
    message = config_error(path)
    assert str(path) in message


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent" / "config.toml"
    message = config_error(path)
    assert str(path) in message
    assert "not found" in message


def test_missing_profile_lists_known(tmp_path: Path) -> None:
    path = write(tmp_path, toml("work") + "\n" + toml("home"))
    message = config_error(path, "play")
    assert "'play'" in message
    assert "home, work" in message


def test_missing_profile_in_empty_file(tmp_path: Path) -> None:
    message = config_error(write(tmp_path, ""), "default")
    assert "'default'" in message
    assert "none" in message


def test_config_error_is_an_app_error() -> None:
    assert issubclass(errors.ConfigError, errors.CognitoDesktopError)


def test_ca_bundle_and_proxy(tmp_path: Path) -> None:
    bundle = tmp_path / "corp-ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    extra = f'ca_bundle = "{bundle}"\nproxy = "http://proxy.example:3128"\n'
    loaded = config.load_profile(write(tmp_path, toml() + extra), "work")
    assert loaded.ca_bundle == str(bundle)
    assert loaded.proxy == "http://proxy.example:3128"


@pytest.mark.parametrize(
    ("extra", "key"),
    [
        ('ca_bundle = "/nonexistent/ca.pem"\n', "profiles.work.ca_bundle"),
        ('proxy = "socks5://proxy.example:1080"\n', "profiles.work.proxy"),
    ],
)
def test_bad_ca_bundle_or_proxy_names_the_key(tmp_path: Path, extra: str, key: str) -> None:
    assert key in config_error(write(tmp_path, toml() + extra))
