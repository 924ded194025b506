"""State that survives a restart: ``cognito-local up --state-dir DIR``.

The directory (mode 0700 when the stand-in creates it) holds two files, each mode
0600 and each replaced atomically (a temporary file, then ``os.replace``):

- ``signing-key.pem``: the RSA key tokens are signed with (PKCS#8 PEM, unencrypted),
  so a token issued before a restart still verifies after it;
- ``state.json``: the pool id; the app clients (ids, secrets, settings); the groups
  (description, precedence); the users (username, sub, status, enabled, attributes,
  **password**, groups, TOTP secret and last step, MFA settings, created and modified
  dates); pending emailed codes; the outbox.

It is a local test stand-in: the passwords are stored as moto holds them, in the
clear, which is why the files are the owner's alone. Refresh tokens, managed-login
sessions, auth-challenge sessions and lockout counters are not kept: a restart signs
everyone out (their access and ID tokens still verify offline until they expire).

A :class:`Saver` writes the state from a background thread at most every
:data:`SAVE_INTERVAL_S` after a change, and once more at stop. A state directory that
cannot be honoured (another region, another file format, a corrupt file, a directory
another stand-in is using) is refused with :class:`StateError`, one line; it is never
silently replaced.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import logging
import os
import stat
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from moto.cognitoidp import models as moto_models

from local_cognito import keys

if TYPE_CHECKING:
    from local_cognito import pool as pool_mod

log = logging.getLogger(__name__)

FORMAT = 1
STATE_FILE = "state.json"
KEY_FILE = "signing-key.pem"
LOCK_FILE = ".lock"
SAVE_INTERVAL_S = 2.0
DEMO_DIR_NAME = "cognito-local-state"
# cognito-idp reads (by X-Amz-Target prefix): they change nothing the state keeps.
_READ_PREFIXES = ("Describe", "List", "Get", "AdminGet", "AdminList")
_TARGET_PREFIX = "AWSCognitoIdentityProviderService."


def demo_dir() -> Path:
    """Where ``python3 dev.py demo`` keeps its stand-in: ``cognito-desktop/
    cognito-local-state`` under the platform's user data dir (platformdirs)."""
    import platformdirs  # only the demo asks; `up` starts without it

    return platformdirs.user_data_path("cognito-desktop", appauthor=False) / DEMO_DIR_NAME


class StateError(Exception):
    """A state directory the stand-in cannot use; ``str()`` is one line naming it."""


def changes_state(method: str, target: str | None) -> bool:
    """Whether a request may change what is saved: any POST but a cognito-idp read
    (``Describe*``, ``List*``, ``Get*``, ``AdminGet*``, ``AdminList*``)."""
    if method != "POST":
        return False
    action = (target or "").removeprefix(_TARGET_PREFIX)
    return not (target and action.startswith(_READ_PREFIXES))


# -- snapshot: the pool as plain data ------------------------------------------------------


def _when(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, datetime.datetime) else None


def _parse_when(value: Any) -> datetime.datetime:
    if not isinstance(value, str):
        raise ValueError("a date is missing")
    return datetime.datetime.fromisoformat(value)


def _client(client: Any) -> dict[str, Any]:
    return {
        "id": str(client.id),
        "secret": str(client.secret),
        "generate_secret": bool(client.generate_secret),
        "config": dict(client.extended_config),
    }


def snapshot(pool: pool_mod.LocalPool) -> dict[str, Any]:
    """Everything :func:`restore` needs, as JSON-ready data. Call it while nothing
    changes the pool (the server's request lock): moto's objects have no lock."""
    moto_pool = pool.pool
    special = {pool.client_id, pool.automation_client_id}
    users = []
    for user in list(moto_pool.users.values()):
        status = user.status
        users.append(
            {
                "username": str(user.username),
                "sub": str(user.id),
                "status": str(getattr(status, "value", status)),
                "enabled": bool(user.enabled),
                "attributes": dict(user.attribute_lookup),
                "password": user.password,
                "groups": sorted(g.group_name for g in list(user.groups)),
                "created": _when(user.create_date),
                "modified": _when(user.last_modified_date),
                "mfa": {
                    "software_token_enabled": bool(user.software_token_mfa_enabled),
                    "sms_enabled": bool(user.sms_mfa_enabled),
                    "token_verified": bool(user.token_verified),
                    "preferred": user.preferred_mfa_setting or "",
                },
            }
        )
    return {
        "format": FORMAT,
        "region": pool.settings.region,
        "saved_at": datetime.datetime.fromtimestamp(pool.now(), datetime.UTC).isoformat(),
        "pool": {
            "id": pool.id,
            "created": _when(moto_pool.creation_date),
            "modified": _when(moto_pool.last_modified_date),
        },
        "key_id": pool.key.kid,
        "clients": {
            "desktop": _client(pool.client),
            "automation": _client(pool.automation_client) if pool.automation_client else None,
            "others": [
                _client(c) for cid, c in list(moto_pool.clients.items()) if cid not in special
            ],
        },
        "groups": [
            {
                "name": g.group_name,
                "description": g.description,
                "precedence": g.precedence,
                "role_arn": g.role_arn,
                "created": _when(g.creation_date),
                "modified": _when(g.last_modified_date),
            }
            for g in list(moto_pool.groups.values())
        ],
        "users": users,
        "accounts": pool.accounts.snapshot(),
        "outbox": pool.outbox.as_json(),
    }


