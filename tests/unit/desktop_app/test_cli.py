"""desktop_app.cli: ``--version``, how ``self-test`` is dispatched, login's entry points
and ``mfa`` (in-process)."""

from __future__ import annotations

import io
import json
import shlex
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import desktop_app
from desktop_app import cli, config, config_writer, diagnostics, errors, logs, selftest
from desktop_app.auth import mfa
from desktop_app.auth.identity import Identity
from tests.support import app_logging


@pytest.fixture(autouse=True)
def _logs_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """cli.main sets up logging: into tmp, and taken down after each test."""
    monkeypatch.setenv(logs.LOG_DIR_ENV, str(tmp_path / "logs"))
    with app_logging.taken_down():
        yield


def test_version_prints_version_and_commit(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["--version"])
    assert exited.value.code == 0
    version, commit = diagnostics.version_info()
    assert capsys.readouterr().out == f"cognito-desktop {version} (commit {commit or 'unknown'})\n"


def test_version_shows_what_a_packaged_build_bakes_in(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(desktop_app, "__version__", "2.3.4", raising=False)
    monkeypatch.setattr(desktop_app, "__commit__", "feedfacecafe", raising=False)
    with pytest.raises(SystemExit):
        cli.main(["--version", "status"])  # wins over any subcommand
    assert capsys.readouterr().out == "cognito-desktop 2.3.4 (commit feedfacecafe)\n"


def test_self_test_prints_a_checklist_even_without_a_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selftest, "check_qt", lambda: selftest.Check("qt", "ok", "fake"))
    code = cli.main(["--config", str(tmp_path / "none.toml"), "self-test"])
    out = capsys.readouterr()
    assert code == 1
    lines = out.out.splitlines()
    assert lines[0].startswith("cognito-desktop ") and ", from source, " in lines[0]
    assert lines[1].startswith("FAIL config     no config file at ")
    assert lines[-1].startswith("self-test FAILED: config")
    assert "cognito-desktop: " not in out.err  # a checklist line, not the one-line error


