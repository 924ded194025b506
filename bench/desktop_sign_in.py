"""Desktop sign-in end to end, ours vs google-auth-oauthlib's InstalledAppFlow; silent sign-in.

``cognito-local up --no-api`` runs in its own process (the clients here stay off its
GIL). The same scripted person drives both apps: each app "opens the browser" through
one ``webbrowser`` controller registered by this benchmark, which, like a real browser,
returns at once and meanwhile (in a thread) opens the authorize URL with a new
``ScriptedBrowser`` (no SSO cookie), submits ``alice``'s credentials, and follows the
redirect to the app's loopback receiver with ``requests``.

* **ours**: a new ``desktop_app.auth.session.Session`` per run (so a new HTTP session and
  a new JWKS client, hence one JWKS fetch per run, as a fresh ``cognito-desktop login``
  does; the discovery document stays cached for the process, as in the app), then
  ``sign_in()``: PKCE, ``state`` and ``nonce``, loopback receiver, code exchange, ID
  token validation (RS256 via JWKS, iss, aud, token_use, exp/iat, nonce) and the
  keyring write, over a real Secret Service (gnome-keyring on a private D-Bus bus).
* **theirs** (the baseline): a new ``InstalledAppFlow`` per run, then
  ``run_local_server()``: PKCE (S256), ``state``, loopback server, code exchange; no ID
  token verification and nothing persisted.

Both are timed from creating the client object to tokens in hand (ours: and stored).
The runs alternate which goes first. For context, ours with a ``MemoryStore`` (same
everything but the keyring write) is interleaved too, and ours' keyring writes are
timed on their own.

What this benchmark has to adapt for the baseline, and nothing else:

* ``run_local_server`` always sends ``redirect_uri=http://127.0.0.1:PORT/``; Cognito
  matches callback URLs exactly, so that URL is registered on the app client (next to
  the existing ones) with ``UpdateUserPoolClient`` before timing;
* Cognito app clients for desktop apps are public: the code exchange must send
  ``client_id`` in the body and no client secret, so ``fetch_token`` gets
  ``include_client_id=True`` (by default it sends Basic auth with an empty secret,
  which the stand-in refuses with ``invalid_client``);
* ``run_local_server`` binds without ``SO_REUSEADDR`` and its server closes the
  connection first, which leaves the port in TIME_WAIT: the same port cannot be bound
  again for about a minute (``EADDRINUSE``). So every run of it gets its own registered
  port (below the ephemeral range). Ours binds the same registered port every run: its
  receiver lets the browser close first, so no TIME_WAIT lands on the port;
* oauthlib refuses plain-http token endpoints unless ``OAUTHLIB_INSECURE_TRANSPORT=1``,
  which is set in this benchmark's process only (the stand-in is http on loopback).

Silent sign-in: after one interactive sign-in, a new ``Session`` per run calls
``resume()``: keyring read, refresh-token grant at the stand-in, validation of the
refreshed ID token (with its JWKS fetch). Baseline in the same run, interleaved: a bare
``requests.post`` of the same refresh-token grant. The issue states no goal for it.

Run: ``python -m bench.desktop_sign_in [--quick]``.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import threading
import time
import webbrowser
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import keyring.backends.SecretService
import requests
from google_auth_oauthlib.flow import InstalledAppFlow  # type: ignore[import-untyped]

from bench import _common as common
from desktop_app import config
from desktop_app.auth import discovery, session, store
from local_cognito import profile as local_profile
from tests.support import scripted_browser, secret_service

USERNAME = "alice"
PASSWORD = "Alice-Passw0rd!"
GOAL = 1.25  # median ours / median theirs, at most
BROWSER_NAME = "cognito-bench-scripted"
FLOW_TIMEOUT_S = 30  # every wait for a browser or a redirect is bounded by this
KEYRING_SERVICE = "cognito-desktop-bench"
KEYRING_PROFILE = "bench"


# -- the scripted person and browser ---------------------------------------------------------


class ScriptedPerson:
    """What both apps reach when they open the browser: returns at once, like a real
    browser, and completes managed login in a thread, ending at the app's loopback URL."""

    def __init__(self, base_url: str) -> None:
        self._base_url = base_url
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._failures: list[str] = []

    def open(self, url: str) -> bool:
        thread = threading.Thread(target=self._browse, args=(url,), daemon=True)
        with self._lock:
            self._threads.append(thread)
        thread.start()
        return True

    def _browse(self, url: str) -> None:
        browser = scripted_browser.ScriptedBrowser(self._base_url)
        try:
            page = browser.open_url(url)
            if isinstance(page, str):
                raise RuntimeError("authorize skipped the login form: a new browser had a session")
            callback = browser.submit(page, username=USERNAME, password=PASSWORD)
            if not isinstance(callback, str):
                raise RuntimeError(f"sign-in did not redirect: {callback.status} {callback.error}")
            # The browser follows the redirect to the app's loopback receiver.
            response = requests.get(callback, timeout=common.TIMEOUT_S)
            if response.status_code != 200:
                raise RuntimeError(f"the loopback receiver answered {response.status_code}")
        except Exception as exc:
            with self._lock:
                self._failures.append(f"{type(exc).__name__}: {exc}")
        finally:
            browser.http.close()

    def settle(self) -> list[str]:
        """Wait (bounded) for the browser threads started so far; their failures."""
        with self._lock:
            threads, self._threads = self._threads, []
        for thread in threads:
            thread.join(FLOW_TIMEOUT_S)
        with self._lock:
            failures, self._failures = self._failures, []
        return failures + ["a browser thread did not finish" for t in threads if t.is_alive()]


