"""The detail pane: one user's attributes, status, dates and groups, with the actions.

It loads the user with ``admin.get_user`` in the background (a newer selection drops
an older answer), runs one action at a time through the bridge, and after every
action, successful or not, reloads the user so what is shown matches the server.
Actions that would lock the signed-in admin out are disabled with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6 import QtCore, QtWidgets

from desktop_app.api import admin
from desktop_app.models import groups as groups_model
from desktop_app.qt import bridge as qt_bridge
from desktop_app.qt import worker
from desktop_app.ui.admin import common, dialogs, user_card

Guarded = common.Guarded


class UserDetailPane(QtWidgets.QWidget):
    """See the module docstring.

    Signals:
        userChanged(object): a fresh :class:`~desktop_app.api.admin.UserDetail`
            (after an action or a reload): the table should show it.
        userRemoved(str): the user was deleted, or no longer exists.
        groupsChanged(): a membership changed, so member counts are stale.
        message(str, bool): the outcome of an action, and whether it is an error.
        forbidden(str): the API refused admin access (403).
    """

    userChanged = QtCore.Signal(object)
    userRemoved = QtCore.Signal(str)
    groupsChanged = QtCore.Signal()
    message = QtCore.Signal(str, bool)
    forbidden = QtCore.Signal(str)

    def __init__(
        self,
        bridge: qt_bridge.SessionBridge,
        groups: groups_model.GroupsModel,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._groups = groups
        self._username: str | None = None
        self._detail: admin.UserDetail | None = None
        self._load_task: worker.Task[Any] | None = None
        self._tasks = common.Tasks.of(self)
        self._busy = False
        self.delete_dialog: dialogs.DeleteDialog | None = None
        self.setAccessibleName(self.tr("User details"))
        self._build()
        groups.modelReset.connect(self._fill_group_choices)
        groups.loaded.connect(self._fill_group_choices)
        self._show()
        self._update_busy()

    def _build(self) -> None:
        self.placeholder = QtWidgets.QLabel(self.tr("Select a user to see the details."))
        self.placeholder.setWordWrap(True)
        self.busy = QtWidgets.QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setMaximumHeight(6)
        self.busy.setAccessibleName(self.tr("Working"))
        self.card = user_card.UserCard()
        self.card.removeGroup.connect(self.remove_group)
        self.group_choice = QtWidgets.QComboBox()
        self.group_choice.setAccessibleName(self.tr("Group to add the user to"))
        self.add_group_button = QtWidgets.QPushButton(self.tr("Add to group"))
        self.add_group_button.clicked.connect(
            lambda: self.add_group(self.group_choice.currentText())
        )
        add_row = QtWidgets.QHBoxLayout()
        add_row.addWidget(self.group_choice, 1)
        add_row.addWidget(self.add_group_button)
        self.card.form.addRow("", add_row)

        self.resend_button = self._action(self.tr("Resend invitation"), self.resend_invitation)
        self.toggle_button = self._action(self.tr("Disable"), self.toggle_enabled)
        self.reset_button = self._action(self.tr("Reset password"), self.reset_password)
        self.sign_out_button = self._action(
            self.tr("Sign out everywhere"), self.sign_out_everywhere
        )
        self.delete_button = self._action(self.tr("Delete\N{HORIZONTAL ELLIPSIS}"), self.ask_delete)
        actions = QtWidgets.QGridLayout()
        for i, button in enumerate(
            (
                self.toggle_button,
                self.reset_button,
                self.sign_out_button,
                self.delete_button,
                self.resend_button,
            )
        ):
            actions.addWidget(button, i // 3, i % 3)
        self.lockout_note = QtWidgets.QLabel()
        self.lockout_note.setWordWrap(True)
        self.lockout_note.setAccessibleName(self.tr("Why some actions are unavailable"))

        self.body = QtWidgets.QWidget()
        body = QtWidgets.QVBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)
        self.card.extra.addLayout(actions)
        self.card.extra.addWidget(self.lockout_note)
        body.addWidget(self.card, 1)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.busy)
        layout.addWidget(self.placeholder)
        layout.addWidget(self.body, 1)

    def _action(self, text: str, slot: Callable[[], object]) -> QtWidgets.QPushButton:
        button = QtWidgets.QPushButton(text)
        button.setAccessibleName(text)
        button.clicked.connect(lambda: slot())
        return button

    # -- what is shown ---------------------------------------------------------------------

    @property
    def username(self) -> str | None:
        return self._username

    @property
    def detail(self) -> admin.UserDetail | None:
        return self._detail

    @property
    def is_busy(self) -> bool:
        return self._busy

    def is_loading(self) -> bool:
        return self._load_task is not None

    def group_chips(self) -> list[str]:
        return [chip.name for chip in self.card.chips()]

    def chip(self, group: str) -> common.Chip | None:
        return self.card.chip(group)

    def show_user(self, username: str | None, *, placeholder: str | None = None) -> None:
        """Show ``username`` (loaded in the background), or nothing with ``placeholder``."""
        if username == self._username and username is not None:
            return
        self._username = username
        self._detail = None
        self._cancel_load()
        if placeholder is not None:
            self.placeholder.setText(placeholder)
        else:
            self.placeholder.setText(self.tr("Select a user to see the details."))
        self._show()
        if username is not None:
            self.reload()

    def reload(self) -> None:
        """Fetch the shown user again."""
        if self._username is not None:
            self._load(self._username)

    def _cancel_load(self) -> None:
        if self._load_task is not None:
            self._load_task.cancel()
            self._load_task = None

    def _load(self, username: str) -> None:
        self._cancel_load()
        self._load_task = self._tasks.track(
            self._bridge.call_api(
                lambda api: admin.get_user(api, username),
                self._on_loaded,
                lambda exc: self._on_load_failed(username, exc),
                name="admin-get-user",
            )
        )
        self._update_busy()

    def _on_loaded(self, detail: admin.UserDetail) -> None:
        self._load_task = None
        if detail.username == self._username:
            self._detail = detail
            self._show()
        self._update_busy()
        self.userChanged.emit(detail)

    def _on_load_failed(self, username: str, exc: BaseException) -> None:
        self._load_task = None
        self._update_busy()
        if common.is_gone(exc):
            if username == self._username:
                self.show_user(None)
            self.userRemoved.emit(username)
            return
        self._report(exc)

    def _show(self) -> None:
        self.placeholder.setVisible(self._username is None)
        self.body.setVisible(self._username is not None)
        mine = self._detail is not None and common.is_self(self._bridge, self._detail)
        blocked = (
            {self._bridge.profile.admin_group: common.lockout_reason(Guarded.LEAVE_ADMIN_GROUP)}
            if mine
            else {}
        )
        self.card.show_user(self._username, self._detail, blocked)
        self._fill_group_choices()

    @QtCore.Slot()
    def _fill_group_choices(self, *_args: object) -> None:
        current = set(self._detail.groups) if self._detail is not None else set()
        names = [g.name for g in self._groups.groups if g.name not in current]
        self.group_choice.clear()
        self.group_choice.addItems(names)
        self._update_actions()

    def blocked_reasons(self) -> dict[Guarded, str]:
        """The guarded actions unavailable for the shown user (the admin's own account)."""
        if self._detail is None or not common.is_self(self._bridge, self._detail):
            return {}
        guarded = (Guarded.DISABLE, Guarded.DELETE, Guarded.RESET_PASSWORD, Guarded.SIGN_OUT)
        return {g: common.lockout_reason(g) for g in guarded}

    def _update_actions(self) -> None:
        detail = self._detail
        ready = detail is not None and not self._busy
        blocked = self.blocked_reasons()
        enabled = detail is not None and detail.enabled
        self.toggle_button.setText(
            self.tr("Disable") if enabled or not detail else self.tr("Enable")
        )
        self.toggle_button.setAccessibleName(self.toggle_button.text())
        pending = detail is not None and detail.status == common.PENDING_STATUS
        self.resend_button.setVisible(pending)
        self.resend_button.setEnabled(ready and pending)
        self.toggle_button.setEnabled(ready and not (enabled and Guarded.DISABLE in blocked))
        for button, action in (
            (self.reset_button, Guarded.RESET_PASSWORD),
            (self.sign_out_button, Guarded.SIGN_OUT),
            (self.delete_button, Guarded.DELETE),
        ):
            button.setEnabled(ready and action not in blocked)
            button.setToolTip(blocked.get(action, ""))
        self.toggle_button.setToolTip(blocked.get(Guarded.DISABLE, "") if enabled else "")
        self.add_group_button.setEnabled(ready and self.group_choice.count() > 0)
        self.group_choice.setEnabled(ready)
        self.card.set_actions_enabled(ready)
        self.lockout_note.setText(
            self.tr(
                "This is your own account: disabling, deleting, resetting the password, "
                "signing out everywhere and leaving the admin group are not offered here."
            )
            if blocked
            else ""
        )
        self.lockout_note.setVisible(bool(blocked))

    def _update_busy(self) -> None:
        self.busy.setVisible(self._busy or self._load_task is not None)
        self._update_actions()

    # -- actions ---------------------------------------------------------------------------

    def resend_invitation(self) -> None:
        self._act(admin.resend_invitation, self.tr("Invitation sent again to {user}."))

    def toggle_enabled(self) -> None:
        if self._detail is None:
            return
        if self._detail.enabled:
            if Guarded.DISABLE in self.blocked_reasons():
                return
            self._act(admin.disable_user, self.tr("{user} is disabled."))
        else:
            self._act(admin.enable_user, self.tr("{user} is enabled."))

    def reset_password(self) -> None:
        if Guarded.RESET_PASSWORD not in self.blocked_reasons():
            self._act(admin.reset_password, self.tr("{user} must reset their password."))

    def sign_out_everywhere(self) -> None:
        if Guarded.SIGN_OUT not in self.blocked_reasons():
            self._act(admin.sign_out_everywhere, self.tr("{user} is signed out everywhere."))

    def ask_delete(self) -> dialogs.DeleteDialog | None:
        """Open the confirmation (type the username); deleting follows its Delete button."""
        if self._detail is None or Guarded.DELETE in self.blocked_reasons() or self._busy:
            return None
        if self.delete_dialog is not None:
            self.delete_dialog.raise_()
            return self.delete_dialog
        dialog = dialogs.DeleteDialog(self._detail.username, self)
        dialog.accepted.connect(lambda: self._delete(dialog.username))
        dialog.finished.connect(self._on_delete_dialog_closed)
        self.delete_dialog = dialog
        dialog.open()
        return dialog

    @QtCore.Slot()
    def _on_delete_dialog_closed(self) -> None:
        if self.delete_dialog is not None:
            self.delete_dialog.deleteLater()
            self.delete_dialog = None

    def _delete(self, username: str) -> None:
        self._act(admin.delete_user, self.tr("{user} was deleted."), username=username, gone=True)

    def add_group(self, group: str) -> None:
        if group:
            self._act(
                lambda api, user: admin.add_to_group(api, user, group),
                self.tr("{user} added to {group}."),
                group=group,
            )

    def remove_group(self, group: str) -> None:
        if self._detail is None:
            return
        if group == self._bridge.profile.admin_group and common.is_self(self._bridge, self._detail):
            return
        self._act(
            lambda api, user: admin.remove_from_group(api, user, group),
            self.tr("{user} removed from {group}."),
            group=group,
        )

    def _act(
        self,
        call: Callable[[admin.JsonCaller, str], object],
        done: str,
        *,
        username: str | None = None,
        gone: bool = False,
        group: str | None = None,
    ) -> None:
        """Run ``call(api, username)``; say how it went; reload the user either way."""
        target = username or self._username
        if target is None or self._busy:
            return
        self._busy = True
        self._update_busy()

        def succeeded(_value: object) -> None:
            self._finish(changed_groups=group is not None)
            self.message.emit(done.format(user=target, group=group or ""), False)
            if gone:
                if target == self._username:
                    self.show_user(None)
                self.userRemoved.emit(target)
            elif target == self._username:
                self._load(target)
            else:
                self._refresh_other(target)

        def failed(exc: BaseException) -> None:
            self._finish(changed_groups=group is not None)
            self._report(exc)
            # The server may have changed part of it (or the user is gone): show the truth.
            if target == self._username:
                self._load(target)
            else:
                self._refresh_other(target)

        self._tasks.track(
            self._bridge.call_api(
                lambda api: call(api, target), succeeded, failed, name="admin-user-action"
            )
        )

    def _finish(self, *, changed_groups: bool) -> None:
        self._busy = False
        self._update_busy()
        if changed_groups:
            self.groupsChanged.emit()

    def _refresh_other(self, username: str) -> None:
        self._tasks.track(
            self._bridge.call_api(
                lambda api: admin.get_user(api, username),
                self.userChanged.emit,
                lambda exc: self.userRemoved.emit(username) if common.is_gone(exc) else None,
                name="admin-get-user",
            )
        )

    def _report(self, exc: BaseException) -> None:
        if common.is_forbidden(exc):
            self.forbidden.emit(admin.plain_message(exc))
        self.message.emit(admin.plain_message(exc), True)
