"""The desktop app pointed at the stand-in: its profile, a child process's environment, a run.

One definition of what every test that starts ``cognito-desktop`` needs:

- :func:`profile_values` / :func:`profile`: the profile ``cognito-local up`` writes for a
  running stand-in, with the protected API's URL (and, for fault tests, discovery
  through a :class:`~tests.support.fault_proxy.FaultProxy`).
- :func:`environment`: the variables of a CLI or GUI child process: that profile
  written to a config file, a private log folder and XDG config folder, the real
  Secret Service the test got, offscreen Qt, and the scripted person
  (``tests.support.browser_command``) as ``$BROWSER``.
- :func:`run`, :func:`run_python`, :func:`run_cli`, :func:`run_gui`: the process, run to
  the end with its output captured and a bounded wait.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_app import PROBE_ENV, config, logs
from local_cognito import profile as local_profile

if TYPE_CHECKING:
    from local_cognito import server

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_S = 60
#: ``$BROWSER``: the scripted person signing in on managed login (``%s`` is the URL).
SCRIPTED_BROWSER = f"{sys.executable} -m tests.support.browser_command %s"
#: What ``cognito-desktop self-test`` checks, in the order its checklist shows them.
SELF_TEST_CHECKS = (
    "config",
    "resources",
    "qt",
    "tls",
    "keyring",
    "loopback",
    "discovery",
    "session",
    "api",
)


def password(username: str) -> str:
    """The seeded demo user's password (``cognito-local up`` prints them on purpose)."""
    from local_cognito import seed  # loads moto: only the tests that seed a pool pay for it

    return next(user.password for user in seed.DEMO_USERS if user.username == username)


def profile_values(
    stand_in: server.LocalCognito, api_url: str | None = None, *, idp_via: str | None = None
) -> dict[str, Any]:
    """The stand-in's profile table, calling the API at ``api_url`` (None: no API).

    ``idp_via``: the base URL of a proxy in front of the stand-in; discovery (so tokens,
    keys and revocation) goes through it, the browser still goes straight to managed login.
    """
    info = stand_in.info()
    info["api_url"] = api_url
    values: dict[str, Any] = local_profile.profile_values(info)
    if idp_via is not None:
        values["discovery_url"] = info["discovery_url"].replace(stand_in.url, idp_via)
    return values


def profile(
    stand_in: server.LocalCognito,
    api_url: str | None = None,
    *,
    name: str = "local",
    idp_via: str | None = None,
) -> config.Profile:
    """:func:`profile_values` as the app parses them."""
    return config.parse_profile(name, profile_values(stand_in, api_url, idp_via=idp_via))


def environment(
    stand_in: server.LocalCognito,
    api_url: str,
    secret_service: Mapping[str, str],
    folder: Path,
    *,
    username: str = "alice",
    **extra: str,
) -> dict[str, str]:
    """A child process's environment (nothing inherited from this one).

    Under ``folder``: ``config/config.toml`` (profile ``local``), ``logs/`` and
    ``xdg-config/`` (QSettings). ``username`` is who the scripted browser signs in as;
    ``extra`` adds or replaces variables.
    """
    config_path = folder / "config" / "config.toml"
    config_path.parent.mkdir(parents=True, exist_ok=True)
    local_profile.write(config_path, profile_values(stand_in, api_url))
    return {
        **secret_service,
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_CONFIG_HOME": str(folder / "xdg-config"),
        config.CONFIG_ENV: str(config_path),
        config.PROFILE_ENV: "local",
        logs.LOG_DIR_ENV: str(folder / "logs"),
        "BROWSER": SCRIPTED_BROWSER,
        "SCRIPTED_USERNAME": username,
        "SCRIPTED_PASSWORD": password(username),
        "PYTHONPATH": str(ROOT),  # the scripted browser is tests.support.browser_command
        **extra,
    }


def run(
    command: Sequence[str],
    env: Mapping[str, str] | None,
    *,
    stdin: str | None = None,
    cwd: Path = ROOT,
    timeout: float = TIMEOUT_S,
) -> subprocess.CompletedProcess[str]:
    """Run ``command`` to the end (text, output captured; no check of the exit status)."""
    return subprocess.run(
        list(command),
        env=None if env is None else dict(env),
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_python(
    env: Mapping[str, str] | None, *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """This interpreter with ``args`` (``env`` None: this process's environment)."""
    return run([sys.executable, *args], env, stdin=stdin)


def run_cli(
    env: Mapping[str, str], *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``cognito-desktop ARGS`` from source."""
    return run_python(env, "-m", "desktop_app.cli", *args, stdin=stdin)


def run_gui(env: Mapping[str, str], probe: str) -> subprocess.CompletedProcess[str]:
    """``cognito-desktop`` (the GUI) from source, quitting at ``probe`` (see desktop_app.app)."""
    return run_python({**env, PROBE_ENV: probe}, "-m", "desktop_app")


_READ_STORED = """
import json, sys
import keyring.backends.SecretService as secret_service
keyring = secret_service.Keyring()
raw = keyring.get_password("cognito-desktop", "profile:local")
if raw is not None and "chunks" in json.loads(raw):
    count = json.loads(raw)["chunks"]
    raw = "".join(
        keyring.get_password("cognito-desktop", f"profile:local#{i}") or "" for i in range(count)
    )
sys.stdout.write("" if raw is None else raw)
"""


def stored_session(env: Mapping[str, str]) -> str | None:
    """What the app keeps in the Secret Service for profile ``local`` (chunks joined),
    read by a separate process on ``env``'s session bus; None when nothing is kept."""
    done = run_python(env, "-c", _READ_STORED)
    assert done.returncode == 0, done.stderr
    return done.stdout or None
