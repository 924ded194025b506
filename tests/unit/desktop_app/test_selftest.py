"""desktop_app.selftest: every check passing and failing, with the fix a tester reads.

Real things where they can fail on demand (files, ports, a loopback HTTP server, a
Qt child process with a missing platform plugin); fakes where they cannot (a
keyring that is secure, text that renders blank, a probe that hangs).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import certifi
import pytest

from desktop_app import config, config_writer, errors, resources, selftest
from desktop_app.auth import http, password_flow, store
from tests.support import app_env, loopback_probe, stub_pool
from tests.support.fixtures import fresh_discovery, http_session  # noqa: F401 - fixtures

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def frozen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Pretend to be a packaged build unpacked at ``tmp_path / "bundle"`` (empty)."""
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(bundle), raising=False)
    return bundle


def profile(**extra: object) -> config.Profile:
    return config.parse_profile("work", {**stub_pool.profile_table(), **extra})


def write_config(path: Path, **tables: dict[str, object]) -> Path:
    path.write_text(config_writer.dump(tables), encoding="utf-8")
    return path


class FakeStore:
    def __init__(self, secure: bool, warning: str | None = None) -> None:
        self.backend_name = "SecretService Keyring" if secure else "memory"
        self.secure = secure
        self.warning = warning

    def load(self) -> store.StoredSession | None:
        return None

    def save(self, session: store.StoredSession) -> None:
        raise AssertionError("self-test never writes")

    def delete(self) -> None:
        raise AssertionError("self-test never deletes")


# -- config ---------------------------------------------------------------------------


def test_config_passes_and_returns_the_profile(tmp_path: Path) -> None:
    path = write_config(tmp_path / "c.toml", work=stub_pool.profile_table())
    check, found = selftest.check_config(path, "work")
    assert check.status == "ok" and "profile 'work'" in check.detail
    assert found is not None and found.client_id == "abc123client"


def test_config_missing_file(tmp_path: Path) -> None:
    check, found = selftest.check_config(tmp_path / "none.toml", "work")
    assert (check.status, found) == ("FAIL", None)
    assert "no config file at" in check.detail
    assert check.fix and "cognito-local up" in check.fix


