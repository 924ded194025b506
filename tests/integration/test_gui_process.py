"""``cognito-desktop`` with no subcommand: the real GUI process, signed in through $BROWSER.

The app runs offscreen with ``COGNITO_DESKTOP_PROBE`` (see ``desktop_app.app``) so the
test can tell when its window painted and when it signed in; the stand-in and the API
run in this process, the session goes to a real Secret Service.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support import app_env

pytestmark = pytest.mark.integration
HEAVY = ("requests", "authlib", "jwt", "keyring", "urllib3", "cryptography")


@pytest.fixture
def gui_env(process_env: Callable[..., dict[str, str]]) -> dict[str, str]:
    return process_env("admin")


def test_no_subcommand_opens_the_window_and_paints_before_loading_the_auth_core(
    gui_env: dict[str, str],
) -> None:
    probe = f"import sys, desktop_app.app; print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    imported = app_env.run_python(gui_env, "-c", probe)
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.strip() == "[]", "loaded before the first paint: " + imported.stdout
    done = app_env.run_gui(gui_env, "first-paint")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("first-paint ")


def test_the_gui_process_signs_in_through_the_browser_and_keeps_the_session(
    gui_env: dict[str, str],
) -> None:
    done = app_env.run_gui(gui_env, "signed-in")
    assert done.returncode == 0, done.stderr
    assert "signed-in maxrss_kib=" in done.stdout
    log_text = (Path(gui_env["COGNITO_DESKTOP_LOG_DIR"]) / "cognito-desktop.log").read_text()
    assert "signed in as admin" in log_text
    stored = app_env.stored_session(gui_env)
    assert stored is not None
    assert "admin" in stored
    # A second start restores silently: the probe's sign-in button is never needed.
    again = app_env.run_gui({**gui_env, "BROWSER": "false"}, "signed-in")
    assert again.returncode == 0, again.stderr


_STORE_FOREIGN = """
from desktop_app.auth import store
kept = store.open_store("local")
kept.save(store.StoredSession(refresh_token="r" * 40, username="someone", sub="s",
    client_id="another-client", issuer="https://cognito-idp.eu-west-1.amazonaws.com/x",
    saved_at=0.0))
"""


def test_a_stored_session_that_cannot_be_restored_says_why_and_the_probe_signs_in(
    gui_env: dict[str, str],
) -> None:
    """Testers' headless runs: a leftover session of another pool is dropped with its
    reason on the sign-in screen, and the ``signed-in`` probe then signs in."""
    seeded = app_env.run_python(gui_env, "-c", _STORE_FOREIGN)
    assert seeded.returncode == 0, seeded.stderr
    done = app_env.run_gui(gui_env, "signed-in")
    assert done.returncode == 0, done.stderr
    assert "signed-in maxrss_kib=" in done.stdout
    assert "stored session belongs to another app client or pool" in done.stderr
    stored = app_env.stored_session(gui_env)
    assert stored is not None and "another-client" not in stored