# -- restore: a fresh pool becomes the saved one ------------------------------------------


class Saved:
    """A loaded state directory, applied by :class:`~local_cognito.pool.LocalPool`
    while it builds the pool: :meth:`pool_id` and :meth:`signing_key` first (the
    issuer and the tokens depend on them), :meth:`restore_client` for each app client,
    then :meth:`restore_data`."""

    def __init__(self, data: dict[str, Any], key_pem: bytes, source: Path) -> None:
        self.data = data
        self._key_pem = key_pem
        self._source = source

    def _broken(self, why: str) -> StateError:
        return StateError(f"state file {self._source} cannot be used ({why}); fix or remove it")

    @property
    def pool_id(self) -> str:
        return str(self.data["pool"]["id"])

    def signing_key(self) -> keys.SigningKey:
        try:
            return keys.SigningKey.from_pem(self._key_pem, str(self.data["key_id"]))
        except (ValueError, TypeError, KeyError) as exc:
            raise self._broken(f"its signing key does not load: {exc}") from None

    def restore_client(self, pool: Any, client: Any, role: str, settings: dict[str, Any]) -> None:
        """Give ``client`` (just made from the flags) the saved id and secret of the
        ``role`` client ("desktop" or "automation"), and the saved settings under the
        flags' (``settings``: what the flags set wins)."""
        saved = self.data["clients"].get(role)
        if not saved:
            return  # not there last time (e.g. --no-automation-client then): a new one
        _rename_client(pool, client, saved)
        client.extended_config = {**saved["config"], **settings}

    def restore_data(self, local_pool: pool_mod.LocalPool) -> None:
        """The other clients, groups, users, memberships, codes, TOTP and outbox."""
        try:
            self._restore_data(local_pool)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise self._broken(f"{type(exc).__name__}: {exc}") from None

    def _restore_data(self, local_pool: pool_mod.LocalPool) -> None:
        data = self.data
        moto_pool = local_pool.pool
        backend = local_pool.backend
        if data["pool"].get("created"):
            moto_pool.creation_date = _parse_when(data["pool"]["created"])
        for saved in data["clients"].get("others") or []:
            client = moto_models.CognitoIdpUserPoolClient(
                moto_pool.id, bool(saved["generate_secret"]), dict(saved["config"])
            )
            client.extended_config = dict(saved["config"])
            moto_pool.clients[client.id] = client
            _rename_client(moto_pool, client, saved)
        for saved in data["groups"]:
            group = moto_pool.groups.get(saved["name"])
            if group is None:
                group = backend.create_group(
                    moto_pool.id, saved["name"], saved["description"], None, saved["precedence"]
                )
            group.description = saved["description"] or ""
            group.precedence = saved["precedence"]
            group.role_arn = saved.get("role_arn")
            group.creation_date = _parse_when(saved["created"])
            group.last_modified_date = _parse_when(saved["modified"])
        for saved in data["users"]:
            user = moto_models.CognitoIdpUser(
                moto_pool.id,
                str(saved["username"]),
                saved["password"],
                moto_models.UserStatus[saved["status"]],
                [{"Name": k, "Value": str(v)} for k, v in saved["attributes"].items()],
            )
            user.id = str(saved["sub"])
            user.update_attributes([{"Name": "sub", "Value": user.id}])
            user.enabled = bool(saved["enabled"])
            mfa = saved.get("mfa") or {}
            user.software_token_mfa_enabled = bool(mfa.get("software_token_enabled"))
            user.sms_mfa_enabled = bool(mfa.get("sms_enabled"))
            user.token_verified = bool(mfa.get("token_verified"))
            user.preferred_mfa_setting = mfa.get("preferred") or None
            user.create_date = _parse_when(saved["created"])
            user.last_modified_date = _parse_when(saved["modified"])
            moto_pool.users[user.username] = user
            for name in saved["groups"]:
                group = moto_pool.groups[name]
                group.users.add(user)
                user.groups.add(group)
        local_pool.accounts.restore(data.get("accounts") or {})
        local_pool.outbox.restore(data.get("outbox") or [])


def _rename_client(moto_pool: Any, client: Any, saved: dict[str, Any]) -> None:
    moto_pool.clients.pop(client.id, None)
    client.id = str(saved["id"])
    client.secret = str(saved["secret"])
    client.generate_secret = bool(saved["generate_secret"])
    moto_pool.clients[client.id] = client


# -- the directory -------------------------------------------------------------------------


def _write_private(path: Path, content: bytes) -> None:
    """``content`` into ``path`` atomically, mode 0600 from the first byte."""
    temp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, 0o600)  # an umask or an old temp file cannot loosen it
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


