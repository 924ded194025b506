"""What a tester pastes into a bug report, and the checks behind "Test connection".

:func:`gather` collects the app version and commit, Python, the platform, the Qt
version and platform plugin (a :class:`QtInfo` from the caller: this module never
imports Qt), the keyring backend and whether it is secure, the config file and
whether it parses, the log folder and the active profile's issuer, domain and
client id. :func:`check_discovery` asks the discovery URL whether it answers, and
:func:`check_connection` fetches discovery and the signing keys. All three do I/O
(file, keyring, network): run them in a worker, never on the GUI thread.

:func:`as_text` is the "Copy diagnostics" text. Its labels stay in English on
purpose (the reader is whoever triages the report); with ``redact=True`` every
secret (:mod:`desktop_app.auth.redact`) and every email address is masked.
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import platform
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

import requests

import desktop_app
from desktop_app import config, errors, logs
from desktop_app.auth import discovery, http, idtoken, redact, store

DISTRIBUTION = "cognito-desktop"
_EMAIL_MASK = "[email]"
_EXTRA_PATTERNS = (
    # Email addresses, plain or percent-encoded (a login_hint in a URL).
    re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"),
    re.compile(r"(?i)[A-Za-z0-9._+-]+%40[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"),
)
# A bearer credential without its "Authorization:" name in front of it.
_BEARER = re.compile(r"(?i)(\bbearer\s+)[^\s'\",}]+")


@dataclasses.dataclass(frozen=True)
class QtInfo:
    """The Qt the app runs on, as the GUI sees it."""

    qt_version: str
    pyside_version: str
    platform_plugin: str


@dataclasses.dataclass(frozen=True)
class Reachability:
    """Whether the discovery document answered, and how long it took."""

    ok: bool
    detail: str
    elapsed_ms: float


@dataclasses.dataclass(frozen=True)
class ConnectionResult:
    """A passed "Test connection": discovery is valid and the signing keys load.

    ``discovery_url`` and ``jwks_uri`` are the addresses asked, as safe to show
    (:func:`desktop_app.auth.http.describe`: no query, no user-info; redirects are
    refused, so they are the addresses that answered); ``proxy`` the proxy the
    requests went through (scheme, host and port only), None for none."""

    issuer: str
    discovery_url: str
    jwks_uri: str
    key_count: int
    elapsed_ms: float
    proxy: str | None = None


@dataclasses.dataclass(frozen=True)
class Report:
    """Everything :func:`as_text` prints. ``profile`` is the parsed active profile
    (for :func:`check_discovery`), ``None`` when the config did not yield one."""

    version: str
    commit: str | None
    python: str
    platform: str
    qt: QtInfo | None
    keyring_backend: str
    keyring_secure: bool
    keyring_reason: str | None
    config_path: str
    config_exists: bool
    config_status: str
    log_dir: str
    profile_name: str
    issuer: str | None = None
    domain: str | None = None
    client_id: str | None = None
    discovery_url: str | None = None
    discovery: Reachability | None = None
    profile: config.Profile | None = dataclasses.field(default=None, repr=False, compare=False)


def version_info() -> tuple[str, str | None]:
    """``(version, short commit or None)``: the package's own values if it sets
    ``__version__`` / ``__commit__`` (a packaged build), else the installed
    distribution's version and the commit of a source checkout."""
    version = getattr(desktop_app, "__version__", None)
    if not isinstance(version, str) or not version:
        try:
            version = importlib.metadata.version(DISTRIBUTION)
        except importlib.metadata.PackageNotFoundError:
            version = "unknown"
    commit = getattr(desktop_app, "__commit__", None)
    if not isinstance(commit, str) or not commit:
        commit = git_commit(Path(desktop_app.__file__).resolve().parents[1])
    return version, commit


def git_commit(root: Path) -> str | None:
    """The 12-character commit checked out at ``root``, read from ``.git`` (no git
    process), or ``None`` outside a checkout."""
    git = root / ".git"
    try:
        if git.is_file():  # a worktree: the file points at its git dir
            text = git.read_text(encoding="utf-8").strip()
            if not text.startswith("gitdir:"):
                return None
            git = (root / text.removeprefix("gitdir:").strip()).resolve()
        if not git.is_dir():
            return None
        head = (git / "HEAD").read_text(encoding="utf-8").strip()
        if not head.startswith("ref:"):
            return _short(head)
        ref = head.removeprefix("ref:").strip()
        common = git
        if (git / "commondir").is_file():
            common = (git / (git / "commondir").read_text(encoding="utf-8").strip()).resolve()
        for base in (git, common):
            if (base / ref).is_file():
                return _short((base / ref).read_text(encoding="utf-8").strip())
        packed = common / "packed-refs"
        if packed.is_file():
            for line in packed.read_text(encoding="utf-8").splitlines():
                sha, _, name = line.partition(" ")
                if name == ref:
                    return _short(sha)
    except (OSError, UnicodeDecodeError):
        return None
    return None


