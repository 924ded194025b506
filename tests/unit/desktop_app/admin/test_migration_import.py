"""The full import: a preview read before anything is sent, users in batches of 50 with
the disabled ones named, groups and memberships after, one outcome per row, a batch
that failed as a whole sent again without a duplicate, and cancellation."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from desktop_app import errors
from desktop_app.admin import migration
from desktop_app.admin import migration_files as files
from desktop_app.admin import migration_import as importing
from desktop_app.api import admin
from tests.support.migration_api import COLUMNS, FakePoolApi

Status = importing.Status
USERS = importing.Phase.USERS
GROUPS = importing.Phase.GROUPS


def source_pool(users: int = 3) -> FakePoolApi:
    api = FakePoolApi()
    for i in range(users):
        api.add_user(
            f"user{i:03d}",
            email=f"user{i:03d}@example.com",
            name=f"User {i}, the {i}th",
            email_verified="TRUE",
            custom__department="Sales" if i % 2 else "",
            enabled=i != 1,
        )
    api.add_group("Admin", "Administrators", 0)
    api.add_group("Team", "The team", 5)
    api.add_group("Empty", None, 9)
    api.add_member("Admin", "user000")
    for i in range(min(users, 120)):
        api.add_member("Team", f"user{i:03d}")
    return api


def exported(tmp_path: Path, users: int = 3) -> tuple[FakePoolApi, Path]:
    source = source_pool(users)
    folder = tmp_path / "export"
    folder.mkdir()
    migration.export_pool(source, folder)
    return source, folder


def never_wait(_seconds: float) -> bool:
    return False


class Pauses(list[float]):
    """A ``wait`` that records each pause and never stops the import."""

    def __call__(self, seconds: float) -> bool:
        self.append(seconds)
        return False


def run(
    api: FakePoolApi, folder: Path, **kwargs: object
) -> tuple[importing.ImportSummary, list[importing.RowOutcome], list[importing.ImportProgress]]:
    outcomes: list[importing.RowOutcome] = []
    progress: list[importing.ImportProgress] = []
    preview = importing.read_folder(api, folder, admin_group="Admin")
    options: dict[str, object] = {"wait": never_wait} | kwargs
    summary = importing.import_pool(
        api,
        preview,
        "INVITE",
        on_rows=outcomes.extend,
        on_progress=progress.append,
        **options,  # type: ignore[arg-type]
    )
    return summary, outcomes, progress


def same_pool(a: FakePoolApi, b: FakePoolApi) -> None:
    assert {n: a.row(n) for n in a.users} == {n: b.row(n) for n in b.users}
    assert {n: u.enabled for n, u in a.users.items()} == {n: u.enabled for n, u in b.users.items()}
    assert {n: (g.description, g.precedence, sorted(g.members)) for n, g in a.groups.items()} == {
        n: (g.description, g.precedence, sorted(g.members)) for n, g in b.groups.items()
    }


# -- preview -------------------------------------------------------------------------------


def test_the_preview_counts_shows_the_first_rows_and_names_what_is_ignored(
    tmp_path: Path,
) -> None:
    _source, folder = exported(tmp_path, users=7)
    target = FakePoolApi([c for c in COLUMNS if c != "custom:department"])
    preview = importing.read_folder(target, folder, admin_group="Admin")
    assert (preview.users, len(preview.groups), preview.memberships) == (7, 3, 8)
    assert preview.ignored == ("custom:department",)
    assert "custom:department" not in preview.sent and "cognito:mfa_enabled" in preview.sent
    assert preview.disabled == frozenset({"user001"})
    assert preview.admin_members == 1
    assert [g.name for g in preview.groups] == ["Admin", "Team", "Empty"]
    assert len(preview.first_users) == importing.PREVIEW_ROWS
    assert preview.first_users[0] == (
        "user000",
        "name=User 0, the 0th, email=user000@example.com, email_verified=TRUE, "
        "cognito:mfa_enabled=FALSE",
    )
    assert preview.notes == ("Ignored column (not attributes of this pool): custom:department.",)
    assert target.requests == [("GET", "/admin/schema", None)]  # nothing sent


def test_a_folder_without_the_optional_files_says_so(tmp_path: Path) -> None:
    _source, folder = exported(tmp_path)
    (folder / files.GROUPS_FILE).unlink()
    (folder / files.STATES_FILE).unlink()
    preview = importing.read_folder(FakePoolApi(), folder)
    assert (preview.users, preview.groups, preview.memberships) == (3, (), 0)
    assert preview.notes == (
        "There is no user_states.csv: every user is created enabled.",
        "There is no groups.csv: no groups or memberships are imported.",
    )


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("users.csv", "email\nx@example.com\n", "has no cognito:username column"),
        ("users.csv", "cognito:username,email,email\n", "names a column twice"),
        ("groups.csv", "group_name,username\nA,b\n", "groups.csv's header must be"),
        ("groups.csv", "group_name,description,precedence,username\nA,,high,b\n", "row 1: prec"),
        ("groups.csv", "group_name,description,precedence,username\n,,,b\n", "name is missing"),
        ("user_states.csv", "user,enabled\n", "user_states.csv's header must be"),
    ],
)
def test_a_folder_that_is_not_an_export_is_refused(
    tmp_path: Path, name: str, content: str, message: str
) -> None:
    _source, folder = exported(tmp_path)
    (folder / name).write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        importing.read_folder(FakePoolApi(), folder)


def test_a_folder_without_users_csv_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"no users\.csv"):
        importing.read_folder(FakePoolApi(), tmp_path)


# -- import --------------------------------------------------------------------------------


def test_export_then_import_gives_the_same_users_and_groups(tmp_path: Path) -> None:
    source, folder = exported(tmp_path, users=130)
    target = FakePoolApi()
    summary, outcomes, progress = run(target, folder)
    same_pool(source, target)
    assert summary.users == {Status.CREATED: 130, Status.EXISTS: 0, Status.FAILED: 0}
    assert summary.memberships == {Status.CREATED: 121, Status.EXISTS: 0, Status.FAILED: 0}
    assert (summary.not_run, summary.cancelled, summary.stopped_by) == (0, False, None)
    users = [o for o in outcomes if o.phase is USERS]
    assert [o.number for o in users] == list(range(1, 131))
    assert users[0] == importing.RowOutcome(USERS, 1, "user000", None, Status.CREATED)
    members = [o for o in outcomes if o.phase is GROUPS]
    assert members[0] == importing.RowOutcome(GROUPS, 1, "user000", "Admin", Status.CREATED)
    assert [p.done for p in progress if p.phase is USERS] == [0, 50, 100, 130]
    batches = [body for method, path, body in target.requests if path == "/admin/import/users"]
    assert [len(b["rows"]) for b in batches] == [50, 50, 30]
    assert [b["disabled"] for b in batches] == [["user001"], [], []]
    assert {b["message_action"] for b in batches} == {"INVITE"}


def test_groups_are_sent_once_and_the_empty_ones_last(tmp_path: Path) -> None:
    _source, folder = exported(tmp_path, users=3)
    target = FakePoolApi()
    run(target, folder)
    sent = [body for _m, path, body in target.requests if path == "/admin/import/memberships"]
    named = [g["name"] for body in sent for g in body["groups"]]
    assert sorted(named) == ["Admin", "Empty", "Team"] and len(named) == 3
    assert sent[-1] == {
        "groups": [{"name": "Empty", "description": None, "precedence": 9}],
        "memberships": [],
    }


def test_importing_the_same_folder_again_creates_nothing_twice(tmp_path: Path) -> None:
    source, folder = exported(tmp_path, users=60)
    target = FakePoolApi()
    run(target, folder)
    summary, outcomes, _progress = run(target, folder)
    assert summary.users == {Status.CREATED: 0, Status.EXISTS: 60, Status.FAILED: 0}
    assert summary.memberships[Status.EXISTS] == 61
    assert all(o.status is Status.EXISTS for o in outcomes)
    same_pool(source, target)


def test_a_failed_row_is_reported_and_the_others_go_on(tmp_path: Path) -> None:
    source = FakePoolApi()
    for name in ("ann", "bad-one", "cy"):
        source.add_user(name, email=f"{name}@example.com")
    folder = tmp_path / "export"
    folder.mkdir()
    migration.export_pool(source, folder)
    summary, outcomes, _progress = run(FakePoolApi(), folder)
    assert [(o.username, o.status) for o in outcomes] == [
        ("ann", Status.CREATED),
        ("bad-one", Status.FAILED),
        ("cy", Status.CREATED),
    ]
    assert outcomes[1].message == "email is not a valid email address"
    assert summary.users[Status.FAILED] == 1


def test_a_batch_lost_after_it_created_its_rows_is_retried_without_a_duplicate(
    tmp_path: Path,
) -> None:
    source, folder = exported(tmp_path, users=120)
    target = FakePoolApi()
    target.fail_after[2] = errors.NetworkError("connection reset")  # rows 51-100 created
    pauses = Pauses()
    summary, outcomes, _progress = run(target, folder, wait=pauses)
    assert pauses == [importing.RETRY_DELAYS[0]]
    assert len(target.users) == 120  # every user once
    assert target.created_by_call[:3] == [50, 50, 0]  # the retry created nothing more
    retried = [o for o in outcomes if o.phase is USERS and 51 <= o.number <= 100]
    assert {o.status for o in retried} == {Status.EXISTS}
    assert len([o for o in outcomes if o.phase is USERS]) == 120  # one outcome per row
    assert summary.users == {Status.CREATED: 70, Status.EXISTS: 50, Status.FAILED: 0}
    same_pool(source, target)


def test_throttling_waits_as_long_as_the_api_asks(tmp_path: Path) -> None:
    _source, folder = exported(tmp_path, users=3)
    target = FakePoolApi()
    target.fail_before[1] = errors.ApiError(429, "slow down", "throttled", retry_after=3.5)
    pauses = Pauses()
    summary, _outcomes, _progress = run(target, folder, wait=pauses)
    assert pauses == [3.5]
    assert summary.users[Status.CREATED] == 3


def test_a_batch_that_keeps_failing_stops_the_import_after_its_retries(tmp_path: Path) -> None:
    _source, folder = exported(tmp_path, users=120)
    target = FakePoolApi()
    for call in range(2, 2 + len(importing.RETRY_DELAYS) + 1):
        target.fail_before[call] = errors.ApiError(503, "unavailable", "unavailable")
    pauses = Pauses()
    summary, outcomes, _progress = run(target, folder, wait=pauses)
    assert pauses == list(importing.RETRY_DELAYS)
    assert isinstance(summary.stopped_by, errors.ApiError)
    assert summary.users[Status.CREATED] == 50
    assert summary.not_run == 70 + 121  # the rest of the users, and every membership
    assert len(outcomes) == 50
    assert not any(path == "/admin/import/memberships" for _m, path, _b in target.requests)


def test_a_refused_batch_is_not_retried(tmp_path: Path) -> None:
    _source, folder = exported(tmp_path, users=3)
    target = FakePoolApi()
    target.fail_before[1] = errors.ApiError(400, "the header has no email column")
    summary, outcomes, _progress = run(target, folder, wait=lambda s: pytest.fail("waited"))
    assert isinstance(summary.stopped_by, errors.ApiError) and summary.stopped_by.status == 400
    assert outcomes == [] and summary.not_run == 3 + 4


def test_cancel_stops_before_the_next_batch(tmp_path: Path) -> None:
    _source, folder = exported(tmp_path, users=120)
    target = FakePoolApi()
    stop = threading.Event()
    preview = importing.read_folder(target, folder)
    outcomes: list[importing.RowOutcome] = []

    def rows(batch: object) -> None:
        outcomes.extend(batch)  # type: ignore[arg-type]
        stop.set()

    summary = importing.import_pool(target, preview, "SUPPRESS", stop=stop, on_rows=rows)
    assert summary.cancelled and summary.stopped_by is None
    assert len(target.users) == 50 and len(outcomes) == 50
    assert summary.not_run == 70 + 121


def test_cancel_during_a_pause_before_a_retry_stops_there(tmp_path: Path) -> None:
    _source, folder = exported(tmp_path, users=3)
    target = FakePoolApi()
    target.fail_before[1] = errors.NetworkError("down")
    summary, outcomes, _progress = run(target, folder, wait=lambda _s: True)
    assert summary.cancelled and outcomes == [] and summary.not_run == 3 + 4
    assert target.import_calls == 1


def test_a_membership_cognito_would_refuse_fails_alone_unsent(tmp_path: Path) -> None:
    _source, folder = exported(tmp_path, users=2)
    with (folder / files.GROUPS_FILE).open("a", encoding="utf-8") as out:
        out.write(files.line(["Team", "", "", "bad name"]))
    target = FakePoolApi()
    summary, outcomes, _progress = run(target, folder)
    refused = [o for o in outcomes if o.username == "bad name"]
    assert refused[0].status is Status.FAILED and "username must be" in (refused[0].message or "")
    assert summary.memberships[Status.CREATED] == 3  # the others went in
    sent = [b for _m, p, b in target.requests if p == "/admin/import/memberships"]
    assert all(["Team", "bad name"] not in b["memberships"] for b in sent)


def test_the_message_action_is_checked() -> None:
    preview = importing.ImportPreview(Path("."), (), (), (), 0, (), (), 0)
    with pytest.raises(ValueError, match="INVITE or SUPPRESS"):
        importing.import_pool(FakePoolApi(), preview, "EMAIL")  # type: ignore[arg-type]


def test_rows_the_api_had_no_time_for_are_sent_again_alone(tmp_path: Path) -> None:
    source, folder = exported(tmp_path, users=50)
    target = FakePoolApi()
    target.out_of_time[1] = 30  # Cognito throttled: rows 31-50 not tried
    pauses = Pauses()
    summary, outcomes, _progress = run(target, folder, wait=pauses)
    batches = [body for _m, path, body in target.requests if path == "/admin/import/users"]
    assert [len(b["rows"]) for b in batches] == [50, 20]
    assert [r[-1] for r in batches[1]["rows"]] == [f"user{i:03d}" for i in range(30, 50)]
    assert pauses == [importing.RETRY_DELAYS[0]]
    users = [o for o in outcomes if o.phase is USERS]
    assert [o.number for o in users] == list(range(1, 51))  # in file order, once each
    assert {o.status for o in users} == {Status.CREATED}
    assert summary.users[Status.CREATED] == 50
    same_pool(source, target)


def test_rows_still_untried_after_the_retries_are_reported_failed(tmp_path: Path) -> None:
    _source, folder = exported(tmp_path, users=3)
    target = FakePoolApi()
    for call in range(1, 2 + len(importing.RETRY_DELAYS)):
        target.out_of_time[call] = 0
    summary, outcomes, _progress = run(target, folder)
    users = [o for o in outcomes if o.phase is USERS]
    assert [(o.status, o.error) for o in users] == [(Status.FAILED, "throttled")] * 3
    assert users[0].message == "not tried: the request ran out of time"
    assert summary.users[Status.FAILED] == 3 and summary.stopped_by is None


def test_a_created_row_keeps_the_apis_word_on_what_went_wrong(tmp_path: Path) -> None:
    results = [admin.RowResult(0, "ann", "created", "throttled", "created, but not disabled")]
    [outcome] = importing._outcomes(USERS, results, [1], ["ann"], [None])
    assert outcome.status is Status.CREATED
    assert outcome.message == "created, but not disabled"