def test_config_invalid_toml_and_unknown_key(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[profiles.work\n", encoding="utf-8")
    check, _ = selftest.check_config(bad, "work")
    assert check.status == "FAIL" and "not valid TOML" in check.detail
    assert check.fix and str(bad) in check.fix
    odd = write_config(tmp_path / "odd.toml", work=stub_pool.profile_table())
    odd.write_text(odd.read_text(encoding="utf-8") + 'colour = "blue"\n', encoding="utf-8")
    check, _ = selftest.check_config(odd, "work")
    assert check.status == "FAIL" and "'colour'" in check.detail


def test_config_unknown_profile(tmp_path: Path) -> None:
    # Each profile its own redirect URIs: two profiles may not share one.
    home = stub_pool.profile_table() | {"redirect_uris": ["http://127.0.0.1:53682/callback/home"]}
    path = write_config(tmp_path / "c.toml", work=stub_pool.profile_table(), home=home)
    check, found = selftest.check_config(path, "play")
    assert (check.status, found) == ("FAIL", None)
    assert "(profiles: home, work)" in check.detail
    assert check.fix and "--profile" in check.fix


# -- resources ------------------------------------------------------------------------


def test_resources_of_the_checkout_pass() -> None:
    check = selftest.check_resources()
    assert check.status == "ok"
    assert str(ROOT / "resources") in check.detail


def test_resources_missing_or_empty_files_fail(tmp_path: Path) -> None:
    (tmp_path / "callback_success.html").write_text("<p>ok</p>", encoding="utf-8")
    (tmp_path / "callback_error.html").write_text("", encoding="utf-8")
    check = selftest.check_resources(tmp_path)
    assert check.status == "FAIL"
    assert check.detail.endswith("callback_error.html, app-icon.png")
    assert check.fix == "restore resources/ from the repository"


def test_resources_of_a_packaged_build_are_looked_for_in_the_bundle(frozen: Path) -> None:
    assert resources.directory() == frozen / "resources"
    check = selftest.check_resources()
    assert check.status == "FAIL" and str(frozen / "resources") in check.detail
    assert check.fix and "packaging/build.py" in check.fix


# -- Qt -------------------------------------------------------------------------------


def test_qt_probe_renders_text_in_process(qapp: Any) -> None:
    result = selftest.qt_probe()
    assert result["platform"] == "offscreen"
    assert result["families"] > 0 and result["ink"] > 0


def test_qt_check_runs_the_probe_in_a_child_process() -> None:
    check = selftest.check_qt()
    assert check.status == "ok", check
    assert "platform plugin 'offscreen'" in check.detail and "text renders" in check.detail


def test_qt_check_reports_a_platform_plugin_that_cannot_load(tmp_path: Path) -> None:
    env = {**_child_env(), "QT_QPA_PLATFORM": "no-such-plugin"}
    check = selftest.check_qt(env=env)
    assert check.status == "FAIL"
    assert check.detail == (
        'Qt did not start: qt.qpa.plugin: Could not find the Qt platform plugin "no-such-plugin"'
        ' in ""'
    )
    assert check.fix and "QT_DEBUG_PLUGINS=1" in check.fix and "xcb" not in check.fix


def _child_env() -> dict[str, str]:
    return dict(os.environ)


def fake_runner(stdout: str = "", stderr: str = "", code: int = 0) -> Any:
    def run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        assert kwargs["timeout"] > 0 and kwargs["capture_output"] is True
        return subprocess.CompletedProcess(command, code, stdout, stderr)

    return run


def test_qt_check_reports_blank_text_as_missing_fonts() -> None:
    probe = {"platform": "xcb", "qt": "6.9", "families": 0, "ink": 0}
    check = selftest.check_qt(runner=fake_runner(json.dumps(probe) + "\n"))
    assert check.status == "FAIL" and "text renders blank" in check.detail
    assert check.fix and "fonts-dejavu-core" in check.fix


def test_qt_check_suggests_the_xcb_libraries() -> None:
    stderr = (
        'qt.qpa.plugin: From 6.5.0, xcb-cursor0 or libxcb-cursor0 is needed to load the "xcb"\n'
        'Could not load the Qt platform plugin "xcb" in "" even though it was found.\n'
    )
    check = selftest.check_qt(runner=fake_runner(stderr=stderr, code=-6))
    assert check.status == "FAIL" and 'platform plugin "xcb"' in check.detail
    assert check.fix and "libxcb-cursor0" in check.fix


def test_qt_check_times_out_and_survives_a_missing_program() -> None:
    def hang(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        raise subprocess.TimeoutExpired(command, kwargs["timeout"])

    check = selftest.check_qt(runner=hang, timeout=2)
    assert check.status == "FAIL" and "did not finish in 2 s" in check.detail
    check = selftest.check_qt(command=["/nonexistent/cognito-desktop"])
    assert check.status == "FAIL" and "cannot start the Qt probe" in check.detail


def test_qt_probe_command_reruns_this_program(frozen: Path) -> None:
    assert selftest.qt_probe_command() == [sys.executable, "self-test", "--qt-probe"]


def test_qt_probe_command_from_source() -> None:
    assert selftest.qt_probe_command()[1:] == ["-m", "desktop_app", "self-test", "--qt-probe"]


# -- TLS ------------------------------------------------------------------------------


def test_tls_uses_certifi_by_default() -> None:
    check = selftest.check_tls(None, environ={})
    assert check.status == "ok"
    assert check.detail.startswith(f"{certifi.where()} (from certifi, ")


def test_tls_checks_the_bundle_requests_would_use_from_the_environment(tmp_path: Path) -> None:
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate\n", encoding="utf-8")
    check = selftest.check_tls(None, environ={"REQUESTS_CA_BUNDLE": str(junk)})
    assert check.status == "FAIL" and "is not a PEM CA bundle" in check.detail
    assert check.fix and "$REQUESTS_CA_BUNDLE" in check.fix
    check = selftest.check_tls(None, environ={"CURL_CA_BUNDLE": certifi.where()})
    assert check.status == "ok" and "from $CURL_CA_BUNDLE" in check.detail


def test_tls_checks_the_profiles_ca_bundle(tmp_path: Path) -> None:
    corp = tmp_path / "corp.pem"
    corp.write_text("-----BEGIN CERTIFICATE-----\nnope\n", encoding="utf-8")
    with_corp = profile(ca_bundle=str(corp))
    check = selftest.check_tls(with_corp, environ={"REQUESTS_CA_BUNDLE": certifi.where()})
    assert check.status == "FAIL" and "(from profiles.work.ca_bundle)" in check.detail
    assert check.fix and "profiles.work.ca_bundle" in check.fix
    corp.unlink()  # the config checks it exists when it loads; it can go later
    check = selftest.check_tls(with_corp, environ={})
    assert check.status == "FAIL" and "CA bundle not found" in check.detail
    check = selftest.check_tls(profile(ca_bundle=certifi.where()), environ={})
    assert check.status == "ok" and "from profiles.work.ca_bundle" in check.detail


def test_tls_a_missing_certifi_bundle_in_a_packaged_build(
    frozen: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(certifi, "where", lambda: str(frozen / "certifi" / "cacert.pem"))
    check = selftest.check_tls(None, environ={})
    assert check.status == "FAIL" and "(from certifi)" in check.detail
    assert check.fix and "packaging/build.py" in check.fix


# -- keyring --------------------------------------------------------------------------


def test_keyring_secure_passes() -> None:
    check, found = selftest.check_keyring("work", lambda name: FakeStore(secure=True))
    assert check.status == "ok" and check.detail == "SecretService Keyring (secure)"
    assert found.secure


def test_keyring_not_secure_fails_with_the_reason_and_a_fix() -> None:
    warning = "No secure OS keyring is available (found: fail Keyring); ..."
    check, _ = selftest.check_keyring("work", lambda name: store.MemoryStore(warning=warning))
    assert check.status == "FAIL" and check.detail == warning
    assert check.fix and "Secret Service" in check.fix


def test_keyring_fix_per_platform() -> None:
    assert "Keychain" in selftest._keyring_fix("darwin")
    assert "Credential Manager" in selftest._keyring_fix("win32")
    assert "dbus-run-session" in selftest._keyring_fix("linux")


def test_keyring_falls_back_to_the_default_profile_name() -> None:
    asked: list[str] = []

    def open_store(name: str) -> store.TokenStore:
        asked.append(name)
        if "#" in name:
            raise ValueError("profile must be a non-empty name without '#'")
        return FakeStore(secure=True)

    selftest.check_keyring("a#b", open_store)
    assert asked == ["a#b", config.DEFAULT_PROFILE]


# -- loopback -------------------------------------------------------------------------


def test_loopback_binds_a_registered_port() -> None:
    port = loopback_probe.free_port()
    check = selftest.check_loopback(profile(redirect_uris=[f"http://127.0.0.1:{port}/callback"]))
    assert check.status == "ok"
    assert check.detail == f"http://127.0.0.1:{port}/callback binds; the sign-in pages load"


def test_loopback_every_registered_port_taken() -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        check = selftest.check_loopback(
            profile(redirect_uris=[f"http://127.0.0.1:{port}/callback"])
        )
    assert check.status == "FAIL" and f"({port})" in check.detail
    assert check.fix and "profiles.work.redirect_uris" in check.fix


def test_loopback_without_a_profile_binds_any_port() -> None:
    check = selftest.check_loopback(None)
    assert check.status == "ok" and "127.0.0.1 binds" in check.detail


def test_loopback_reports_missing_sign_in_pages(frozen: Path) -> None:
    check = selftest.check_loopback(profile(redirect_uris=["http://127.0.0.1:8080/callback"]))
    assert check.status == "FAIL" and "sign-in pages folder not found" in check.detail
    assert check.fix and "packaging/build.py" in check.fix


# -- discovery, session, API ------------------------------------------------------------


def test_discovery_reachable_and_not(session: http.Http) -> None:
    with stub_pool.StubServer() as server:
        url = stub_pool.serve_pool(server, [])
        check = selftest.check_discovery(profile(discovery_url=url), session)
    assert check.status == "ok" and "issuer matches" in check.detail
    dead = f"http://127.0.0.1:{loopback_probe.free_port()}/d"
    check = selftest.check_discovery(profile(discovery_url=dead), session)
    assert check.status == "FAIL" and "cannot reach" in check.detail
    assert check.fix and "cognito-local up" in check.fix
    assert selftest.check_discovery(None, session).status == "skip"


class FakeSession:
    def __init__(self, outcome: object) -> None:
        self.outcome = outcome

    def resume(self) -> object:
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome


def test_session_states() -> None:
    assert selftest.check_session(None).status == "skip"
    check = selftest.check_session(FakeSession(None))  # type: ignore[arg-type]
    assert (check.status, check.detail) == ("ok", "not signed in")
    ended = selftest.check_session(FakeSession(errors.SessionExpired("revoked")))  # type: ignore[arg-type]
    assert ended.status == "ok" and "has ended" in ended.detail
    broken = selftest.check_session(FakeSession(errors.NetworkError("cannot reach x")))  # type: ignore[arg-type]
    assert broken.status == "FAIL" and broken.detail == "cannot reach x"


def test_api_health(session: http.Http) -> None:
    assert selftest.check_api(profile(), session).status == "skip"
    with stub_pool.StubServer() as server:
        check = selftest.check_api(profile(api_url=server.url), session)
        assert check.status == "ok" and server.paths == ["/healthz"]
        server.answer = lambda path: (503, {})
        check = selftest.check_api(profile(api_url=server.url), session)
        assert check.status == "FAIL" and "answered HTTP 503" in check.detail
    port = loopback_probe.free_port()
    check = selftest.check_api(profile(api_url=f"http://127.0.0.1:{port}"), session)
    assert check.status == "FAIL" and "(ConnectionError)" in check.detail
    assert check.fix and "profiles.work.api_url" in check.fix


# -- the whole run ----------------------------------------------------------------------


def test_run_passes_against_a_reachable_pool(tmp_path: Path) -> None:
    port = loopback_probe.free_port()
    with stub_pool.StubServer() as server, stub_pool.StubServer() as api:
        url = stub_pool.serve_pool(server, [])
        table = {
            **stub_pool.profile_table(url),
            "redirect_uris": [f"http://127.0.0.1:{port}/callback"],
            "api_url": api.url,
        }
        path = write_config(tmp_path / "c.toml", work=table)
        checks = selftest.run(
            path,
            "work",
            qt=lambda: selftest.Check("qt", "ok", "fake"),
            open_store=lambda name: FakeStore(secure=True),
        )
    assert [c.name for c in checks] == list(app_env.SELF_TEST_CHECKS)
    assert [c.status for c in checks] == ["ok"] * 9, checks
    assert selftest.passed(checks)
    assert selftest.format_checklist(checks).endswith("self-test passed\n")


def test_run_with_a_broken_config_skips_what_needs_a_profile(tmp_path: Path) -> None:
    checks = selftest.run(
        tmp_path / "missing.toml",
        "work",
        qt=lambda: selftest.Check("qt", "ok", "fake"),
        open_store=lambda name: FakeStore(secure=True),
    )
    statuses = {c.name: c.status for c in checks}
    assert statuses["config"] == "FAIL"
    assert statuses["discovery"] == statuses["session"] == statuses["api"] == "skip"
    assert statuses["loopback"] == statuses["tls"] == "ok"
    assert not selftest.passed(checks)


def test_format_checklist_puts_the_fix_under_each_failure() -> None:
    text = selftest.format_checklist(
        [
            selftest.Check("config", "ok", "fine"),
            selftest.Check("keyring", "FAIL", "memory only", "start a Secret Service"),
            selftest.Check("api", "skip", "no api_url"),
        ]
    )
    assert text.splitlines() == [
        "ok   config     fine",
        "FAIL keyring    memory only",
        "                fix: start a Secret Service",
        "skip api        no api_url",
        "self-test FAILED: keyring",
    ]


def test_header_names_the_build(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import desktop_app

    monkeypatch.setattr(desktop_app, "__version__", "9.8.7", raising=False)
    monkeypatch.setattr(desktop_app, "__commit__", "0123456789ab", raising=False)
    assert selftest.header().startswith(
        "cognito-desktop 9.8.7 (commit 0123456789ab), from source, Python 3."
    )
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert ", packaged build, " in selftest.header()


# -- self-test --sign-in ------------------------------------------------------------------

SIGN_IN_STEPS = ["config", "credentials", "discovery", "sign-in", "refresh", "api", "sign-out"]


def password_table(
    discovery_url: str | None = None, api_url: str = "https://api.example.com"
) -> dict[str, object]:
    return {
        **stub_pool.profile_table(discovery_url),
        "api_url": api_url,
        "password_sign_in": True,
        "password_sign_in_client_id": "automation",
    }


def no_credentials() -> tuple[str, str]:
    raise AssertionError("credentials read before the config passed")


def test_sign_in_config_must_turn_password_sign_in_on(tmp_path: Path) -> None:
    path = write_config(tmp_path / "c.toml", work=stub_pool.profile_table())
    checks = selftest.run_sign_in(path, "work", no_credentials)
    assert [c.name for c in checks] == SIGN_IN_STEPS
    assert [c.status for c in checks] == ["FAIL"] + ["skip"] * 6
    assert checks[0].detail == "profile 'work' has password sign-in off"
    assert checks[0].fix and "password_sign_in = true" in checks[0].fix
    assert "password_sign_in_client_id" in checks[0].fix


def test_sign_in_without_a_config_reads_no_credentials(tmp_path: Path) -> None:
    checks = selftest.run_sign_in(tmp_path / "missing.toml", "work", no_credentials)
    assert checks[0].status == "FAIL" and "no config file" in checks[0].detail
    assert all(c.status == "skip" for c in checks[1:])


def test_sign_in_without_credentials_on_stdin_says_how_to_give_them(tmp_path: Path) -> None:
    path = write_config(tmp_path / "c.toml", work=password_table())

    def missing() -> tuple[str, str]:
        raise errors.SignInError("no password on stdin")

    checks = selftest.run_sign_in(path, "work", missing)
    assert [c.status for c in checks] == ["ok", "FAIL"] + ["skip"] * 5
    assert "api.example.com" in checks[0].detail and "client automation" in checks[0].detail
    assert checks[1].detail == "no password on stdin"
    assert checks[1].fix and "the username on the first line" in checks[1].fix


@pytest.mark.parametrize(
    ("status", "body", "says", "fix"),
    [
        (401, {"error": "invalid_credentials"}, "incorrect username or password", "username"),
        (404, {"detail": "Not Found"}, "not turned on at the API", "PASSWORD_SIGN_IN_CLIENT_ID"),
        (403, {"error": "user_disabled"}, "disabled", "enabled test user"),
        (
            200,
            {"challenge": "NEW_PASSWORD_REQUIRED", "session": "s", "username": "alice"},
            "asks for NEW_PASSWORD_REQUIRED",
            "answers no challenge",
        ),
    ],
)
def test_a_failed_sign_in_is_one_line_with_a_fix_and_the_rest_skip(
    tmp_path: Path, status: int, body: dict[str, object], says: str, fix: str
) -> None:
    with stub_pool.StubServer() as pool, stub_pool.StubServer() as api:
        url = stub_pool.serve_pool(pool, [])
        api.answer = lambda path: (status, body)
        path = write_config(tmp_path / "c.toml", work=password_table(url, api.url))
        checks = selftest.run_sign_in(path, "work", lambda: ("alice", "Sekr1t-Passw0rd!"))
    assert [c.name for c in checks] == SIGN_IN_STEPS
    assert [c.status for c in checks] == ["ok", "ok", "ok", "FAIL", "skip", "skip", "skip"]
    assert says in checks[3].detail and checks[3].fix and fix in checks[3].fix
    assert api.paths == ["/auth/sign-in"]
    text = selftest.format_checklist(checks)
    assert "Sekr1t-Passw0rd!" not in text and text.endswith("self-test FAILED: sign-in\n")


@pytest.mark.parametrize("name", ["work", config.DEFAULT_PROFILE])
def test_sign_in_fixes_name_the_login_command_for_the_profile(name: str) -> None:
    checked = config.parse_profile(name, password_table())
    reset = password_flow.Refused("reset it", error="password_reset_required", status=403)
    forgot = selftest._sign_in_fix(reset, checked)
    challenge = selftest._sign_in_fix(
        password_flow.CannotAnswer("a challenge", "MFA_SETUP"), checked
    )
    with_profile = name != config.DEFAULT_PROFILE
    assert f"({errors.login_command(name, '--forgot-password')})" in forgot
    assert f"`{errors.login_command(name, '--password-stdin')}`" in challenge
    assert ("--profile work login" in forgot + challenge) == with_profile