class _Controller(webbrowser.BaseBrowser):
    """The ``webbrowser`` entry both apps open URLs through."""

    def __init__(self, person: ScriptedPerson) -> None:
        super().__init__(BROWSER_NAME)
        self._person = person

    def open(self, url: str, new: int = 0, autoraise: bool = True) -> bool:
        return self._person.open(url)


def _open_in_scripted_browser(url: str) -> bool:
    return webbrowser.get(BROWSER_NAME).open(url)


def _never_open(url: str) -> bool:
    raise RuntimeError("silent sign-in tried to open a browser")


# -- stores ----------------------------------------------------------------------------------


class TimedStore:
    """A :class:`~desktop_app.auth.store.TokenStore` that times the wrapped store's saves."""

    def __init__(self, inner: store.TokenStore) -> None:
        self.inner = inner
        self.backend_name = inner.backend_name
        self.secure = inner.secure
        self.warning = inner.warning
        self.save_seconds: list[float] = []

    def load(self) -> store.StoredSession | None:
        return self.inner.load()

    def save(self, stored: store.StoredSession) -> None:
        start = time.perf_counter()
        self.inner.save(stored)
        self.save_seconds.append(time.perf_counter() - start)

    def delete(self) -> None:
        self.inner.delete()


@contextlib.contextmanager
def keyring_store() -> Iterator[tuple[store.TokenStore, str]]:
    """A KeyringStore over a real Secret Service started for this run, and a note saying
    so; a MemoryStore and a note saying why if this machine lacks the programs."""
    lacking = secret_service.missing()
    if lacking:
        yield (
            store.MemoryStore(warning=None),
            (
                f"NOTE: no Secret Service here (missing {', '.join(lacking)}; apt: dbus "
                "gnome-keyring), so 'ours' stores in a MemoryStore: NO keyring write is timed."
            ),
        )
        return
    with (
        tempfile.TemporaryDirectory(prefix="bench-secret-service-") as tmp,
        secret_service.running(Path(tmp)) as env,
    ):
        old = os.environ.get("DBUS_SESSION_BUS_ADDRESS")
        os.environ["DBUS_SESSION_BUS_ADDRESS"] = env["DBUS_SESSION_BUS_ADDRESS"]
        try:
            opened = store.open_store(
                KEYRING_PROFILE,
                service=KEYRING_SERVICE,
                backend=keyring.backends.SecretService.Keyring(),  # type: ignore[no-untyped-call]
            )
            if not isinstance(opened, store.KeyringStore) or not opened.secure:
                raise RuntimeError(f"the Secret Service was not usable: {opened!r}")
            yield (
                opened,
                (
                    f"'ours' stores in {opened.backend_name} (gnome-keyring on a private "
                    "D-Bus session bus started for this run)."
                ),
            )
        finally:
            if old is None:
                os.environ.pop("DBUS_SESSION_BUS_ADDRESS", None)
            else:
                os.environ["DBUS_SESSION_BUS_ADDRESS"] = old


