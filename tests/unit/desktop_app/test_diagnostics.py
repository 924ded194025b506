"""desktop_app.diagnostics: what the report holds, what the copy hides, and the checks."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_app import config, config_writer, diagnostics, errors
from desktop_app.auth import http, store
from tests.support import loopback_probe, stub_pool
from tests.support.fixtures import fresh_discovery, http_session  # noqa: F401 - fixtures

QT = diagnostics.QtInfo("6.9.9", "6.9.8", "offscreen")
JWT = (
    "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0"
    ".eyJzdWIiOiJhYmMiLCJlbWFpbCI6ImphbmVAZXhhbXBsZS5jb20ifQ"
    ".c2lnbmF0dXJlLWJ5dGVzLWhlcmU"
)


def write_config(tmp_path: Path, **tables: dict[str, object]) -> Path:
    path = tmp_path / "config.toml"
    config_writer.save(path, tables)
    return path


def report(**changes: object) -> diagnostics.Report:
    base = diagnostics.Report(
        version="1.2.3",
        commit="0123456789ab",
        python="3.11.9 (CPython)",
        platform="Linux-6.1-x86_64",
        qt=QT,
        keyring_backend="memory",
        keyring_secure=False,
        keyring_reason="No secure OS keyring is available",
        config_path="/home/someone/.config/cognito-desktop/config.toml",
        config_exists=True,
        config_status="valid (profiles: work)",
        log_dir="/home/someone/.local/state/cognito-desktop/log",
        profile_name="work",
        issuer=stub_pool.ISSUER,
        domain="https://auth.example.com",
        client_id="abc123client",
        discovery_url=f"{stub_pool.ISSUER}/.well-known/openid-configuration",
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


# -- gather -----------------------------------------------------------------------------


def test_gather_reports_versions_config_keyring_and_profile(tmp_path: Path) -> None:
    path = write_config(tmp_path, work=stub_pool.profile_table())
    found = diagnostics.gather(
        path, "work", qt=QT, token_store=store.MemoryStore(), log_dir=tmp_path / "logs"
    )
    assert found.version == diagnostics.version_info()[0] != "unknown"
    assert found.python.startswith(f"{sys.version_info.major}.{sys.version_info.minor}")
    assert found.qt == QT
    assert (found.keyring_backend, found.keyring_secure) == ("memory", False)
    assert found.keyring_reason and "memory" in found.keyring_reason
    assert found.config_exists and found.config_status == "valid (profiles: work)"
    assert (found.issuer, found.client_id) == (stub_pool.ISSUER, "abc123client")
    assert found.discovery_url == f"{stub_pool.ISSUER}/.well-known/openid-configuration"
    assert found.profile is not None and found.profile.name == "work"
    assert found.log_dir == str(tmp_path / "logs")
    text = diagnostics.as_text(found)
    for expected in (
        stub_pool.ISSUER,
        "abc123client",
        "Qt: 6.9.9 (PySide6 6.9.8)",
        "offscreen",
        "memory",
    ):
        assert expected in text
    assert "Discovery: not checked" in text


def test_gather_says_what_is_wrong_with_the_config(tmp_path: Path) -> None:
    missing = diagnostics.gather(tmp_path / "nope.toml", "work", token_store=store.MemoryStore())
    assert not missing.config_exists
    assert "not found" in missing.config_status
    assert missing.profile is None and missing.issuer is None
    assert "no profile to check" in diagnostics.as_text(missing)

    path = tmp_path / "config.toml"
    path.write_text("[profiles.work]\nclient_id = 'x'\nbogus = 'y'\n", encoding="utf-8")
    bad = diagnostics.gather(path, "work", token_store=store.MemoryStore())
    assert bad.config_exists and "bogus" in bad.config_status

    (tmp_path / "other").mkdir()
    other_path = write_config(tmp_path / "other", team=stub_pool.profile_table())
    other = diagnostics.gather(other_path, "work", token_store=store.MemoryStore())
    assert other.config_status == "valid (profiles: team); no profile 'work'"


def test_gather_prefers_the_profile_the_app_runs_with(tmp_path: Path) -> None:
    path = write_config(tmp_path, work=stub_pool.profile_table())
    running = config.parse_profile("work", {**stub_pool.profile_table(), "client_id": "in-memory"})
    found = diagnostics.gather(path, running, token_store=store.MemoryStore())
    assert found.client_id == "in-memory" and found.profile is running


# -- the copy text ----------------------------------------------------------------------

SECRETS = [
    "jane.doe@example.com",
    "ops+alerts@corp.example.co.uk",
    "login_hint=jane%40example.com",
    JWT,
    "code=8c9d2f0e-aaaa-bbbb-cccc-0123456789ab",
    "refresh_token=opaque-refresh-value-1234567890",
    '"refresh_token": "opaque-refresh-value-1234567890"',
    "Authorization: Bearer abc.def.ghi-token-value",
    "authorization=Basic dXNlcjpwYXNz",
    "bearer raw-bearer-credential-9876",
]
LEAKS = [
    "jane.doe",
    "ops+alerts",
    "jane%40",
    "eyJhbGci",
    "8c9d2f0e",
    "opaque-refresh-value",
    "abc.def.ghi-token-value",
    "dXNlcjpwYXNz",
    "raw-bearer-credential",
]


@pytest.mark.parametrize("field", ["config_status", "keyring_reason", "log_dir", "profile_name"])
def test_the_copy_text_hides_secrets_and_emails_wherever_they_appear(field: str) -> None:
    text = diagnostics.as_text(report(**{field: " | ".join(SECRETS)}))
    for leak in LEAKS:
        assert leak not in text, f"{leak!r} survived in {field}"
    assert "@" not in text
    assert "[email]" in text and "[redacted]" in text


def test_reachability_details_are_redacted_too() -> None:
    reach = diagnostics.Reachability(False, f"proxy said no to jane@example.com with {JWT}", 5.0)
    text = diagnostics.as_text(report(discovery=reach))
    assert "jane@" not in text and "eyJhbGci" not in text
    assert "Discovery: FAILED in 5 ms" in text


def test_what_is_not_secret_survives_redaction() -> None:
    text = diagnostics.as_text(report())
    for kept in (
        stub_pool.ISSUER,
        "https://auth.example.com",
        "abc123client",
        "1.2.3",
        "0123456789ab",
        "/home/someone/.config/cognito-desktop/config.toml",
        "NOT secure: No secure OS keyring is available",
    ):
        assert kept in text
    assert diagnostics.as_text(report(profile_name="a@b.example"), redact=False).count("a@b") == 1


# -- version ----------------------------------------------------------------------------


def test_version_info_prefers_package_attributes(monkeypatch: pytest.MonkeyPatch) -> None:
    import desktop_app

    monkeypatch.setattr(desktop_app, "__version__", "9.9.9", raising=False)
    monkeypatch.setattr(desktop_app, "__commit__", "feedface", raising=False)
    assert diagnostics.version_info() == ("9.9.9", "feedface")


SHA = "0123456789abcdef0123456789abcdef01234567"


def test_git_commit_reads_refs_packed_refs_and_detached_heads(tmp_path: Path) -> None:
    git = tmp_path / ".git"
    (git / "refs" / "heads").mkdir(parents=True)
    (git / "HEAD").write_text("ref: refs/heads/main\n", encoding="utf-8")
    assert diagnostics.git_commit(tmp_path) is None  # the branch has no commit yet
    (git / "packed-refs").write_text(f"# pack-refs\n{SHA} refs/heads/main\n", encoding="utf-8")
    assert diagnostics.git_commit(tmp_path) == SHA[:12]
    (git / "refs" / "heads" / "main").write_text("f" * 40 + "\n", encoding="utf-8")
    assert diagnostics.git_commit(tmp_path) == "f" * 12
    (git / "HEAD").write_text(SHA + "\n", encoding="utf-8")
    assert diagnostics.git_commit(tmp_path) == SHA[:12]
    (git / "HEAD").write_text("garbage\n", encoding="utf-8")
    assert diagnostics.git_commit(tmp_path) is None
    assert diagnostics.git_commit(tmp_path / "elsewhere") is None


def test_git_commit_follows_a_worktree_file(tmp_path: Path) -> None:
    common = tmp_path / "repo" / ".git"
    worktree_git = common / "worktrees" / "wt"
    (common / "refs" / "heads").mkdir(parents=True)
    worktree_git.mkdir(parents=True)
    (common / "refs" / "heads" / "topic").write_text(SHA + "\n", encoding="utf-8")
    (worktree_git / "HEAD").write_text("ref: refs/heads/topic\n", encoding="utf-8")
    (worktree_git / "commondir").write_text("../..\n", encoding="utf-8")
    checkout = tmp_path / "wt"
    checkout.mkdir()
    (checkout / ".git").write_text(f"gitdir: {worktree_git}\n", encoding="utf-8")
    assert diagnostics.git_commit(checkout) == SHA[:12]


def test_the_module_does_not_import_qt() -> None:
    code = (
        "import sys, desktop_app.diagnostics\n"
        "qt = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6')]\n"
        "print(qt)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"


# -- the network checks -----------------------------------------------------------------


def test_check_discovery_and_check_connection_succeed(session: http.Http) -> None:
    with stub_pool.StubServer() as server:
        url = stub_pool.serve_pool(server, [stub_pool.public_jwk("k1"), stub_pool.public_jwk("k2")])
        profile = config.parse_profile("work", stub_pool.profile_table(url))
        reach = diagnostics.check_discovery(profile, session)
        assert reach.ok and "issuer matches" in reach.detail and reach.elapsed_ms >= 0
        result = diagnostics.check_connection(profile, session)
        assert (result.issuer, result.key_count) == (stub_pool.ISSUER, 2)
        assert result.jwks_uri.endswith("/pool/.well-known/jwks.json")
        # It names the addresses it asked: the discovery URL's host and port, the JWKS.
        assert result.discovery_url == http.describe(url) and server.url in result.discovery_url
        assert result.jwks_uri.startswith(server.url) and result.proxy is None
        hits = server.hits
        diagnostics.check_discovery(profile, session)  # never answered from a cache
        assert server.hits == hits + 1


def test_check_discovery_reports_a_wrong_issuer_and_a_dead_port(session: http.Http) -> None:
    with stub_pool.StubServer() as server:
        url = stub_pool.serve_pool(server, [], issuer="https://someone.else.example")
        reach = diagnostics.check_discovery(
            config.parse_profile("work", stub_pool.profile_table(url)), session
        )
    assert not reach.ok and "someone.else.example" in reach.detail
    port = loopback_probe.free_port()
    dead = config.parse_profile("work", stub_pool.profile_table(f"http://127.0.0.1:{port}/d"))
    reach = diagnostics.check_discovery(dead, session)
    assert not reach.ok
    assert reach.detail == f"cannot reach http://127.0.0.1:{port}/d (ConnectionError)"


def test_check_connection_fails_plainly(session: http.Http) -> None:
    with stub_pool.StubServer() as server:
        url = stub_pool.serve_pool(server, [])
        profile = config.parse_profile("work", stub_pool.profile_table(url))
        with pytest.raises(errors.DiscoveryError, match="no usable RS256 key"):
            diagnostics.check_connection(profile, session)
    port = loopback_probe.free_port()
    dead = config.parse_profile("work", stub_pool.profile_table(f"http://127.0.0.1:{port}/d"))
    with pytest.raises(errors.NetworkError) as failed:
        diagnostics.check_connection(dead, session)
    assert str(failed.value) == f"could not reach http://127.0.0.1:{port}/d: ConnectionError"


def test_check_connection_names_the_proxy_it_went_through(
    session: http.Http, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = loopback_probe.free_port()  # a proxy that is not there
    monkeypatch.setenv("NO_PROXY", "")
    session.proxies.update({"https": f"http://user:secret@127.0.0.1:{port}"})
    dead = config.parse_profile("work", stub_pool.profile_table("https://pool.invalid:8443/d"))
    with pytest.raises(errors.NetworkError) as failed:
        diagnostics.check_connection(dead, session)
    assert str(failed.value).startswith(
        f"could not reach https://pool.invalid:8443/d through proxy http://127.0.0.1:{port}: "
    )
    assert "secret" not in str(failed.value) and "user" not in str(failed.value)


def test_proxy_for_follows_the_session_then_the_environment(
    session: http.Http, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in (
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "internal.example")
    assert diagnostics.proxy_for(session, "https://pool.example/x") is None
    monkeypatch.setenv("HTTPS_PROXY", "proxy.example:3128")
    assert diagnostics.proxy_for(session, "https://pool.example/x") == "http://proxy.example:3128"
    assert diagnostics.proxy_for(session, "https://internal.example/x") is None
    session.proxies["https"] = "https://me:pw@corp.example:8443"
    assert diagnostics.proxy_for(session, "https://pool.example/x") == "https://corp.example:8443"


def test_new_http_session_uses_the_profiles_proxy() -> None:
    profile = config.parse_profile(
        "work", {**stub_pool.profile_table(), "proxy": "http://proxy.example:3128"}
    )
    made = diagnostics.new_http_session(profile)
    assert made.proxies == {
        "http": "http://proxy.example:3128",
        "https": "http://proxy.example:3128",
    }