class StateDir:
    """One state directory: created private, locked against a second stand-in while
    open (where the platform has ``fcntl``), read and written whole."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path).expanduser()
        self.state_file = self.path / STATE_FILE
        self.key_file = self.path / KEY_FILE
        self._lock_fd: int | None = None
        self._write_lock = threading.Lock()

    def open(self) -> None:
        """Create the directory (0700) if missing and take its lock."""
        try:
            if not self.path.exists():
                self.path.mkdir(mode=0o700, parents=True)
                os.chmod(self.path, 0o700)
            elif not self.path.is_dir():
                raise StateError(f"state dir {self.path} is not a directory")
            elif stat.S_IMODE(self.path.stat().st_mode) & 0o022:
                log.warning(
                    "state dir %s is writable by other users; the state holds passwords",
                    self.path,
                )
            self._lock_fd = os.open(self.path / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise StateError(f"cannot use state dir {self.path}: {exc.strerror or exc}") from None
        try:
            import fcntl  # POSIX only; elsewhere two stand-ins are not kept apart
        except ImportError:
            return
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self.close()
            raise StateError(
                f"state dir {self.path} is in use by another cognito-local; "
                "stop it or pass another --state-dir"
            ) from None

    def close(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # releases the flock
            self._lock_fd = None

    def load(self, region: str) -> Saved | None:
        """The saved state, or ``None`` if there is none yet. ``StateError`` if it
        cannot be honoured."""
        if not self.state_file.exists():
            return None
        where = self.state_file
        try:
            data = json.loads(where.read_text(encoding="utf-8"))
        except OSError as exc:
            raise StateError(f"cannot read state file {where}: {exc.strerror or exc}") from None
        except ValueError as exc:
            raise StateError(
                f"state file {where} is not valid JSON ({exc}); fix or remove it"
            ) from None
        if not isinstance(data, dict) or "format" not in data:
            raise StateError(f"state file {where} is not a cognito-local state; fix or remove it")
        if data["format"] != FORMAT:
            raise StateError(
                f"state file {where} has format {data['format']!r}, this cognito-local "
                f"reads format {FORMAT}; use another --state-dir"
            )
        try:
            saved_region = data["region"]
            pool_id = str(data["pool"]["id"])
            data["clients"]["desktop"]["id"]
            for key in ("groups", "users", "key_id"):
                data[key]
        except (KeyError, TypeError):
            raise StateError(f"state file {where} is incomplete; fix or remove it") from None
        if saved_region != region or not pool_id.startswith(f"{region}_"):
            raise StateError(
                f"state in {self.path} is for a pool in {saved_region}, not {region}; "
                "use another --state-dir"
            )
        try:
            key_pem = self.key_file.read_bytes()
        except OSError as exc:
            raise StateError(
                f"cannot read the signing key {self.key_file}: {exc.strerror or exc}"
            ) from None
        return Saved(data, key_pem, where)

    def save(self, data: dict[str, Any], key: keys.SigningKey) -> None:
        """Write the state (and the key, if it is not there yet)."""
        content = json.dumps(data, separators=(",", ":"), sort_keys=True).encode()
        with self._write_lock:
            if not self.key_file.exists():
                _write_private(self.key_file, key.private_pem())
            _write_private(self.state_file, content)


# -- saving in the background --------------------------------------------------------------


class Saver:
    """Saves the pool when it changed (:meth:`changed`), at most every ``interval_s``,
    from a daemon thread; :meth:`stop` saves once more. ``hold`` is the server's
    request lock, taken while the snapshot is made (not while writing)."""

    def __init__(
        self,
        directory: StateDir,
        pool: pool_mod.LocalPool,
        hold: Callable[[], contextlib.AbstractContextManager[None]] = contextlib.nullcontext,
        interval_s: float | None = None,
    ) -> None:
        self._dir = directory
        self._pool = pool
        self._hold = hold
        self._interval = SAVE_INTERVAL_S if interval_s is None else interval_s
        self._dirty = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.saves = 0  # completed saves (tests wait on it)
        self.last_error: str | None = None

    def changed(self) -> None:
        """Something the state keeps may have changed: save within ``interval_s``."""
        self._dirty.set()

    def save_now(self) -> None:
        """Snapshot (under ``hold``) and write, now."""
        self._dirty.clear()
        with self._hold():
            data = snapshot(self._pool)
        self._dir.save(data, self._pool.key)
        self.saves += 1

    def start(self) -> None:
        self.save_now()  # the ids are on disk before anyone is given them
        self._thread = threading.Thread(target=self._run, name="cognito-local-state", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopping.wait(self._interval):
            if self._dirty.is_set():
                self._save_logged()

    def _save_logged(self) -> None:
        try:
            self.save_now()
            self.last_error = None
        except Exception as exc:  # the thread must outlive one failed save
            self._dirty.set()  # try again next time
            self.last_error = str(exc)
            log.warning("state not saved to %s: %s", self._dir.path, exc)

    def stop(self) -> None:
        """Stop the thread and save the last changes (nothing, if never started)."""
        self._stopping.set()
        if self._thread is None:
            return
        self._thread.join(timeout=10)
        self._thread = None
        self._save_logged()
