"""Small pieces the admin panels share: the message line, group chips, dates, and the
self-lockout rules (which actions an admin may not take on their own account)."""

from __future__ import annotations

import datetime
import enum
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6 import QtCore, QtWidgets

from desktop_app import errors
from desktop_app.api import admin
from desktop_app.models import groups as groups_model
from desktop_app.qt import bridge as qt_bridge
from desktop_app.qt import worker

_translate = QtCore.QCoreApplication.translate
T = TypeVar("T", bound="worker.Task[Any]")

CHIP_STYLE = """
QFrame#groupChip {
    border: 1px solid palette(mid);
    border-radius: 9px;
    background: palette(alternate-base);
}
QLabel#messageLine[error="true"] { color: #b00020; }
"""
PENDING_STATUS = "FORCE_CHANGE_PASSWORD"
#: Chooses a file: (parent, caption, name filter) -> path, or "" when cancelled.
ChooseFile = Callable[[QtWidgets.QWidget, str, str], str]


def choose_open_file(parent: QtWidgets.QWidget, caption: str, filters: str) -> str:
    return QtWidgets.QFileDialog.getOpenFileName(parent, caption, "", filters)[0]


def choose_save_file(parent: QtWidgets.QWidget, caption: str, filters: str) -> str:
    return QtWidgets.QFileDialog.getSaveFileName(parent, caption, "users.csv", filters)[0]


class Tasks:
    """The background calls a widget started, all dropped when the widget is destroyed
    (their callbacks would reach a deleted object). A plain object, so ``destroyed``
    can still call it; tasks leave on their own once delivered (weak references)."""

    def __init__(self) -> None:
        self._tasks: weakref.WeakSet[worker.Task[Any]] = weakref.WeakSet()

    @classmethod
    def of(cls, owner: QtCore.QObject) -> Tasks:
        tasks = cls()
        owner.destroyed.connect(tasks.cancel_all)
        return tasks

    def track(self, task: T) -> T:
        self._tasks.add(task)
        return task

    def cancel_all(self, *_args: object) -> None:
        for task in list(self._tasks):
            task.cancel()


def is_forbidden(exc: BaseException) -> bool:
    """A 403: the API no longer takes this account as an admin (retrying will not help)."""
    return isinstance(exc, errors.ApiError) and exc.status == 403


def is_gone(exc: BaseException) -> bool:
    return isinstance(exc, errors.ApiError) and exc.status == 404


def when(moment: datetime.datetime | None) -> str:
    """A date as local time to the minute; an em dash when unknown."""
    if moment is None:
        return "\N{EM DASH}"
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


class Guarded(enum.Enum):
    """Actions that would lock an admin out if taken on their own account."""

    DISABLE = "disable"
    DELETE = "delete"
    RESET_PASSWORD = "reset_password"
    SIGN_OUT = "sign_out"
    LEAVE_ADMIN_GROUP = "leave_admin_group"


def is_self(bridge: qt_bridge.SessionBridge, user: admin.User | str) -> bool:
    """True when ``user`` (a user, or a username) is the signed-in admin."""
    identity = bridge.identity
    if identity is None:
        return False
    if isinstance(user, str):
        return user == identity.username
    return user.username == identity.username or (user.sub is not None and user.sub == identity.sub)


def lockout_reason(action: Guarded) -> str:
    """Why ``action`` is not offered on one's own account, for a tooltip or a label."""
    reasons = {
        Guarded.DISABLE: _translate(
            "Admin", "You cannot disable your own account: you would be signed out for good."
        ),
        Guarded.DELETE: _translate("Admin", "You cannot delete your own account."),
        Guarded.RESET_PASSWORD: _translate(
            "Admin", "You cannot reset your own password here: it would sign you out."
        ),
        Guarded.SIGN_OUT: _translate(
            "Admin", "You cannot sign yourself out everywhere from here: use Sign out."
        ),
        Guarded.LEAVE_ADMIN_GROUP: _translate(
            "Admin", "You cannot remove yourself from the admin group: ask another admin."
        ),
    }
    return reasons[action]


class MessageLine(QtWidgets.QLabel):
    """The one place a panel says how its last action went (never a modal box)."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageLine")
        self.setWordWrap(True)
        self.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        self.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setAccessibleName(_translate("Admin", "Message"))
        self._error = False
        self.hide()

    @property
    def is_error(self) -> bool:
        return self._error

    def show_info(self, text: str) -> None:
        self._show(text, error=False)

    def show_error(self, text: str) -> None:
        self._show(text, error=True)

    def show_failure(self, exc: BaseException) -> None:
        self._show(admin.plain_message(exc), error=True)

    def clear_message(self) -> None:
        self._error = False
        self.setText("")
        self.hide()

    def _show(self, text: str, *, error: bool) -> None:
        self._error = error
        self.setProperty("error", error)
        self.style().unpolish(self)
        self.style().polish(self)
        self.setText(text)
        self.setVisible(bool(text))


class Chip(QtWidgets.QFrame):
    """A group name in a rounded frame, with an optional remove button.

    Signals:
        removeClicked(str): the remove button was pressed (the group name).
    """

    removeClicked = QtCore.Signal(str)

    def __init__(
        self,
        name: str,
        *,
        removable: bool,
        blocked_reason: str | None = None,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("groupChip")
        self.name = name
        self.blocked_reason = blocked_reason
        self.label = QtWidgets.QLabel(name)
        self.setAccessibleName(_translate("Admin", "Group {name}").format(name=name))
        row = QtWidgets.QHBoxLayout(self)
        row.setContentsMargins(8, 1, 2, 1)
        row.setSpacing(2)
        row.addWidget(self.label)
        self.remove_button: QtWidgets.QToolButton | None = None
        if removable:
            button = QtWidgets.QToolButton()
            button.setText("\N{MULTIPLICATION SIGN}")
            button.setAutoRaise(True)
            button.setAccessibleName(
                _translate("Admin", "Remove from group {name}").format(name=name)
            )
            button.setToolTip(
                blocked_reason or _translate("Admin", "Remove from {name}").format(name=name)
            )
            button.setEnabled(blocked_reason is None)
            button.clicked.connect(lambda: self.removeClicked.emit(self.name))
            row.addWidget(button)
            self.remove_button = button


def group_menu_button(
    text: str, groups: groups_model.GroupsModel, chosen: Callable[[str], object]
) -> QtWidgets.QToolButton:
    """A button whose menu lists the groups (as they are when it opens); picking one
    calls ``chosen(name)``."""
    button = QtWidgets.QToolButton()
    button.setText(text)
    button.setAccessibleName(text)
    button.setPopupMode(QtWidgets.QToolButton.ToolButtonPopupMode.InstantPopup)
    menu = QtWidgets.QMenu(button)
    button.setMenu(menu)

    def fill() -> None:
        menu.clear()
        for group in groups.groups:
            action = menu.addAction(group.name)
            action.triggered.connect(lambda _checked=False, name=group.name: chosen(name))

    menu.aboutToShow.connect(fill)
    return button
