"""One audit line per admin action: one line of ASCII JSON, on its own logger, in UTC."""

from __future__ import annotations

import datetime
import json
import logging

import pytest

from protected_api import access_log, audit

FIXED = datetime.datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=datetime.UTC)


def record(**changes: str | None) -> str:
    fields: dict[str, str | None] = {
        "actor_sub": "s-1",
        "actor_username": "admin",
        "action": "disable_user",
        "target": "bob",
        "result": "ok",
        "request_id": "r-1",
    }
    fields.update(changes)
    return audit.record(**fields, now=lambda: FIXED)  # type: ignore[arg-type]


def test_audit_line_shape() -> None:
    line = record(target="bob")
    assert json.loads(line) == {
        "time": "2026-01-02T03:04:05.678+00:00",
        "request_id": "r-1",
        "actor_sub": "s-1",
        "actor_username": "admin",
        "action": "disable_user",
        "target": "bob",
        "group": None,
        "result": "ok",
    }


def test_the_line_is_ascii_whatever_the_names() -> None:
    line = record(actor_username="\u00e4dmin", target="\u65e5\u672c")
    assert line.isascii()
    assert json.loads(line)["actor_username"] == "\u00e4dmin"  # readable once decoded
    assert json.loads(line)["target"] == "\u65e5\u672c"


@pytest.mark.parametrize(
    "field", ["actor_username", "target", "group", "action", "actor_sub", "request_id"]
)
def test_no_field_can_forge_a_line_even_once_decoded(field: str) -> None:
    """A path with %0A (a refused non-admin's action is ``METHOD /path``), a name with
    a terminal escape: escaped in the value itself, as the access log escapes them, so
    ``jq -r`` or a log viewer that decodes the JSON shows one line too."""
    forged = 'x\n{"time":"2026-01-02T03:04:05.678+00:00","result":"ok"}\r\x1b[2J\u2028\x85'
    line = record(**{field: forged})
    assert line.isascii() and line.splitlines() == [line]
    value = json.loads(line)[field]
    assert value == access_log.escape(forged)
    assert value.splitlines() == [value]
    assert not any(c in value for c in "\r\n\x1b\u2028\x85")


def test_local_times_are_written_in_utc() -> None:
    local = datetime.datetime(
        2026, 1, 2, 5, 4, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=2))
    )
    line = audit.record(
        actor_sub="s",
        actor_username="a",
        action="list_users",
        target=None,
        result="ok",
        request_id="r",
        now=lambda: local,
    )
    assert json.loads(line)["time"] == "2026-01-02T03:04:05.000+00:00"


def test_the_line_goes_to_the_audit_logger_at_info(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=audit.LOGGER_NAME)
    line = record(group="Admin")
    [logged] = [r for r in caplog.records if r.name == "protected_api.audit"]
    assert (logged.levelno, logged.getMessage()) == (logging.INFO, line)


def test_a_sign_in_attempt_line() -> None:
    line = audit.record_sign_in(
        action="challenge",
        challenge="SOFTWARE_TOKEN_MFA",
        username="tom",
        client="192.0.2.1",
        result="invalid_code",
        request_id="r-2",
        now=lambda: FIXED,
    )
    assert json.loads(line) == {
        "time": "2026-01-02T03:04:05.678+00:00",
        "request_id": "r-2",
        "action": "challenge",
        "challenge": "SOFTWARE_TOKEN_MFA",
        "username": "tom",
        "client": "192.0.2.1",
        "result": "invalid_code",
    }


def test_a_sign_in_attempt_line_escapes_the_username_it_was_given() -> None:
    line = audit.record_sign_in(
        action="sign_in",
        username='x"}\n{"result":"tokens\u2028',
        client=None,
        result="invalid_credentials",
        request_id="r-3",
    )
    assert "\n" not in line and line.isascii()
    fields = json.loads(line)
    assert fields["username"] == 'x"}\\n{"result":"tokens\\u2028'
    assert fields["result"] == "invalid_credentials" and fields["client"] is None
