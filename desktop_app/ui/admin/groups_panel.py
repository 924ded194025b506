"""The Groups tab: every group with its member count, and the chosen group's members
in a lazily paged table (a :class:`~desktop_app.models.users.UsersModel` paging
``/admin/groups/{group}/members``), with add and remove (the actions of
:mod:`desktop_app.admin.actions`, guards included).
"""

from __future__ import annotations

import functools

from PySide6 import QtCore, QtGui, QtWidgets

from desktop_app.admin import actions
from desktop_app.api import admin
from desktop_app.models import users as users_model
from desktop_app.qt import messages
from desktop_app.ui.admin import common

_View = QtWidgets.QAbstractItemView


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
        self.setAccessibleName(self.tr("Groups"))
        self.groups_view = QtWidgets.QTableView()
        self.groups_view.setAccessibleName(self.tr("Groups"))
        self.groups_view.setModel(self.groups_model)
        self._table_defaults(self.groups_view)
        self.groups_view.setSelectionMode(_View.SelectionMode.SingleSelection)
        self.groups_view.horizontalHeader().setSortIndicator(-1, QtCore.Qt.SortOrder.AscendingOrder)
        self.groups_view.setSortingEnabled(True)
        self.groups_view.selectionModel().currentRowChanged.connect(self._on_group_chosen)
        self.groups_status = QtWidgets.QLabel()
        self.refresh_button = QtWidgets.QPushButton(self.tr("Refresh"))
        self.refresh_button.setAccessibleName(self.tr("Refresh groups"))
        self.refresh_button.clicked.connect(self.refresh)

        self.members_title = QtWidgets.QLabel(self.tr("Choose a group to see its members."))
        self.members_title.setWordWrap(True)
        self.members_count = QtWidgets.QLabel()
        self.members_count.setAccessibleName(self.tr("Members loaded"))
        self.members_view = QtWidgets.QTableView()
        self.members_view.setAccessibleName(self.tr("Members"))
        self._table_defaults(self.members_view)
        self.members_view.setSelectionMode(_View.SelectionMode.ExtendedSelection)
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

        left = _column(_row(self.groups_status, self.refresh_button), self.groups_view)
        right = _column(
            _row(self.members_title, self.members_count),
            self.members_view,
            _row(self.add_name, self.add_button, self.remove_button),
        )
        splitter = QtWidgets.QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 2)
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
        view.horizontalHeader().setStretchLastSection(True)

    # -- groups ----------------------------------------------------------------------------

    @property
    def group(self) -> str | None:
        """The group whose members are shown."""
        return self._group

    def refresh(self) -> None:
        self.groups_model.refresh()

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
            else self.tr("{n} group(s)").format(n=self.groups_model.rowCount())
        )
        self.refresh_button.setEnabled(not loading)

    @QtCore.Slot(int)
    def _on_groups_loaded(self, _count: int) -> None:
        self._on_groups_changed()
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
        if model is None:
            self.members_count.setText("")
        elif model.has_more:
            self.members_count.setText(self.tr("{n} loaded, more available").format(n=model.count))
        else:
            self.members_count.setText(self.tr("{n} member(s)").format(n=model.count))
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

    def add_member(self, username: str) -> None:
        group = self._group
        if group is None or self.is_busy:
            return
        try:
            admin.check_name(username)
        except ValueError as exc:
            self.message.show_error(str(exc))
            return
        step = actions.step(actions.ADD_TO_GROUP, username, self.acting(), group=group)
        self._change([step], messages.action_done(step))

    def remove_selected(self) -> None:
        steps = self._removals()
        if not steps or self.is_busy or any(step.refused for step in steps):
            return
        self._change(
            steps,
            self.tr("{n} member(s) removed from {group}.").format(n=len(steps), group=self._group),
        )

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
