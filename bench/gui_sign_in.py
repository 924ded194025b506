"""GUI sign-in: the browser's redirect to the loopback -> the signed-in view's first paint.

One process, an offscreen ``QApplication``; ``cognito-local up --no-api`` in its own
process; a real Secret Service (gnome-keyring on a private D-Bus bus). Per run, **ours**
builds the real ``desktop_app.ui.main_window.MainWindow`` over the app's own
``desktop_app.app.open_profile`` (the profile from a config file, ``store.open_store``,
the app's HTTP session), waits for it to be ready and presses "Sign in"; the app opens
the browser through ``webbrowser`` (this benchmark's scripted person, registered as
the preferred browser: ``bench.desktop_sign_in.ScriptedPerson``). **t0** is taken in the
browser thread right before it sends the redirect to the app's loopback; **t1** at the
first ``Paint`` event of the signed-in view's profile page (an event filter installed
from a slot connected to ``signedIn`` after the window's own). Also reported (no goal):
how long after t1 the keyring write finished (``KeyringStore.save`` is wrapped to note
its end), negative if it finished before the paint.

**Floor "minus the write"** (same run, interleaved, alternating which goes first): the
interactive floor of :mod:`bench.floors` without the keyring write, from the same
browser's redirect (t0 taken the same way) to the verified ID token.

Goal: median ours / median floor <= 1.2. Each run checks ``alice`` is signed in and the
profile page painted; each floor run that the ID token verified.

Run: ``python -m bench.gui_sign_in [--quick]``.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import webbrowser
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6 import QtCore, QtWidgets

from bench import _common as common
from bench import floors
from bench.desktop_sign_in import (
    BROWSER_NAME,
    FLOW_TIMEOUT_S,
    USERNAME,
    BrowserController,
    ScriptedPerson,
)
from desktop_app import app as desktop_app_main
from desktop_app import config
from desktop_app.auth import discovery, store
from desktop_app.ui import main_window
from local_cognito import profile as local_profile
from tests.support import secret_service

GOAL = 1.2
PROFILE = "local"
WAIT_MS = FLOW_TIMEOUT_S * 1000
SETTLE_MS = 300  # after the window is ready, before "Sign in" is pressed (untimed)


class _Paint(QtCore.QObject):
    """Notes ``perf_counter()`` at the watched widget's first paint, then calls ``done``."""

    def __init__(self, parent: QtCore.QObject, done: Callable[[float], None]) -> None:
        super().__init__(parent)
        self._done = done

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:  # noqa: N802
        if event.type() == QtCore.QEvent.Type.Paint:
            at = time.perf_counter()
            watched.removeEventFilter(self)
            self._done(at)
        return False


def _wait(loop: QtCore.QEventLoop, ms: int) -> None:
    QtCore.QTimer.singleShot(ms, loop.quit)
    loop.exec()


class SaveClock:
    """Wraps ``KeyringStore.save`` (this process only) to note when each save ended."""

    def __init__(self) -> None:
        self.ended: list[float] = []
        original = store.KeyringStore.save
        ended = self.ended

        def save(self: store.KeyringStore, session: store.StoredSession) -> None:
            original(self, session)
            ended.append(time.perf_counter())

        store.KeyringStore.save = save  # type: ignore[method-assign]


