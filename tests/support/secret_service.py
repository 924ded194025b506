"""A real Secret Service (gnome-keyring on a private D-Bus session bus) for tests.

The recipe is :mod:`local_cognito.demo_keyring`'s (``python3 dev.py demo`` uses it
too): a session bus of our own, gnome-keyring-daemon with only the secrets component,
unlocked with a password on stdin, its data under a temporary directory; wait until
``org.freedesktop.secrets`` has an owner; kill both by PID at the end. DISPLAY is
removed so a locked keyring cannot pop up a dialog and hang.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from local_cognito import demo_keyring

NEEDED = demo_keyring.NEEDED
_PASSWORD = b"test-keyring-password"


def missing() -> list[str]:
    """The programs this machine lacks (apt: dbus gnome-keyring)."""
    return demo_keyring.missing()


@contextlib.contextmanager
def running(base: Path, timeout: float = 10.0) -> Iterator[dict[str, str]]:
    """Start the bus and the keyring; yield the environment a client process needs."""
    with demo_keyring.running(base, _PASSWORD, timeout=timeout) as env:
        yield env
