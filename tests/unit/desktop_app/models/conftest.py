"""Fixtures the model tests share."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest

from tests.support.bridges import ManualBridge


@pytest.fixture
def bridge() -> ManualBridge:
    """The bridge double whose calls run when a test finishes them."""
    return ManualBridge()


@pytest.fixture
def india_time() -> Iterator[None]:
    """Local time UTC+05:30 (a POSIX TZ string: needs no tzdata on the machine)."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "IST-5:30"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()
