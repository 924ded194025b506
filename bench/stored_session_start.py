"""Start to signed-in with a stored session: process start to the Profile page painted.

After one interactive sign-in stored in a real Secret Service (gnome-keyring on a
private D-Bus bus) against ``cognito-local up --no-api`` (its own process), each run
starts a new interpreter:

* **ours**: ``python -m desktop_app`` with ``COGNITO_DESKTOP_PROBE=profile-painted``: the
  window opens the profile, restores the stored session silently (keyring read, refresh
  POST, ID-token verification) and prints ``profile-painted <time.monotonic()>`` at the
  first paint of the signed-in view's profile page, then quits;
* **floor** (same run, interleaved, alternating which starts first): ``bench/hello_qt.py``
  with the same probe value: a bare PySide6 window that, after its first paint and in
  the same process, reads the same keyring item through the same backend class and
  makes one refresh POST (``requests``), then prints the same line.

Both are timed as ``bench.app_start`` times first paint: from ``time.monotonic()`` just
before ``Popen`` to the printed timestamp (the clock is system-wide).
``QT_QPA_PLATFORM=offscreen`` unless a display is set. The stand-in does not rotate
refresh tokens (Cognito's default), so the one stored session serves every run; the
benchmark checks it is unchanged at the end. Goal: median ours / median floor <= 1.3.

Run: ``python -m bench.stored_session_start [--quick]``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import requests

from bench import _common as common
from bench import app_start, floors
from bench.app_start import probe_seconds
from bench.desktop_sign_in import FLOW_TIMEOUT_S, USERNAME, ScriptedPerson
from desktop_app import config
from desktop_app.auth import discovery, session, store
from local_cognito import profile as local_profile
from tests.support import secret_service

ROOT = Path(__file__).resolve().parent.parent
GOAL = 1.3
LABEL = "profile-painted"
PROFILE = "local"
TIMEOUT_S = 20  # a run that hangs fails the benchmark rather than stalling it


def run_once(command: Sequence[str], env: dict[str, str]) -> tuple[float, bool, str]:
    """Start ``command``; seconds to its ``profile-painted`` line, whether it printed one
    and exited 0, and its output's tail for a failure."""
    try:
        started, done = app_start.launch(command, env, TIMEOUT_S)
    except subprocess.TimeoutExpired as expired:
        output = (_text(expired.stdout) + _text(expired.stderr)).strip()[-800:]
        return 0.0, False, f"timed out after {TIMEOUT_S} s: {output}"
    seconds = probe_seconds(done.stdout, LABEL, started)
    tail = (done.stdout + done.stderr).strip()[-500:]
    if seconds is None:
        return 0.0, False, tail
    return seconds, done.returncode == 0, tail


def _text(output: str | bytes | None) -> str:
    if isinstance(output, bytes):
        return output.decode(errors="replace")
    return output or ""


def sign_in_once(config_path: Path, managed_login_url: str) -> store.StoredSession:
    """One interactive sign-in of ours (the scripted person), stored where the app
    looks: the default keyring service, ``profile:local``."""
    profile = config.load_profile(config_path, PROFILE)
    token_store = store.open_store(profile.name)
    if not isinstance(token_store, store.KeyringStore):
        raise RuntimeError(f"no secure keyring for the stored session: {token_store!r}")
    person = ScriptedPerson(managed_login_url)
    current = session.Session(profile, token_store=token_store, open_browser=person.open)
    identity = current.sign_in(timeout=FLOW_TIMEOUT_S)
    failures = person.settle()
    current.http.close()
    if store_pending := getattr(current, "store_pending", None):
        store_pending()  # a write-behind sign-in stores now; a no-op otherwise
    stored = token_store.load()
    if failures or identity.username != USERNAME or stored is None:
        raise RuntimeError(f"the sign-in to store did not work: {failures}")
    return stored


