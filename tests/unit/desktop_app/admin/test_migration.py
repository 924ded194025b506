"""The full export: every page streamed to disk as it arrives (one page in memory,
whatever the pool's size), progress against Cognito's estimate, cancellation at the
next page with nothing left behind, and the groups file."""

from __future__ import annotations

import gc
import threading
import tracemalloc
import weakref
from pathlib import Path
from typing import Any

import pytest

from desktop_app import errors
from desktop_app.admin import migration
from desktop_app.admin import migration_files as files
from desktop_app.api import admin
from tests.support.migration_api import COLUMNS, PAGE, FakePoolApi


def synthetic_row(i: int) -> list[str]:
    """A user as a row of :data:`COLUMNS`, made when asked for (a big pool costs nothing)."""
    return [
        f"User {i:06d} with a fairly long display name",
        "User",
        f"{i:06d}",
        f"user{i:06d}@example.com",
        "TRUE",
        f"+1555{i:07d}",
        "Engineering, Platform",
        "FALSE",
        f"user{i:06d}",
    ]


def small_pool() -> FakePoolApi:
    api = FakePoolApi()
    api.add_user("alice", email="alice@example.com", name="Alice, A.", email_verified="TRUE")
    api.add_user("bob", email="bob@example.com", custom__department="Sales", enabled=False)
    api.add_user("carol", email="carol@example.com", phone_number="+15550100")
    api.add_group("Admin", "Administrators", 1)
    api.add_group("Team", None, None)
    api.add_group("Empty", "Nobody yet, for now", 7)
    api.add_member("Admin", "alice")
    api.add_member("Team", "alice")
    api.add_member("Team", "bob")
    return api


def read(path: Path) -> list[list[str]]:
    with files.Reader(path) as reader:
        return [list(reader.header), *(cells for _n, cells in reader.rows())]


def test_the_export_writes_users_states_and_groups(tmp_path: Path) -> None:
    api = small_pool()
    seen: list[migration.ExportProgress] = []
    result = migration.export_pool(api, tmp_path, progress=seen.append)
    assert result == migration.ExportResult(tmp_path, 3, 3, 3)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(files.ALL_FILES)
    users = read(tmp_path / files.USERS_FILE)
    assert users[0] == list(COLUMNS)
    assert users[1:] == [api.row("alice"), api.row("bob"), api.row("carol")]
    assert read(tmp_path / files.STATES_FILE) == [
        ["username", "status", "enabled"],
        ["alice", "CONFIRMED", "TRUE"],
        ["bob", "CONFIRMED", "FALSE"],
        ["carol", "CONFIRMED", "TRUE"],
    ]
    assert read(tmp_path / files.GROUPS_FILE) == [
        ["group_name", "description", "precedence", "username"],
        ["Admin", "Administrators", "1", "alice"],
        ["Team", "", "", "alice"],
        ["Team", "", "", "bob"],
        ["Empty", "Nobody yet, for now", "7", ""],  # no members: one row, no username
    ]
    assert seen[0] == migration.ExportProgress(migration.Phase.USERS, 3, 3)
    assert seen[-1] == migration.ExportProgress(migration.Phase.GROUPS, 3, 3, 3, 3)


def test_users_csv_is_in_cognitos_dialect(tmp_path: Path) -> None:
    api = small_pool()
    migration.export_pool(api, tmp_path)
    raw = (tmp_path / files.USERS_FILE).read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")  # no BOM: Cognito's importer wants none
    assert b'"' not in raw  # never quoted
    assert b"Alice\\, A." in raw  # a comma in a value is written \,
    assert raw.split(b"\n")[0] == ",".join(COLUMNS).encode()


def test_progress_counts_users_page_by_page_against_the_estimate(tmp_path: Path) -> None:
    api = FakePoolApi(lazy_users=(150, synthetic_row), estimated_users=140)
    seen: list[migration.ExportProgress] = []
    migration.export_pool(api, tmp_path, progress=seen.append)
    users = [p for p in seen if p.phase is migration.Phase.USERS]
    assert [(p.users, p.estimated_users) for p in users] == [(60, 140), (120, 140), (150, 140)]


def test_each_page_is_on_disk_before_the_next_is_asked_for(tmp_path: Path) -> None:
    api = FakePoolApi(lazy_users=(5 * PAGE, synthetic_row))
    on_disk: list[int] = []

    def count_rows(method: str, path: str) -> None:
        if path == "/admin/export/users":
            partial = tmp_path / (files.USERS_FILE + files.PARTIAL)
            lines = partial.read_text(encoding="utf-8").count("\n") if partial.exists() else 0
            on_disk.append(max(0, lines - 1))  # less the header

    api.on_request = count_rows
    migration.export_pool(api, tmp_path)
    assert on_disk == [0, 60, 120, 180, 240]


def test_the_exporter_never_holds_more_than_one_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = FakePoolApi(lazy_users=(30 * PAGE, synthetic_row))
    fetch = admin.export_users_page
    alive: list[weakref.ref[admin.ExportPage]] = []
    held_at_request: list[int] = []

    def tracked(caller: admin.JsonCaller, token: str | None = None) -> admin.ExportPage:
        gc.collect()
        held_at_request.append(sum(1 for ref in alive if ref() is not None))
        page = fetch(caller, token)
        alive.append(weakref.ref(page))
        return page

    monkeypatch.setattr(admin, "export_users_page", tracked)
    migration.export_pool(api, tmp_path)
    assert len(held_at_request) == 30
    assert held_at_request == [0] * 30  # the last page is gone before the next is asked


