"""desktop_app.config: where the file is, what a valid profile is, and errors that name the key."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import pytest

from desktop_app import config, errors

POOL_ID = "eu-west-2_AbC123xyz"
ISSUER = f"https://cognito-idp.eu-west-2.amazonaws.com/{POOL_ID}"
UPDATED_ISSUER = f"https://issuer-cognito-idp.eu-west-2.amazonaws.com/{POOL_ID}"

# A minimal valid profile, as TOML lines; tests add, drop or replace one key.
BASE = {
    "region": '"eu-west-2"',
    "user_pool_id": f'"{POOL_ID}"',
    "domain": '"https://auth.example.com"',
    "client_id": '"abc123client"',
    "redirect_uris": '["http://127.0.0.1:53682/callback", "http://127.0.0.1:53683/callback"]',
}


def own_uris(name: str) -> str:
    """``redirect_uris`` of profile ``name`` alone (two profiles may not share one)."""
    return f'["http://127.0.0.1:53682/callback/{name}"]'


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
    home = toml("home", client_id='"other"', redirect_uris=own_uris("home"))
    path = write(tmp_path, toml("work") + "\n" + home)
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


@pytest.mark.parametrize(
    "uri",
    ["http://127.0.0.1:53682/callback/work", "http://127.0.0.1:8080/", "http://127.0.0.1:1/x"],
)
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
    path = write(tmp_path, toml("work") + "\n" + toml("home", redirect_uris=own_uris("home")))
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


# -- localhost (RFC 8252 8.3) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("uri", "fixed"),
    [
        ("http://localhost:53682/callback", "http://127.0.0.1:53682/callback"),
        ("http://LocalHost:53683/callback/work", "http://127.0.0.1:53683/callback/work"),
    ],
)
def test_a_localhost_redirect_uri_is_refused_with_the_fix(
    tmp_path: Path, uri: str, fixed: str
) -> None:
    path = write(tmp_path, toml(redirect_uris=f'["http://127.0.0.1:53682/callback", "{uri}"]'))
    assert config_error(path) == (
        f"profiles.work.redirect_uris: {uri!r} uses localhost; use {fixed} (RFC 8252 8.3) "
        "and register that in the app client"
    )


def test_a_localhost_logout_uri_is_refused_with_the_fix(tmp_path: Path) -> None:
    path = write(tmp_path, toml(logout_uri='"http://localhost:53682/signed-out"'))
    assert config_error(path) == (
        "profiles.work.logout_uri: 'http://localhost:53682/signed-out' uses localhost; use "
        "http://127.0.0.1:53682/signed-out (RFC 8252 8.3) and register that in the app client"
    )


def test_a_localhost_uri_with_user_info_is_refused_without_echoing_it(tmp_path: Path) -> None:
    path = write(tmp_path, toml(redirect_uris='["http://me:hunter2@localhost:53682/cb"]'))
    message = config_error(path)
    assert "profiles.work.redirect_uris" in message
    assert "hunter2" not in message


# -- logout_uri: an https page, or a loopback redirect URI ----------------------------


@pytest.mark.parametrize(
    "uri",
    [
        "https://app.example.com/signed-out",
        "https://app.example.com/bye?from=desktop",
        "http://127.0.0.1:53682/signed-out/work",
        "http://127.0.0.1:53682/",
    ],
)
def test_logout_uri_accepted(tmp_path: Path, uri: str) -> None:
    profile = config.load_profile(write(tmp_path, toml(logout_uri=f'"{uri}"')), "work")
    assert profile.logout_uri == uri


@pytest.mark.parametrize(
    "uri",
    [
        "http://127.0.0.1/signed-out",  # no port: Cognito matches sign-out URLs exactly
        "http://127.0.0.1:53682/signed-out?x=1",
        "http://127.0.0.1:53682/signed-out#frag",
        "http://[::1]:53682/signed-out",  # loopback, but not where the app listens
        "http://127.0.0.2:53682/signed-out",
        "http://app.example.com/signed-out",
    ],
)
def test_logout_uri_refused_unless_https_or_the_redirect_shape(tmp_path: Path, uri: str) -> None:
    message = config_error(write(tmp_path, toml(logout_uri=f'"{uri}"')))
    assert message.startswith("profiles.work.logout_uri")
    assert uri in message
    assert "http://127.0.0.1:PORT/PATH" in message


# -- each environment its own redirect and sign-out URIs (RFC 9700 4.4) ----------------


def test_two_profiles_sharing_a_redirect_uri_are_refused(tmp_path: Path) -> None:
    b = toml("b", redirect_uris='["http://127.0.0.1:53690/cb", "http://127.0.0.1:53682/callback"]')
    path = write(tmp_path, toml("a") + "\n" + b)
    with pytest.raises(errors.ConfigError) as caught:
        config.load(path)
    assert str(caught.value) == (
        "profiles.a.redirect_uris and profiles.b.redirect_uris both list "
        "http://127.0.0.1:53682/callback; give each environment its own path, e.g. /callback/a"
    )


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080/"),  # the default path is "/"
        ("http://127.0.0.1:53682/Callback/x", "http://127.0.0.1:53682/Callback/x"),
    ],
)
def test_shared_redirect_uris_are_compared_normalised(tmp_path: Path, a: str, b: str) -> None:
    text = toml("a", redirect_uris=f'["{a}"]') + "\n" + toml("b", redirect_uris=f'["{b}"]')
    with pytest.raises(errors.ConfigError, match=r"profiles\.a\.redirect_uris and profiles\.b"):
        config.load(write(tmp_path, text))


def test_load_profile_refuses_the_file_too(tmp_path: Path) -> None:
    # Even when the profile asked for is not one of the two: the file is wrong.
    text = toml("a") + "\n" + toml("b") + "\n" + toml("c", redirect_uris=own_uris("c"))
    message = config_error(write(tmp_path, text), "c")
    assert "profiles.a.redirect_uris and profiles.b.redirect_uris" in message


def test_one_profile_may_list_a_uri_twice_and_own_paths_load(tmp_path: Path) -> None:
    a = toml("a", redirect_uris='["http://127.0.0.1:53682/callback/a"]')
    b = toml(
        "b",
        redirect_uris='["http://127.0.0.1:53682/callback/b", "http://127.0.0.1:53682/callback/b"]',
    )
    assert sorted(config.load(write(tmp_path, a + "\n" + b))) == ["a", "b"]


@pytest.mark.parametrize(
    ("uri", "fix"),
    [
        (
            "http://127.0.0.1:53682/signed-out",
            "give each environment its own path, e.g. /signed-out/a",
        ),
        ("https://app.example.com/bye", "give each environment its own sign-out URL"),
    ],
)
def test_two_profiles_sharing_a_logout_uri_are_refused(tmp_path: Path, uri: str, fix: str) -> None:
    a = toml("a", redirect_uris=own_uris("a"), logout_uri=f'"{uri}"')
    b = toml(
        "b",
        redirect_uris=own_uris("b"),
        logout_uri=f'"{uri.replace("app.example", "APP.Example")}"',  # host case: the same
    )
    with pytest.raises(errors.ConfigError) as caught:
        config.load(write(tmp_path, a + "\n" + b))
    assert str(caught.value).startswith("profiles.a.logout_uri and profiles.b.logout_uri both use ")
    assert str(caught.value).endswith(fix)


def test_check_distinct_endpoints_can_look_at_some_profiles_only(tmp_path: Path) -> None:
    text = toml("a") + "\n" + toml("b") + "\n" + toml("c", redirect_uris=own_uris("c"))

    tables = tomllib.loads(text)["profiles"]
    parsed = {name: config.parse_profile(name, table) for name, table in tables.items()}
    config.check_distinct_endpoints(parsed, involving={"c"})  # a and b clash, not with c
    with pytest.raises(errors.ConfigError, match=r"profiles\.a\.redirect_uris"):
        config.check_distinct_endpoints(parsed, involving={"b"})


# -- sign_out_in_browser --------------------------------------------------------------


def test_sign_out_in_browser_defaults_to_true(tmp_path: Path) -> None:
    assert config.load_profile(write(tmp_path, toml()), "work").sign_out_in_browser is True


@pytest.mark.parametrize(("value", "expected"), [("false", False), ("true", True)])
def test_sign_out_in_browser(tmp_path: Path, value: str, expected: bool) -> None:
    path = write(tmp_path, toml(sign_out_in_browser=value))
    assert config.load_profile(path, "work").sign_out_in_browser is expected


@pytest.mark.parametrize("value", ['"false"', '"no"', "0", "1", "[]"])
def test_sign_out_in_browser_must_be_a_toml_boolean(tmp_path: Path, value: str) -> None:
    message = config_error(write(tmp_path, toml(sign_out_in_browser=value)))
    assert message == "profiles.work.sign_out_in_browser must be true or false"


# -- self_sign_up and password_reset ---------------------------------------------------


def test_what_managed_login_offers_defaults_to_cognitos_defaults(tmp_path: Path) -> None:
    profile = config.load_profile(write(tmp_path, toml()), "work")
    # Self-registration is off unless the pool allows it; "Forgot your password?" shows
    # unless recovery is admin-only.
    assert profile.self_sign_up is False
    assert profile.password_reset is True


@pytest.mark.parametrize(("sign_up", "reset"), [("true", "false"), ("false", "true")])
def test_what_managed_login_offers(tmp_path: Path, sign_up: str, reset: str) -> None:
    path = write(tmp_path, toml(self_sign_up=sign_up, password_reset=reset))
    profile = config.load_profile(path, "work")
    assert profile.self_sign_up is (sign_up == "true")
    assert profile.password_reset is (reset == "true")


@pytest.mark.parametrize("key", ["self_sign_up", "password_reset"])
def test_what_managed_login_offers_must_be_a_toml_boolean(tmp_path: Path, key: str) -> None:
    message = config_error(write(tmp_path, toml(**{key: '"yes"'})))
    assert message == f"profiles.work.{key} must be true or false"


# -- issuer_format ---------------------------------------------------------------------


def test_issuer_format_defaults_to_classic(tmp_path: Path) -> None:
    profile = config.load_profile(write(tmp_path, toml()), "work")
    assert profile.issuer_format == "classic"
    assert profile.issuer == ISSUER


def test_updated_issuer_format_derives_the_updated_issuer(tmp_path: Path) -> None:
    profile = config.load_profile(write(tmp_path, toml(issuer_format='"updated"')), "work")
    assert profile.issuer_format == "updated"
    assert profile.issuer == UPDATED_ISSUER
    assert profile.effective_discovery_url == (f"{UPDATED_ISSUER}/.well-known/openid-configuration")


@pytest.mark.parametrize("issuer_format", ['"updated"', None])
def test_an_updated_issuer_with_its_pool_is_accepted(
    tmp_path: Path, issuer_format: str | None
) -> None:
    # Without issuer_format, the format is that of the explicit issuer.
    path = write(tmp_path, toml(issuer=f'"{UPDATED_ISSUER}"', issuer_format=issuer_format))
    profile = config.load_profile(path, "work")
    assert profile.issuer == UPDATED_ISSUER
    assert profile.issuer_format == "updated"


def test_an_updated_issuer_alone_is_enough(tmp_path: Path) -> None:
    path = write(tmp_path, toml(region=None, user_pool_id=None, issuer=f'"{UPDATED_ISSUER}"'))
    profile = config.load_profile(path, "work")
    assert (profile.issuer, profile.issuer_format) == (UPDATED_ISSUER, "updated")


@pytest.mark.parametrize(
    ("issuer", "issuer_format"),
    [(UPDATED_ISSUER, '"classic"'), (ISSUER, '"updated"')],
)
def test_an_issuer_contradicting_issuer_format_is_refused(
    tmp_path: Path, issuer: str, issuer_format: str
) -> None:
    message = config_error(write(tmp_path, toml(issuer=f'"{issuer}"', issuer_format=issuer_format)))
    assert message.startswith("profiles.work.issuer ")
    assert "issuer_format" in message


def test_issuer_format_with_a_non_cognito_issuer_is_refused(tmp_path: Path) -> None:
    text = toml(
        region=None,
        user_pool_id=None,
        issuer='"https://idp.example.com/pool"',
        issuer_format='"updated"',
    )
    message = config_error(write(tmp_path, text))
    assert "profiles.work.issuer" in message
    assert "issuer_format" in message


def test_the_mismatch_message_names_the_derived_issuer(tmp_path: Path) -> None:
    other = "https://issuer-cognito-idp.eu-west-2.amazonaws.com/eu-west-2_Other"
    message = config_error(write(tmp_path, toml(issuer=f'"{other}"')))
    assert message.startswith("profiles.work.issuer does not match region and user_pool_id")
    assert "updated" in message


@pytest.mark.parametrize("value", ['"Updated"', '"original"', '""', "true"])
def test_bad_issuer_format_names_the_key(tmp_path: Path, value: str) -> None:
    assert "profiles.work.issuer_format" in config_error(write(tmp_path, toml(issuer_format=value)))


@pytest.mark.parametrize(
    ("issuer", "issuer_format"),
    [
        (ISSUER, "classic"),
        (UPDATED_ISSUER, "updated"),
        ("https://cognito-idp.eu-west-2.amazonaws.com", None),
        ("https://issuer-cognito-idp.eu-west-2.amazonaws.com.evil.example/eu-west-2_a", None),
        ("https://idp.example.com/eu-west-2_AbC", None),
    ],
)
def test_issuer_format_of(issuer: str, issuer_format: str | None) -> None:
    assert config.issuer_format_of(issuer) == issuer_format


def test_cognito_issuer() -> None:
    assert config.cognito_issuer("eu-west-2", POOL_ID) == ISSUER
    assert config.cognito_issuer("eu-west-2", POOL_ID, "updated") == UPDATED_ISSUER


# -- password sign-in (issue 19) --------------------------------------------------------------


def test_password_sign_in_is_off_by_default(tmp_path: Path) -> None:
    profile = config.load_profile(write(tmp_path, toml()), "work")
    assert profile.password_sign_in is False and profile.password_sign_in_client_id is None


def test_password_sign_in_with_its_client_and_the_api(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        toml(
            password_sign_in="true",
            password_sign_in_client_id='" automation123 "',
            api_url='"https://api.example.com"',
        ),
    )
    profile = config.load_profile(path, "work")
    assert profile.password_sign_in is True
    assert profile.password_sign_in_client_id == "automation123"


@pytest.mark.parametrize(
    ("keys", "says"),
    [
        (
            {"password_sign_in": "true", "api_url": '"https://api.example.com"'},
            "profiles.work.password_sign_in_client_id is required when password_sign_in is true",
        ),
        (
            {"password_sign_in": "true", "password_sign_in_client_id": '"automation"'},
            "profiles.work.api_url is required when password_sign_in is true",
        ),
        ({"password_sign_in": '"true"'}, "profiles.work.password_sign_in must be true or false"),
        (
            {"password_sign_in_client_id": '""'},
            "profiles.work.password_sign_in_client_id must be a non-empty string",
        ),
        (
            {"password_sign_in_client_id": "5"},
            "profiles.work.password_sign_in_client_id must be a non-empty string",
        ),
    ],
)
def test_password_sign_in_mistakes_name_the_key(
    tmp_path: Path, keys: dict[str, str], says: str
) -> None:
    assert config_error(write(tmp_path, toml(**keys))) == says


# -- a profile read again after the file changed on disk --------------------------------


def reread(tmp_path: Path, **keys: str | None) -> tuple[config.Profile, config.Profile]:
    """The profile as first read, and as read after ``keys`` were changed on disk."""
    path = write(tmp_path, toml())
    before = config.load_profile(path, "work")
    path.write_text(toml(**keys), encoding="utf-8")
    return before, config.load_profile(path, "work")


def test_a_profile_read_twice_unchanged_has_no_changed_fields(tmp_path: Path) -> None:
    before, after = reread(tmp_path)
    assert config.changed_fields(before, after) == ()
    assert not config.ends_session(())


@pytest.mark.parametrize(
    ("keys", "fields", "ends"),
    [
        ({"client_id": '"newclient"'}, ("client_id",), True),
        (
            {"user_pool_id": '"eu-west-2_Other1"'},
            ("issuer", "user_pool_id"),
            True,
        ),
        ({"api_url": '"https://api.example.com"'}, ("api_url",), False),
        ({"admin_group": '"Ops"', "self_sign_up": "true"}, ("admin_group", "self_sign_up"), False),
    ],
    ids=["client", "pool", "api_url", "harmless"],
)
def test_changed_fields_name_what_changed_and_whether_the_session_ends(
    tmp_path: Path, keys: dict[str, str], fields: tuple[str, ...], ends: bool
) -> None:
    before, after = reread(tmp_path, **keys)
    assert config.changed_fields(before, after) == fields
    assert config.ends_session(fields) is ends


def test_parse_reads_the_same_bytes_load_reads(tmp_path: Path) -> None:
    path = write(tmp_path, toml())
    assert config.parse(path.read_bytes(), path) == config.load(path)
    with pytest.raises(errors.ConfigError, match="not valid TOML"):
        config.parse(b"[profiles.work", path)
    with pytest.raises(errors.ConfigError, match="cannot read config file"):
        config.parse(b"\xff\xfe", path)
    with pytest.raises(errors.ConfigError, match="no profile 'other'"):
        config.pick(config.load(path), path, "other")
