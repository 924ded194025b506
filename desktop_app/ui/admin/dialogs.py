"""The invite dialog, the confirmations that need a name typed (deleting a user or a
group), and the question before a consequential action.

Each is opened with ``open()`` (window-modal, never a nested ``exec()`` loop), so a
test drives them like a person: type, then click or press Enter. In each the action is
the default button (:func:`~desktop_app.ui.admin.common.dialog_buttons`): Enter takes
it once it is enabled, Escape cancels.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6 import QtCore, QtWidgets

from desktop_app.admin import actions
from desktop_app.api import admin
from desktop_app.qt import bridge as qt_bridge
from desktop_app.qt import messages, tasks
from desktop_app.ui import feedback
from desktop_app.ui.admin import common

_Checked = QtCore.Qt.CheckState


class InviteDialog(common.SendingDialog):
    """Invite one user: username, email, name, groups. Sends the invite itself (the
    table's invite action, in a worker), stays open with the reason if the API
    refuses, closes when it is sent.

    Signals:
        invited(object): the new :class:`~desktop_app.api.admin.UserDetail`.
        settled(): a send finished, whichever way (after ``invited`` on success).
    """

    invited = QtCore.Signal(object)

    def __init__(
        self,
        bridge: qt_bridge.SessionBridge,
        groups: Sequence[str],
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._tasks = tasks.TaskGroup.of(self)
        self.question: ConfirmDialog | None = None  # asked before making an admin
        self.setWindowTitle(self.tr("Invite a user"))
        self.username = QtWidgets.QLineEdit()
        self.username.setAccessibleName(self.tr("Username"))
        self.username.setMaxLength(128)
        self.email = QtWidgets.QLineEdit()
        self.email.setAccessibleName(self.tr("Email"))
        self.email.setPlaceholderText(self.tr("name@example.com"))
        self.name = QtWidgets.QLineEdit()
        self.name.setAccessibleName(self.tr("Name (optional)"))
        self.username_hint = feedback.problem_label(self.username)
        self.email_hint = feedback.problem_label(self.email)
        self.groups = QtWidgets.QListWidget()
        self.groups.setAccessibleName(self.tr("Groups to add the user to"))
        for group in groups:
            item = QtWidgets.QListWidgetItem(group)
            item.setFlags(item.flags() | QtCore.Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(_Checked.Unchecked)
            self.groups.addItem(item)
        self.groups.setMaximumHeight(120)
        self.message = common.MessageLine()
        self.busy = common.busy_bar(self.tr("Sending the invitation"))
        self.busy.hide()
        self.buttons, self.send_button = common.dialog_buttons(self, self.tr("Send invitation"))
        self.buttons.accepted.connect(self.send)
        self.buttons.rejected.connect(self.reject)

        form = QtWidgets.QFormLayout()
        form.addRow(self.tr("&Username"), self.username)
        form.addRow("", self.username_hint)
        form.addRow(self.tr("&Email"), self.email)
        form.addRow("", self.email_hint)
        form.addRow(self.tr("&Name"), self.name)
        form.addRow(self.tr("&Groups"), self.groups)
        note = QtWidgets.QLabel(
            self.tr("Cognito emails the user a temporary password to sign in with.")
        )
        note.setWordWrap(True)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.message)
        layout.addWidget(self.busy)
        layout.addWidget(self.buttons)
        self.username.textChanged.connect(self._validate)
        self.email.textChanged.connect(self._validate)
        self._validate()

    def chosen_groups(self) -> list[str]:
        return [
            item.text()
            for item in (self.groups.item(i) for i in range(self.groups.count()))
            if item.checkState() == _Checked.Checked
        ]

    def set_group_checked(self, group: str, checked: bool = True) -> None:
        for item in self.groups.findItems(group, QtCore.Qt.MatchFlag.MatchExactly):
            item.setCheckState(_Checked.Checked if checked else _Checked.Unchecked)

    def problems(self) -> dict[str, str]:
        """Field -> what is wrong with it now (empty when the invite can be sent)."""
        found: dict[str, str] = {}
        try:
            admin.check_name(self.username.text())
        except ValueError as exc:
            found["username"] = str(exc)
        try:
            admin.check_email(self.email.text())
        except ValueError as exc:
            found["email"] = str(exc)
        return found

    @QtCore.Slot()
    def _validate(self) -> None:
        found = self.problems()
        # An empty field is not an error yet: it only keeps Send disabled.
        self.username_hint.setText(found.get("username", "") if self.username.text() else "")
        self.email_hint.setText(
            self.tr("Enter a valid email address.")
            if "email" in found and self.email.text()
            else ""
        )
        self.username_hint.setVisible(bool(self.username_hint.text()))
        self.email_hint.setVisible(bool(self.email_hint.text()))
        self.send_button.setEnabled(not found and not self.sending)

    @QtCore.Slot()
    def send(self) -> None:
        """Send the invitation in the background (no-op while a field is invalid). One
        that makes the new user an admin (the admin group checked) asks first."""
        if self.problems() or self.sending or self.question is not None:
            return
        invitation = actions.Invitation(
            self.email.text().strip(), self.name.text().strip() or None, tuple(self.chosen_groups())
        )
        step = actions.invite(self.username.text(), invitation)
        admin_group = actions.Acting.of(self._bridge).admin_group
        if admin_group not in invitation.groups:
            self._send(step)
            return
        words = actions.ADD_TO_GROUP.words
        question = ConfirmDialog(
            messages.admin_text(words.label),
            messages.admin_text(words.ask, user=step.username, group=admin_group),
            self.send_button.text(),
            parent=self,
        )
        question.accepted.connect(lambda: self._send(step))
        question.finished.connect(self._on_question_closed)
        self.question = question
        question.open()

    @QtCore.Slot()
    def _on_question_closed(self) -> None:
        if self.question is not None:
            self.question.deleteLater()
            self.question = None

    def _send(self, step: actions.Step) -> None:
        self._set_busy(True)
        self.message.clear()
        self._tasks.track(
            self._bridge.call_api(
                step.run,
                self._tasks.weakly(self._on_sent),
                self._tasks.weakly(self._on_failed),
                name="admin-invite",
            )
        )

    def _lock_fields(self, busy: bool) -> None:
        for widget in (self.username, self.email, self.name, self.groups):
            widget.setEnabled(not busy)

    def _on_sent(self, detail: admin.UserDetail) -> None:
        self._sent(self.invited, detail)

    def _on_failed(self, exc: BaseException) -> None:
        self._failed(exc)


class TypedConfirmDialog(QtWidgets.QDialog):
    """A confirmation for what cannot be undone: ``text`` says what happens, and the
    confirm button (the default) is enabled only once ``name`` is typed exactly."""

    def __init__(
        self,
        title: str,
        text: str,
        name: str,
        confirm_label: str,
        typed_what: str,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.name = name
        self.setWindowTitle(title)
        self.text = QtWidgets.QLabel(text)
        self.text.setWordWrap(True)
        self.text.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        self.confirm = QtWidgets.QLineEdit()
        self.confirm.setAccessibleName(typed_what)
        self.confirm.setPlaceholderText(name)
        self.text.setBuddy(self.confirm)
        self.buttons, self.confirm_button = common.dialog_buttons(
            self, confirm_label, QtWidgets.QDialogButtonBox.ButtonRole.DestructiveRole
        )
        self.confirm_button.setEnabled(False)
        self.confirm_button.clicked.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.confirm.textChanged.connect(
            lambda typed: self.confirm_button.setEnabled(typed == self.name)
        )
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(self.confirm)
        layout.addWidget(self.buttons)

    def accept(self) -> None:
        if self.confirm.text() == self.name:
            super().accept()


class DeleteDialog(TypedConfirmDialog):
    """Deleting a user: the admin must type the username before Delete is enabled."""

    def __init__(self, username: str, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(
            self.tr("Delete user"),
            self.tr(
                "This permanently deletes {username} and cannot be undone. "
                "Type the username to confirm."
            ).format(username=username),
            username,
            self.tr("Delete"),
            self.tr("Type the username to confirm"),
            parent,
        )
        self.username = username
        self.delete_button = self.confirm_button
        self.delete_button.setAccessibleName(self.tr("Delete {username}").format(username=username))


class ConfirmDialog(QtWidgets.QDialog):
    """Asks before a consequential action (disable, reset a password, confirm a sign-up,
    a bulk run...): the question names who it affects (for many, the names are in it:
    :func:`desktop_app.admin.wording.named`). The button saying what happens is the
    default, so Enter confirms and Escape cancels; ``accepted`` follows the confirm
    button, and nothing at all follows Cancel."""

    def __init__(
        self,
        title: str,
        question: str,
        confirm_label: str,
        *,
        note: str = "",
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.question = QtWidgets.QLabel(question)
        self.question.setWordWrap(True)
        self.question.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        self.question.setAccessibleName(self.tr("Question"))
        self.question.setMinimumWidth(360)
        self.note = QtWidgets.QLabel(note)  # e.g. who was left out of a bulk run
        self.note.setWordWrap(True)
        self.note.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        self.note.setAccessibleName(self.tr("Note"))
        self.note.setVisible(bool(note))
        self.buttons, self.confirm_button = common.dialog_buttons(self, confirm_label)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.question)
        layout.addWidget(self.note)
        layout.addWidget(self.buttons)
