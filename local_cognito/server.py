"""One loopback HTTP server: moto's cognito-idp API plus managed login.

:class:`LocalCognito` is what ``cognito-local up``, the tests and the
benchmarks start. It is a context manager and serves from a daemon thread.
"""

from __future__ import annotations

import contextlib
import io
import ipaddress
import logging
import os
import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from typing import Any

from moto.moto_server.werkzeug_app import create_backend_app
from werkzeug import serving

from local_cognito import api_guard, quotas, seed, settings, state, web
from local_cognito import pool as pool_mod

log = logging.getLogger(__name__)
# Authlib logs every issued token dict at DEBUG ("Issue token %r"); keep its
# debug output off so `cognito-local up -v` never writes a token to a log.
logging.getLogger("authlib").setLevel(logging.WARNING)

MAX_BODY_BYTES = 1024 * 1024


class _QuietHandler(serving.WSGIRequestHandler):
    """Logs method, path and status only: query strings can carry codes and state."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        path = self.path.split("?", 1)[0]
        log.debug("%s %s %s", self.command, path, code)

    def log_error(self, format: str, *args: Any) -> None:
        log.warning("http: " + format, *args)


class _Dispatcher:
    """Routes each request to the managed-login app or to moto, one at a time.

    moto's backend is not thread-safe, so requests run under one lock; the body
    is read (and capped) before the lock is taken so a slow client holds nobody up.
    A Lambda trigger's handler calls this server back (as a deployed one calls
    Cognito), so the request that runs a trigger lets go of the lock while it waits
    (:meth:`released`).
    Requests for moto pass :mod:`~local_cognito.api_guard` first (no web pages),
    and moto's CORS headers are taken off its answers. With quotas on (``limiter``),
    a request over its category's rate is answered before the lock, as Cognito
    throttles it (:mod:`~local_cognito.quotas`). ``on_change`` is told after each
    request that may have changed the pool (the state saver).
    """

    def __init__(
        self,
        login_app: Any,
        moto_app: Any,
        pool_id: str,
        origin: Callable[[], str],
        *,
        limiter: quotas.Limiter | None = None,
    ) -> None:
        self._login_app = login_app
        self._moto_app = moto_app
        self._pool_id = pool_id
        self._origin = origin  # the base URL: the one Origin moto's API accepts
        self._limiter = limiter
        self.on_change: Callable[[], None] | None = None
        self._lock = threading.Lock()
        self._owner: int | None = None  # the thread holding the lock

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """The request lock: nothing changes the pool over HTTP while it is held."""
        with self._held():
            yield

    @contextlib.contextmanager
    def _held(self) -> Iterator[None]:
        with self._lock:
            self._owner = threading.get_ident()
            try:
                yield
            finally:
                self._owner = None

    @contextlib.contextmanager
    def released(self) -> Iterator[None]:
        """Let other requests in while this one waits (for a trigger's handler)."""
        if self._owner != threading.get_ident():
            yield  # not inside a request (a test, the seed): nothing to let go of
            return
        self._owner = None
        self._lock.release()
        try:
            yield
        finally:
            self._lock.acquire()
            self._owner = threading.get_ident()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY_BYTES:
            start_response("413 Content Too Large", [("Content-Type", "text/plain")])
            return [b"request body too large\n"]
        body = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(body)
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "/")
        if web.owns(method, path, self._pool_id):
            if self._limiter is not None:
                refused = self._limiter.admit_page(method, path, body)
                if refused is not None:
                    return self._answer(start_response, *quotas.page_refusal(path, refused))
            with self._held():
                answer = list(self._login_app(environ, start_response))
            self._changed(method, None)
            return answer
        reason = api_guard.refusal(environ, self._origin())
        if reason is not None:
            return api_guard.refuse(reason, start_response)
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if self._limiter is not None:
            action = target.removeprefix(api_guard.TARGET_PREFIX)
            if self._limiter.admit_api(action, body) is not None:
                return self._answer(start_response, *quotas.api_refusal())
        with self._held():
            answer = list(self._moto_app(environ, api_guard.without_cors(start_response)))
        self._changed(method, target)
        return answer

    def _changed(self, method: str, target: str | None) -> None:
        if self.on_change is not None and state.changes_state(method, target):
            self.on_change()

    @staticmethod
    def _answer(
        start_response: Any, status: str, headers: list[tuple[str, str]], body: bytes
    ) -> list[bytes]:
        start_response(status, headers)
        return [body]


