"""How a user shows in each column of the admin users table (text, tooltip, sort key).

Statuses and MFA are worded by :mod:`desktop_app.admin.states` (one mapping for the
whole app) and translated through :func:`desktop_app.qt.messages.admin_text`. A user's
MFA is not in the ``User`` (ListUsers does not return it): the model passes what it
knows of it as ``mfa``.
"""

from __future__ import annotations

import datetime
import enum
from typing import Any

from PySide6 import QtCore

from desktop_app.admin import states
from desktop_app.api import admin
from desktop_app.models import items as items_model
from desktop_app.qt import messages

_translate = QtCore.QCoreApplication.translate
PENDING = states.MfaRead.PENDING


class Column(enum.IntEnum):
    USERNAME = 0
    EMAIL = 1
    NAME = 2
    STATUS = 3
    ENABLED = 4
    MFA = 5
    CREATED = 6
    MODIFIED = 7
    LAST_SIGN_IN = 8


def column_title(column: Column) -> str:
    titles = {
        Column.USERNAME: _translate("UsersModel", "Username"),
        Column.EMAIL: _translate("UsersModel", "Email"),
        Column.NAME: _translate("UsersModel", "Name"),
        Column.STATUS: _translate("UsersModel", "Status"),
        Column.ENABLED: _translate("UsersModel", "Enabled"),
        Column.MFA: _translate("UsersModel", "MFA"),
        Column.CREATED: _translate("UsersModel", "Created"),
        Column.MODIFIED: _translate("UsersModel", "Last modified"),
        Column.LAST_SIGN_IN: _translate("UsersModel", "Last sign-in"),
    }
    return titles[column]


def status_text(status: str) -> str:
    """A ``UserStatus`` as the app shows it everywhere: plain words, translated; a status
    the app does not know yet as Cognito wrote it."""
    words = states.status_words(status)
    return messages.admin_text(words) if words is not None else status


def mfa_text(mfa: states.MfaState) -> str:
    """What the MFA column (and the detail pane) shows for ``mfa``."""
    return messages.admin_text(states.mfa_words(mfa))


def cell_value(
    user: admin.User, column: Column, mfa: states.MfaState = PENDING
) -> str | bool | datetime.datetime | None:
    if column is Column.STATUS:
        return status_text(user.status)
    if column is Column.MFA:
        return mfa_text(mfa)
    return (
        user.username,
        user.email,
        user.name,
        None,
        user.enabled,
        None,
        user.created_at,
        user.modified_at,
        user.last_sign_in,
    )[column]


def display(user: admin.User, column: Column, mfa: states.MfaState = PENDING) -> str:
    value = cell_value(user, column, mfa)
    if isinstance(value, bool):
        return _translate("UsersModel", "Yes") if value else _translate("UsersModel", "No")
    if isinstance(value, datetime.datetime):
        return items_model.local_time(value)
    if column is Column.LAST_SIGN_IN:
        return _translate("UsersModel", "Never")
    return value or ""


def tooltip(user: admin.User, column: Column, mfa: states.MfaState = PENDING) -> str | None:
    if column is Column.STATUS:
        # With Cognito's own name for the status: what a search on it takes.
        tip = states.status_tip(user.status)
        return f"{messages.admin_text(tip)} ({user.status})" if tip else None
    if column is Column.MFA:
        mfa_tip = states.mfa_tip(mfa)
        return messages.admin_text(mfa_tip) if mfa_tip else None
    value = cell_value(user, column, mfa)
    if value is False:
        return _translate("UsersModel", "Disabled: sign-in and token refresh are refused")
    if isinstance(value, datetime.datetime):
        return value.astimezone().isoformat(sep=" ", timespec="seconds")
    if column is Column.LAST_SIGN_IN:
        return _translate("UsersModel", "No sign-in recorded for this user")
    return None


def sort_key(user: admin.User, column: Column, mfa: states.MfaState = PENDING) -> Any:
    """What ``column`` sorts by; None for a blank cell, an MFA not known, or a sign-in
    never recorded ("Never"): sorted last, as the model puts blanks."""
    if column is Column.MFA and isinstance(mfa, states.MfaRead):
        return None
    value = cell_value(user, column, mfa)
    return (value.casefold() or None) if isinstance(value, str) else value