def ours_once(
    config_path: Path, settings_path: Path, person: ScriptedPerson, saves: SaveClock
) -> tuple[float, bool, float | None]:
    """One GUI sign-in in a new window; seconds from the redirect to the profile page's
    first paint, whether ``alice`` was signed in and it painted, and when the keyring
    write ended relative to that paint (``None`` if it did not within the wait)."""
    store.open_store(PROFILE).delete()  # untimed: nothing to restore, the sign-in screen shows
    person.redirect_at.clear()
    settings = QtCore.QSettings(str(settings_path), QtCore.QSettings.Format.IniFormat)
    window = main_window.MainWindow(
        lambda name: desktop_app_main.open_profile(config_path, name),
        profile_name=PROFILE,
        settings=settings,
    )
    window.resize(960, 640)
    loop = QtCore.QEventLoop()
    painted: list[float] = []
    problems: list[str] = []
    window.ready.connect(loop.quit)
    window.show()
    window.start()
    _wait(loop, WAIT_MS)
    bridge = window.bridge
    if bridge is None or window.stack.currentWidget() is not window.sign_in_screen:
        print(f"ours: no sign-in screen: {window.sign_in_screen.message.text()}")
        window.close()
        return 0.0, False, None

    def on_painted(at: float) -> None:
        painted.append(at)
        loop.quit()

    def on_signed_in(_identity: object) -> None:
        view = window.signed_in_view
        if view is None:
            problems.append("no signed-in view")
            loop.quit()
            return
        view.profile.installEventFilter(_Paint(view.profile, on_painted))

    def on_failed(_kind: object, message: str) -> None:
        problems.append(message)
        loop.quit()

    bridge.signedIn.connect(on_signed_in)
    bridge.signInFailed.connect(on_failed)
    # A person reads the sign-in screen before pressing the button (and then spends
    # seconds in the browser): let the window finish what it does after it opens (it
    # builds the signed-in view ahead) rather than clicking within the same millisecond.
    _wait(loop, SETTLE_MS)
    saves_before = len(saves.ended)
    common.timed_clean(lambda: None)  # a full collection off the clock, as the floor's
    window.sign_in_screen.sign_in_button.click()
    _wait(loop, WAIT_MS)
    # The write behind the screen (or before it, today): wait for it, bounded.
    deadline = time.perf_counter() + 5
    while len(saves.ended) == saves_before and time.perf_counter() < deadline:
        _wait(loop, 5)
    failures = person.settle()
    identity = bridge.identity
    ok = bool(
        painted
        and person.redirect_at
        and not problems
        and not failures
        and identity is not None
        and identity.username == USERNAME
    )
    seconds = painted[0] - person.redirect_at[-1] if ok else 0.0
    write_after = saves.ended[-1] - painted[0] if ok and len(saves.ended) > saves_before else None
    for problem in [*problems, *failures]:
        print(f"ours: {problem}")
    if not ok:
        print(f"ours: painted={bool(painted)} redirected={bool(person.redirect_at)} {identity!r}")
    bridge.shutdown()
    window.close()
    window.deleteLater()
    QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.Type.DeferredDelete)
    return seconds, ok, write_after


def floor_once(pool: floors.Pool, port: int, person: ScriptedPerson) -> tuple[float, bool]:
    """The interactive floor without the write: redirect -> verified ID token."""
    person.redirect_at.clear()
    run = floors.interactive_floor_once(pool, port, BROWSER_NAME, person, None, FLOW_TIMEOUT_S)
    ok = run.ok and run.claims.get("cognito:username") == USERNAME and bool(person.redirect_at)
    return (run.verified - person.redirect_at[-1] if ok else 0.0), ok


