"""The Users tab: search, the lazily paged users table, the detail pane, bulk actions,
CSV import and export.

The table is a :class:`~desktop_app.models.users.UsersModel` (it fetches pages in a
worker as the view scrolls); the search box is debounced and runs server-side; every
action runs in the background and then refreshes exactly the rows it touched. The
outcome of the last action is one line under the toolbar, never a modal box.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6 import QtCore, QtGui, QtWidgets

from desktop_app import errors
from desktop_app.api import admin
from desktop_app.api import client as api_client
from desktop_app.models import groups as groups_model
from desktop_app.models import users as users_model
from desktop_app.qt import bridge as qt_bridge
from desktop_app.ui.admin import bulk_dialog, common, csv_transfer, dialogs, search_bar, user_detail

_Col = users_model.Column
_WIDTHS = {_Col.USERNAME: 130, _Col.EMAIL: 190, _Col.NAME: 120, _Col.STATUS: 170}
_WIDTHS |= {_Col.ENABLED: 70, _Col.CREATED: 130, _Col.MODIFIED: 130}


class UsersPanel(QtWidgets.QWidget):
    """See the module docstring. ``choose_open_file`` / ``choose_save_file`` pick the
    CSV files (tests pass their own instead of the blocking file dialogs).

    Signals:
        forbidden(str): the API refused admin access (403).
        groupsChanged(): memberships changed here, so group member counts are stale.
    """

    forbidden = QtCore.Signal(str)
    groupsChanged = QtCore.Signal()

    def __init__(
        self,
        bridge: qt_bridge.SessionBridge,
        groups: groups_model.GroupsModel,
        *,
        model: users_model.UsersModel | None = None,
        choose_open_file: common.ChooseFile = common.choose_open_file,
        choose_save_file: common.ChooseFile = common.choose_save_file,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._groups = groups
        self.model = model if model is not None else users_model.UsersModel(bridge, parent=self)
        self._select_after_load: str | None = None
        self._tasks = common.Tasks.of(self)
        self.invite_dialog: dialogs.InviteDialog | None = None
        self.bulk_dialog: bulk_dialog.BulkDialog | None = None
        self.csv = csv_transfer.CsvTransfer(
            bridge, self, choose_open_file=choose_open_file, choose_save_file=choose_save_file
        )
        self._build()
        self.csv.message.connect(self._on_message)
        self.csv.busyChanged.connect(self._on_csv_busy)
        self.csv.imported.connect(self._on_imported)
        self.model.loading.connect(self._update_count)
        self.model.loaded.connect(self._on_loaded)
        self.model.failed.connect(self._on_failed)
        self.model.countChanged.connect(self._update_count)
        self.model.modelReset.connect(self._on_selection_changed)
        self._update_count()
        self._on_selection_changed()

    def _build(self) -> None:
        self.setAccessibleName(self.tr("Users"))
        self.message = common.MessageLine()
        self.search_bar = search_bar.SearchBar()
        self.search_bar.searchChanged.connect(self._on_search)
        self.search_bar.invalid.connect(self.message.show_error)
        find = QtGui.QShortcut(QtGui.QKeySequence.StandardKey.Find, self)
        find.setContext(QtCore.Qt.ShortcutContext.WidgetWithChildrenShortcut)
        find.activated.connect(self.search_bar.focus_text)

        self.count_label = QtWidgets.QLabel()
        self.count_label.setAccessibleName(self.tr("Users loaded"))
        self.busy = QtWidgets.QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setMaximumWidth(100)
        self.busy.setAccessibleName(self.tr("Loading"))
        self.retry_button = self._button(self.tr("Retry"), self.model.retry)
        self.refresh_button = self._button(self.tr("Refresh"), self.refresh)
        self.refresh_button.setShortcut(QtGui.QKeySequence(QtGui.QKeySequence.StandardKey.Refresh))
        search_row = QtWidgets.QHBoxLayout()
        search_row.addWidget(self.search_bar, 1)
        for widget in (self.count_label, self.busy, self.retry_button, self.refresh_button):
            search_row.addWidget(widget)

        ellipsis = "\N{HORIZONTAL ELLIPSIS}"
        self.invite_button = self._button(self.tr("Invite") + ellipsis, self.open_invite)
        self.import_button = self._button(self.tr("Import CSV") + ellipsis, self.import_csv)
        self.export_button = self._button(self.tr("Export CSV") + ellipsis, self.export_csv)
        self.bulk_label = QtWidgets.QLabel()
        self.bulk_enable_button = self._button(self.tr("Enable"), self.bulk_enable)
        self.bulk_disable_button = self._button(self.tr("Disable"), self.bulk_disable)
        self.bulk_resend_button = self._button(self.tr("Resend invitation"), self.bulk_resend)
        self.bulk_add_button = common.group_menu_button(
            self.tr("Add to group"), self._groups, self.bulk_add
        )
        self.bulk_remove_button = common.group_menu_button(
            self.tr("Remove from group"), self._groups, self.bulk_remove
        )
        self.bulk_buttons: tuple[QtWidgets.QAbstractButton, ...] = (
            self.bulk_enable_button,
            self.bulk_disable_button,
            self.bulk_resend_button,
            self.bulk_add_button,
            self.bulk_remove_button,
        )
        action_row = QtWidgets.QHBoxLayout()
        for widget in (self.invite_button, self.import_button, self.export_button):
            action_row.addWidget(widget)
        action_row.addStretch(1)
        action_row.addWidget(self.bulk_label)
        for button in self.bulk_buttons:
            action_row.addWidget(button)

        self.table = QtWidgets.QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName(self.tr("Users"))
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in _WIDTHS.items():
            header.resizeSection(column, width)
        # Sorting orders the loaded rows only; no column is sorted until one is clicked.
        header.setSortIndicator(-1, QtCore.Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.detail = user_detail.UserDetailPane(self._bridge, self._groups)
        self.detail.userChanged.connect(self._on_user_changed)
        self.detail.userRemoved.connect(self.model.remove_username)
        self.detail.groupsChanged.connect(self.groupsChanged)
        self.detail.message.connect(self._on_message)
        self.detail.forbidden.connect(self.forbidden)
        delete = QtGui.QShortcut(QtGui.QKeySequence.StandardKey.Delete, self.table)
        delete.setContext(QtCore.Qt.ShortcutContext.WidgetShortcut)
        delete.activated.connect(self.detail.ask_delete)
        self.splitter = QtWidgets.QSplitter()
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)

        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(search_row)
        layout.addLayout(action_row)
        layout.addWidget(self.message)
        layout.addWidget(self.splitter, 1)

    def _button(self, text: str, slot: Callable[[], object]) -> QtWidgets.QPushButton:
        button = QtWidgets.QPushButton(text)
        button.setAccessibleName(text.rstrip("\N{HORIZONTAL ELLIPSIS}"))
        button.clicked.connect(lambda: slot())
        return button

    # -- loading and searching -------------------------------------------------------------

    def ensure_loaded(self) -> None:
        """Load the first page unless rows or a fetch are there; retry after a failure."""
        model = self.model
        if model.error is not None:
            model.retry()
        elif model.rowCount() == 0 and not model.is_loading:
            model.refresh()

    def refresh(self) -> None:
        self.message.clear_message()
        self.model.refresh()

    def search_now(self) -> None:
        """Run the search in the fields now, without waiting for the debounce."""
        self.search_bar.search_now()

    @QtCore.Slot(object)
    def _on_search(self, search: admin.Search | None) -> None:
        self.message.clear_message()
        if search != self.model.search or self.model.error is not None:
            self.model.set_search(search)

    def _update_count(self, *_args: object) -> None:
        model = self.model
        count = QtCore.QLocale().toString(model.count)
        if model.has_more:
            text = self.tr("{n} users loaded, more available").format(n=count)
        else:
            text = self.tr("{n} users").format(n=count)
        self.count_label.setText(text)
        self.busy.setVisible(model.is_loading)
        self.retry_button.setVisible(model.error is not None and not model.is_loading)

    @QtCore.Slot(int, bool)
    def _on_loaded(self, _rows: int, _has_more: bool) -> None:
        self._update_count()
        wanted, self._select_after_load = self._select_after_load, None
        if wanted is not None:
            self.select_username(wanted)

    @QtCore.Slot(object)
    def _on_failed(self, exc: BaseException) -> None:
        self._update_count()
        self.message.show_failure(exc)
        if common.is_forbidden(exc):
            self.forbidden.emit(admin.plain_message(exc))

    def select_username(self, username: str) -> bool:
        row = self.model.row_of(username)
        if row is None or row < 0:
            return False
        self.table.selectRow(row)
        self.table.scrollTo(self.model.index(row, 0))
        return True

    # -- selection and the detail pane -----------------------------------------------------

    def selected_users(self) -> list[admin.User]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [user for user in (self.model.user(row) for row in rows) if user is not None]

    def _on_selection_changed(self, *_args: object) -> None:
        users = self.selected_users()
        if len(users) == 1:
            self.detail.show_user(users[0].username)
        elif users:
            self.detail.show_user(
                None,
                placeholder=self.tr("{n} users selected: use the buttons above.").format(
                    n=len(users)
                ),
            )
        else:
            self.detail.show_user(None)
        self.bulk_label.setText(self.tr("{n} selected:").format(n=len(users)) if users else "")
        for button in self.bulk_buttons:
            button.setEnabled(bool(users))

    def _on_user_changed(self, user: admin.User) -> None:
        self.model.replace_user(user)

    def _on_message(self, text: str, error: bool) -> None:
        if error:
            self.message.show_error(text)
        else:
            self.message.show_info(text)

    def refresh_users(self, usernames: Sequence[str]) -> None:
        """Fetch these users again and update (or drop) their rows, in the background."""
        names = list(dict.fromkeys(usernames))
        if not names:
            return
        if len(names) > admin.PAGE_MAX:
            self.model.refresh()  # cheaper to reload than to fetch each one
            return

        def fetch(api: api_client.ApiClient) -> tuple[list[admin.UserDetail], list[str]]:
            found, gone = [], []
            for name in names:
                try:
                    found.append(admin.get_user(api, name))
                except errors.ApiError as exc:
                    if exc.status != 404:
                        raise
                    gone.append(name)
            return found, gone

        def done(result: tuple[list[admin.UserDetail], list[str]]) -> None:
            found, gone = result
            for user in found:
                self.model.replace_user(user)
            for name in gone:
                self.model.remove_username(name)
            if self.detail.username in names:
                self.detail.reload()

        self._tasks.track(
            self._bridge.call_api(fetch, done, self._on_action_failed, name="admin-refresh-users")
        )

    def _on_action_failed(self, exc: BaseException) -> None:
        self.message.show_failure(exc)
        if common.is_forbidden(exc):
            self.forbidden.emit(admin.plain_message(exc))

    # -- invite ----------------------------------------------------------------------------

    def open_invite(self) -> dialogs.InviteDialog:
        """Open the invite dialog (window-modal, not blocking); the open one if any."""
        if self.invite_dialog is not None:
            self.invite_dialog.raise_()
            self.invite_dialog.activateWindow()
            return self.invite_dialog
        names = [g.name for g in self._groups.groups]
        dialog = dialogs.InviteDialog(self._bridge, names, self)
        dialog.invited.connect(self._on_invited)
        dialog.finished.connect(self._on_invite_closed)
        self.invite_dialog = dialog
        dialog.open()
        return dialog

    @QtCore.Slot()
    def _on_invite_closed(self) -> None:
        dialog, self.invite_dialog = self.invite_dialog, None
        if dialog is None:
            return
        if dialog.sending:  # closed mid-send: the answer still refreshes the table
            dialog.settled.connect(dialog.deleteLater)
        else:
            dialog.deleteLater()

    def _on_invited(self, detail: admin.UserDetail) -> None:
        self.message.show_info(
            self.tr("Invitation sent to {email}; {user} must choose a password.").format(
                email=detail.email or detail.username, user=detail.username
            )
        )
        self._select_after_load = detail.username
        self.model.refresh()
        if detail.groups:
            self.groupsChanged.emit()

    # -- bulk actions ----------------------------------------------------------------------

    def bulk_enable(self) -> bulk_dialog.BulkDialog | None:
        return self._bulk(self.tr("Enable users"), admin.enable_user)

    def bulk_disable(self) -> bulk_dialog.BulkDialog | None:
        return self._bulk(self.tr("Disable users"), admin.disable_user, common.Guarded.DISABLE)

    def bulk_resend(self) -> bulk_dialog.BulkDialog | None:
        return self._bulk(self.tr("Resend invitations"), admin.resend_invitation)

    def bulk_add(self, group: str) -> bulk_dialog.BulkDialog | None:
        return self._bulk(
            self.tr("Add users to {group}").format(group=group),
            lambda api, user: admin.add_to_group(api, user, group),
            groups=True,
        )

    def bulk_remove(self, group: str) -> bulk_dialog.BulkDialog | None:
        guard = (
            common.Guarded.LEAVE_ADMIN_GROUP if group == self._bridge.profile.admin_group else None
        )
        return self._bulk(
            self.tr("Remove users from {group}").format(group=group),
            lambda api, user: admin.remove_from_group(api, user, group),
            guard,
            groups=True,
        )

    def _bulk(
        self,
        title: str,
        call: bulk_dialog.UserCall,
        guard: common.Guarded | None = None,
        *,
        groups: bool = False,
    ) -> bulk_dialog.BulkDialog | None:
        """Run ``call`` for every selected user in a :class:`BulkDialog`. The admin's own
        row, for a guarded action, fails locally with the reason (never sent)."""
        users = self.selected_users()
        if not users:
            return None
        refused = common.lockout_reason(guard) if guard is not None else None
        items = bulk_dialog.user_items(
            users, call, lambda user: refused if common.is_self(self._bridge, user) else None
        )
        dialog = bulk_dialog.BulkDialog(self._bridge, title, self)
        names = [user.username for user in users]
        dialog.completed.connect(lambda *_: self._after_bulk(names, groups=groups))
        dialog.finished.connect(dialog.deleteLater)
        self.bulk_dialog = dialog
        dialog.open()
        dialog.start(items)
        return dialog

    def _after_bulk(self, names: list[str], *, groups: bool) -> None:
        self.refresh_users(names)
        if groups:
            self.groupsChanged.emit()

    # -- CSV -------------------------------------------------------------------------------

    def import_csv(self) -> None:
        """Pick a CSV file; its preview opens once it is read (``csv.import_dialog``)."""
        self.csv.import_file(lambda: [g.name for g in self._groups.groups])

    def export_csv(self) -> None:
        """Write the loaded rows (the current view) to a CSV file, in the background."""
        users = [u for u in (self.model.user(r) for r in range(self.model.rowCount())) if u]
        self.csv.export(users, more_exist=self.model.has_more)

    def _on_csv_busy(self, kind: str, busy: bool) -> None:
        button = self.import_button if kind == "import" else self.export_button
        button.setEnabled(not busy)

    def _on_imported(self, ok: int) -> None:
        if ok:
            self.model.refresh()
            self.groupsChanged.emit()