def peak_bytes(folder: Path, users: int) -> int:
    api = FakePoolApi(lazy_users=(users, synthetic_row))
    folder.mkdir()
    gc.collect()
    tracemalloc.start()
    try:
        migration.export_pool(api, folder)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_pool(tmp_path: Path) -> None:
    small = peak_bytes(tmp_path / "small", 10 * PAGE)
    large = peak_bytes(tmp_path / "large", 100 * PAGE)  # ten times the users
    one_page = len(",".join(synthetic_row(0))) * PAGE
    assert (tmp_path / "large" / files.USERS_FILE).stat().st_size > 80 * one_page
    assert large < small * 1.5 + one_page  # flat: not ten times the small export


def test_cancel_stops_at_the_next_page_and_leaves_no_file(tmp_path: Path) -> None:
    api = FakePoolApi(lazy_users=(10 * PAGE, synthetic_row))
    stop = threading.Event()

    def progress(seen: migration.ExportProgress) -> None:
        if seen.users >= 2 * PAGE:
            stop.set()

    result = migration.export_pool(api, tmp_path, stop=stop, progress=progress)
    assert result.cancelled and result.users == 2 * PAGE
    pages = [r for r in api.requests if r[1] == "/admin/export/users"]
    assert len(pages) == 2  # not one more after Cancel
    assert list(tmp_path.iterdir()) == []  # partial files removed, nothing renamed


def test_cancel_during_the_groups_leaves_no_file(tmp_path: Path) -> None:
    api = small_pool()
    stop = threading.Event()

    def progress(seen: migration.ExportProgress) -> None:
        if seen.phase is migration.Phase.USERS:
            stop.set()

    assert migration.export_pool(api, tmp_path, stop=stop, progress=progress).cancelled
    assert list(tmp_path.iterdir()) == []


def test_a_failed_export_removes_its_files_and_keeps_the_previous_export(
    tmp_path: Path,
) -> None:
    api = small_pool()
    migration.export_pool(api, tmp_path)
    before = {name: (tmp_path / name).read_bytes() for name in files.ALL_FILES}
    failing = FakePoolApi(lazy_users=(5 * PAGE, synthetic_row))
    calls = [0]

    def drop_third(method: str, path: str) -> None:
        if path == "/admin/export/users":
            calls[0] += 1
            if calls[0] == 3:
                raise errors.NetworkError("connection reset")

    failing.on_request = drop_third
    with pytest.raises(errors.NetworkError):
        migration.export_pool(failing, tmp_path, replace=True)
    assert {p.name for p in tmp_path.iterdir()} == set(files.ALL_FILES)
    assert {name: (tmp_path / name).read_bytes() for name in files.ALL_FILES} == before


def test_an_export_does_not_replace_files_unless_told(tmp_path: Path) -> None:
    (tmp_path / files.GROUPS_FILE).write_text("keep me", encoding="utf-8")
    assert migration.existing_files(tmp_path) == [files.GROUPS_FILE]
    with pytest.raises(ValueError, match=r"already holds groups\.csv"):
        migration.export_pool(small_pool(), tmp_path)
    assert (tmp_path / files.GROUPS_FILE).read_text(encoding="utf-8") == "keep me"
    migration.export_pool(small_pool(), tmp_path, replace=True)
    assert (tmp_path / files.GROUPS_FILE).read_text(encoding="utf-8").startswith("group_name")


def test_the_folder_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="existing folder"):
        migration.export_pool(small_pool(), tmp_path / "nope")


class Answers:
    """A JsonCaller answering export pages from a list (for answers the API must not give)."""

    def __init__(self, pages: list[dict[str, Any]]) -> None:
        self.pages = pages

    def get_json(self, path: str, params: dict[str, Any] | None = None) -> Any:
        if path == "/admin/schema":
            return {"attributes": [], "estimated_users": 0}
        return self.pages.pop(0)

    def request(self, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError("no other request")


def page(header: list[str], rows: list[list[str]], token: str | None) -> dict[str, Any]:
    states = [{"username": r[-1], "status": "CONFIRMED", "enabled": True} for r in rows]
    return {"header": header, "rows": rows, "states": states, "pagination_token": token}


@pytest.mark.parametrize(
    ("pages", "message"),
    [
        ([page(["email"], [["a@example.com"]], None)], "no cognito:username column"),
        (
            [
                page(["cognito:username"], [["a"]], "t1"),
                page(["email", "cognito:username"], [["b@example.com", "b"]], None),
            ],
            "columns changed between pages",
        ),
        (
            [page(["cognito:username"], [["a"]], "t1"), page(["cognito:username"], [], "t1")],
            "same page twice",
        ),
    ],
)
def test_an_inconsistent_export_is_refused(
    tmp_path: Path, pages: list[dict[str, Any]], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        migration.export_pool(Answers(pages), tmp_path)
    assert list(tmp_path.iterdir()) == []