def main(argv: Sequence[str] | None = None) -> int:
    args = common.parse_args(__doc__.splitlines()[0] if __doc__ else "", argv)
    reps = 5 if args.quick else 30
    warmup = 1 if args.quick else 3
    common.print_header("gui_sign_in: redirect to signed-in view painted vs a floor", args.quick)
    lacking = secret_service.missing()
    if lacking:
        print(f"SKIPPED: no Secret Service here (missing {', '.join(lacking)}).")
        return 0
    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"  # the floor; the stand-in is http
    qt_app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    ours_s: list[float] = []
    floor_s: list[float] = []
    write_after: list[float] = []
    oks: list[bool] = []
    with (
        tempfile.TemporaryDirectory(prefix="bench-gui-sign-in-") as tmp,
        common.cognito_local_up("--no-api") as info,
        secret_service.running(Path(tmp) / "keyring") as keyring_env,
    ):
        base = Path(tmp)
        os.environ["DBUS_SESSION_BUS_ADDRESS"] = keyring_env["DBUS_SESSION_BUS_ADDRESS"]
        os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.SecretService.Keyring"
        os.environ["COGNITO_DESKTOP_LOG_DIR"] = str(base / "logs")
        config_path = base / "config.toml"
        local_profile.write(config_path, local_profile.profile_values(info))
        (floor_port,) = common.free_loopback_ports(1, first=33_000 - 1000, last=32_767)
        idp = common.idp_client(info["cognito_idp_endpoint"])
        floor_uri = f"http://127.0.0.1:{floor_port}/callback"
        if floor_uri not in common.add_callback_urls(
            idp, info["user_pool_id"], info["client_id"], [floor_uri]
        ):
            raise RuntimeError("the floor's callback URL was not registered")
        profile = config.load_profile(config_path, PROFILE)
        endpoints = discovery.discover(profile, _http())
        pool = floors.Pool(
            client_id=profile.client_id,
            scopes=profile.scopes,
            issuer=endpoints.issuer,
            authorization_endpoint=endpoints.authorization_endpoint,
            token_endpoint=endpoints.token_endpoint,
            jwks_url=endpoints.jwks_uri,
        )
        person = ScriptedPerson(info["managed_login_url"])
        webbrowser.register(BROWSER_NAME, None, BrowserController(person), preferred=True)
        saves = SaveClock()
        settings_path = base / "gui.ini"
        for rep in range(warmup + reps):
            order = ["ours", "floor"] if rep % 2 == 0 else ["floor", "ours"]
            for name in order:
                if name == "ours":
                    seconds, ok, after = ours_once(config_path, settings_path, person, saves)
                    if rep >= warmup:
                        ours_s.append(seconds)
                        if after is not None:
                            write_after.append(after)
                else:
                    seconds, ok = floor_once(pool, floor_port, person)
                    if rep >= warmup:
                        floor_s.append(seconds)
                if rep >= warmup:
                    oks.append(ok)
        store.open_store(PROFILE).delete()
    del qt_app
    return report(ours_s, floor_s, write_after, oks, reps, warmup, args.quick)


def report(
    ours_s: list[float],
    floor_s: list[float],
    write_after: list[float],
    oks: list[bool],
    reps: int,
    warmup: int,
    quick: bool,
) -> int:
    ours, floor = common.Stats.of(ours_s), common.Stats.of(floor_s)
    print(
        f"{reps} runs each after {warmup} warm-up, alternating which goes first; "
        f"QT_QPA_PLATFORM={os.environ.get('QT_QPA_PLATFORM')}; a new window per run; the "
        "keyring is a real Secret Service."
    )
    print()
    rows = [
        common.stats_row("ours: redirect -> signed-in profile page painted", ours),
        common.stats_row("floor: redirect -> ID token verified (no write)", floor),
    ]
    common.print_table(["callback to signed-in", *common.STATS_HEADER], rows)
    if write_after:
        after = common.Stats.of(write_after)
        print(
            f"keyring write ended {common.ms(after.median)} ms (median; min "
            f"{common.ms(after.min)}, max {common.ms(after.max)}) after the first paint "
            f"({len(write_after)} runs; negative: before it)."
        )
    worked = len(oks) == 2 * reps and all(oks)
    ratio = floors.goal_ratio(ours.median, floor.median) if worked else float("inf")
    common.print_table(
        ["ratio", "value"],
        [
            ["median ours / median floor (goal)", f"{ratio:.3f}x"],
            ["median ours - median floor (ms)", common.ms(ours.median - floor.median)],
        ],
    )
    common.record(
        "GUI callback to signed-in view painted (median)",
        ours.median * 1000,
        floor.median * 1000,
        unit="ms",
        baseline_name="bare pieces: callback -> ID token verified, no write",
        target=f"<= {GOAL:.2f}x",
        passed=floors.meets(ratio, GOAL),
    )
    ok = common.check_speed_goal(
        f"median ours / median floor {ratio:.3f}x <= {GOAL:.2f}x", floors.meets(ratio, GOAL), quick
    )
    ok &= common.check_goal(
        f"every run worked ({reps} each): ours signed in {USERNAME!r} and painted the "
        "profile page, the floor verified the ID token",
        worked,
    )
    return 0 if ok else 1


def _http() -> Any:
    import requests

    return requests.Session()


if __name__ == "__main__":
    sys.exit(main())
