"""Desktop app start-up: process start to first window painted, vs a bare PySide6 window.

Each run starts a new interpreter. **Ours**: ``python -m desktop_app`` (the GUI, with
a profile for a local pool in a temporary config file) with
``COGNITO_DESKTOP_PROBE=first-paint``: the window prints ``time.monotonic()`` at its
first paint and quits. **Baseline (the floor, same run, interleaved)**:
``bench/hello_qt.py``, a bare ``QMainWindow`` with a label, printing the same line.
Both are timed from just before ``Popen`` to the printed timestamp (the monotonic
clock is system-wide). ``QT_QPA_PLATFORM=offscreen`` unless a display is set.
Goal (issue 22): median ours / median floor at most 1.3.

Also reported (no goal): peak RSS after an interactive sign-in, with
``COGNITO_DESKTOP_PROBE=signed-in`` against ``cognito-local`` (its own process), the
scripted person of ``tests.support.browser_command`` as ``$BROWSER``, and, where
this machine has one, a real Secret Service; next to the hello-world's peak RSS.

Run: ``python -m bench.app_start [--quick]``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench import _common as common
from local_cognito import profile as local_profile
from tests.support import secret_service

ROOT = Path(__file__).resolve().parent.parent
GOAL = 1.3
TIMEOUT_S = 60


def _env(config_path: Path, log_dir: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        env["QT_QPA_PLATFORM"] = "offscreen"
    env.update(
        {
            "COGNITO_DESKTOP_CONFIG": str(config_path),
            "COGNITO_DESKTOP_PROFILE": "local",
            "COGNITO_DESKTOP_LOG_DIR": str(log_dir),
            "XDG_CONFIG_HOME": str(config_path.parent / "xdg-config"),
        }
    )
    env.update(extra or {})
    return env


def launch(
    command: Sequence[str], env: dict[str, str], timeout_s: float = TIMEOUT_S
) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Run ``command`` to its end; ``time.monotonic()`` just before it started, and it."""
    started = time.monotonic()
    done = subprocess.run(
        list(command),
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )
    return started, done


def probe_seconds(stdout: str, label: str, started: float) -> float | None:
    """Seconds from ``started`` to the timestamp on the ``<label> <monotonic>`` line of
    ``stdout``; ``None`` if there is no such line (a failure line does not count)."""
    for line in stdout.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == label:
            try:
                return float(parts[1]) - started
            except ValueError:
                return None
    return None


def _probe(command: Sequence[str], env: dict[str, str], wanted: str) -> tuple[float, str]:
    """Start ``command``; seconds from just before the start to its ``wanted`` line's
    timestamp (for ``first-paint``), and the line itself."""
    started, done = launch(command, env)
    for line in done.stdout.splitlines():
        if line.startswith(wanted):
            if wanted != "first-paint":
                return 0.0, line
            seconds = probe_seconds(line, wanted, started)
            if seconds is not None:
                return seconds, line
    raise RuntimeError(
        f"{command[-1]} printed no {wanted!r} line (exit {done.returncode}): "
        f"{done.stderr.strip()[-500:]}"
    )


def _write_config(path: Path, info: dict[str, object]) -> None:
    local_profile.write(path, local_profile.profile_values(info))


