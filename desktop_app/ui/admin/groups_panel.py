"""The Groups tab: every group with its member count, and the chosen group's members
in a lazily paged table (a :class:`~desktop_app.models.users.UsersModel` paging
``/admin/groups/{group}/members``), with add and remove (the actions of
:mod:`desktop_app.admin.actions`, guards included; removing asks first, naming the
members, and so does adding someone to the admin group).

The groups themselves are created, edited (description, precedence) and deleted here
(:mod:`desktop_app.admin.group_actions`): deleting says how many members the group has
and needs its name typed; the admin group cannot be deleted (its button is disabled,
with the reason).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from PySide6 import QtCore, QtGui, QtWidgets

from desktop_app.admin import actions, group_actions, wording
from desktop_app.api import admin
from desktop_app.models import groups as groups_model
from desktop_app.models import users as users_model
from desktop_app.qt import messages
from desktop_app.ui.admin import common, dialogs, fitting, group_dialog

_View = QtWidgets.QAbstractItemView
_Members = users_model.Column
#: The members table is the narrower half of the tab: what a membership is about only.
_MEMBER_COLUMNS_HIDDEN = (_Members.MFA, _Members.CREATED, _Members.MODIFIED)
#: From this width on, the groups sit beside their members; below it, above them.
WIDE = 1000
_GroupCol = groups_model.Column
_GROUP_WIDTHS: dict[int, fitting.Width] = {
    _GroupCol.NAME: fitting.Width(70, 160),
    _GroupCol.MEMBERS: fitting.Width(60, 80),
    _GroupCol.PRECEDENCE: fitting.Width(60, 90),
    _GroupCol.DESCRIPTION: fitting.Width(60, 300),
}


def members_page(group: str) -> users_model.PageFn:
    """A ``UsersModel`` page function listing ``group``'s members."""

    def page(
        api: admin.JsonCaller, token: str | None, _search: admin.Search | None, limit: int
    ) -> admin.UserPage:
        return admin.group_members(api, group, limit=limit, next_token=token)

    return page


