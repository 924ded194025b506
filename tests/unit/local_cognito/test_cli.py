"""local_cognito.cli: ``cognito-local up``'s flags, its refusals, and what it prints.

Only what returns: a running ``up`` waits for a signal, so the whole command runs as a
process in tests/integration/test_cli.py.
"""

from __future__ import annotations

import argparse
import socket
from collections.abc import Mapping
from typing import Any

import pytest

from local_cognito import cli, lambda_triggers, seed, server, settings
from protected_api import settings as api_settings


def up_args(*argv: str) -> argparse.Namespace:
    return cli.build_parser().parse_args(["up", *argv])


def test_up_defaults_to_the_documented_ports_and_a_profile() -> None:
    args = up_args()
    assert (args.host, args.port, args.api_port) == ("127.0.0.1", settings.DEFAULT_PORT, None)
    assert cli.DEFAULT_API_PORT == settings.DEFAULT_PORT + 1
    assert (args.users, args.json, args.no_api, args.no_profile) == (0, False, False, False)
    assert args.rotate_refresh_tokens is False
    assert args.require_pkce is False  # Cognito's default: PKCE optional
    assert (args.profile, args.issuer_format) == ("local", "classic")


def test_require_pkce_makes_the_pool_strict(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[settings.PoolSettings] = []

    def stop_at_the_pool(**kwargs: Any) -> server.LocalCognito:
        made.append(kwargs["config"])
        raise ValueError("enough")

    monkeypatch.setattr(server, "LocalCognito", stop_at_the_pool)
    assert cli.up(up_args("--require-pkce", "--no-profile")) == 1
    assert cli.up(up_args("--no-profile")) == 1
    assert [config.require_pkce for config in made] == [True, False]


def test_up_takes_a_profile_name_and_an_issuer_format() -> None:
    args = up_args("--profile", "demo-2", "--issuer-format", "updated")
    assert (args.profile, args.issuer_format) == ("demo-2", "updated")


UP = "cognito-local up: argument"  # argparse names the subcommand whose flag was wrong
BAD_FLAGS = {
    "port-range": (["--port", "70000"], f"{UP} --port: port must be 0..65535, not 70000"),
    "port-text": (["--port", "http"], f"{UP} --port: port must be a number, not 'http'"),
    "api-port": (["--api-port", "-1"], f"{UP} --api-port: port must be 0..65535, not -1"),
    "users-text": (["--users", "many"], f"{UP} --users: must be a number, not 'many'"),
    "users-range": (["--users", "1000001"], f"{UP} --users: must be 0..1000000, not 1000001"),
    "unknown": (["--colour"], "cognito-local: unrecognized arguments: --colour"),
    "profile": (
        ["--profile", "a b"],
        f"{UP} --profile: profile name 'a b' must be 1-64 letters, digits, - or _",
    ),
}


BAD_FLAGS["domains"] = (
    ["--allowed-email-domains", "example.com,not a domain"],
    f"{UP} --allowed-email-domains: ALLOWED_EMAIL_DOMAINS must hold lowercase DNS names "
    "such as example.com (international names in their xn-- form), separated by commas",
)


@pytest.mark.parametrize(("argv", "message"), BAD_FLAGS.values(), ids=BAD_FLAGS.keys())
def test_a_bad_flag_is_one_line_and_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        up_args(*argv)
    assert exited.value.code == 2
    assert capsys.readouterr().err == f"{message} (see --help)\n"


def test_a_command_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args([])
    assert capsys.readouterr().err.startswith("cognito-local: ")


def test_up_refuses_a_non_loopback_host(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.up(up_args("--host", "0.0.0.0")) == 1  # noqa: S104 - refused on purpose
    assert capsys.readouterr().err == (
        "cognito-local: refusing to serve on '0.0.0.0': the stand-in binds loopback only\n"
    )


def test_up_on_a_taken_port_says_how_to_pick_another(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        assert cli.up(up_args("--port", str(port), "--no-profile")) == 1
    assert capsys.readouterr().err == (
        f"cognito-local: port {port} on 127.0.0.1 is in use; "
        "pass --port N, or --port 0 for a free one\n"
    )


def human_info(**changes: Any) -> dict[str, Any]:
    info: dict[str, Any] = {
        "managed_login_url": "http://127.0.0.1:9229",
        "cognito_idp_endpoint": "http://127.0.0.1:9229",
        "issuer": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEfGhI",
        "discovery_url": "http://127.0.0.1:9229/us-east-1_AbCdEfGhI/.well-known/openid-configuration",
        "region": "us-east-1",
        "user_pool_id": "us-east-1_AbCdEfGhI",
        "client_id": "client123",
        "api_url": "http://127.0.0.1:9230",
        "outbox_url": "http://127.0.0.1:9229/outbox",
        "demo_users": [u.as_json() for u in seed.DEMO_USERS],
        "profile": {"name": "local", "config_path": "/home/me/.config/cognito-desktop/config.toml"},
    }
    return {**info, **changes}


def test_the_banner_lists_endpoints_users_and_the_profile() -> None:
    text = cli._human(human_info())
    lines = text.splitlines()
    assert lines[0] == "cognito-local is running (offline Amazon Cognito user pool)"
    assert "  protected API     http://127.0.0.1:9230" in lines
    assert "    admin    Admin-Passw0rd!    [Admin]  administrator" in lines
    assert "    alice    Alice-Passw0rd!     plain user" in lines
    assert any(
        line.startswith("    dora ") and line.endswith("sign-in is refused") for line in lines
    )
    assert (
        "  desktop profile   'local' written to /home/me/.config/cognito-desktop/config.toml"
        in lines
    )
    assert lines[-1] == "Press Ctrl-C to stop."


def test_the_banner_without_api_or_profile() -> None:
    text = cli._human(human_info(api_url=None, profile=None))
    assert "  protected API     (not started)" in text.splitlines()
    assert "desktop profile" not in text


# -- the protected API next to an updated-issuer pool -----------------------------------


def test_the_api_is_given_the_pools_issuer(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, str] = {}
    real = api_settings.Settings.from_env

    def recording(environ: Mapping[str, str]) -> api_settings.Settings:
        seen.update(environ)
        return real(environ)

    monkeypatch.setattr(api_settings.Settings, "from_env", staticmethod(recording))
    with server.LocalCognito(port=0, demo_users=False) as stand_in:
        api = cli._start_api(stand_in, "127.0.0.1", 0)
        api.stop()
        assert seen["COGNITO_ISSUER"] == stand_in.info()["issuer"]


def test_an_updated_issuer_pool_gets_an_api_that_checks_that_issuer_or_a_clear_refusal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # protected_api may refuse the updated format (issue 17); either way, never an API
    # that checks another issuer than the tokens carry.
    made: list[api_settings.Settings] = []
    real = api_settings.Settings.from_env

    def recording(environ: Mapping[str, str]) -> api_settings.Settings:
        made.append(real(environ))
        return made[-1]

    monkeypatch.setattr(api_settings.Settings, "from_env", staticmethod(recording))
    config = settings.PoolSettings(issuer_format="updated")
    refusal = ""
    with server.LocalCognito(port=0, config=config, demo_users=False) as stand_in:
        try:
            cli._start_api(stand_in, "127.0.0.1", 0).stop()
        except api_settings.SettingsError as exc:
            refusal = str(exc)
        issuer = stand_in.info()["issuer"]
    assert issuer.startswith("https://issuer-cognito-idp.")
    if refusal:
        assert "COGNITO_ISSUER" in refusal
    else:
        assert made[-1].issuer == issuer


def test_a_bad_issuer_format_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        up_args("--issuer-format", "original")
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{UP} --issuer-format: invalid choice: 'original'")
    assert err.count("\n") == 1


def test_up_reports_an_api_that_refuses_the_pool_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def refuse(*_: Any) -> None:
        raise api_settings.SettingsError("COGNITO_ISSUER does not match COGNITO_USER_POOL_ID")

    monkeypatch.setattr(cli, "_start_api", refuse)
    argv = ("--port", "0", "--issuer-format", "updated", "--no-profile")
    assert cli.up(up_args(*argv)) == 1
    assert capsys.readouterr().err == (
        "cognito-local: the protected API does not accept this pool (COGNITO_ISSUER does "
        "not match COGNITO_USER_POOL_ID); pass --no-api to run the pool without it\n"
    )


# -- the automation client and the API's password sign-in ------------------------------------


def test_no_automation_client_leaves_it_out(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[settings.PoolSettings] = []

    def stop_at_the_pool(**kwargs: Any) -> server.LocalCognito:
        made.append(kwargs["config"])
        raise ValueError("enough")

    monkeypatch.setattr(server, "LocalCognito", stop_at_the_pool)
    assert cli.up(up_args("--no-automation-client", "--no-profile")) == 1
    assert cli.up(up_args("--no-profile")) == 1
    assert [config.automation_client for config in made] == [False, True]


def test_the_banner_names_the_automation_client() -> None:
    lines = cli._human(human_info(automation_client_id="auto123")).splitlines()
    assert "  app client        client123   (desktop app: managed login)" in lines
    assert (
        "  automation client auto123   (password sign-in: POST /auth/sign-in on the API)" in lines
    )
    without_api = cli._human(human_info(automation_client_id="auto123", api_url=None))
    assert "  automation client auto123   (password sign-in: AdminInitiateAuth)" in (
        without_api.splitlines()
    )
    assert "automation client" not in cli._human(human_info(automation_client_id=None))


def api_environment(
    monkeypatch: pytest.MonkeyPatch, config: settings.PoolSettings
) -> tuple[dict[str, str], dict[str, Any]]:
    """The environment ``_start_api`` configures the API from, and the pool's info."""
    seen: dict[str, str] = {}
    real = api_settings.Settings.from_env

    def recording(environ: Mapping[str, str]) -> api_settings.Settings:
        seen.update(environ)
        return real(environ)

    monkeypatch.setattr(api_settings.Settings, "from_env", staticmethod(recording))
    with server.LocalCognito(port=0, config=config, demo_users=False) as stand_in:
        cli._start_api(stand_in, "127.0.0.1", 0).stop()
        return seen, stand_in.info()


def test_the_api_signs_people_in_on_the_automation_client(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen, info = api_environment(monkeypatch, settings.PoolSettings())
    assert info["automation_client_id"]
    assert seen["PASSWORD_SIGN_IN_CLIENT_ID"] == info["automation_client_id"]
    assert seen["COGNITO_CLIENT_IDS"] == f"{info['client_id']},{info['automation_client_id']}"


def test_without_the_automation_client_the_api_has_no_password_sign_in(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen, info = api_environment(monkeypatch, settings.PoolSettings(automation_client=False))
    assert info["automation_client_id"] is None
    assert "PASSWORD_SIGN_IN_CLIENT_ID" not in seen
    assert seen["COGNITO_CLIENT_IDS"] == info["client_id"]


# -- the Lambda triggers ------------------------------------------------------------------


def test_triggers_are_off_unless_asked_for_and_then_all_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made: list[settings.PoolSettings] = []

    def stop_at_the_pool(**kwargs: Any) -> server.LocalCognito:
        made.append(kwargs["config"])
        raise ValueError("enough")

    monkeypatch.setattr(server, "LocalCognito", stop_at_the_pool)
    assert cli.up(up_args("--no-profile")) == 1
    argv = ("--triggers", "--allowed-email-domains", "Example.com, example.org", "--no-profile")
    assert cli.up(up_args(*argv, "--default-group", "Staff")) == 1
    off, on = made
    assert off.triggers == ()
    assert (
        set(on.triggers)
        == set(lambda_triggers.NAMES)
        == {
            "PreSignUp",
            "PostConfirmation",
            "PreTokenGeneration",
            "PostAuthentication",
            "CustomMessage",
        }
    )
    assert on.allowed_email_domains == ("example.com", "example.org")
    assert on.default_group == "Staff"


def test_the_admin_group_is_never_the_default_group(capsys: pytest.CaptureFixture[str]) -> None:
    args = up_args("--triggers", "--default-group", settings.ADMIN_GROUP, "--no-profile")
    assert cli.up(args) == 1
    assert "DEFAULT_GROUP must not be the ADMIN_GROUP" in capsys.readouterr().err


def test_the_banner_says_what_the_triggers_do() -> None:
    off = cli._human(human_info())
    assert "  Lambda triggers   off (--triggers runs them)" in off.splitlines()
    on = cli._human(
        human_info(
            triggers=["PreSignUp"], allowed_email_domains=["example.com"], default_group="Users"
        )
    )
    assert (
        "  Lambda triggers   on; sign-up open to example.com; new users join Users"
        in on.splitlines()
    )
