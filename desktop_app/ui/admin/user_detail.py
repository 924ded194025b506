"""The detail pane: one user's attributes, status, dates and groups, with the actions.

It loads the user with ``admin.get_user`` in the background (a newer selection drops
an older answer) and binds its buttons to the actions of
:mod:`desktop_app.admin.actions`: one runs at a time through the bridge, and after
every action, successful or not, the user is read again so what is shown matches the
server. An action a guard refuses on the shown user (the signed-in admin's own
account) is disabled, with the guard's reason. The consequential ones ask first, naming
the user (:meth:`desktop_app.admin.actions.Action.asks`: disable, reset the password,
sign out everywhere, add to the admin group, and the account-lifecycle actions); the
account-lifecycle actions (:data:`desktop_app.admin.actions.LIFECYCLE`: confirm a
sign-up, resend its code, mark the email verified, reset MFA) show only where the
user's state calls for them. "Edit attributes" opens
:class:`~desktop_app.ui.admin.attributes_dialog.AttributesDialog` on the pool's schema
(read once, then kept).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from PySide6 import QtCore, QtWidgets

from desktop_app.admin import actions
from desktop_app.api import admin
from desktop_app.qt import messages, tasks
from desktop_app.ui.admin import attributes_dialog, common, dialogs, user_card

#: Action buttons to a row (the pane is the narrower side of the Users tab).
_PER_ROW = 2

#: The guarded actions the pane offers on the user as a whole (groups: on the chips).
GUARDED = (
    actions.DISABLE,
    actions.DELETE,
    actions.RESET_PASSWORD,
    actions.SIGN_OUT_EVERYWHERE,
    actions.RESET_MFA,
)


class UserDetailPane(common.GroupAwarePanel):
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

    def _set_up(self) -> None:
        self._username: str | None = None
        self._detail: admin.UserDetail | None = None
        self._load = tasks.TaskSlot()
        self._loading: str | None = None  # the username the load in flight is for
        self._running: actions.Step | None = None  # the action in flight
        self.delete_dialog: dialogs.DeleteDialog | None = None
        self.confirm_dialog: dialogs.ConfirmDialog | None = None
        self.attributes_dialog: attributes_dialog.AttributesDialog | None = None
        self._schema: admin.Schema | None = None  # read by the first attributes dialog
        self.setAccessibleName(self.tr("User details"))
        self._build()
        self.groups_model.modelReset.connect(self._fill_group_choices)
        self.groups_model.loaded.connect(self._fill_group_choices)
        self._show()
        self._update_busy()

    def _build(self) -> None:
        self.placeholder = QtWidgets.QLabel(self.tr("Select a user to see the details."))
        self.placeholder.setWordWrap(True)
        self.busy = common.busy_bar(self.tr("Working"))
        self.busy.setMaximumHeight(6)
        self.card = user_card.UserCard()
        self.card.removeGroup.connect(self._on_chip_removed)
        self.group_choice = QtWidgets.QComboBox()
        self.group_choice.setAccessibleName(self.tr("Group to add the user to"))
        self.add_group_button = QtWidgets.QPushButton(
            messages.admin_text(actions.ADD_TO_GROUP.words.label)
        )
        self.add_group_button.clicked.connect(self._on_add_group_clicked)
        add_row = QtWidgets.QHBoxLayout()
        add_row.addWidget(self.group_choice, 1)
        add_row.addWidget(self.add_group_button)
        self.card.form.addRow("", add_row)

        # An ellipsis: the button asks first (a question, or a dialog) before it acts.
        ellipsis = "\N{HORIZONTAL ELLIPSIS}"
        self.resend_button = self._button(actions.RESEND_INVITATION)
        self.toggle_button = self._button(actions.DISABLE, self.toggle_enabled, ellipsis)
        self.reset_button = self._button(actions.RESET_PASSWORD, suffix=ellipsis)
        self.sign_out_button = self._button(actions.SIGN_OUT_EVERYWHERE, suffix=ellipsis)
        self.delete_button = self._button(actions.DELETE, self.ask_delete, ellipsis)
        self.edit_button = self._button(actions.EDIT_ATTRIBUTES, self.edit_attributes, ellipsis)
        self.lifecycle_buttons: dict[actions.Action, QtWidgets.QPushButton] = {
            action: self._button(action, suffix=ellipsis) for action in actions.LIFECYCLE
        }
        self.confirm_sign_up_button = self.lifecycle_buttons[actions.CONFIRM_SIGN_UP]
        self.resend_code_button = self.lifecycle_buttons[actions.RESEND_CONFIRMATION_CODE]
        self.verify_email_button = self.lifecycle_buttons[actions.MARK_EMAIL_VERIFIED]
        self.reset_mfa_button = self.lifecycle_buttons[actions.RESET_MFA]
        self.action_grid = QtWidgets.QGridLayout()
        self._action_buttons = (
            self.edit_button,
            self.toggle_button,
            self.reset_button,
            self.sign_out_button,
            self.delete_button,
            self.resend_button,
            *self.lifecycle_buttons.values(),
        )
        for i, button in enumerate(self._action_buttons):  # parented here; re-laid when shown
            self.action_grid.addWidget(button, i // _PER_ROW, i % _PER_ROW)
        self.lockout_note = QtWidgets.QLabel()
        self.lockout_note.setWordWrap(True)
        self.lockout_note.setAccessibleName(self.tr("Why some actions are unavailable"))

        self.body = QtWidgets.QWidget()
        body = QtWidgets.QVBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)
        self.card.extra.addLayout(self.action_grid)
        self.card.extra.addWidget(self.lockout_note)
        body.addWidget(self.card, 1)
        # Scrolls when the pane is short (under the table, in the default window).
        self.scroller = QtWidgets.QScrollArea()
        self.scroller.setWidgetResizable(True)
        self.scroller.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self.scroller.setWidget(self.body)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.busy)
        layout.addWidget(self.placeholder)
        layout.addWidget(self.scroller, 1)

    def _button(
        self, action: actions.Action, slot: Callable[[], object] | None = None, suffix: str = ""
    ) -> QtWidgets.QPushButton:
        """A button for ``action``: it takes it (asking first if it asks), or calls
        ``slot``."""
        text = messages.admin_text(action.words.label) + suffix
        button = QtWidgets.QPushButton(text)
        button.setAccessibleName(text.rstrip("\N{HORIZONTAL ELLIPSIS}"))
        button.clicked.connect(slot if slot is not None else functools.partial(self.take, action))
        return button

    def set_wide(self, wide: bool) -> None:
        """Lay the user out in two columns (the pane under the table) or one (beside it)."""
        self.card.set_wide(wide)

    # -- what is shown ---------------------------------------------------------------------

    @property
    def username(self) -> str | None:
        return self._username

    @property
    def detail(self) -> admin.UserDetail | None:
        return self._detail

    @property
    def is_busy(self) -> bool:
        """An action is under way (one at a time)."""
        return self._running is not None

    def is_loading(self) -> bool:
        return self._load.busy

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
        self._load.cancel()
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
            self._start_load(self._username)

    def _start_load(self, username: str) -> None:
        self._loading = username
        self._load.replace(
            self._call_api(
                lambda api: admin.get_user(api, username),
                self._on_loaded,
                self._on_load_failed,
                name="admin-get-user",
            )
        )
        self._update_busy()

    def _on_loaded(self, detail: admin.UserDetail) -> None:
        self._load.clear()
        if detail.username == self._username:
            self._detail = detail
            self._show()
        self._update_busy()
        self.userChanged.emit(detail)

    def _on_load_failed(self, exc: BaseException) -> None:
        username = self._loading
        self._load.clear()
        self._update_busy()
        if messages.is_gone(exc) and username is not None:
            if username == self._username:
                self.show_user(None)
            self.userRemoved.emit(username)
            return
        self._report(exc)

    def _step(self, action: actions.Action, group: str | None = None) -> actions.Step | None:
        """``action`` on the shown user, as the guards judge it; None while none is shown."""
        if self._detail is None:
            return None
        return actions.step(action, self._detail, self.acting(), group=group)

    def _show(self) -> None:
        self.placeholder.setVisible(self._username is None)
        self.scroller.setVisible(self._username is not None)
        refused = (self._step(actions.REMOVE_FROM_GROUP, g) for g in self._groups_shown())
        blocked = {
            step.group: messages.admin_text(step.refused)
            for step in refused
            if step is not None and step.group is not None and step.refused
        }
        self.card.show_user(self._username, self._detail, blocked)
        self._fill_group_choices()

    def _groups_shown(self) -> tuple[str, ...]:
        return self._detail.groups if self._detail is not None else ()

    @QtCore.Slot()
    def _fill_group_choices(self, *_args: object) -> None:
        current = set(self._groups_shown())
        names = [g.name for g in self.groups_model.groups if g.name not in current]
        self.group_choice.clear()
        self.group_choice.addItems(names)
        self._update_actions()

    def blocked_reasons(self) -> dict[actions.Action, str]:
        """The actions of :data:`GUARDED` refused on the shown user (the admin's own
        account), each with the reason as shown."""
        steps = (self._step(action) for action in GUARDED)
        return {
            step.action: messages.admin_text(step.refused)
            for step in steps
            if step is not None and step.refused
        }

    def _update_actions(self) -> None:
        detail = self._detail
        ready = detail is not None and not self.is_busy
        blocked = self.blocked_reasons()
        toggle = actions.ENABLE if detail is not None and not detail.enabled else actions.DISABLE
        label = messages.admin_text(toggle.words.label)
        self.toggle_button.setText(label + ("\N{HORIZONTAL ELLIPSIS}" if toggle.words.ask else ""))
        self.toggle_button.setAccessibleName(label)
        pending = detail is not None and actions.invitation_pending(detail)
        self.resend_button.setVisible(pending)
        self.resend_button.setEnabled(ready and pending)
        self.edit_button.setEnabled(ready)
        for button, action in (
            (self.toggle_button, toggle),
            (self.reset_button, actions.RESET_PASSWORD),
            (self.sign_out_button, actions.SIGN_OUT_EVERYWHERE),
            (self.delete_button, actions.DELETE),
            *((b, a) for a, b in self.lifecycle_buttons.items()),
        ):
            button.setEnabled(ready and action not in blocked)
            button.setToolTip(blocked.get(action, ""))
        for action, button in self.lifecycle_buttons.items():
            button.setVisible(detail is not None and action.offered(detail))
        self._lay_out_buttons()
        self.add_group_button.setEnabled(ready and self.group_choice.count() > 0)
        self.group_choice.setEnabled(ready)
        self.card.set_actions_enabled(ready)
        self.lockout_note.setText(
            self.tr(
                "This is your own account: disabling, deleting, resetting the password or "
                "MFA, signing out everywhere and leaving the admin group are not offered here."
            )
            if blocked
            else ""
        )
        self.lockout_note.setVisible(bool(blocked))

    def _lay_out_buttons(self) -> None:
        """The buttons shown, :data:`_PER_ROW` to a row, with no gap where one is hidden
        (a child widget is hidden only when told to be)."""
        shown = [button for button in self._action_buttons if not button.isHidden()]
        for button in self._action_buttons:
            self.action_grid.removeWidget(button)
        for i, button in enumerate(shown):
            self.action_grid.addWidget(button, i // _PER_ROW, i % _PER_ROW)

    def _update_busy(self) -> None:
        self.busy.setVisible(self.is_busy or self._load.busy)
        self._update_actions()

    # -- actions ---------------------------------------------------------------------------

    def take(
        self, action: actions.Action, group: str | None = None
    ) -> dialogs.ConfirmDialog | None:
        """What ``action``'s button does on the shown user (``group``: for a group
        action): nothing if a guard refuses it (its button is disabled then, with the
        reason) or the user's state does not call for it; the question, if the action
        asks first (it runs on the question's confirm button); else it runs now."""
        step = self._step(action, group)
        detail = self._detail
        if step is None or step.refused or self.is_busy or detail is None:
            return None
        if not action.offered(detail):
            return None
        if action.asks(step, self.acting()):
            return self._ask(step)
        self._act(step)
        return None

    def toggle_enabled(self) -> dialogs.ConfirmDialog | None:
        if self._detail is None:
            return None
        return self.take(actions.DISABLE if self._detail.enabled else actions.ENABLE)

    @QtCore.Slot()
    def _on_add_group_clicked(self) -> None:
        if self.group_choice.currentText():
            self.take(actions.ADD_TO_GROUP, self.group_choice.currentText())

    @QtCore.Slot(str)
    def _on_chip_removed(self, group: str) -> None:
        self.take(actions.REMOVE_FROM_GROUP, group)

    def ask_delete(self) -> dialogs.DeleteDialog | None:
        """Open the confirmation (type the username); deleting follows its Delete button."""
        step = self._step(actions.DELETE)
        if step is None or step.refused or self.is_busy:
            return None
        if self.delete_dialog is not None:
            self.delete_dialog.raise_()
            return self.delete_dialog
        dialog = dialogs.DeleteDialog(step.username, self)
        dialog.accepted.connect(lambda: self._act(step))
        dialog.finished.connect(self._on_delete_dialog_closed)
        self.delete_dialog = dialog
        dialog.open()
        return dialog

    def ask(self, action: actions.Action, group: str | None = None) -> dialogs.ConfirmDialog | None:
        """The question before ``action`` on the shown user (the same one if it is open);
        None when the action does not ask here, or is not offered now."""
        step = self._step(action, group)
        if step is None or not action.asks(step, self.acting()):
            return None
        return self.take(action, group)

    def _ask(self, step: actions.Step) -> dialogs.ConfirmDialog:
        """Ask before ``step`` (the question names the user); it runs on the dialog's
        confirm button, and Cancel leaves everything as it was."""
        if self.confirm_dialog is not None:
            self.confirm_dialog.raise_()
            return self.confirm_dialog
        words = step.action.words
        dialog = dialogs.ConfirmDialog(
            messages.admin_text(words.label),
            messages.admin_text(words.ask, **step.fields),
            messages.admin_text(words.label),
            parent=self,
        )
        dialog.accepted.connect(lambda: self._act(step))
        dialog.finished.connect(self._on_confirm_dialog_closed)
        self.confirm_dialog = dialog
        dialog.open()
        return dialog

    def edit_attributes(self) -> attributes_dialog.AttributesDialog | None:
        """Open the attributes dialog on the shown user (the open one, if any)."""
        detail = self._detail
        if detail is None or self.is_busy:
            return None
        if self.attributes_dialog is not None:
            self.attributes_dialog.raise_()
            return self.attributes_dialog
        dialog = attributes_dialog.AttributesDialog(
            self._bridge, detail, self.acting(), self._schema, parent=self
        )
        dialog.schemaLoaded.connect(self._on_schema)
        dialog.saved.connect(self._on_attributes_saved)
        dialog.finished.connect(self._on_attributes_dialog_closed)
        self.attributes_dialog = dialog
        dialog.open()
        return dialog

    def _on_schema(self, schema: admin.Schema) -> None:
        self._schema = schema

    def _on_attributes_saved(self, detail: admin.UserDetail) -> None:
        step = actions.Step(actions.EDIT_ATTRIBUTES, detail.username)
        self.message.emit(messages.action_done(step), False)
        if detail.username == self._username:
            self._detail = detail
            self._show()
        self.userChanged.emit(detail)

    @QtCore.Slot()
    def _on_attributes_dialog_closed(self) -> None:
        dialog, self.attributes_dialog = self.attributes_dialog, None
        if dialog is None:
            return
        dialog.dispose()  # after a save under way: its answer still updates the pane

    @QtCore.Slot()
    def _on_confirm_dialog_closed(self) -> None:
        if self.confirm_dialog is not None:
            self.confirm_dialog.deleteLater()
            self.confirm_dialog = None

    @QtCore.Slot()
    def _on_delete_dialog_closed(self) -> None:
        if self.delete_dialog is not None:
            self.delete_dialog.deleteLater()
            self.delete_dialog = None

    def _act(self, step: actions.Step) -> None:
        """Run ``step``; say how it went; read the user again either way."""
        if self.is_busy:
            return
        self._running = step
        self._update_busy()
        self._call_api(step.run, self._on_done, self._on_failed, name="admin-user-action")

    def _on_done(self, _value: object) -> None:
        step = self._finish()
        self.message.emit(messages.action_done(step), False)
        if actions.Refresh.GONE in step.action.refresh:
            if step.username == self._username:
                self.show_user(None)
            self.userRemoved.emit(step.username)
        elif actions.Refresh.USER in step.action.refresh:
            self._reread(step.username)

    def _on_failed(self, exc: BaseException) -> None:
        step = self._finish()
        self._report(exc)
        # The server may have changed part of it (or the user is gone): show the truth.
        self._reread(step.username)

    def _finish(self) -> actions.Step:
        step, self._running = self._running, None
        assert step is not None  # set by _act until its one callback runs
        self._update_busy()
        if actions.Refresh.GROUPS in step.action.refresh:
            self.groupsChanged.emit()
        return step

    def _reread(self, username: str) -> None:
        if username == self._username:
            self._start_load(username)
            return
        self._call_api(
            lambda api: actions.reread(api, [username]),
            self._on_reread,
            self._on_reread_failed,
            name="admin-get-user",
        )

    def _on_reread(self, result: actions.Reread) -> None:
        for user in result.found:
            self.userChanged.emit(user)
        for username in result.gone:
            self.userRemoved.emit(username)

    def _on_reread_failed(self, _exc: BaseException) -> None:
        return None  # a user no longer shown: their row stays as it was, nothing to say

    def _report(self, exc: BaseException) -> None:
        text = messages.admin_failure(exc)
        if messages.is_forbidden(exc):
            self.forbidden.emit(text)
        self.message.emit(text, True)
