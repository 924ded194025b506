"""``cognito-desktop self-test``: what breaks in a packaged build, checked line by line.

Each check returns a :class:`Check`: ``ok``, ``FAIL`` with the fix to print under it,
or ``skip`` when an earlier failure leaves nothing to check. :func:`run` does them in
order (config, resources, Qt, TLS, keyring, loopback, discovery, session, API);
:func:`format_checklist` is what the CLI prints, and any ``FAIL`` makes it exit 1.

``self-test --sign-in`` (:func:`run_sign_in`) is another checklist, end to end for
testers without a browser: the API's password sign-in with stdin's credentials, a
refresh through the API, ``GET /me``, and sign-out (revocation). Its session is held in
memory only, so a tester's own saved sign-in is never replaced.

The Qt check runs in a child process (``self-test --qt-probe``, see :func:`qt_probe`):
a platform plugin that cannot load makes Qt abort the whole process, and the
checklist must still be printed. The child imports PySide6; this module never does
at import time. Everything that touches the network goes through
:mod:`desktop_app.auth.http`, so every request has a timeout.
"""

from __future__ import annotations

import dataclasses
import json
import os
import socket
import ssl
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import certifi
import requests

from desktop_app import config, diagnostics, errors, resources
from desktop_app.auth import http, loopback, password_flow, session, store

Status = Literal["ok", "FAIL", "skip"]
QT_PROBE_FLAG = "--qt-probe"
QT_TIMEOUT_S = 60.0  # a onefile build unpacks itself again for the child
_REBUILD = "rebuild with `python packaging/build.py` (packaging/pyinstaller.spec bundles it)"
_FONT_FIX = (
    "install fonts and fontconfig (Debian/Ubuntu: apt install fonts-dejavu-core libfontconfig1)"
)


@dataclasses.dataclass(frozen=True)
class Check:
    """One checklist line; ``fix`` says what to do when ``status`` is ``FAIL``."""

    name: str
    status: Status
    detail: str
    fix: str | None = None


def _ok(name: str, detail: str) -> Check:
    return Check(name, "ok", detail)


def _fail(name: str, detail: str, fix: str) -> Check:
    return Check(name, "FAIL", detail, fix)


def _skip(name: str, detail: str) -> Check:
    return Check(name, "skip", detail)


# -- the checks ----------------------------------------------------------------------


def check_config(path: Path, name: str) -> tuple[Check, config.Profile | None]:
    """The config file parses and holds profile ``name``."""
    if not path.is_file():
        return _fail(
            "config",
            f"no config file at {path}",
            "create it with a [profiles.NAME] table (docs/configuration.md), pass --config PATH, "
            "or run `cognito-local up` to write the offline demo's `local` profile",
        ), None
    try:
        profiles = config.load(path)
    except errors.ConfigError as exc:
        return _fail("config", str(exc), f"correct it in {path} (docs/configuration.md)"), None
    if name not in profiles:
        known = ", ".join(sorted(profiles)) or "none"
        return _fail(
            "config",
            f"{path} has no profile {name!r} (profiles: {known})",
            f"pass --profile NAME or set ${config.PROFILE_ENV} to one of them",
        ), None
    profile = profiles[name]
    return _ok("config", f"{path}: profile {name!r}, client {profile.client_id}"), profile


def check_resources(directory: Path | None = None) -> Check:
    """Every file in :data:`desktop_app.resources.REQUIRED` is there and not empty."""
    folder = directory if directory is not None else resources.directory()
    missing = []
    for name in resources.REQUIRED:
        try:
            if not (folder / name).read_bytes():
                missing.append(name)
        except OSError:
            missing.append(name)
    if missing:
        fix = _REBUILD if resources.is_frozen() else "restore resources/ from the repository"
        return _fail("resources", f"missing or empty in {folder}: {', '.join(missing)}", fix)
    return _ok("resources", f"{folder} ({len(resources.REQUIRED)} files)")


def qt_probe_command() -> list[str]:
    """This program again, running only :func:`qt_probe`."""
    if resources.is_frozen():
        return [sys.executable, "self-test", QT_PROBE_FLAG]
    return [sys.executable, "-m", "desktop_app", "self-test", QT_PROBE_FLAG]