# -- one run of each -------------------------------------------------------------------------


def ours_once(
    profile: config.Profile, token_store: store.TokenStore, person: ScriptedPerson
) -> tuple[float, bool]:
    """One interactive sign-in with a new Session; seconds, and whether it signed in
    ``alice`` and stored her session."""
    token_store.delete()  # untimed: a session left from an earlier run cannot pass the check
    signed_in: list[session.Identity] = []
    made: list[session.Session] = []

    def run() -> None:
        app = session.Session(
            profile, token_store=token_store, open_browser=_open_in_scripted_browser
        )
        made.append(app)
        signed_in.append(app.sign_in(timeout=FLOW_TIMEOUT_S))

    seconds = common.timed_clean(run)
    failures = person.settle()
    made[0].http.close()
    stored = token_store.load()
    ok = (
        not failures
        and signed_in[0].username == USERNAME
        and stored is not None
        and stored.username == USERNAME
        and stored.sub == signed_in[0].sub
        and bool(stored.refresh_token)
    )
    for failure in failures:
        print(f"ours: browser failure: {failure}")
    return seconds, ok


class _PublicClientFlow(InstalledAppFlow):  # type: ignore[misc]  # untyped library
    """InstalledAppFlow for a public client: ``client_id`` in the token request body."""

    def fetch_token(self, **kwargs: Any) -> Any:
        kwargs.setdefault("include_client_id", True)
        return super().fetch_token(**kwargs)


def theirs_once(
    client_config: dict[str, Any], scopes: Sequence[str], port: int, person: ScriptedPerson
) -> tuple[float, bool]:
    """One ``run_local_server`` sign-in with a new flow; seconds, and whether it got
    an access token."""
    flows: list[Any] = []
    credentials: list[Any] = []

    def run() -> None:
        flow = _PublicClientFlow.from_client_config(
            client_config, scopes=list(scopes), autogenerate_code_verifier=True
        )
        flows.append(flow)
        credentials.append(
            flow.run_local_server(
                host="127.0.0.1",
                port=port,
                open_browser=True,
                browser=BROWSER_NAME,
                authorization_prompt_message=None,
                timeout_seconds=FLOW_TIMEOUT_S,
            )
        )

    seconds = common.timed_clean(run)
    failures = person.settle()
    flows[0].oauth2session.close()
    token = getattr(credentials[0], "token", None)
    ok = not failures and isinstance(token, str) and bool(token)
    for failure in failures:
        print(f"theirs: browser failure: {failure}")
    return seconds, ok


# -- the benchmark ---------------------------------------------------------------------------


def _interleaved(reps: int, variants: Sequence[Callable[[], None]]) -> None:
    """``reps`` rounds of every variant, the starting one rotating each round."""
    for rep in range(reps):
        for offset in range(len(variants)):
            variants[(rep + offset) % len(variants)]()


