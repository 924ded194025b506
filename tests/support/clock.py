"""A clock tests move by hand, injected as ``now=`` into the stand-in."""

from __future__ import annotations

import time


class FakeClock:
    """Starts at the real time; only :meth:`advance` moves it."""

    def __init__(self, start: float | None = None) -> None:
        self.value = time.time() if start is None else start

    def __call__(self) -> float:
        return self.value

    def advance(self, seconds: float) -> None:
        self.value += seconds