def _short(sha: str) -> str | None:
    return sha[:12] if re.fullmatch(r"[0-9a-f]{40}([0-9a-f]{24})?", sha) else None


def gather(
    config_path: Path,
    active: config.Profile | str,
    *,
    qt: QtInfo | None = None,
    token_store: store.TokenStore | None = None,
    log_dir: Path | None = None,
) -> Report:
    """A :class:`Report` without the network check (see :func:`check_discovery`).

    ``active`` is the profile the app runs with, or its name to look up in the
    file. Reads the config file and, unless ``token_store`` is given, opens the
    keyring (which can take up to the store's timeout): call it from a worker.
    """
    version, commit = version_info()
    profile_name = active.name if isinstance(active, config.Profile) else active
    if token_store is None:
        token_store = _open_store(profile_name)
    exists = config_path.is_file()
    profile = active if isinstance(active, config.Profile) else None
    try:
        profiles = config.load(config_path)
    except errors.ConfigError as exc:
        status = str(exc)
    else:
        names = ", ".join(sorted(profiles)) or "none"
        status = f"valid (profiles: {names})"
        if profile_name not in profiles:
            status += f"; no profile {profile_name!r}"
        elif profile is None:
            profile = profiles[profile_name]
    return Report(
        version=version,
        commit=commit,
        python=f"{platform.python_version()} ({platform.python_implementation()})",
        platform=f"{platform.platform()} ({sys.platform}, {platform.machine()})",
        qt=qt,
        keyring_backend=token_store.backend_name,
        keyring_secure=token_store.secure,
        keyring_reason=None if token_store.secure else token_store.warning,
        config_path=str(config_path),
        config_exists=exists,
        config_status=status,
        log_dir=str(log_dir if log_dir is not None else logs.log_dir()),
        profile_name=profile_name,
        issuer=profile.issuer if profile else None,
        domain=profile.domain if profile else None,
        client_id=profile.client_id if profile else None,
        discovery_url=profile.effective_discovery_url if profile else None,
        profile=profile,
    )


def _open_store(profile_name: str) -> store.TokenStore:
    try:
        return store.open_store(profile_name)
    except ValueError:  # a name the keyring cannot key on; the backend is the same
        return store.open_store(config.DEFAULT_PROFILE)


def new_http_session(profile: config.Profile) -> requests.Session:
    """The session the app would use for ``profile`` (its CA bundle and proxy)."""
    proxies = {"http": profile.proxy, "https": profile.proxy} if profile.proxy else None
    return http.new_session(ca_bundle=profile.ca_bundle, proxies=proxies)


def check_discovery(
    profile: config.Profile,
    session: requests.Session,
    *,
    clock: Callable[[], float] = time.monotonic,
) -> Reachability:
    """Fetch the discovery document now (never from the process cache) and check its
    issuer. Bounded by :data:`desktop_app.auth.http.TIMEOUT`; never raises for a
    network or server problem, which is the answer."""
    start = clock()
    url = profile.effective_discovery_url

    def elapsed() -> float:
        return (clock() - start) * 1000.0

    try:
        document = http.get_json(session, url)
    except errors.CognitoDesktopError as exc:
        return Reachability(False, str(exc), elapsed())
    issuer = document.get("issuer")
    if issuer != profile.issuer:
        shown = issuer if isinstance(issuer, str) else type(issuer).__name__
        return Reachability(
            False,
            f"{http.describe(url)} answered for issuer {shown!r}, "
            f"not the profile's {profile.issuer!r}",
            elapsed(),
        )
    return Reachability(True, f"{http.describe(url)} answered; issuer matches", elapsed())