def main(argv: Sequence[str] | None = None) -> int:
    args = common.parse_args(__doc__.splitlines()[0] if __doc__ else "", argv)
    reps = 5 if args.quick else 30
    warmup = 1 if args.quick else 3
    common.print_header(
        "desktop_sign_in: ours vs google-auth-oauthlib InstalledAppFlow; silent sign-in",
        args.quick,
    )
    # oauthlib refuses http token endpoints otherwise; the stand-in is http on loopback.
    os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"
    discovery.clear_cache()

    with common.cognito_local_up("--no-api") as info, keyring_store() as (kept, store_note):
        person = ScriptedPerson(info["managed_login_url"])
        webbrowser.register(BROWSER_NAME, None, _Controller(person))
        ours_port, *theirs_ports = common.free_loopback_ports(1 + warmup + reps)
        ours_uri = f"http://127.0.0.1:{ours_port}/callback"
        # Exactly what run_local_server sends; a new port every run (see the docstring).
        theirs_uris = [f"http://127.0.0.1:{port}/" for port in theirs_ports]
        idp = common.idp_client(info["cognito_idp_endpoint"])
        registered = common.add_callback_urls(
            idp, info["user_pool_id"], info["client_id"], [ours_uri, *theirs_uris]
        )
        if not {ours_uri, *theirs_uris} <= set(registered):
            raise RuntimeError(f"callback URLs not registered: {registered}")
        unused_ports = list(reversed(theirs_ports))
        values = local_profile.profile_values(info)
        values["redirect_uris"] = [ours_uri]
        profile = config.parse_profile("local", values)
        endpoints = discovery.discover(profile, requests.Session())
        client_config = {
            "installed": {
                "client_id": info["client_id"],
                "client_secret": None,  # a public client
                "auth_uri": endpoints.authorization_endpoint,
                "token_uri": endpoints.token_endpoint,
                "redirect_uris": theirs_uris,
            }
        }
        keyring_timed = TimedStore(kept)
        memory = store.MemoryStore(warning=None)

        ours_s: list[float] = []
        memory_s: list[float] = []
        theirs_s: list[float] = []
        ours_ok: list[bool] = []
        memory_ok: list[bool] = []
        theirs_ok: list[bool] = []

        def ours() -> None:
            seconds, ok = ours_once(profile, keyring_timed, person)
            ours_s.append(seconds)
            ours_ok.append(ok)

        def ours_memory() -> None:
            seconds, ok = ours_once(profile, memory, person)
            memory_s.append(seconds)
            memory_ok.append(ok)

        def theirs() -> None:
            seconds, ok = theirs_once(client_config, profile.scopes, unused_ports.pop(), person)
            theirs_s.append(seconds)
            theirs_ok.append(ok)

        _interleaved(warmup, [ours, theirs, ours_memory])
        for samples in (ours_s, memory_s, theirs_s, ours_ok, memory_ok, theirs_ok):
            samples.clear()
        keyring_timed.save_seconds.clear()
        _interleaved(reps, [ours, theirs, ours_memory])
        save_s = list(keyring_timed.save_seconds)

        # Silent sign-in from the keyring: the session the last interactive run stored.
        _, signed_in = ours_once(profile, kept, person)
        stored = kept.load()
        if not signed_in or stored is None:
            raise RuntimeError("the sign-in before the silent sign-ins did not store a session")
        refresh_token = stored.refresh_token
        resume_s: list[float] = []
        bare_s: list[float] = []
        read_s: list[float] = []
        resume_ok: list[bool] = []
        bare_ok: list[bool] = []

        def resume() -> None:
            resumed: list[session.Identity | None] = []
            made: list[session.Session] = []

            def run() -> None:
                app = session.Session(profile, token_store=kept, open_browser=_never_open)
                made.append(app)
                resumed.append(app.resume())

            resume_s.append(common.timed_clean(run))
            made[0].http.close()
            identity = resumed[0]
            resume_ok.append(identity is not None and identity.username == USERNAME)

        def bare_refresh() -> None:
            bodies: list[dict[str, Any]] = []

            def run() -> None:
                response = requests.post(
                    endpoints.token_endpoint,
                    data={
                        "grant_type": "refresh_token",
                        "client_id": info["client_id"],
                        "refresh_token": refresh_token,
                    },
                    timeout=common.TIMEOUT_S,
                )
                response.raise_for_status()
                bodies.append(response.json())

            bare_s.append(common.timed_clean(run))
            bare_ok.append(bool(bodies[0].get("access_token")) and bool(bodies[0].get("id_token")))

        def keyring_read() -> None:
            read_s.append(common.timed_clean(kept.load))

        _interleaved(warmup, [resume, bare_refresh, keyring_read])
        for samples in (resume_s, bare_s, read_s, resume_ok, bare_ok):
            samples.clear()
        _interleaved(reps, [resume, bare_refresh, keyring_read])
        kept.delete()

    print(store_note)
    print(
        f"user {USERNAME!r}; {reps} runs of each variant after {warmup} warm-up, "
        "interleaved (the first variant rotating); a new Session / InstalledAppFlow and a "
        "new scripted browser every run."
    )
    print(
        f"ours redirects to {ours_uri} every run; theirs to http://127.0.0.1:PORT/ with a "
        f"new registered PORT every run ({theirs_ports[0]}..{theirs_ports[-1]})."
    )
    print("OAUTHLIB_INSECURE_TRANSPORT=1 is set in this process only (http token endpoint).")
    print()

    ours_stats = common.Stats.of(ours_s)
    theirs_stats = common.Stats.of(theirs_s)
    memory_stats = common.Stats.of(memory_s)
    common.print_table(
        ["interactive sign-in", *common.STATS_HEADER],
        [
            common.stats_row(f"ours: Session.sign_in ({kept.backend_name})", ours_stats),
            common.stats_row(
                f"  of which: store save ({kept.backend_name})", common.Stats.of(save_s)
            ),
            common.stats_row("baseline: InstalledAppFlow.run_local_server", theirs_stats),
            common.stats_row("context: ours with MemoryStore", memory_stats),
        ],
    )
    ratio = ours_stats.median / theirs_stats.median
    common.print_table(
        ["ratio", "value"],
        [
            ["median ours / median theirs (goal)", f"{ratio:.3f}x"],
            ["p95 ours / p95 theirs", common.ratio(ours_stats.p95, theirs_stats.p95)],
            [
                "context: median ours (MemoryStore) / median theirs",
                common.ratio(memory_stats.median, theirs_stats.median),
            ],
            [
                "median ours - median theirs (ms)",
                common.ms(ours_stats.median - theirs_stats.median),
            ],
        ],
    )
    resume_stats = common.Stats.of(resume_s)
    bare_stats = common.Stats.of(bare_s)
    common.print_table(
        ["silent sign-in", *common.STATS_HEADER],
        [
            common.stats_row("ours: new Session().resume()", resume_stats),
            common.stats_row("baseline: bare refresh POST (requests)", bare_stats),
            common.stats_row("context: KeyringStore.load() alone", common.Stats.of(read_s)),
        ],
    )
    common.print_table(
        ["ratio", "value"],
        [
            [
                "median resume / median bare refresh",
                common.ratio(resume_stats.median, bare_stats.median),
            ]
        ],
    )
    print("No speed goal is stated for silent sign-in; these figures are the baseline.")
    common.record(
        "desktop interactive sign-in (median)",
        ours_stats.median * 1000,
        theirs_stats.median * 1000,
        unit="ms",
        baseline_name="google-auth-oauthlib InstalledAppFlow",
        target=f"<= {GOAL:.2f}x",
        passed=ratio <= GOAL,
    )
    common.record(
        "desktop silent sign-in (median)",
        resume_stats.median * 1000,
        bare_stats.median * 1000,
        unit="ms",
        baseline_name="bare refresh POST with requests",
        target=None,
        passed=None,
    )

    ok = common.check_speed_goal(
        f"median ours / median theirs {ratio:.3f}x <= {GOAL:.2f}x", ratio <= GOAL, args.quick
    )
    ok &= common.check_goal(
        f"every run of ours signed in {USERNAME!r} and stored the session "
        f"({len(ours_ok)} with {kept.backend_name}, {len(memory_ok)} in memory)",
        all(ours_ok) and all(memory_ok) and len(ours_ok) == len(memory_ok) == reps,
    )
    ok &= common.check_goal(
        f"every run of theirs got an access token ({len(theirs_ok)} runs)",
        all(theirs_ok) and len(theirs_ok) == reps,
    )
    ok &= common.check_goal(
        f"every silent sign-in resumed {USERNAME!r} and every bare refresh returned tokens",
        all(resume_ok) and all(bare_ok) and len(resume_ok) == len(bare_ok) == reps,
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