def main(argv: Sequence[str] | None = None) -> int:
    args = common.parse_args(__doc__.splitlines()[0] if __doc__ else "", argv)
    reps = 5 if args.quick else 30
    warmup = 1 if args.quick else 3
    common.print_header("app_start: first window vs bare PySide6 hello-world", args.quick)
    ours_cmd = [sys.executable, "-m", "desktop_app"]
    floor_cmd = [sys.executable, str(ROOT / "bench" / "hello_qt.py")]
    with (
        tempfile.TemporaryDirectory(prefix="bench-app-start-") as tmp,
        common.cognito_local_up() as info,
    ):
        base = Path(tmp)
        config_path = base / "config.toml"
        _write_config(config_path, info)
        paint_env = _env(config_path, base / "logs", {"COGNITO_DESKTOP_PROBE": "first-paint"})
        ours_s: list[float] = []
        floor_s: list[float] = []
        for rep in range(warmup + reps):
            pair = [("ours", ours_cmd), ("floor", floor_cmd)]
            if rep % 2:
                pair.reverse()
            for name, command in pair:
                seconds, _ = _probe(command, paint_env, "first-paint")
                if rep >= warmup:
                    (ours_s if name == "ours" else floor_s).append(seconds)

        rss_note, ours_rss, floor_rss = _peak_rss(base, config_path, info, ours_cmd, floor_cmd)

    ours = common.Stats.of(ours_s)
    floor = common.Stats.of(floor_s)
    print(
        f"{reps} runs each after {warmup} warm-up, alternating which starts first; "
        f"QT_QPA_PLATFORM={paint_env.get('QT_QPA_PLATFORM', '(display)')}."
    )
    print()
    common.print_table(
        ["process start to first paint", *common.STATS_HEADER],
        [
            common.stats_row("ours: python -m desktop_app", ours),
            common.stats_row("floor: bare PySide6 QMainWindow", floor),
        ],
    )
    ratio = ours.median / floor.median
    common.print_table(
        ["ratio", "value"],
        [
            ["median ours / median floor (goal)", f"{ratio:.2f}x"],
            ["p95 ours / p95 floor", common.ratio(ours.p95, floor.p95)],
        ],
    )
    print(rss_note)
    common.print_table(
        ["peak RSS", "MiB"],
        [
            ["ours: after an interactive sign-in", f"{ours_rss / 1024:.1f}"],
            ["floor: hello-world after its first paint", f"{floor_rss / 1024:.1f}"],
        ],
    )
    common.record(
        "start to first paint, from source (median)",
        ours.median * 1000,
        floor.median * 1000,
        unit="ms",
        baseline_name="bare PySide6 QMainWindow",
        target=f"<= {GOAL:.2f}x",
        passed=ratio <= GOAL,
    )
    ok = common.check_speed_goal(
        f"median ours / median floor {ratio:.2f}x <= {GOAL:.2f}x", ratio <= GOAL, args.quick
    )
    return 0 if ok else 1


def _peak_rss(
    base: Path,
    config_path: Path,
    info: dict[str, object],
    ours_cmd: Sequence[str],
    floor_cmd: Sequence[str],
) -> tuple[str, int, int]:
    """Peak RSS (KiB) of ours after a sign-in, and of the floor after its first paint."""
    browser = f"{sys.executable} -m tests.support.browser_command %s"
    extra = {
        "COGNITO_DESKTOP_PROBE": "signed-in",
        "BROWSER": browser,
        "SCRIPTED_USERNAME": "alice",
        "SCRIPTED_PASSWORD": "Alice-Passw0rd!",
        "PYTHONPATH": str(ROOT),
    }
    lacking = secret_service.missing()
    with tempfile.TemporaryDirectory(prefix="bench-rss-keyring-") as keyring_tmp:
        if lacking:
            note = f"NOTE: no Secret Service here (missing {', '.join(lacking)})."
            _, line = _probe(ours_cmd, _env(config_path, base / "logs", extra), "signed-in")
            _, floor_line = _probe(floor_cmd, _env(config_path, base / "logs", extra), "signed-in")
        else:
            with secret_service.running(Path(keyring_tmp)) as keyring_env:
                extra["DBUS_SESSION_BUS_ADDRESS"] = keyring_env["DBUS_SESSION_BUS_ADDRESS"]
                note = "The session is stored in a real Secret Service (gnome-keyring)."
                env = _env(config_path, base / "logs", extra)
                env.pop("DISPLAY", None)
                _, line = _probe(ours_cmd, env, "signed-in")
                _, floor_line = _probe(floor_cmd, env, "signed-in")
    del info
    return note, _kib(line), _kib(floor_line)


def _kib(line: str) -> int:
    return int(line.split("maxrss_kib=")[1])


if __name__ == "__main__":
    sys.exit(main())