def check_connection(
    profile: config.Profile,
    session: requests.Session,
    *,
    clock: Callable[[], float] = time.monotonic,
) -> ConnectionResult:
    """Check ``profile`` end to end as sign-in would use it: discovery (validated
    like the app validates it) and the JWKS (fetched now), which must hold at
    least one usable RS256 key. Raises :class:`~desktop_app.errors.CognitoDesktopError`
    with a one-line, secret-free message on any failure."""
    start = clock()
    discovery_url = profile.effective_discovery_url
    proxy = proxy_for(session, discovery_url)
    try:
        endpoints = discovery.discover(profile, session)
    except errors.NetworkError as exc:
        raise _unreachable(discovery_url, proxy, exc) from None
    try:
        document = http.get_json(session, endpoints.jwks_uri, max_bytes=idtoken.MAX_JWKS_BYTES)
    except errors.NetworkError as exc:
        raise _unreachable(
            endpoints.jwks_uri, proxy_for(session, endpoints.jwks_uri), exc
        ) from None
    except errors.CognitoDesktopError as exc:
        raise errors.DiscoveryError(f"bad signing key set: {exc}") from None
    keys = idtoken.parse_jwks(document)
    if not keys:
        raise errors.DiscoveryError(
            f"the signing key set at {http.describe(endpoints.jwks_uri)} has no usable RS256 key"
        )
    return ConnectionResult(
        issuer=endpoints.issuer,
        discovery_url=http.describe(discovery_url),
        jwks_uri=http.describe(endpoints.jwks_uri),
        key_count=len(keys),
        elapsed_ms=(clock() - start) * 1000.0,
        proxy=proxy,
    )


def proxy_for(session: requests.Session, url: str) -> str | None:
    """The proxy ``session`` sends a request for ``url`` through (its own setting, else
    the environment's, minus ``NO_PROXY``) as ``scheme://host:port``, None for none.
    Never its user name or password."""
    settings = session.merge_environment_settings(url, {}, False, None, None)
    proxy = requests.utils.select_proxy(url, settings.get("proxies") or {})
    if not proxy:
        return None
    if "://" not in proxy:  # requests reads "host:port" as http://host:port
        proxy = f"http://{proxy}"
    return http.describe(proxy).rstrip("/")


def _unreachable(
    url: str, proxy: str | None, exc: errors.CognitoDesktopError
) -> errors.NetworkError:
    """``could not reach URL (through proxy P): reason``: the address named once."""
    where = http.describe(url)
    reason = str(exc)
    for prefix in (f"cannot reach {where} ", f"{where} "):
        if reason.startswith(prefix):
            reason = reason.removeprefix(prefix).strip("()")
            break
    through = f" through proxy {proxy}" if proxy else ""
    return errors.NetworkError(f"could not reach {where}{through}: {reason}")


def redact_text(text: str) -> str:
    """``text`` with every recognisable secret and every email address masked."""
    text = redact.redact(text)
    text = _BEARER.sub(lambda m: m.group(1) + "[redacted]", text)
    for pattern in _EXTRA_PATTERNS:
        text = pattern.sub(_EMAIL_MASK, text)
    return text


def as_text(report: Report, redact: bool = True) -> str:
    """The plain-text report ("Copy diagnostics"); redacted unless ``redact=False``."""
    qt = report.qt
    keyring = report.keyring_backend + (
        " (secure)" if report.keyring_secure else f" (NOT secure: {report.keyring_reason or '?'})"
    )
    if report.discovery is None:
        reach = "not checked" if report.profile is not None else "no profile to check"
    else:
        verdict = "reachable" if report.discovery.ok else "FAILED"
        reach = f"{verdict} in {report.discovery.elapsed_ms:.0f} ms: {report.discovery.detail}"
    lines = [
        "Cognito Desktop diagnostics",
        f"Version: {report.version} (commit {report.commit or 'unknown'})",
        f"Python: {report.python}",
        f"Platform: {report.platform}",
        (
            f"Qt: {qt.qt_version} (PySide6 {qt.pyside_version}); "
            f"platform plugin: {qt.platform_plugin or '?'}"
            if qt
            else "Qt: not loaded"
        ),
        f"Keyring: {keyring}",
        f"Config file: {report.config_path} ({'exists' if report.config_exists else 'missing'})",
        f"Config status: {report.config_status}",
        f"Log folder: {report.log_dir}",
        f"Active profile: {report.profile_name}",
        f"  issuer: {report.issuer or '-'}",
        f"  domain: {report.domain or '-'}",
        f"  client_id: {report.client_id or '-'}",
        f"  discovery_url: {report.discovery_url or '-'}",
        f"Discovery: {reach}",
    ]
    text = "\n".join(lines) + "\n"
    return redact_text(text) if redact else text
