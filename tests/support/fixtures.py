"""Fixtures that more than one test folder needs, defined once.

A conftest or test module imports one by name (``from tests.support.fixtures import
fresh_discovery  # noqa: F401``) and pytest then uses it there; ``fresh_discovery`` is
autouse wherever it is imported.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from desktop_app.auth import discovery, http

if TYPE_CHECKING:
    from pytestqt.qtbot import QtBot


@pytest.fixture(autouse=True)
def fresh_discovery() -> Iterator[None]:
    """No discovery document cached from another test: each test's servers are on new
    ports, and a test that counts requests must see its own."""
    discovery.clear_cache()
    yield
    discovery.clear_cache()


@pytest.fixture(name="session")
def http_session() -> Iterator[http.Http]:
    """The app's own HTTP session (``desktop_app.auth.http.new_session``), closed after."""
    with http.new_session() as made:
        yield made


@pytest.fixture
def deferred_deletes(qtbot: QtBot) -> Iterator[None]:
    """Delete what the test's widgets left for ``deleteLater`` now, on the GUI thread,
    not in a garbage collector run on some worker. No ``gc.collect()`` on purpose: a Qt
    object wrongly owned by Python should crash the test, not be hidden."""
    from PySide6 import QtCore  # only the Qt tests pay for the import

    yield
    QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.Type.DeferredDelete)
