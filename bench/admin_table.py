"""The admin users table over a 10,000-user pool: first page, full scroll, memory, search.

``cognito-local up --users 10000`` (stand-in and protected API) runs in its own
process. This process is the app's side: an offscreen ``QTableView`` on the real
``UsersModel``, fed through a real ``SessionBridge`` signed in as ``admin`` through
managed login (the scripted person of ``tests.support.person``).

* **First page**: from ``model.refresh()`` until the first page's rows are in the
  table and the view has handled the insert (the model's ``loaded`` signal, then one
  pass of the event loop). **Baseline (same run, interleaved)**: the same page as a
  direct API call from this process (``admin.list_users`` on the same ``ApiClient``,
  same token). Goal: median ratio at most 1.3.
* **Full scroll**: from an empty table, scroll to the bottom again and again (the
  view asks the model for more) until every user is loaded, with a 5 ms heartbeat
  timer on the GUI thread; the longest gap between beats must stay under 50 ms.
* **Memory**: the process's resident set before and after the 10,000 rows are
  loaded (after a collection), at most 30 MB growth.
* **Search**: ``set_search`` with a username prefix until its rows are in the table
  (median ms; no goal stated).

Run: ``python -m bench.admin_table [--quick] [--users N]``.
"""

from __future__ import annotations

import argparse
import functools
import gc
import itertools
import os
import sys
import time
from collections.abc import Callable, Sequence

from PySide6 import QtCore, QtWidgets

from bench import _common as common
from desktop_app import config
from desktop_app.api import admin
from desktop_app.auth import discovery, session, store
from desktop_app.models import users as users_model
from desktop_app.qt import bridge as qt_bridge
from local_cognito import profile as local_profile
from tests.support.person import Person

FIRST_PAGE_GOAL = 1.3
STALL_GOAL_S = 0.050
RSS_GOAL_MB = 30.0
WAIT_MS = 120_000


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def _loaded_once(model: users_model.UsersModel, start: Callable[[], None]) -> float:
    """Seconds from ``start()`` to the model's next ``loaded``, plus the event-loop pass
    that delivers it to the view. The wait is Qt's own event loop, as in the app: a
    Python loop polling here would hold the GIL against the worker it waits for."""
    done: list[float] = []
    loop = QtCore.QEventLoop()

    def on_loaded(*_: object) -> None:
        done.append(time.perf_counter())
        QtCore.QTimer.singleShot(0, loop.quit)  # after the view handled the insert

    model.loaded.connect(on_loaded)
    model.failed.connect(loop.quit)
    QtCore.QTimer.singleShot(WAIT_MS, loop.quit)
    try:
        begin = time.perf_counter()
        start()
        loop.exec()
        if not done:
            raise RuntimeError(f"no page arrived (error: {model.error!r})")
        return time.perf_counter() - begin
    finally:
        model.loaded.disconnect(on_loaded)
        model.failed.disconnect(loop.quit)


def _scroll_to_end(model: users_model.UsersModel, view: QtWidgets.QTableView) -> None:
    """Scroll to the bottom whenever a page lands (the view then asks for the next),
    until there is no more; in Qt's event loop, like a person holding End."""
    loop = QtCore.QEventLoop()

    def on_loaded(_rows: int, has_more: bool) -> None:
        if has_more:
            QtCore.QTimer.singleShot(0, view.scrollToBottom)
        else:
            loop.quit()

    model.loaded.connect(on_loaded)
    model.failed.connect(loop.quit)
    QtCore.QTimer.singleShot(WAIT_MS, loop.quit)
    try:
        model.refresh()
        loop.exec()
    finally:
        model.loaded.disconnect(on_loaded)
        model.failed.disconnect(loop.quit)
    if model.error is not None:
        raise RuntimeError(f"a page failed: {model.error!r}")
    if model.has_more:
        raise RuntimeError("scrolling to the end did not finish")