def main(argv: Sequence[str] | None = None) -> int:
    args = common.parse_args(__doc__.splitlines()[0] if __doc__ else "", argv)
    reps = 5 if args.quick else 30
    warmup = 1 if args.quick else 3
    common.print_header(
        "stored_session_start: start to Profile painted vs a bare floor", args.quick
    )
    lacking = secret_service.missing()
    if lacking:
        print(f"SKIPPED: no Secret Service here (missing {', '.join(lacking)}).")
        return 0
    ours_cmd = [sys.executable, "-m", "desktop_app"]
    floor_cmd = [sys.executable, str(ROOT / "bench" / "hello_qt.py")]
    with (
        tempfile.TemporaryDirectory(prefix="bench-stored-start-") as tmp,
        common.cognito_local_up("--no-api") as info,
        secret_service.running(Path(tmp) / "keyring") as keyring_env,
    ):
        base = Path(tmp)
        config_path = base / "config.toml"
        local_profile.write(config_path, local_profile.profile_values(info))
        os.environ["DBUS_SESSION_BUS_ADDRESS"] = keyring_env["DBUS_SESSION_BUS_ADDRESS"]
        os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.SecretService.Keyring"
        stored = sign_in_once(config_path, info["managed_login_url"])
        endpoints = discovery.discover(
            config.load_profile(config_path, PROFILE), requests.Session()
        )
        env = app_start._env(
            config_path,
            base / "logs",
            {
                "COGNITO_DESKTOP_PROBE": LABEL,
                "DBUS_SESSION_BUS_ADDRESS": keyring_env["DBUS_SESSION_BUS_ADDRESS"],
                "PYTHON_KEYRING_BACKEND": "keyring.backends.SecretService.Keyring",
                "PYTHONPATH": str(ROOT),
                "BENCH_KEYRING_SERVICE": store.SERVICE,
                "BENCH_KEYRING_USERNAME": f"profile:{PROFILE}",
                "BENCH_TOKEN_ENDPOINT": endpoints.token_endpoint,
                "BENCH_CLIENT_ID": info["client_id"],
            },
        )
        samples: dict[str, list[float]] = {"ours": [], "floor": []}
        failures: list[str] = []
        for rep in range(warmup + reps):
            pair = [("ours", ours_cmd), ("floor", floor_cmd)]
            if rep % 2:
                pair.reverse()
            for name, command in pair:
                seconds, ok, tail = run_once(command, env)
                if not ok:
                    failures.append(f"{name}: {tail}")
                elif rep >= warmup:
                    samples[name].append(seconds)
        after = store.open_store(PROFILE).load()
        unchanged = after is not None and after.refresh_token == stored.refresh_token

    for failure in failures[:3]:
        print(f"FAILED RUN: {failure}")
    ours = common.Stats.of(samples["ours"] or [float("nan")])
    floor = common.Stats.of(samples["floor"] or [float("nan")])
    print(
        f"{reps} runs each after {warmup} warm-up, alternating which starts first; "
        f"QT_QPA_PLATFORM={env.get('QT_QPA_PLATFORM', '(display)')}; the session is "
        "stored in a real Secret Service (gnome-keyring on a private D-Bus bus)."
    )
    print()
    common.print_table(
        ["process start to signed-in Profile painted", *common.STATS_HEADER],
        [
            common.stats_row("ours: python -m desktop_app (stored session)", ours),
            common.stats_row("floor: bare PySide6 paint + keyring read + refresh POST", floor),
        ],
    )
    ratio = floors.goal_ratio(ours.median, floor.median) if not failures else float("inf")
    common.print_table(
        ["ratio", "value"],
        [
            ["median ours / median floor (goal)", f"{ratio:.3f}x"],
            ["median ours - median floor (ms)", common.ms(ours.median - floor.median)],
        ],
    )
    common.record(
        "start to signed-in Profile, stored session (median)",
        ours.median * 1000,
        floor.median * 1000,
        unit="ms",
        baseline_name="bare PySide6 paint + keyring read + refresh POST",
        target=f"<= {GOAL:.2f}x",
        passed=floors.meets(ratio, GOAL),
    )
    ok = common.check_speed_goal(
        f"median ours / median floor {ratio:.3f}x <= {GOAL:.2f}x",
        floors.meets(ratio, GOAL),
        args.quick,
    )
    ok &= common.check_goal(
        f"every run painted the signed-in Profile (ours) or restored (floor), "
        f"{reps} each, and the stored session was unchanged at the end",
        not failures and len(samples["ours"]) == len(samples["floor"]) == reps and unchanged,
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
