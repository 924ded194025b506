"""``cognito-local up`` as a real process: what it prints, serves, writes, and how it stops."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest
import requests

from desktop_app import config
from tests.integration.conftest import idp_client

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 30
STOP_TIMEOUT_S = 10
INFO_KEYS = {
    "managed_login_url",
    "cognito_idp_endpoint",
    "issuer",
    "discovery_url",
    "region",
    "user_pool_id",
    "client_id",
    "api_url",
    "outbox_url",
    "demo_users",
}


def _env() -> dict[str, str]:
    """The test's environment minus anything that could point the CLI at a real config."""
    env = {k: v for k, v in os.environ.items() if k not in {config.CONFIG_ENV, config.PROFILE_ENV}}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "local_cognito.cli", *args]


class Running:
    """A ``cognito-local`` process whose stdout lines and stderr are read by threads,
    so no read can hang the test."""

    def __init__(self, args: list[str]) -> None:
        self.proc = subprocess.Popen(
            _command(*args),
            cwd=ROOT,
            env=_env(),
            text=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._stderr: list[str] = []
        assert self.proc.stdout is not None
        assert self.proc.stderr is not None
        self._threads = [
            threading.Thread(target=self._pump_lines, args=(self.proc.stdout,), daemon=True),
            threading.Thread(target=self._pump_all, args=(self.proc.stderr,), daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def _pump_lines(self, stream: IO[str]) -> None:
        for line in stream:
            self._lines.put(line)
        self._lines.put(None)

    def _pump_all(self, stream: IO[str]) -> None:
        self._stderr.append(stream.read())

    def first_line(self, timeout: float = START_TIMEOUT_S) -> str:
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            pytest.fail(f"no stdout line within {timeout} s")
        if line is None:
            code = self.proc.wait(timeout=STOP_TIMEOUT_S)
            pytest.fail(f"exited {code} before printing a line; stderr: {self.stderr()!r}")
        return line

    def stop(self, signum: int, timeout: float = STOP_TIMEOUT_S) -> int:
        """Send ``signum`` and wait for the exit code (fails the test on a hang)."""
        self.proc.send_signal(signum)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"still running {timeout} s after {signal.Signals(signum).name}")

    def stderr(self) -> str:
        """Everything written to stderr; call once the process has exited."""
        for thread in self._threads:
            thread.join(timeout=STOP_TIMEOUT_S)
        return "".join(self._stderr)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=STOP_TIMEOUT_S)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()


@contextlib.contextmanager
def cognito_local(*args: str) -> Iterator[Running]:
    running = Running(list(args))
    try:
        yield running
    finally:
        running.kill()


def up_json(config_path: Path, *extra: str) -> contextlib.AbstractContextManager[Running]:
    """``cognito-local up`` on a free port, printing JSON, writing ``config_path``."""
    return cognito_local("up", "--port", "0", "--json", "--config", str(config_path), *extra)


def run_to_exit(*args: str) -> subprocess.CompletedProcess[str]:
    """Run a command expected to exit on its own; killed (and failed) after 30 s."""
    try:
        return subprocess.run(
            _command(*args),
            cwd=ROOT,
            env=_env(),
            text=True,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=START_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"cognito-local {' '.join(args)} did not exit within {START_TIMEOUT_S} s")


def assert_one_line(stderr: str) -> str:
    assert "Traceback" not in stderr
    lines = stderr.splitlines()
    assert len(lines) == 1, f"expected one stderr line, got {stderr!r}"
    assert lines[0].strip()
    return lines[0]


# -- up --json, then a signal ---------------------------------------------------------


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_up_prints_serves_writes_profile_and_stops(tmp_path: Path, signum: int) -> None:
    path = tmp_path / "config.toml"
    with up_json(path) as running:
        info = json.loads(running.first_line())
        try:
            _check_info(info)
            _check_discovery(info)
            _check_profile(info, path)
            _check_api(info)
        finally:
            code = running.stop(signum)
        stderr = running.stderr()
    assert code == 0, stderr
    assert "Traceback" not in stderr


def _check_info(info: dict[str, Any]) -> None:
    assert set(info) >= INFO_KEYS
    for key in INFO_KEYS - {"api_url", "demo_users"}:
        assert isinstance(info[key], str)
        assert info[key]
    assert info["managed_login_url"].startswith("http://127.0.0.1:")
    assert info["issuer"] == (
        f"https://cognito-idp.{info['region']}.amazonaws.com/{info['user_pool_id']}"
    )
    users = info["demo_users"]
    assert users
    for user in users:
        assert isinstance(user["username"], str)
        assert user["username"]
        assert isinstance(user["password"], str)
        assert user["password"]
        assert isinstance(user["groups"], list)
    assert any("Admin" in user["groups"] for user in users)
    assert "FORCE_CHANGE_PASSWORD" in {user["status"] for user in users}
    assert any(user["enabled"] is False for user in users)


def _check_discovery(info: dict[str, Any]) -> None:
    response = requests.get(info["discovery_url"], timeout=10)
    assert response.status_code == 200
    assert response.json()["issuer"] == info["issuer"]


def _check_api(info: dict[str, Any]) -> None:
    """The protected API started next to the stand-in accepts the pool's tokens."""
    assert info["api_url"].startswith("http://127.0.0.1:")
    assert info["api_url"] != info["managed_login_url"]
    idp = idp_client(info["cognito_idp_endpoint"], info["region"])
    admin = next(u for u in info["demo_users"] if "Admin" in u["groups"])
    tokens = idp.admin_initiate_auth(
        UserPoolId=info["user_pool_id"],
        ClientId=info["client_id"],
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": admin["username"], "PASSWORD": admin["password"]},
    )["AuthenticationResult"]
    me = requests.get(
        f"{info['api_url']}/me",
        headers={"Authorization": f"Bearer {tokens['AccessToken']}"},
        timeout=10,
    )
    assert me.status_code == 200, me.text
    assert me.json()["username"] == admin["username"]
    assert requests.get(f"{info['api_url']}/me", timeout=10).status_code == 401


def _check_profile(info: dict[str, Any], path: Path) -> None:
    assert info["profile"] == {"name": "local", "config_path": str(path)}
    loaded = config.load_profile(path, "local")
    assert loaded.client_id == info["client_id"]
    assert loaded.issuer == info["issuer"]
    assert loaded.domain == info["managed_login_url"]
    assert loaded.effective_discovery_url == info["discovery_url"]
    assert loaded.api_url == info["api_url"]


def test_synthetic_users_listed_over_boto3(tmp_path: Path) -> None:
    with up_json(tmp_path / "config.toml", "--users", "25") as running:
        try:
            info = json.loads(running.first_line())
            idp = idp_client(info["cognito_idp_endpoint"], info["region"])
            pages = idp.get_paginator("list_users").paginate(
                UserPoolId=info["user_pool_id"], PaginationConfig={"PageSize": 10}
            )
            usernames: list[str] = []
            page_count = 0
            deadline = time.monotonic() + START_TIMEOUT_S
            for page in pages:
                page_count += 1
                usernames += [user["Username"] for user in page["Users"]]
                assert time.monotonic() < deadline, "ListUsers paging did not finish"
        finally:
            code = running.stop(signal.SIGTERM)
    assert code == 0
    assert len(usernames) == 25 + len(info["demo_users"])
    assert len(set(usernames)) == len(usernames)
    assert {user["username"] for user in info["demo_users"]} <= set(usernames)
    assert page_count >= 3


# -- refusals: exit code and one line -------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["--port", "abc"], id="port-not-a-number"),
        pytest.param(["--port", "70000"], id="port-out-of-range"),
        pytest.param(["--users", "-1"], id="negative-users"),
        pytest.param(["--bogus"], id="unknown-flag"),
    ],
)
def test_bad_flag_exits_2_with_one_line(tmp_path: Path, args: list[str]) -> None:
    config_path = tmp_path / "config.toml"
    result = run_to_exit("up", "--config", str(config_path), *args)
    assert result.returncode == 2, result.stderr
    assert_one_line(result.stderr)
    assert result.stdout == ""
    assert not config_path.exists()


def test_no_subcommand_exits_2_with_one_line() -> None:
    result = run_to_exit()
    assert result.returncode == 2, result.stderr
    assert_one_line(result.stderr)


def test_port_in_use_exits_1_with_one_line(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_to_exit(
            "up", "--port", str(port), "--json", "--config", str(tmp_path / "config.toml")
        )
    assert result.returncode == 1, result.stderr
    line = assert_one_line(result.stderr)
    assert "in use" in line
    assert str(port) in line
    assert result.stdout == ""


ALL_INTERFACES = "0.0.0.0"  # noqa: S104 - the test checks that the CLI refuses to bind it


def test_non_loopback_host_refused(tmp_path: Path) -> None:
    config_path = tmp_path / "config.toml"
    result = run_to_exit(
        "up", "--host", ALL_INTERFACES, "--port", "0", "--json", "--config", str(config_path)
    )
    assert result.returncode == 1, result.stderr
    line = assert_one_line(result.stderr)
    assert ALL_INTERFACES in line
    assert result.stdout == ""
    assert not config_path.exists()
