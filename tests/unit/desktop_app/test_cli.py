"""desktop_app.cli: ``--version``, how ``self-test`` is dispatched, login's entry points
and ``mfa`` (in-process)."""

from __future__ import annotations

import io
import json
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import desktop_app
from desktop_app import cli, config_writer, diagnostics, logs, selftest
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
