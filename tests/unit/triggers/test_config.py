"""triggers.config: every variable's default, good values, and bad ones refused by name."""

from __future__ import annotations

import dataclasses

import pytest

from triggers.config import Config, ConfigError


def test_defaults_when_nothing_is_set() -> None:
    assert Config.from_env({}) == Config(
        allowed_email_domains=(),
        default_group="",
        admin_group="Admin",
        app_name="Cognito Desktop",
        managed_login_url="",
        app_client_name="cognito-desktop",
        default_plan="free",
    )


def test_every_variable_read() -> None:
    config = Config.from_env(
        {
            "ALLOWED_EMAIL_DOMAINS": " Example.com, sub.example.org ,example.com",
            "DEFAULT_GROUP": "Users",
            "ADMIN_GROUP": "Operators",
            "APP_NAME": "Acme Desk",
            "MANAGED_LOGIN_URL": "https://auth.example.com/",
            "APP_CLIENT_NAME": "acme desktop",
            "DEFAULT_PLAN": "trial-1",
        }
    )
    assert config == Config(
        # Lowercased, trimmed, without repeats, in the order given.
        allowed_email_domains=("example.com", "sub.example.org"),
        default_group="Users",
        admin_group="Operators",
        app_name="Acme Desk",
        # One trailing slash forgiven.
        managed_login_url="https://auth.example.com",
        app_client_name="acme desktop",
        default_plan="trial-1",
    )


@pytest.mark.parametrize("value", ["", "  ", "xn--bcher-kva.example", "localhost", "a-b.co"])
def test_allowed_domains_good(value: str) -> None:
    Config.from_env({"ALLOWED_EMAIL_DOMAINS": value})


@pytest.mark.parametrize(
    "value",
    [
        "example..com",
        "-example.com",
        "example-.com",
        "*.example.com",
        "@example.com",
        "exa mple.com",
        "https://example.com",
        "example.com.",
        "1.2.3.4",
        "bücher.example",
        "example.com,,example.org",
        "example.com,",
        "a" * 64 + ".com",
    ],
)
def test_allowed_domains_bad(value: str) -> None:
    with pytest.raises(ConfigError, match="ALLOWED_EMAIL_DOMAINS"):
        Config.from_env({"ALLOWED_EMAIL_DOMAINS": value})


def test_domains_given_directly_must_be_lowercase() -> None:
    with pytest.raises(ConfigError, match="ALLOWED_EMAIL_DOMAINS"):
        Config(allowed_email_domains=("Example.com",))


@pytest.mark.parametrize("value", ["Users", "beta.testers", "team+1@acme", "  "])
def test_default_group_good(value: str) -> None:
    assert Config.from_env({"DEFAULT_GROUP": value}).default_group == value.strip()


@pytest.mark.parametrize("value", ["two words", "a/b", "x" * 129, "Us\ners"])
def test_default_group_bad(value: str) -> None:
    with pytest.raises(ConfigError, match="DEFAULT_GROUP"):
        Config.from_env({"DEFAULT_GROUP": value})


@pytest.mark.parametrize(
    ("default", "admin"),
    [("Admin", None), ("Admin", "Admin"), ("admin", None), ("Operators", "operators")],
)
def test_default_group_may_never_be_the_admin_group(default: str, admin: str | None) -> None:
    env = {"DEFAULT_GROUP": default} | ({} if admin is None else {"ADMIN_GROUP": admin})
    with pytest.raises(ConfigError, match="DEFAULT_GROUP must not be the ADMIN_GROUP"):
        Config.from_env(env)


def test_default_group_refused_however_the_config_is_built() -> None:
    with pytest.raises(ConfigError, match="DEFAULT_GROUP"):
        dataclasses.replace(Config(), default_group="Admin")
    with pytest.raises(ConfigError, match="DEFAULT_GROUP"):
        Config(default_group="Users\n")


@pytest.mark.parametrize("value", ["", " ", "two words", "a" * 129])
def test_admin_group_bad(value: str) -> None:
    with pytest.raises(ConfigError, match="ADMIN_GROUP"):
        Config.from_env({"ADMIN_GROUP": value})


@pytest.mark.parametrize("value", ["Acme", "Ünïcode & <Co>", "a" * 64])
def test_app_name_good(value: str) -> None:
    assert Config.from_env({"APP_NAME": value}).app_name == value


@pytest.mark.parametrize("value", ["", "   ", "a" * 65, "Acme\r\nBcc: x@evil.org", "tab\there"])
def test_app_name_bad(value: str) -> None:
    with pytest.raises(ConfigError, match="APP_NAME"):
        Config.from_env({"APP_NAME": value})


@pytest.mark.parametrize(
    "value",
    [
        "",
        "https://auth.example.com",
        "https://myprefix.auth.us-east-1.amazoncognito.com",
        "https://auth.example.com:8443/tenant/a",
        "http://127.0.0.1:9229",
        "http://localhost:9229",
        "http://[::1]:9229",
    ],
)
def test_managed_login_url_good(value: str) -> None:
    assert Config.from_env({"MANAGED_LOGIN_URL": value}).managed_login_url == value


@pytest.mark.parametrize(
    "value",
    [
        "http://auth.example.com",  # plain HTTP off the loopback interface
        "http://10.0.0.5:9229",
        "http://127.0.0.1",  # the stand-in always has a port
        "ftp://auth.example.com",
        "auth.example.com",
        "https://",
        "https://user:pw@auth.example.com",
        "https://auth.example.com@evil.org",
        "https://auth.example.com/?next=x",
        "https://auth.example.com/#x",
        "https://auth.example.com:99999",
        "https://auth.example.com:port",
        "https://1.2.3.4",
        "https://auth.example.com/a b",
        "https://auth.example.com\\@evil.org",
        "https://auth.example.com//",
        "javascript:alert(1)",
    ],
)
def test_managed_login_url_bad(value: str) -> None:
    with pytest.raises(ConfigError, match="MANAGED_LOGIN_URL"):
        Config.from_env({"MANAGED_LOGIN_URL": value})


@pytest.mark.parametrize("value", ["cognito-desktop", "Acme Desktop", "a.b@c=d+e,f_g"])
def test_app_client_name_good(value: str) -> None:
    assert Config.from_env({"APP_CLIENT_NAME": value}).app_client_name == value


@pytest.mark.parametrize("value", ["", "a/b", "x" * 129, "<script>"])
def test_app_client_name_bad(value: str) -> None:
    with pytest.raises(ConfigError, match="APP_CLIENT_NAME"):
        Config.from_env({"APP_CLIENT_NAME": value})


@pytest.mark.parametrize("value", ["free", "pro", "0", "team_2-x", "a" * 32])
def test_default_plan_good(value: str) -> None:
    assert Config.from_env({"DEFAULT_PLAN": value}).default_plan == value


@pytest.mark.parametrize("value", ["", "Free", "-pro", "_x", "a" * 33, "pro plan", "pro\n"])
def test_default_plan_bad(value: str) -> None:
    # "pro\n" reaches Config untrimmed when built directly; from the environment it is
    # trimmed, so check both doors.
    with pytest.raises(ConfigError, match="DEFAULT_PLAN"):
        Config(default_plan=value)
    if value.strip() != "pro":
        with pytest.raises(ConfigError, match="DEFAULT_PLAN"):
            Config.from_env({"DEFAULT_PLAN": value})


def test_config_error_is_a_value_error() -> None:
    assert issubclass(ConfigError, ValueError)
