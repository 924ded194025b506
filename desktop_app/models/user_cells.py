"""How a user shows in each column of the admin users table (text, tooltip, sort key)."""

from __future__ import annotations

import datetime
import enum
from typing import Any

from PySide6 import QtCore

from desktop_app.api import admin
from desktop_app.models import items as items_model

_translate = QtCore.QCoreApplication.translate


class Column(enum.IntEnum):
    USERNAME = 0
    EMAIL = 1
    NAME = 2
    STATUS = 3
    ENABLED = 4
    CREATED = 5
    MODIFIED = 6


def column_title(column: Column) -> str:
    titles = {
        Column.USERNAME: _translate("UsersModel", "Username"),
        Column.EMAIL: _translate("UsersModel", "Email"),
        Column.NAME: _translate("UsersModel", "Name"),
        Column.STATUS: _translate("UsersModel", "Status"),
        Column.ENABLED: _translate("UsersModel", "Enabled"),
        Column.CREATED: _translate("UsersModel", "Created"),
        Column.MODIFIED: _translate("UsersModel", "Last modified"),
    }
    return titles[column]


_STATUS_TIPS = {
    "CONFIRMED": "Signed up and confirmed",
    "FORCE_CHANGE_PASSWORD": "Invited; must choose a password at first sign-in",
    "RESET_REQUIRED": "Must reset the password before signing in",
    "UNCONFIRMED": "Signed up; not confirmed yet",
    "EXTERNAL_PROVIDER": "Signs in through an external identity provider",
    "ARCHIVED": "Archived",
    "COMPROMISED": "Credentials reported compromised",
    "UNKNOWN": "Status unknown",
}


def cell_value(user: admin.User, column: Column) -> str | bool | datetime.datetime | None:
    return (
        user.username,
        user.email,
        user.name,
        user.status,
        user.enabled,
        user.created_at,
        user.modified_at,
    )[column]


def display(user: admin.User, column: Column) -> str:
    value = cell_value(user, column)
    if isinstance(value, bool):
        return _translate("UsersModel", "Yes") if value else _translate("UsersModel", "No")
    if isinstance(value, datetime.datetime):
        return items_model.local_time(value)
    return value or ""


def tooltip(user: admin.User, column: Column) -> str | None:
    value = cell_value(user, column)
    if column is Column.STATUS:
        tip = _STATUS_TIPS.get(user.status)
        return _translate("UsersModel", tip) if tip else None
    if value is False:
        return _translate("UsersModel", "Disabled: sign-in and token refresh are refused")
    if isinstance(value, datetime.datetime):
        return value.astimezone().isoformat(sep=" ", timespec="seconds")
    return None


def sort_key(user: admin.User, column: Column) -> Any:
    """What ``column`` sorts by; None for a blank cell (sorted last)."""
    value = cell_value(user, column)
    return (value.casefold() or None) if isinstance(value, str) else value
