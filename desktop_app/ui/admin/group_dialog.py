"""Creating a group, or editing one's description and precedence.

One dialog for both (the name is typed for a new group, shown for an existing one).
It checks as the admin types (the name as ``admin.check_name`` does, the description
and precedence as :mod:`desktop_app.admin.group_actions` does), sends the one step of
:data:`~desktop_app.admin.group_actions.CREATE_GROUP` or
:data:`~desktop_app.admin.group_actions.EDIT_GROUP` (an edit sends only what changed)
in the background, stays open with the API's reason if it refuses, and closes once
done. Create or Save is the default button: Enter in a filled dialog sends it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6 import QtCore, QtWidgets

from desktop_app.admin import actions, group_actions
from desktop_app.api import admin
from desktop_app.qt import bridge as qt_bridge
from desktop_app.qt import messages, tasks
from desktop_app.ui import feedback
from desktop_app.ui.admin import common


class GroupDialog(common.SendingDialog):
    """See the module docstring; ``group`` None creates one.

    Signals:
        saved(object): the group as the API answered (:class:`~desktop_app.api.admin.Group`).
        settled(): a send finished, whichever way (after ``saved`` on success).
    """

    saved = QtCore.Signal(object)

    def __init__(
        self,
        bridge: qt_bridge.SessionBridge,
        by: actions.Acting,
        group: admin.Group | None = None,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._by = by
        self._group = group
        self._tasks = tasks.TaskGroup.of(self)
        creating = group is None
        self.setWindowTitle(
            self.tr("New group")
            if creating
            else self.tr("Edit group {group}").format(group=group.name if group else "")
        )
        self.name = QtWidgets.QLineEdit(group.name if group is not None else "")
        self.name.setAccessibleName(self.tr("Group name"))
        self.name.setMaxLength(admin.MAX_NAME)
        self.name.setReadOnly(not creating)  # Cognito cannot rename a group
        self.description = QtWidgets.QLineEdit(
            (group.description or "") if group is not None else ""
        )
        self.description.setAccessibleName(self.tr("Description (optional)"))
        self.description.setMaxLength(admin.MAX_DESCRIPTION)
        self.precedence = QtWidgets.QLineEdit(
            str(group.precedence) if group is not None and group.precedence is not None else ""
        )
        self.precedence.setAccessibleName(self.tr("Precedence (optional)"))
        self.precedence.setPlaceholderText(self.tr("None"))
        self.precedence.setToolTip(
            self.tr(
                "0 or more. When a user's groups name IAM roles, the group with the lowest "
                "precedence wins. Empty: none."
            )
        )
        self.hints = {
            key: feedback.problem_label(field)
            for key, field in (
                ("name", self.name),
                ("description", self.description),
                ("precedence", self.precedence),
            )
        }
        form = QtWidgets.QFormLayout()
        form.addRow(self.tr("&Name"), self.name)
        form.addRow("", self.hints["name"])
        form.addRow(self.tr("&Description"), self.description)
        form.addRow("", self.hints["description"])
        form.addRow(self.tr("&Precedence"), self.precedence)
        form.addRow("", self.hints["precedence"])
        self.message = common.MessageLine()
        self.busy = common.busy_bar(self.tr("Working"))
        self.busy.hide()
        label = self.tr("Create group") if creating else self.tr("Save")
        self.buttons, self.save_button = common.dialog_buttons(self, label)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.busy)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(420)
        for field in (self.name, self.description, self.precedence):
            field.textChanged.connect(self._validate)
        self._validate()

    @property
    def creating(self) -> bool:
        return self._group is None

    def problems(self) -> dict[str, str]:
        """Field -> what is wrong with it now (empty when it can be sent)."""
        found: dict[str, str] = {}
        checks: dict[str, Callable[[], Any]] = {
            "name": lambda: admin.check_name(self.name.text(), "group name"),
            "description": lambda: group_actions.check_description(self.description.text()),
            "precedence": lambda: group_actions.check_precedence(self.precedence.text()),
        }
        for key, check in checks.items():
            try:
                check()
            except ValueError as exc:
                found[key] = str(exc)
        return found

    def step(self) -> group_actions.GroupStep | None:
        """What Save sends now; None while a field is wrong or (an edit) nothing changed."""
        if self.problems():
            return None
        description = group_actions.check_description(self.description.text())
        precedence = group_actions.check_precedence(self.precedence.text())
        if self._group is None:
            return group_actions.group_step(
                group_actions.CREATE_GROUP,
                self.name.text(),
                self._by,
                description=description,
                precedence=precedence,
            )
        changed = frozenset(
            key
            for key, differs in (
                (group_actions.DESCRIPTION, description != self._group.description),
                (group_actions.PRECEDENCE, precedence != self._group.precedence),
            )
            if differs
        )
        if not changed:
            return None
        return group_actions.group_step(
            group_actions.EDIT_GROUP,
            self._group.name,
            self._by,
            description=description,
            precedence=precedence,
            changed=changed,
        )

    @QtCore.Slot()
    def _validate(self, *_args: object) -> None:
        found = self.problems()
        typed = {
            "name": self.name.text(),
            "description": self.description.text(),
            "precedence": self.precedence.text(),
        }
        for key, hint in self.hints.items():
            # An empty name is not an error yet: it only keeps the button disabled.
            hint.setText(found.get(key, "") if typed[key] else "")
            hint.setVisible(bool(hint.text()))
        self.save_button.setEnabled(self.step() is not None and not self.sending)

    @QtCore.Slot()
    def save(self) -> None:
        """Send it in the background (nothing while a field is wrong)."""
        step = self.step()
        if step is None or self.sending:
            return
        self._set_busy(True)
        self.message.clear()
        self._tasks.track(
            self._bridge.call_api(
                step.run,
                self._tasks.weakly(self._on_saved),
                self._tasks.weakly(self._on_failed),
                name="admin-group",
            )
        )

    def _lock_fields(self, busy: bool) -> None:
        for field in (self.description, self.precedence):
            field.setReadOnly(busy)
        self.name.setReadOnly(busy or not self.creating)

    def _on_saved(self, group: admin.Group) -> None:
        self._sent(self.saved, group)

    def _on_failed(self, exc: BaseException) -> None:
        self._failed(exc, messages.group_failure)