def test_the_hidden_qt_probe_flag_prints_the_probe(
    qapp: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert selftest.QT_PROBE_FLAG == "--qt-probe"
    assert cli.main(["self-test", selftest.QT_PROBE_FLAG]) == 0
    probe = json.loads(capsys.readouterr().out)
    assert probe["ink"] > 0 and probe["platform"] == "offscreen"
    assert "--qt-probe" not in cli.build_parser().format_help()


# -- login's entry points and mfa (the MFA client is a double; test_mfa.py runs the real one)


@pytest.mark.parametrize(
    "argv",
    [
        ["login", "--sign-up", "--forgot-password"],
        ["mfa"],
        ["mfa", "enrol"],
    ],
    ids=["two entry points", "mfa without a command", "unknown mfa command"],
)
def test_refused_arguments_exit_2_with_one_line(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(argv)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and err.startswith("cognito-desktop")


SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


class FakeMfa:
    def __init__(self, refusals: list[BaseException] | None = None) -> None:
        self.refusals = refusals or []
        self.codes: list[str] = []
        self.turned_off = False

    def status(self) -> mfa.Status:
        return mfa.Status("alice", (mfa.TOTP,), mfa.TOTP)

    def begin(self) -> mfa.Enrolment:
        return mfa.Enrolment("alice", "Cognito Desktop (work)", SECRET)

    def confirm(self, code: str) -> None:
        self.codes.append(code)
        if self.refusals:
            raise self.refusals.pop(0)

    def turn_off(self) -> None:
        self.turned_off = True


@pytest.fixture
def signed_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A profile ``work`` whose session is a double; the argv prefix to use it."""
    path = tmp_path / "config.toml"
    config_writer.save(
        path,
        {
            "work": {
                "user_pool_id": "eu-west-1_Unit",
                "client_id": "c",
                "domain": "https://auth.example.com",
                "redirect_uris": ["http://127.0.0.1:53682/callback/work"],
            }
        },
    )
    current = types.SimpleNamespace(identity=Identity("alice", "sub-1"))
    monkeypatch.setattr(cli, "_signed_in", lambda profile: current)
    return ["--config", str(path), "--profile", "work"]


def run_mfa(
    signed_in: list[str],
    fake: FakeMfa,
    monkeypatch: pytest.MonkeyPatch,
    *argv: str,
    stdin: str = "",
) -> int:
    monkeypatch.setattr(mfa, "Mfa", lambda current: fake)
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return cli.main([*signed_in, "mfa", *argv])


def test_mfa_enable_prints_the_key_uri_and_qr_then_verifies_the_code(
    signed_in: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = FakeMfa([mfa.WrongCodeError("That is not the code your authenticator app shows now.")])
    assert run_mfa(signed_in, fake, monkeypatch, "enable", stdin="111111\n222 222\n") == 0
    assert fake.codes == ["111111\n", "222 222\n"]  # the first was refused: asked again
    out, err = capsys.readouterr()
    assert "Key: JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP" in out
    assert (
        f"URI: {mfa.otpauth_uri(SECRET, account='alice', issuer='Cognito Desktop (work)')}" in out
    )
    assert "\u2588" in out  # the QR code, in block characters
    assert "cognito-desktop: That is not the code" in err
    assert err.rstrip().endswith("authenticator app.")  # "Two-step verification is on: ..."
    assert SECRET not in err  # the secret goes to stdout only, grouped


def test_mfa_enable_gives_up_after_three_wrong_codes(
    signed_in: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = FakeMfa([mfa.WrongCodeError("Wrong.") for _ in range(3)])
    code = run_mfa(signed_in, fake, monkeypatch, "enable", stdin="1\n2\n3\n4\n")
    assert code == 1 and len(fake.codes) == cli.MFA_CODE_ATTEMPTS
    assert capsys.readouterr().err.endswith("cognito-desktop: Wrong.\n")  # after the prompt


def test_mfa_enable_without_a_code_changes_nothing(
    signed_in: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = FakeMfa()
    assert run_mfa(signed_in, fake, monkeypatch, "enable", stdin="") == 1
    assert fake.codes == []
    assert capsys.readouterr().err.splitlines()[-1].endswith("No code was entered; nothing changed")


def test_mfa_status(
    signed_in: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_mfa(signed_in, FakeMfa(), monkeypatch, "status") == 0
    assert capsys.readouterr().out == (
        "Two-step verification with an authenticator app is on for alice.\n"
    )


@pytest.mark.parametrize(
    ("argv", "stdin", "turned_off", "exit_code"),
    [
        (["disable"], "y\n", True, 0),
        (["disable"], "n\n", False, 1),
        (["disable"], "", False, 1),
        (["disable", "--yes"], "", True, 0),
    ],
    ids=["yes", "no", "no answer", "--yes"],
)
def test_mfa_disable_asks_unless_yes(
    signed_in: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    stdin: str,
    turned_off: bool,
    exit_code: int,
) -> None:
    fake = FakeMfa()
    assert run_mfa(signed_in, fake, monkeypatch, *argv, stdin=stdin) == exit_code
    assert fake.turned_off is turned_off
    err = capsys.readouterr().err
    assert ("Turn off two-step verification for alice?" in err) is ("--yes" not in argv)


def test_a_refusal_is_one_line_and_exit_1(
    signed_in: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class Refusing(FakeMfa):
        def turn_off(self) -> None:
            raise mfa.MfaError("Cognito refused the change", "MFA is required")

    assert run_mfa(signed_in, Refusing(), monkeypatch, "disable", "--yes") == 1
    assert capsys.readouterr().err == (
        "cognito-desktop: Cognito refused the change: MFA is required\n"
    )


# -- login --password-stdin (the session is a double; test_cli_password_sign_in.py runs
# the real one against the stand-in and the API)


class FakePasswordSession:
    """Records what ``login --password-stdin`` hands the session, and asks ``questions``
    (challenge names) through its ``answer`` like the password flow does."""

    def __init__(self, questions: tuple[str, ...] = ()) -> None:
        self.questions = questions
        self.signed_in: tuple[str, str] | None = None
        self.answers: list[str] = []

    def sign_in_with_password(self, username: str, password: str, *, answer: Any) -> Identity:
        from desktop_app.auth import password_flow

        for name in self.questions:
            self.answers.append(answer(password_flow.Challenge(name, "session", username)))
        self.signed_in = (username, password)
        return Identity(username, "sub-1", groups=("Admin",))


@pytest.fixture
def password_profile(tmp_path: Path) -> list[str]:
    """A profile ``work`` with password sign-in on; the argv prefix to use it."""
    path = tmp_path / "config.toml"
    table = {
        "user_pool_id": "eu-west-1_Unit",
        "client_id": "c",
        "domain": "https://auth.example.com",
        "redirect_uris": ["http://127.0.0.1:53682/callback/work"],
        "api_url": "https://api.example.com",
        "password_sign_in": True,
        "password_sign_in_client_id": "automation",
    }
    off = {
        **table,
        "password_sign_in": False,
        "redirect_uris": ["http://127.0.0.1:53682/callback/off"],
    }
    config_writer.save(path, {"work": table, "off": off})
    return ["--config", str(path), "--profile", "work"]


def login_with(
    monkeypatch: pytest.MonkeyPatch, argv: list[str], stdin: str, fake: FakePasswordSession
) -> int:
    monkeypatch.setattr(cli, "_session", lambda profile: fake)
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return cli.main(argv)


@pytest.mark.parametrize(
    ("extra", "stdin", "expected"),
    [
        (["--username", "alice"], "Pa ss\n", ("alice", "Pa ss")),
        ([], "alice\nPa ss \r\n", ("alice", "Pa ss ")),  # only the line ending goes
        (["--username", "alice"], "no-newline", ("alice", "no-newline")),
    ],
    ids=["--username", "first line", "no final newline"],
)
def test_password_stdin_reads_the_password_from_stdin(
    password_profile: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    stdin: str,
    expected: tuple[str, str],
) -> None:
    fake = FakePasswordSession()
    argv = [*password_profile, "login", "--password-stdin", *extra]
    assert login_with(monkeypatch, argv, stdin, fake) == 0
    assert fake.signed_in == expected
    out, err = capsys.readouterr()
    assert out == "" and err == "Signed in as alice (groups: Admin) with password sign-in.\n"


@pytest.mark.parametrize(
    ("stdin", "says"),
    [("", "no username on stdin"), ("alice\n", "no password on stdin"), ("alice\n\n", "empty")],
)
def test_password_stdin_without_the_lines_is_one_line(
    password_profile: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    stdin: str,
    says: str,
) -> None:
    fake = FakePasswordSession()
    argv = [*password_profile, "login", "--password-stdin"]
    assert login_with(monkeypatch, argv, stdin, fake) == 1
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and says in err and fake.signed_in is None


def test_password_stdin_answers_a_new_password_then_a_code_from_stdin(
    password_profile: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakePasswordSession(("NEW_PASSWORD_REQUIRED", "SOFTWARE_TOKEN_MFA"))
    argv = [*password_profile, "login", "--password-stdin", "--totp-code-stdin"]
    stdin = "newbie\nTemp-Passw0rd1!\nNew-Passw0rd-2!\n 123456 \n"
    assert login_with(monkeypatch, argv, stdin, fake) == 0
    assert fake.signed_in == ("newbie", "Temp-Passw0rd1!")
    assert fake.answers == ["New-Passw0rd-2!", "123456"]


def test_password_stdin_asks_for_a_code_on_the_terminal_or_says_how_to_pipe_it(
    password_profile: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Without --totp-code-stdin the code is typed at the terminal (/dev/tty: stdin holds
    the password); with no terminal, the one line says how to pass it on stdin."""

    monkeypatch.setattr(cli, "TERMINAL", str(tmp_path / "no-such-tty"))
    fake = FakePasswordSession(("SOFTWARE_TOKEN_MFA",))
    argv = [*password_profile, "login", "--password-stdin", "--username", "tom"]
    assert login_with(monkeypatch, argv, "Tom-Passw0rd!\n123456\n", fake) == 1
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "pass --totp-code-stdin" in err
    assert "123456" not in err and "Tom-Passw0rd!" not in err


def test_password_stdin_needs_password_sign_in_in_the_profile(
    password_profile: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake = FakePasswordSession()
    argv = [*password_profile[:-1], "off", "login", "--password-stdin", "--username", "alice"]
    assert login_with(monkeypatch, argv, "secret\n", fake) == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert line == (
        "cognito-desktop: password sign-in is off for profile 'off'; to turn it on, set "
        "password_sign_in = true and password_sign_in_client_id (the API's automation app "
        "client) in profiles.off (docs/configuration.md)"
    )
    assert fake.signed_in is None


@pytest.mark.parametrize(
    "extra",
    [
        ["--username", "alice"],
        ["--totp-code-stdin"],
        ["--password-stdin", "--no-browser"],
        ["--password-stdin", "--sign-up"],
    ],
)
def test_password_options_go_with_password_stdin_only(
    password_profile: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
) -> None:
    fake = FakePasswordSession()
    assert login_with(monkeypatch, [*password_profile, "login", *extra], "x\n", fake) == 1
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "--password-stdin" in err
    assert fake.signed_in is None


def test_self_test_sign_in_reads_credentials_only_for_its_own_checklist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: list[tuple[str, str]] = []

    def run_sign_in(path: Path, name: str, credentials: Any) -> list[selftest.Check]:
        seen.append(credentials())
        return [selftest.Check("sign-in", "ok", "fake")]

    monkeypatch.setattr(selftest, "run_sign_in", run_sign_in)
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret\n"))
    code = cli.main(
        ["--config", str(tmp_path / "c.toml"), "self-test", "--sign-in", "--username", "bob"]
    )
    assert code == 0 and seen == [("bob", "s3cret")]
    assert capsys.readouterr().out.splitlines()[1:] == ["ok   sign-in    fake", "self-test passed"]
    assert cli.main(["self-test", "--username", "bob"]) == 1  # --username needs --sign-in


# -- the "run 'cognito-desktop login'" hint ---------------------------------------------------


@pytest.mark.parametrize(
    ("profile", "options", "expected"),
    [
        (None, (), "cognito-desktop login"),
        (config.DEFAULT_PROFILE, (), "cognito-desktop login"),
        ("staging", (), "cognito-desktop --profile staging login"),
        (
            "staging",
            ("--forgot-password",),
            "cognito-desktop --profile staging login --forgot-password",
        ),
    ],
)
def test_the_login_hint_names_the_profile_unless_it_is_the_default(
    profile: str | None, options: tuple[str, ...], expected: str
) -> None:
    command = errors.login_command(profile, *options)
    assert command == expected
    # The hint is a command this CLI accepts, selecting that profile.
    args = cli.build_parser().parse_args(shlex.split(command)[1:])
    assert (args.command, args.profile) == (
        "login",
        None if "--profile" not in command else profile,
    )


@pytest.mark.parametrize("profile", ["staging", config.DEFAULT_PROFILE])
def test_not_signed_in_says_the_login_command_for_the_profile_in_use(
    profile: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "config.toml"
    config_writer.save(
        path,
        {
            profile: {
                "user_pool_id": "eu-west-1_Unit",
                "client_id": "c",
                "domain": "https://auth.example.com",
                "redirect_uris": ["http://127.0.0.1:53682/callback"],
            }
        },
    )
    monkeypatch.setattr(
        cli, "_session", lambda _profile: types.SimpleNamespace(resume=lambda: None)
    )
    assert cli.main(["--config", str(path), "--profile", profile, "token"]) == 1
    err = capsys.readouterr().err
    assert err == (
        f"cognito-desktop: not signed in to profile '{profile}'; "
        f"run '{errors.login_command(profile)}'\n"
    )
    assert ("--profile staging login" in err) == (profile == "staging")
