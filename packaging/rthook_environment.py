"""PyInstaller runtime hook: give child processes the user's library path back.

The bootloader puts the bundle's own folder first on ``LD_LIBRARY_PATH`` (and keeps
the user's value in ``LD_LIBRARY_PATH_ORIG``) so the frozen interpreter finds its
libraries. Every program the app starts would inherit that: the system browser
(``webbrowser`` / ``$BROWSER`` / xdg-open) would load the bundle's libssl, libstdc++
and Qt instead of its own and can crash. This process has already loaded what it
needs, so the variable is restored for children before any app code runs.
https://pyinstaller.org/en/stable/runtime-information.html (LD_LIBRARY_PATH / LIBPATH)
"""

import os
import sys


def _restore(variable: str) -> None:
    original = os.environ.pop(f"{variable}_ORIG", None)
    if original is not None:
        os.environ[variable] = original
        return
    bundle = getattr(sys, "_MEIPASS", None)
    current = os.environ.get(variable)
    if bundle is None or current is None:
        return
    kept = [part for part in current.split(os.pathsep) if part and part != bundle]
    if kept:
        os.environ[variable] = os.pathsep.join(kept)
    else:
        del os.environ[variable]


if sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd", "sunos")):
    _restore("LD_LIBRARY_PATH")
elif sys.platform.startswith("aix"):
    _restore("LIBPATH")
