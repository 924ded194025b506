"""The Secret Service as another program sees it: D-Bus, never desktop_app's store.

Each call opens a fresh D-Bus connection (``secretstorage``, the Secret Service
client keyring itself builds on), searches the default collection by keyring's
item attributes (``service``, ``username = profile:<name>``) and closes it.
Calls run in a daemon thread and give up after :data:`TIMEOUT_S`: a keyring
that does not answer fails the test instead of hanging it.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable
from typing import Any, TypeVar, cast

import secretstorage

SERVICE = "cognito-desktop"  # desktop_app.auth.store.SERVICE, spelled out on purpose
TIMEOUT_S = 10.0
_T = TypeVar("_T")


def _bounded(fn: Callable[[], _T], timeout: float = TIMEOUT_S) -> _T:
    outcome: list[tuple[bool, Any]] = []

    def run() -> None:
        try:
            outcome.append((True, fn()))
        except BaseException as exc:  # handed to the caller below
            outcome.append((False, exc))

    thread = threading.Thread(target=run, name="keyring-dbus", daemon=True)
    thread.start()
    thread.join(timeout)
    if not outcome:
        raise TimeoutError(f"the Secret Service did not answer within {timeout:g} s")
    ok, value = outcome[0]
    if not ok:
        raise value
    return cast(_T, value)


def _with_collection(fn: Callable[[Any], _T]) -> _T:
    def run() -> _T:
        connection = secretstorage.dbus_init()
        with contextlib.closing(connection):
            collection = secretstorage.get_default_collection(connection)
            assert not collection.is_locked(), "the test keyring is locked"
            return fn(collection)

    return _bounded(run)


def items(service: str = SERVICE) -> dict[str, dict[str, str]]:
    """Every item of ``service``: its ``username`` attribute -> all its attributes."""

    def run(collection: Any) -> dict[str, dict[str, str]]:
        found = {}
        for item in collection.search_items({"service": service}):
            attributes = dict(item.get_attributes())
            found[attributes.get("username", "")] = attributes
        return found

    return _with_collection(run)


def read_session(profile: str, service: str = SERVICE) -> dict[str, Any] | None:
    """The stored session document of ``profile`` (chunks joined), or None."""

    def secret(collection: Any, username: str) -> str | None:
        found = list(collection.search_items({"service": service, "username": username}))
        assert len(found) <= 1, f"{len(found)} items for {username}"
        return found[0].get_secret().decode("utf-8") if found else None

    def run(collection: Any) -> dict[str, Any] | None:
        main = secret(collection, f"profile:{profile}")
        if main is None:
            return None
        document = json.loads(main)
        if "chunks" in document:  # a long value, split over profile:<name>#0..N-1
            parts = [
                secret(collection, f"profile:{profile}#{i}") for i in range(document["chunks"])
            ]
            assert None not in parts, "a chunk is missing"
            document = json.loads("".join(p for p in parts if p is not None))
        assert isinstance(document, dict)
        return document

    return _with_collection(run)


def delete_all(service: str = SERVICE) -> None:
    """Remove every item of ``service`` (a clean keyring between tests)."""

    def run(collection: Any) -> None:
        for item in collection.search_items({"service": service}):
            item.delete()

    _with_collection(run)