def qt_probe() -> dict[str, Any]:
    """Start Qt, render a label's text into an image and count the pixels the text
    inked. Runs in the child process; a plugin that cannot load aborts it."""
    from PySide6 import QtCore, QtGui, QtWidgets

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    label = QtWidgets.QLabel("Cognito Desktop self-test: Ag 0123")
    label.adjustSize()
    image = QtGui.QImage(label.size(), QtGui.QImage.Format.Format_RGB32)
    background = QtGui.QColor("white")
    image.fill(background)
    label.render(image)
    ink = sum(
        image.pixel(x, y) != background.rgb()
        for y in range(image.height())
        for x in range(image.width())
    )
    del app
    return {
        "platform": QtGui.QGuiApplication.platformName(),
        "qt": QtCore.qVersion(),
        "families": len(QtGui.QFontDatabase.families()),
        "ink": ink,
    }


def check_qt(
    *,
    command: Sequence[str] | None = None,
    env: Mapping[str, str] | None = None,
    runner: Callable[..., subprocess.CompletedProcess[str]] = subprocess.run,
    timeout: float = QT_TIMEOUT_S,
) -> Check:
    """The Qt platform plugin loads and text renders (fonts are present), in a child."""
    try:
        done = runner(
            list(command or qt_probe_command()),
            env=dict(env) if env is not None else None,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return _fail("qt", f"the Qt probe did not finish in {timeout:.0f} s", _qt_fix(""))
    except OSError as exc:
        return _fail("qt", f"cannot start the Qt probe: {exc}", _REBUILD)
    result = _probe_result(done.stdout)
    if done.returncode != 0 or result is None:
        why = _qt_reason(done.stderr) or f"exit code {done.returncode}, no output"
        return _fail("qt", f"Qt did not start: {why}", _qt_fix(why))
    plugin, families, ink = result.get("platform"), result.get("families"), result.get("ink")
    if not families or not ink:
        return _fail(
            "qt",
            f"platform plugin {plugin!r} loads, but text renders blank "
            f"({families} font families, {ink} pixels inked)",
            _FONT_FIX,
        )
    return _ok(
        "qt",
        f"Qt {result.get('qt')}, platform plugin {plugin!r}, {families} font families, "
        "text renders",
    )


def _probe_result(stdout: str) -> dict[str, Any] | None:
    for line in reversed(stdout.splitlines()):
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return None


def _qt_reason(stderr: str) -> str:
    """Qt's own lines about the plugin (which one, what is missing), else its last lines."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    telling = [
        line
        for line in lines
        if line.startswith("qt.qpa.") or "Could not" in line or "is needed" in line
    ]
    return " / ".join(telling[:2] or lines[-2:])[:400]


def _qt_fix(reason: str) -> str:
    if '"xcb"' in reason:
        return (
            "install the X11 libraries Qt needs (Debian/Ubuntu: apt install libxcb-cursor0 "
            "libxkbcommon-x11-0 libegl1 libgl1), or set QT_QPA_PLATFORM=wayland on Wayland; "
            "QT_DEBUG_PLUGINS=1 shows which library is missing"
        )
    return (
        "check the display and Qt's libraries (Debian/Ubuntu: apt install libgl1 libegl1 "
        "libxkbcommon0 libfontconfig1); QT_DEBUG_PLUGINS=1 shows which library is missing; "
        "QT_QPA_PLATFORM=offscreen runs without a display"
    )


def check_tls(profile: config.Profile | None, environ: Mapping[str, str] = os.environ) -> Check:
    """The CA bundle HTTPS will verify against exists and holds CA certificates."""
    if profile is not None and profile.ca_bundle:
        path, source = profile.ca_bundle, f"profiles.{profile.name}.ca_bundle"
        fix = f"point {source} at a PEM file of your CA certificates"
    elif environ.get("REQUESTS_CA_BUNDLE") or environ.get("CURL_CA_BUNDLE"):
        variable = "REQUESTS_CA_BUNDLE" if environ.get("REQUESTS_CA_BUNDLE") else "CURL_CA_BUNDLE"
        path, source = environ[variable], f"${variable}"
        fix = f"point ${variable} at a PEM file of CA certificates, or unset it"
    else:
        path, source = certifi.where(), "certifi"
        fix = _REBUILD if resources.is_frozen() else "reinstall certifi (pip install certifi)"
    if not Path(path).is_file():
        return _fail("tls", f"CA bundle not found: {path} (from {source})", fix)
    try:
        context = ssl.create_default_context(cafile=path)
    except (ssl.SSLError, OSError, UnicodeDecodeError) as exc:
        return _fail("tls", f"{path} (from {source}) is not a PEM CA bundle: {exc}", fix)
    count = context.cert_store_stats().get("x509_ca", 0)
    if not count:
        return _fail("tls", f"{path} (from {source}) holds no CA certificates", fix)
    return _ok("tls", f"{path} (from {source}, {count} CA certificates)")


def check_keyring(
    profile_name: str, open_store: Callable[[str], store.TokenStore] | None = None
) -> tuple[Check, store.TokenStore]:
    """Sessions can be kept in a secure OS keyring; if not, why not."""
    open_store = open_store or store.open_store
    try:
        token_store = open_store(profile_name)
    except ValueError:  # a name the keyring cannot key on; the backend is the same
        token_store = open_store(config.DEFAULT_PROFILE)
    if token_store.secure:
        return _ok("keyring", f"{token_store.backend_name} (secure)"), token_store
    return _fail(
        "keyring",
        token_store.warning or f"{token_store.backend_name} is not secure",
        _keyring_fix(),
    ), token_store


def _keyring_fix(platform: str = sys.platform) -> str:
    if platform == "darwin":
        return "unlock the login keychain (Keychain Access) and allow cognito-desktop to use it"
    if platform == "win32":
        return "make sure Windows Credential Manager is available to your account"
    return (
        "start and unlock a Secret Service (GNOME Keyring, KWallet or KeePassXC) in your "
        "desktop session; over SSH or in a container, run inside `dbus-run-session` with "
        "`gnome-keyring-daemon --unlock`"
    )


def check_loopback(profile: config.Profile | None) -> Check:
    """A registered loopback redirect port binds, and the sign-in pages load."""
    if profile is None:
        try:
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
        except OSError as exc:
            return _fail("loopback", f"cannot bind 127.0.0.1: {exc}", "allow loopback sockets")
        return _ok("loopback", "127.0.0.1 binds (no profile: registered ports not checked)")
    try:
        with loopback.LoopbackReceiver(profile.redirect_uris, expected_state="self-test") as got:
            bound = got.redirect_uri
    except errors.NoFreePort as exc:
        return _fail(
            "loopback",
            str(exc),
            "close the program holding those ports (another sign-in?), or register another "
            f"loopback port on the app client and add it to profiles.{profile.name}.redirect_uris",
        )
    except (OSError, ValueError) as exc:  # the sign-in pages are missing or broken
        return _fail("loopback", str(exc), _REBUILD)
    return _ok("loopback", f"{bound} binds; the sign-in pages load")


def check_discovery(profile: config.Profile | None, http_session: requests.Session) -> Check:
    """The active profile's discovery document answers, for the right issuer."""
    if profile is None:
        return _skip("discovery", "no profile to check")
    reach = diagnostics.check_discovery(profile, http_session)
    if reach.ok:
        return _ok("discovery", f"{reach.detail} ({reach.elapsed_ms:.0f} ms)")
    return _fail(
        "discovery",
        reach.detail,
        f"check the network and proxy (profiles.{profile.name}.proxy) and the pool "
        "(region, user_pool_id, discovery_url); for the offline demo, start `cognito-local up`",
    )


def check_session(current: session.Session | None) -> Check:
    """Whether a stored session resumes (not signed in is fine)."""
    if current is None:
        return _skip("session", "no profile to check")
    try:
        identity = current.resume()
    except errors.SessionExpired:
        return _ok("session", "the stored session has ended; sign in again")
    except errors.CognitoDesktopError as exc:
        return _fail("session", str(exc), "fix the failing lines above, then try again")
    return _ok("session", f"signed in as {identity.username}" if identity else "not signed in")


def check_api(profile: config.Profile | None, http_session: requests.Session) -> Check:
    """The protected API's health endpoint answers."""
    if profile is None or not profile.api_url:
        return _skip("api", "no api_url in the profile")
    url = f"{profile.api_url.rstrip('/')}/healthz"
    fix = f"is the API running at profiles.{profile.name}.api_url?"
    try:
        response = http_session.get(url, timeout=http.TIMEOUT, allow_redirects=False)
    except requests.RequestException as exc:
        return _fail("api", f"cannot reach {http.describe(url)} ({type(exc).__name__})", fix)
    if response.status_code != 200:
        return _fail("api", f"{http.describe(url)} answered HTTP {response.status_code}", fix)
    return _ok("api", f"{http.describe(url)} answered HTTP 200")


# -- self-test --sign-in ---------------------------------------------------------------


def check_password_config(path: Path, name: str) -> tuple[Check, config.Profile | None]:
    """:func:`check_config`, and the profile has password sign-in turned on."""
    checked, profile = check_config(path, name)
    if profile is None:
        return checked, None
    if not profile.password_sign_in:
        return _fail(
            "config",
            f"profile {name!r} has password sign-in off",
            f"set password_sign_in = true and password_sign_in_client_id (the API's automation "
            f"app client) in profiles.{name} of {path} (docs/configuration.md)",
        ), None
    return _ok(
        "config",
        f"{path}: profile {name!r}, password sign-in through {profile.api_url} "
        f"(client {profile.password_sign_in_client_id})",
    ), profile


def _sign_in_fix(exc: errors.CognitoDesktopError, profile: config.Profile) -> str:
    """What to do about a failed password sign-in."""
    where = f"profiles.{profile.name}"
    if isinstance(exc, password_flow.Refused):
        return {
            "not_found": "turn password sign-in on at the API (PASSWORD_SIGN_IN_CLIENT_ID; "
            f"docs/protected-api.md), or check {where}.api_url",
            "invalid_credentials": "check the username and password on stdin (the username on "
            "the first line, the password on the second; or --username NAME)",
            "user_disabled": "use an enabled test user, or ask an administrator to enable it",
            "password_reset_required": "reset the password once in the browser "
            f"({errors.login_command(profile.name, '--forgot-password')})",
            "too_many_attempts": "wait, then try again with the right password",
            "user_not_confirmed": "confirm the test user's sign-up first, or use another",
        }.get(exc.error, "read the API's reason above; its audit log has the details")
    if isinstance(exc, password_flow.CannotAnswer | _Unanswered):
        return (
            "the self-test answers no challenge: sign in once with "
            f"`{errors.login_command(profile.name, '--password-stdin')}` (it asks for a new "
            "password or a code), or use a test user without one"
        )
    if isinstance(exc, errors.IdTokenError):
        return (
            f"{where}.password_sign_in_client_id must be the API's PASSWORD_SIGN_IN_CLIENT_ID, "
            f"an app client of the pool at {profile.issuer}; check this computer's clock too"
        )
    if isinstance(exc, errors.NetworkError | errors.DiscoveryError):
        return (
            f"is the API running at {where}.api_url, and the pool reachable? (network, "
            f"{where}.proxy); for the offline demo, start `cognito-local up`"
        )
    return "fix the failing lines above, then try again"


class _Unanswered(errors.SignInError):
    """A challenge reached the self-test, which answers none."""


def _no_answers(challenge: password_flow.Challenge) -> str:
    raise _Unanswered(f"the sign-in asks for {challenge.name}")


def run_sign_in(
    config_path: Path,
    profile_name: str,
    credentials: Callable[[], tuple[str, str]],
    *,
    new_http_session: Callable[[config.Profile], requests.Session] | None = None,
) -> list[Check]:
    """``self-test --sign-in``: config, credentials (``credentials()``, read only after
    the config passed), discovery, sign-in, refresh, ``GET /me``, sign-out; after the
    first failure, the rest are skipped. The session is held in memory only."""
    config_check, profile = check_password_config(config_path, profile_name)
    checks = [config_check]
    steps = ("credentials", "discovery", "sign-in", "refresh", "api", "sign-out")
    if profile is None:
        return checks + [_skip(step, "no profile with password sign-in") for step in steps]
    try:
        username, password = credentials()
    except errors.CognitoDesktopError as exc:
        checks.append(
            _fail(
                "credentials",
                str(exc),
                "pipe them in: the username on the first line, the password on the second "
                "(or --username NAME and the password)",
            )
        )
        return checks + [_skip(step, "no credentials") for step in steps[1:]]
    checks.append(_ok("credentials", f"username {username!r} and a password from stdin"))
    opener = new_http_session or diagnostics.new_http_session
    with opener(profile) as http_session:
        checks.append(check_discovery(profile, http_session))
        if checks[-1].status == "FAIL":
            return checks + [_skip(step, "no discovery") for step in steps[2:]]
        current = session.Session(
            profile, token_store=store.MemoryStore(warning=None), http_session=http_session
        )
        checks += _signed_in_steps(current, profile, username, password, http_session)
    return checks


def _signed_in_steps(
    current: session.Session,
    profile: config.Profile,
    username: str,
    password: str,
    http_session: requests.Session,
) -> list[Check]:
    api = (profile.api_url or "").rstrip("/")
    try:
        identity = current.sign_in_with_password(username, password, answer=_no_answers)
    except errors.CognitoDesktopError as exc:
        return [
            _fail("sign-in", str(exc), _sign_in_fix(exc, profile)),
            *(_skip(step, "not signed in") for step in ("refresh", "api", "sign-out")),
        ]
    groups = ", ".join(identity.groups) or "none"
    checks = [
        _ok(
            "sign-in",
            f"signed in as {identity.username} (groups: {groups}) through "
            f"{http.describe(api + password_flow.SIGN_IN_PATH)}; the ID token is valid",
        )
    ]
    try:
        current.refresh()
        checks.append(_ok("refresh", f"new tokens from {password_flow.REFRESH_PATH}"))
    except errors.CognitoDesktopError as exc:
        checks.append(_fail("refresh", str(exc), _sign_in_fix(exc, profile)))
    checks.append(_check_me(current, api, identity.username, http_session))
    problems = current.sign_out()
    if problems:
        checks.append(
            _fail(
                "sign-out",
                "; ".join(problems),
                "the session ends when its refresh token expires; check that the automation "
                "app client allows token revocation (EnableTokenRevocation)",
            )
        )
    else:
        checks.append(_ok("sign-out", "the refresh token is revoked; nothing was kept"))
    return checks


def _check_me(
    current: session.Session, api: str, username: str, http_session: requests.Session
) -> Check:
    """``GET /me`` with the session's access token answers for the same user."""
    url = f"{api}/me"
    fix = "is the API running, and does it accept the automation client's tokens?"
    try:
        response = http_session.get(
            url,
            headers={"Authorization": f"Bearer {current.access_token()}"},
            timeout=http.TIMEOUT,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        return _fail("api", f"cannot reach {http.describe(url)} ({type(exc).__name__})", fix)
    except errors.CognitoDesktopError as exc:
        return _fail("api", str(exc), fix)
    if response.status_code != 200:
        return _fail(
            "api",
            f"GET {http.describe(url)} answered HTTP {response.status_code}",
            "the API must list the automation client in COGNITO_CLIENT_IDS (docs/protected-api.md)"
            if response.status_code == 401
            else fix,
        )
    try:
        who = response.json().get("username")
    except (ValueError, AttributeError):
        who = None
    if who != username:
        return _fail("api", f"GET {http.describe(url)} did not answer for {username}", fix)
    return _ok("api", f"GET {http.describe(url)} answered HTTP 200 for {username}")


# -- the whole run -------------------------------------------------------------------


def run(
    config_path: Path,
    profile_name: str,
    *,
    qt: Callable[[], Check] | None = None,
    open_store: Callable[[str], store.TokenStore] | None = None,
) -> list[Check]:
    """Every check, in order; later ones skip what a failed config leaves unknown.
    ``qt`` and ``open_store`` replace :func:`check_qt` and the real keyring (tests)."""
    config_check, profile = check_config(config_path, profile_name)
    checks = [config_check, check_resources(), (qt or check_qt)(), check_tls(profile)]
    keyring_check, token_store = check_keyring(profile_name, open_store)
    checks += [keyring_check, check_loopback(profile)]
    with diagnostics.new_http_session(profile) if profile else http.new_session() as http_session:
        checks.append(check_discovery(profile, http_session))
        current = (
            session.Session(profile, token_store=token_store, http_session=http_session)
            if profile is not None
            else None
        )
        checks += [check_session(current), check_api(profile, http_session)]
    return checks


def header() -> str:
    """Which build this is: version, commit, packaged or source, Python, platform."""
    version, commit = diagnostics.version_info()
    kind = "packaged build" if resources.is_frozen() else "from source"
    python = ".".join(str(part) for part in sys.version_info[:3])
    return f"cognito-desktop {version} (commit {commit or 'unknown'}), {kind}, Python {python}"


def format_checklist(checks: Sequence[Check]) -> str:
    """One line a check, ``fix:`` under each failure, and a closing verdict."""
    lines = []
    for check in checks:
        lines.append(f"{check.status:<4} {check.name:<10} {check.detail}")
        if check.status == "FAIL" and check.fix:
            lines.append(f"     {'':<10} fix: {check.fix}")
    failed = [check.name for check in checks if check.status == "FAIL"]
    lines.append(f"self-test FAILED: {', '.join(failed)}" if failed else "self-test passed")
    return "\n".join(lines) + "\n"


def passed(checks: Sequence[Check]) -> bool:
    return not any(check.status == "FAIL" for check in checks)