class LocalCognito:
    """The stand-in: a seeded pool served on ``host:port`` until :meth:`stop`."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = settings.DEFAULT_PORT,
        config: settings.PoolSettings = settings.DEFAULTS,
        now: settings.Clock = settings.system_clock,
        demo_users: bool = True,
        users: int = 0,
        state_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        """``state_dir``: keep the pool across restarts there (:mod:`~local_cognito.state`;
        ``StateError`` if it holds a state this cannot honour). ``config.quotas``: emulate
        Cognito's request-rate quotas on the clock ``now``."""
        if not _is_loopback(host):
            raise ValueError(f"refusing to serve on {host!r}: the stand-in binds loopback only")
        self.state_dir: state.StateDir | None = None
        saved = None
        if state_dir is not None:
            self.state_dir = state.StateDir(state_dir)
            self.state_dir.open()
            try:
                saved = self.state_dir.load(config.region)
            except state.StateError:
                self.state_dir.close()
                raise
        try:
            self.pool = pool_mod.LocalPool(config, now=now, saved=saved)
        except state.StateError:
            if self.state_dir is not None:
                self.state_dir.close()
            raise
        if saved is None:
            self.demo_users = seed.seed_demo(self.pool) if demo_users else []
        else:  # they were seeded on the first run; what testers changed since is kept
            self.demo_users = list(seed.DEMO_USERS) if demo_users else []
        seed.seed_synthetic(self.pool, users, skip_existing=saved is not None)
        self.login = web.ManagedLogin(self.pool, lambda: self.url)
        self.login.demo_users = [u.as_json() for u in self.demo_users]
        moto_app = create_backend_app("cognito-idp")
        moto_app.debug = False  # no tracebacks in responses
        self.limiter = quotas.Limiter(config.quotas, now) if config.quotas is not None else None
        self._app = _Dispatcher(
            web.create_app(self.login),
            moto_app,
            self.pool.id,
            lambda: self.url,
            limiter=self.limiter,
        )
        self.saver: state.Saver | None = None
        if self.state_dir is not None:
            self.saver = state.Saver(self.state_dir, self.pool, self._app.held)
            self._app.on_change = self.saver.changed
        self._host = host
        self._port = port
        self._server: serving.BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:9229`` (the real port once started)."""
        port = self._server.port if self._server else self._port
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{port}"

    def start(self) -> LocalCognito:
        """Bind and serve in a daemon thread. ``OSError`` if the port is taken."""
        # Bind here: werkzeug's own bind prints to stderr and calls sys.exit()
        # when the port is taken; this raises OSError for the caller instead.
        family = socket.AF_INET6 if ":" in self._host else socket.AF_INET
        listener = socket.create_server((self._host, self._port), family=family, backlog=128)
        try:
            self._server = serving.make_server(
                self._host,
                self._port,
                self._app,
                threaded=True,
                request_handler=_QuietHandler,
                fd=listener.fileno(),
            )
        finally:
            listener.close()  # werkzeug serves on its own duplicate of the descriptor
        # A short poll keeps stop() quick; the loop is idle select() otherwise.
        # The triggers' Cognito client calls this server, as a deployed function calls Cognito.
        self.pool.triggers.bind(self.url, self._app.released)
        if self.saver is not None:
            self.saver.start()  # the ids are on disk before `up` prints them
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="cognito-local", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving (saving the state, with ``state_dir``) and drop the pool."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self.saver is not None:
            self.saver.stop()  # the last changes
        if self.state_dir is not None:
            self.state_dir.close()
        self.pool.close()

    def __enter__(self) -> LocalCognito:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def info(self) -> dict[str, Any]:
        """The endpoints and credentials ``cognito-local up --json`` prints."""
        discovery = self.login.discovery()
        return {
            "managed_login_url": self.url,
            "cognito_idp_endpoint": self.url,
            "issuer": discovery["issuer"],
            "issuer_format": self.pool.settings.issuer_format,
            "discovery_url": f"{self.url}/{self.pool.id}/.well-known/openid-configuration",
            "jwks_url": discovery["jwks_uri"],
            "region": self.pool.settings.region,
            "user_pool_id": self.pool.id,
            "client_id": self.pool.client_id,
            # The API integration's client (None with PoolSettings(automation_client=False)).
            "automation_client_id": self.pool.automation_client_id,
            "callback_urls": list(self.pool.settings.callback_urls),
            "logout_urls": list(self.pool.settings.logout_urls),
            "scopes": list(self.pool.settings.scopes),
            "mfa": self.pool.settings.mfa,
            "self_sign_up": self.pool.settings.self_sign_up,
            "triggers": sorted(self.pool.triggers.enabled),
            "allowed_email_domains": list(self.pool.settings.allowed_email_domains),
            "default_group": self.pool.settings.default_group,
            "api_url": None,
            "outbox_url": f"{self.url}/outbox",
            "demo_users": [u.as_json() for u in self.demo_users],
            # Where the pool is kept across restarts (null: in memory only).
            "state_dir": str(self.state_dir.path) if self.state_dir is not None else None,
            # Each category's rate in requests per second (null: no quotas).
            "quotas": dict(quotas_.rates) if (quotas_ := self.pool.settings.quotas) else None,
        }


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