class GroupsPanel(common.GroupAwarePanel):
    """See the module docstring.

    Signals:
        forbidden(str): the API refused admin access (403).
        membershipChanged(list): these usernames joined or left a group here.
    """

    membershipChanged = QtCore.Signal(list)

    def _set_up(self) -> None:
        self.members_model: users_model.UsersModel | None = None
        self._group: str | None = None
        self._changing: tuple[list[str], str] | None = None  # names, what to say when done
        self._group_step: group_actions.GroupStep | None = None  # a deletion in flight
        self._select_after_load: str | None = None
        self.group_dialog: group_dialog.GroupDialog | None = None
        self.delete_dialog: dialogs.TypedConfirmDialog | None = None
        self.confirm_dialog: dialogs.ConfirmDialog | None = None
        self.setAccessibleName(self.tr("Groups"))
        self.groups_view = QtWidgets.QTableView()
        self.groups_view.setAccessibleName(self.tr("Groups"))
        self.groups_view.setModel(self.groups_model)
        self._table_defaults(self.groups_view)
        self.groups_view.setSelectionMode(_View.SelectionMode.SingleSelection)
        self.group_columns = fitting.FitColumns(self.groups_view, _GROUP_WIDTHS)
        self.groups_view.horizontalHeader().setSortIndicator(-1, QtCore.Qt.SortOrder.AscendingOrder)
        self.groups_view.setSortingEnabled(True)
        self.groups_view.selectionModel().currentRowChanged.connect(self._on_group_chosen)
        self.groups_status = QtWidgets.QLabel()
        self.refresh_button = QtWidgets.QPushButton(self.tr("Refresh"))
        self.refresh_button.setAccessibleName(self.tr("Refresh groups"))
        self.refresh_button.clicked.connect(self.refresh)
        ellipsis = "\N{HORIZONTAL ELLIPSIS}"
        self.new_button = self._group_button(group_actions.CREATE_GROUP, self.open_new_group)
        self.edit_button = self._group_button(group_actions.EDIT_GROUP, self.open_edit_group)
        self.delete_button = self._group_button(group_actions.DELETE_GROUP, self.ask_delete_group)
        for button in (self.new_button, self.edit_button, self.delete_button):
            button.setText(button.text() + ellipsis)

        self.members_title = QtWidgets.QLabel(self.tr("Choose a group to see its members."))
        self.members_title.setWordWrap(True)
        self.members_count = QtWidgets.QLabel()
        self.members_count.setAccessibleName(self.tr("Members loaded"))
        self.members_view = QtWidgets.QTableView()
        self.members_view.setAccessibleName(self.tr("Members"))
        self._table_defaults(self.members_view)
        self.members_view.setSelectionMode(_View.SelectionMode.ExtendedSelection)
        self.member_columns = fitting.fit_user_columns(self.members_view, _MEMBER_COLUMNS_HIDDEN)
        self.members_view.horizontalHeader().setSortIndicator(
            -1, QtCore.Qt.SortOrder.AscendingOrder
        )
        self.members_view.setSortingEnabled(True)
        self.add_name = QtWidgets.QLineEdit()
        self.add_name.setAccessibleName(self.tr("Username to add"))
        self.add_name.setPlaceholderText(self.tr("Username to add"))
        self.add_button = QtWidgets.QPushButton(self.tr("Add member"))
        self.add_button.setAccessibleName(self.tr("Add member"))
        self.add_button.clicked.connect(lambda: self.add_member(self.add_name.text().strip()))
        self.add_name.returnPressed.connect(self.add_button.click)
        self.add_name.textChanged.connect(self._update_buttons)
        self.remove_button = QtWidgets.QPushButton(self.tr("Remove selected"))
        self.remove_button.setAccessibleName(self.tr("Remove the selected members"))
        self.remove_button.clicked.connect(self.remove_selected)
        self.message = self.message_line()

        left = _column(
            _row(self.groups_status, self.refresh_button),
            self.groups_view,
            _row(QtWidgets.QWidget(), self.new_button, self.edit_button, self.delete_button),
        )
        right = _column(
            _row(self.members_title, self.members_count),
            self.members_view,
            _row(self.add_name, self.add_button, self.remove_button),
        )
        # Side by side when both tables fit so; else the groups above their members.
        splitter = fitting.ResponsiveSplitter(WIDE, side=2 / 5, stacked=2 / 5)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        self.splitter = splitter
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(splitter, 1)

        self.groups_model.loading.connect(self._on_groups_changed)
        self.groups_model.loaded.connect(self._on_groups_loaded)
        self.groups_model.failed.connect(self._on_groups_failed)
        self._on_groups_changed()
        self._update_members()

    def _table_defaults(self, view: QtWidgets.QTableView) -> None:
        view.setEditTriggers(_View.EditTrigger.NoEditTriggers)
        view.setSelectionBehavior(_View.SelectionBehavior.SelectRows)
        view.setAlternatingRowColors(True)
        view.setWordWrap(False)
        view.verticalHeader().setVisible(False)
        view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 8)
        view.horizontalHeader().setStretchLastSection(True)

    def _group_button(
        self, action: group_actions.GroupAction, slot: Callable[[], object]
    ) -> QtWidgets.QPushButton:
        text = messages.admin_text(action.words.label)
        button = QtWidgets.QPushButton(text)
        button.setAccessibleName(text)
        button.clicked.connect(lambda: slot())
        return button

    # -- groups ----------------------------------------------------------------------------

    @property
    def group(self) -> str | None:
        """The group whose members are shown."""
        return self._group

    def refresh(self) -> None:
        """Reload the groups; and the shown group's members, if they failed to load."""
        self.groups_model.refresh()
        if self.members_model is not None and self.members_model.error is not None:
            self.members_model.retry()

    def refresh_members(self) -> None:
        """Reload the shown group's members (memberships changed elsewhere)."""
        if self.members_model is not None:
            self.members_model.refresh()

    def member_count(self, group: str) -> int | None:
        row = self.groups_model.row_of(group)
        found = self.groups_model.group(row) if row is not None else None
        return found.member_count if found is not None else None

    def _on_groups_changed(self, *_args: object) -> None:
        loading = self.groups_model.is_loading
        self.groups_status.setText(
            self.tr("Loading\N{HORIZONTAL ELLIPSIS}")
            if loading
            else common.list_count(self.groups_model, "group")
        )
        self.refresh_button.setEnabled(not loading)
        self._update_group_buttons()

    @QtCore.Slot(int)
    def _on_groups_loaded(self, _count: int) -> None:
        self._on_groups_changed()
        wanted, self._select_after_load = self._select_after_load, None
        if wanted is not None and self.groups_model.row_of(wanted) is not None:
            self.groups_view.selectRow(self.groups_model.row_of(wanted) or 0)
            return
        # A refresh resets the groups table: select the shown group again.
        if self._group is not None:
            row = self.groups_model.row_of(self._group)
            if row is None:
                self.choose_group(None)
            else:
                with QtCore.QSignalBlocker(self.groups_view.selectionModel()):
                    self.groups_view.selectRow(row)

    @QtCore.Slot(object)
    def _on_groups_failed(self, exc: BaseException) -> None:
        self._on_groups_changed()
        self.message.show_failure(exc)

    def _on_group_chosen(self, current: QtCore.QModelIndex, _previous: object) -> None:
        group = self.groups_model.group(current.row()) if current.isValid() else None
        self.choose_group(group.name if group is not None else None)

    def choose_group(self, name: str | None) -> None:
        """Show ``name``'s members (a fresh lazily paged model), or nothing."""
        if name == self._group and self.members_model is not None:
            return
        self._group = name
        old = self.members_model
        self.members_model = None
        if name is not None:
            model = users_model.UsersModel(self._bridge, page=members_page(name), parent=self)
            model.loading.connect(self._update_members)
            model.loaded.connect(self._update_members)
            model.countChanged.connect(self._update_members)
            model.failed.connect(self._on_members_failed)
            self.members_model = model
            self.members_view.setModel(model)
            for column in _MEMBER_COLUMNS_HIDDEN:  # a new model shows every column again
                self.members_view.setColumnHidden(column, True)
            self.member_columns.fit()
            self.members_view.selectionModel().selectionChanged.connect(self._update_buttons)
            model.refresh()
        else:
            self.members_view.setModel(None)
        if old is not None:
            old.clear()
            old.deleteLater()
        self.members_title.setText(
            self.tr("Members of {group}").format(group=name)
            if name
            else self.tr("Choose a group to see its members.")
        )
        self._update_members()

    def _update_members(self, *_args: object) -> None:
        model = self.members_model
        self.members_count.setText("" if model is None else common.list_count(model, "member"))
        self._update_buttons()

    def _on_members_failed(self, exc: BaseException) -> None:
        self._update_members()
        self.message.show_failure(exc)

    # -- membership ------------------------------------------------------------------------

    def selected_members(self) -> list[admin.User]:
        model = self.members_model
        if model is None:
            return []
        rows = sorted({i.row() for i in self.members_view.selectionModel().selectedRows()})
        return [u for u in (model.user(r) for r in rows) if u is not None]

    def _removals(self) -> list[actions.Step]:
        """Removing each selected member from the shown group, as the guards judge it."""
        if self._group is None:
            return []
        members = self.selected_members()
        return actions.plan(actions.REMOVE_FROM_GROUP, members, self.acting(), group=self._group)

    def removal_blocked(self) -> str | None:
        """Why the selected members cannot be removed (the admin leaving the admin group)."""
        refused = next((step.refused for step in self._removals() if step.refused), None)
        return messages.admin_text(refused) if refused else None

    @property
    def is_busy(self) -> bool:
        """A membership change is under way (one at a time)."""
        return self._changing is not None

    def _update_buttons(self, *_args: object) -> None:
        ready = self._group is not None and not self.is_busy
        self.add_name.setEnabled(ready)
        self.add_button.setEnabled(ready and bool(self.add_name.text().strip()))
        blocked = self.removal_blocked()
        self.remove_button.setEnabled(ready and bool(self.selected_members()) and not blocked)
        self.remove_button.setToolTip(blocked or "")
        self._update_group_buttons()

    def add_member(self, username: str) -> dialogs.ConfirmDialog | None:
        """Add ``username`` to the shown group; adding to the admin group asks first
        (the question is returned; the change follows its confirm button)."""
        group = self._group
        if group is None or self.is_busy:
            return None
        try:
            admin.check_name(username)
        except ValueError as exc:
            self.message.show_error(str(exc))
            return None
        step = actions.step(actions.ADD_TO_GROUP, username, self.acting(), group=group)
        done = messages.action_done(step)
        if not step.action.asks(step, self.acting()):
            self._change([step], done)
            return None
        words = step.action.words
        return self._confirm(
            messages.admin_text(words.label),
            messages.admin_text(words.ask, **step.fields),
            messages.admin_text(words.label),
            lambda: self._change([step], done),
        )

    def remove_selected(self) -> dialogs.ConfirmDialog | None:
        """Ask, naming the selected members, then remove them from the shown group."""
        steps = self._removals()
        if not steps or self.is_busy or any(step.refused for step in steps):
            return None
        words = actions.REMOVE_FROM_GROUP.words
        names = [step.username for step in steps]
        done = self.tr("{members} removed from {group}.").format(
            members=wording.count(len(steps), "member"), group=self._group
        )
        return self._confirm(
            messages.admin_text(words.many or words.label, group=self._group),
            messages.admin_text(
                words.ask_many, users=wording.named(names), group=self._group or ""
            ),
            messages.admin_text(words.label),
            lambda: self._change(steps, done),
        )

    def _confirm(
        self, title: str, question: str, label: str, then: Callable[[], None]
    ) -> dialogs.ConfirmDialog:
        """Ask ``question``; ``then`` runs on its confirm button (never on Cancel)."""
        if self.confirm_dialog is not None:
            self.confirm_dialog.raise_()
            return self.confirm_dialog
        dialog = dialogs.ConfirmDialog(title, question, label, parent=self)
        dialog.accepted.connect(then)
        dialog.finished.connect(self._on_confirm_closed)
        self.confirm_dialog = dialog
        dialog.open()
        return dialog

    @QtCore.Slot()
    def _on_confirm_closed(self) -> None:
        if self.confirm_dialog is not None:
            self.confirm_dialog.deleteLater()
            self.confirm_dialog = None

    def _change(self, steps: list[actions.Step], done: str) -> None:
        """Run ``steps`` in order in one call (the first failure stops the rest), then
        read the groups and members again, whichever way it went."""
        self._changing = ([step.username for step in steps], done)
        self._update_buttons()
        self._call_api(
            functools.partial(actions.run_all, steps=steps),
            self._on_changed,
            self._on_change_failed,
            name="admin-membership",
        )

    def _on_changed(self, _value: object) -> None:
        assert self._changing is not None  # set by _change until its one callback runs
        self.add_name.clear()
        self.message.show_info(self._changing[1])
        self._finish_change()

    def _on_change_failed(self, exc: BaseException) -> None:
        self.message.show_failure(exc)
        self._finish_change()

    def _finish_change(self) -> None:
        changing, self._changing = self._changing, None
        assert changing is not None
        self._update_buttons()
        self.groups_model.refresh()
        if self.members_model is not None:
            self.members_model.refresh()
        self.membershipChanged.emit(changing[0])

    # -- the groups themselves ------------------------------------------------------------

    def selected_group(self) -> admin.Group | None:
        """The group chosen in the table, as last read."""
        if self._group is None:
            return None
        row = self.groups_model.row_of(self._group)
        return self.groups_model.group(row) if row is not None else None

    def delete_blocked(self) -> str | None:
        """Why the chosen group cannot be deleted here (the admin group), as shown."""
        group = self.selected_group()
        if group is None:
            return None
        step = group_actions.group_step(group_actions.DELETE_GROUP, group.name, self.acting())
        return messages.admin_text(step.refused) if step.refused else None

    def _update_group_buttons(self) -> None:
        idle = self._group_step is None
        chosen = self.selected_group() is not None
        self.new_button.setEnabled(idle)
        self.edit_button.setEnabled(idle and chosen)
        blocked = self.delete_blocked()
        self.delete_button.setEnabled(idle and chosen and blocked is None)
        self.delete_button.setToolTip(blocked or "")

    def open_new_group(self) -> group_dialog.GroupDialog:
        """The dialog creating a group (window-modal); the open one if any."""
        return self._open_group_dialog(None)

    def open_edit_group(self) -> group_dialog.GroupDialog | None:
        """The dialog editing the chosen group's description and precedence."""
        group = self.selected_group()
        return self._open_group_dialog(group) if group is not None else None

    def _open_group_dialog(self, group: admin.Group | None) -> group_dialog.GroupDialog:
        if self.group_dialog is not None:
            self.group_dialog.raise_()
            return self.group_dialog
        dialog = group_dialog.GroupDialog(self._bridge, self.acting(), group, parent=self)
        creating = group is None
        dialog.saved.connect(lambda saved: self._on_group_saved(saved, creating=creating))
        dialog.finished.connect(self._on_group_dialog_closed)
        self.group_dialog = dialog
        dialog.open()
        return dialog

    @QtCore.Slot()
    def _on_group_dialog_closed(self) -> None:
        dialog, self.group_dialog = self.group_dialog, None
        if dialog is None:
            return
        dialog.dispose()  # after a send under way: its answer still refreshes the list

    def _on_group_saved(self, group: admin.Group, *, creating: bool) -> None:
        action = group_actions.CREATE_GROUP if creating else group_actions.EDIT_GROUP
        self.message.show_info(messages.admin_text(action.words.done, group=group.name))
        self._select_after_load = group.name
        self.groups_model.refresh()

    def ask_delete_group(self) -> dialogs.TypedConfirmDialog | None:
        """Ask (member count shown, the name typed), then delete the chosen group."""
        group = self.selected_group()
        if group is None or self._group_step is not None:
            return None
        step = group_actions.group_step(
            group_actions.DELETE_GROUP, group.name, self.acting(), members=group.member_count
        )
        if step.refused:
            return None
        if self.delete_dialog is not None:
            self.delete_dialog.raise_()
            return self.delete_dialog
        words = step.action.words
        dialog = dialogs.TypedConfirmDialog(
            messages.admin_text(words.label),
            messages.admin_text(words.ask, **step.fields),
            group.name,
            self.tr("Delete"),
            self.tr("Type the group's name to confirm"),
            parent=self,
        )
        dialog.accepted.connect(lambda: self._delete_group(step))
        dialog.finished.connect(self._on_delete_dialog_closed)
        self.delete_dialog = dialog
        dialog.open()
        return dialog

    @QtCore.Slot()
    def _on_delete_dialog_closed(self) -> None:
        if self.delete_dialog is not None:
            self.delete_dialog.deleteLater()
            self.delete_dialog = None

    def _delete_group(self, step: group_actions.GroupStep) -> None:
        if self._group_step is not None:
            return
        self._group_step = step
        self._update_group_buttons()
        self._call_api(step.run, self._on_group_deleted, self._on_group_failed, name="admin-group")

    def _on_group_deleted(self, _value: object) -> None:
        step, self._group_step = self._group_step, None
        assert step is not None  # set by _delete_group until its one callback runs
        self.message.show_info(messages.admin_text(step.action.words.done, **step.fields))
        if self._group == step.group:
            self.choose_group(None)
        self.groups_model.refresh()
        self._update_group_buttons()

    def _on_group_failed(self, exc: BaseException) -> None:
        self._group_step = None
        self.message.show_failure(exc, messages.group_failure)
        self.groups_model.refresh()
        self._update_group_buttons()

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:
        if event.key() == QtCore.Qt.Key.Key_Delete and self.members_view.hasFocus():
            self.remove_selected()
            return
        super().keyPressEvent(event)


def _row(first: QtWidgets.QWidget, *rest: QtWidgets.QWidget) -> QtWidgets.QHBoxLayout:
    """``first`` takes the room left; ``rest`` keep their size."""
    row = QtWidgets.QHBoxLayout()
    row.addWidget(first, 1)
    for widget in rest:
        row.addWidget(widget)
    return row


def _column(
    top: QtWidgets.QLayout, body: QtWidgets.QWidget, bottom: QtWidgets.QLayout | None = None
) -> QtWidgets.QWidget:
    """``top`` above ``body`` (which takes the room left), and ``bottom`` below."""
    column = QtWidgets.QWidget()
    layout = QtWidgets.QVBoxLayout(column)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addLayout(top)
    layout.addWidget(body, 1)
    if bottom is not None:
        layout.addLayout(bottom)
    return column
