"""Editing one user's attributes, as the pool's schema allows.

The rows and every rule come from :mod:`desktop_app.admin.attributes`: one field per
attribute the admin may edit, with the problem under it as they type; the others
(Cognito's own, immutable, the verification flags) shown greyed with why. Changing the
email says that the new address stays unverified until the user confirms it, unless the
admin ticks "Mark the new email as verified". Save (the default button) sends one
:data:`~desktop_app.admin.actions.EDIT_ATTRIBUTES` step in the background; the dialog
stays open with the API's reason if it refuses, and closes once saved.
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from desktop_app.admin import actions, attributes
from desktop_app.api import admin
from desktop_app.qt import bridge as qt_bridge
from desktop_app.qt import messages, tasks
from desktop_app.ui import feedback
from desktop_app.ui.admin import common

#: What a field of each type takes, as its placeholder.
_HINTS = {
    "Number": "A whole number",
    "Boolean": "true or false",
    "DateTime": "2026-05-01T09:30:00Z",
    attributes.PHONE: "+442071234567",
    "birthdate": "YYYY-MM-DD",
}


class AttributesDialog(common.SendingDialog):
    """See the module docstring. Without ``schema`` it reads the pool's first.

    Signals:
        schemaLoaded(object): the pool's :class:`~desktop_app.api.admin.Schema`, read
            here (the pane keeps it for the next time).
        saved(object): the user as saved (a :class:`~desktop_app.api.admin.UserDetail`).
        settled(): a save finished, whichever way (after ``saved`` on success).
    """

    schemaLoaded = QtCore.Signal(object)
    saved = QtCore.Signal(object)

    def __init__(
        self,
        bridge: qt_bridge.SessionBridge,
        user: admin.UserDetail,
        by: actions.Acting,
        schema: admin.Schema | None = None,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._user = user
        self._by = by
        self._rows: tuple[attributes.Field, ...] = ()
        self._tasks = tasks.TaskGroup.of(self)
        self.editors: dict[str, QtWidgets.QLineEdit] = {}
        self.problems: dict[str, QtWidgets.QLabel] = {}
        self.setWindowTitle(self.tr("Attributes of {user}").format(user=user.username))
        self.resize(560, 560)
        self.form = QtWidgets.QFormLayout()
        self.form.setFieldGrowthPolicy(QtWidgets.QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        fields = QtWidgets.QWidget()
        fields.setLayout(self.form)
        self.scroller = QtWidgets.QScrollArea()
        self.scroller.setWidgetResizable(True)
        self.scroller.setWidget(fields)
        self.scroller.setAccessibleName(self.tr("Attributes"))
        note = QtWidgets.QLabel(
            self.tr(
                "Empty a field to delete the attribute. Greyed attributes cannot be edited "
                "here: point at one to see why. * marks those the pool requires."
            )
        )
        note.setWordWrap(True)
        self.email_note = QtWidgets.QLabel(
            self.tr(
                "The new email address is unverified until the user confirms it with the "
                "code Cognito emails them, unless you mark it verified."
            )
        )
        self.email_note.setWordWrap(True)
        self.mark_verified = QtWidgets.QCheckBox(self.tr("&Mark the new email as verified"))
        self.mark_verified.setToolTip(
            self.tr("Only if you know the address is theirs: no code is sent to confirm it.")
        )
        self.mark_verified.toggled.connect(self._validate)
        self.message = common.MessageLine()
        self.busy = common.busy_bar(self.tr("Working"))
        self.buttons, self.save_button = common.dialog_buttons(self, self.tr("Save"))
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.scroller, 1)
        layout.addWidget(self.email_note)
        layout.addWidget(self.mark_verified)
        layout.addWidget(self.message)
        layout.addWidget(self.busy)
        layout.addWidget(self.buttons)
        if schema is not None:
            self._fill(schema)
        else:
            self._load_schema()

    # -- the schema and the fields ---------------------------------------------------------

    def _load_schema(self) -> None:
        self.busy.show()
        self._validate()
        self._tasks.track(
            self._bridge.call_api(
                admin.get_schema,
                self._tasks.weakly(self._on_schema),
                self._tasks.weakly(self._on_schema_failed),
                name="admin-schema",
            )
        )

    def _on_schema(self, schema: admin.Schema) -> None:
        self.schemaLoaded.emit(schema)
        self._fill(schema)

    def _on_schema_failed(self, exc: BaseException) -> None:
        self.busy.hide()
        self.message.show_failure(exc)

    @property
    def rows(self) -> tuple[attributes.Field, ...]:
        return self._rows

    def _fill(self, schema: admin.Schema) -> None:
        self.busy.hide()
        self._rows = attributes.fields(schema.attributes, self._user.attributes)
        for row in self._rows:
            if row.editable:
                self._add_editor(row)
            elif row.value:  # read-only and empty: nothing to say
                self._add_read_only(row)
        self._validate()
        common.order_focus(self, self.buttons)  # the fields came after the buttons
        first = next(iter(self.editors.values()), None)
        if first is not None:
            first.setFocus(QtCore.Qt.FocusReason.OtherFocusReason)

    def _title(self, row: attributes.Field) -> str:
        return row.name + (" *" if row.required else "")

    def _add_editor(self, row: attributes.Field) -> None:
        editor = QtWidgets.QLineEdit(row.value)
        editor.setAccessibleName(row.name)
        spec = row.spec
        kind = spec.type if spec is not None else "String"
        hint = _HINTS.get(row.name) or _HINTS.get(kind)
        if hint is not None:
            editor.setPlaceholderText(messages.admin_text(hint))
        longest = spec.max_length if spec is not None else None
        editor.setMaxLength(longest if longest else admin.MAX_ATTRIBUTE_VALUE)
        editor.textChanged.connect(self._validate)
        problem = feedback.problem_label(editor)
        column = QtWidgets.QVBoxLayout()
        column.setSpacing(2)
        column.addWidget(editor)
        column.addWidget(problem)
        self.form.addRow(self._title(row), column)
        self.editors[row.name] = editor
        self.problems[row.name] = problem

    def _add_read_only(self, row: attributes.Field) -> None:
        value = QtWidgets.QLabel(row.value)
        value.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        value.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        value.setEnabled(False)  # greyed: it cannot be edited here
        value.setWordWrap(True)
        reason = messages.admin_text(row.read_only)
        value.setToolTip(reason)
        value.setAccessibleName(row.name)
        value.setAccessibleDescription(reason)
        title = QtWidgets.QLabel(self._title(row))
        title.setEnabled(False)
        title.setToolTip(reason)
        self.form.addRow(title, value)

    # -- what was typed --------------------------------------------------------------------

    def typed(self) -> dict[str, str]:
        return {name: editor.text() for name, editor in self.editors.items()}

    def plan(self) -> tuple[attributes.Edit, dict[str, attributes.Invalid]]:
        """The edit the fields ask for now, and each field's problem."""
        return attributes.plan(
            self._rows, self.typed(), mark_email_verified=self.mark_verified.isChecked()
        )

    @QtCore.Slot()
    def _validate(self, *_args: object) -> None:
        edit, problems = self.plan()
        for name, label in self.problems.items():
            found = problems.get(name)
            label.setText(messages.attribute_problem(found) if found is not None else "")
            label.setVisible(found is not None)
        changing_email = attributes.email_change(self._rows, self.typed())
        self.email_note.setVisible(changing_email)
        self.mark_verified.setVisible(changing_email)
        self.save_button.setEnabled(not edit.empty and not problems and not self.sending)

    # -- saving ----------------------------------------------------------------------------

    @property
    def saving(self) -> bool:
        """A save is under way (:attr:`sending`)."""
        return self.sending

    @QtCore.Slot()
    def save(self) -> None:
        """Send the changes in the background (nothing while a field is wrong)."""
        edit, problems = self.plan()
        if edit.empty or problems or self.sending:
            return
        step = actions.edit_attributes(self._user, edit, self._by)
        self._set_busy(True)
        self.message.clear()
        self._tasks.track(
            self._bridge.call_api(
                step.run,
                self._tasks.weakly(self._on_saved),
                self._tasks.weakly(self._on_failed),
                name="admin-attributes",
            )
        )

    def _lock_fields(self, busy: bool) -> None:
        for editor in self.editors.values():
            editor.setReadOnly(busy)
        self.mark_verified.setEnabled(not busy)

    def _on_saved(self, detail: admin.UserDetail) -> None:
        self._sent(self.saved, detail)

    def _on_failed(self, exc: BaseException) -> None:
        self._failed(exc)