def _add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--users", type=int, default=None, help="pool size (default 10000; 2000 with --quick)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = common.parse_args(__doc__.splitlines()[0] if __doc__ else "", argv, _add_options)
    users = args.users or (2000 if args.quick else 10_000)
    reps = 5 if args.quick else 30
    common.print_header(f"admin_table: users table over a {users}-user pool", args.quick)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    discovery.clear_cache()

    with common.cognito_local_up("--users", str(users)) as info:
        profile = config.parse_profile("local", local_profile.profile_values(info))
        person = Person(info["managed_login_url"], "admin", "Admin-Passw0rd!")
        current = session.Session(
            profile, token_store=store.MemoryStore(warning=None), open_browser=person.open
        )
        current.sign_in(timeout=60)
        bridge = qt_bridge.SessionBridge(current)
        assert bridge.api is not None
        api = bridge.api

        model = users_model.UsersModel(bridge)
        view = QtWidgets.QTableView()
        view.setModel(model)
        view.resize(1000, 700)
        view.show()

        # -- first page vs a direct API call ------------------------------------------------
        ours_s: list[float] = []
        direct_s: list[float] = []
        sizes: list[int] = []

        def ours() -> None:
            model.clear()
            ours_s.append(_loaded_once(model, model.refresh))
            sizes.append(model.count)

        def direct() -> None:
            direct_s.append(common.timed(lambda: admin.list_users(api, limit=admin.PAGE_MAX)))

        for rep in range(3 + reps):
            pair: list[Callable[[], None]] = [ours, direct] if rep % 2 else [direct, ours]
            for run in pair:
                run()
            if rep < 3:  # warm-up
                ours_s.clear()
                direct_s.clear()
                sizes.clear()

        # -- full scroll with a heartbeat, and memory ---------------------------------------
        model.clear()
        QtWidgets.QApplication.processEvents()
        gc.collect()
        rss_before = _rss_mb()
        beats: list[float] = []
        heartbeat = QtCore.QTimer()
        heartbeat.setInterval(5)
        heartbeat.timeout.connect(lambda: beats.append(time.perf_counter()))
        heartbeat.start()
        scroll_start = time.perf_counter()
        beats.append(scroll_start)
        _scroll_to_end(model, view)
        scroll_s = time.perf_counter() - scroll_start
        heartbeat.stop()
        loaded_rows = model.count
        gc.collect()
        rss_after = _rss_mb()
        gaps = [b - a for a, b in itertools.pairwise(beats)]

        # -- search round trip --------------------------------------------------------------
        search_s: list[float] = []
        found: list[int] = []
        for rep in range(3 + reps):
            prefix = f"user{(rep % 9) + 1:04d}"  # user0001.. : ten users each at 10,000
            search = admin.Search("username", "prefix", prefix)
            seconds = _loaded_once(model, functools.partial(model.set_search, search))
            if rep >= 3:
                search_s.append(seconds)
                found.append(model.count)
        view.close()
        bridge.shutdown()
        current.http.close()

    first = common.Stats.of(ours_s)
    base = common.Stats.of(direct_s)
    ratio = first.median / base.median
    print(f"pool: {users} synthetic users + demo users; admin signed in through managed login.")
    print(f"{reps} runs of each after 3 warm-up, alternating which goes first.")
    print()
    common.print_table(
        ["first page (60 users)", *common.STATS_HEADER],
        [
            common.stats_row("ours: UsersModel.refresh() to rows in the view", first),
            common.stats_row("baseline: admin.list_users() direct call", base),
        ],
    )
    common.print_table(
        ["ratio", "value"],
        [
            ["median ours / median direct (goal)", f"{ratio:.2f}x"],
            ["p95 ours / p95 direct", common.ratio(first.p95, base.p95)],
        ],
    )
    common.print_table(
        ["full scroll", "value"],
        [
            ["rows loaded", str(loaded_rows)],
            ["wall time (s)", f"{scroll_s:.2f}"],
            ["heartbeats", str(len(beats))],
            ["longest GUI-thread gap (ms)", f"{max(gaps) * 1000:.1f}"],
            ["RSS before (MB)", f"{rss_before:.1f}"],
            ["RSS after all rows (MB)", f"{rss_after:.1f}"],
            ["RSS growth (MB)", f"{rss_after - rss_before:.1f}"],
        ],
    )
    common.print_table(
        ["search: username prefix", *common.STATS_HEADER],
        [common.stats_row("set_search() to rows in the view", common.Stats.of(search_s))],
    )
    print(f"rows per search: {sorted(set(found))}")
    common.record(
        "admin table first page (median)",
        first.median * 1000,
        base.median * 1000,
        unit="ms",
        baseline_name="admin.list_users() direct",
        target=f"<= {FIRST_PAGE_GOAL:.2f}x",
        passed=ratio <= FIRST_PAGE_GOAL,
    )
    common.record(
        "admin table full scroll: longest GUI stall",
        max(gaps) * 1000,
        STALL_GOAL_S * 1000,
        unit="ms",
        baseline_name="goal",
        target=f"< {STALL_GOAL_S * 1000:.0f} ms",
        passed=max(gaps) < STALL_GOAL_S,
    )
    common.record(
        "admin table full scroll: RSS growth",
        rss_after - rss_before,
        RSS_GOAL_MB,
        unit="MB",
        baseline_name="goal",
        target=f"<= {RSS_GOAL_MB:.0f} MB",
        passed=rss_after - rss_before <= RSS_GOAL_MB,
    )
    ok = common.check_speed_goal(
        f"first page median ours / direct {ratio:.2f}x <= {FIRST_PAGE_GOAL:.2f}x",
        ratio <= FIRST_PAGE_GOAL,
        args.quick,
    )
    ok &= common.check_goal(
        f"every first page had 60 rows ({sorted(set(sizes))})", set(sizes) == {admin.PAGE_MAX}
    )
    ok &= common.check_goal(
        f"the full scroll loaded every user ({loaded_rows} >= {users})", loaded_rows >= users
    )
    ok &= common.check_speed_goal(
        f"longest GUI-thread gap {max(gaps) * 1000:.1f} ms < {STALL_GOAL_S * 1000:.0f} ms",
        max(gaps) < STALL_GOAL_S,
        args.quick,
    )
    ok &= common.check_speed_goal(
        f"RSS growth {rss_after - rss_before:.1f} MB <= {RSS_GOAL_MB:.0f} MB",
        rss_after - rss_before <= RSS_GOAL_MB,
        args.quick,
    )
    del app
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
