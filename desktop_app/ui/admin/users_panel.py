"""The Users tab: search, the lazily paged users table, the detail pane, bulk actions,
CSV import and export.

The table is a :class:`~desktop_app.models.users.UsersModel` (it fetches pages in a
worker as the view scrolls); the search box is debounced and runs server-side. The
bulk buttons are bound to actions of :mod:`desktop_app.admin.actions`: each asks
first, naming the users ("Disable 3 users: alice, bob, carol?"), then runs over them in
a :class:`~desktop_app.ui.admin.bulk_dialog.BulkDialog`, which then refreshes exactly
the rows they touched. The signed-in admin's own row is never among them
(:func:`~desktop_app.admin.actions.bulk_targets`; the question says it was left out).
The account-lifecycle ones (confirm sign-ups, resend codes, mark emails verified,
reset MFA) sit in one menu. The outcome of the last action is one line under the
toolbar, never a modal box.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6 import QtCore, QtGui, QtWidgets

from desktop_app.admin import actions, wording
from desktop_app.api import admin
from desktop_app.models import groups as groups_model
from desktop_app.models import users as users_model
from desktop_app.qt import bridge as qt_bridge
from desktop_app.qt import messages
from desktop_app.ui.admin import (
    bulk_dialog,
    common,
    csv_transfer,
    dialogs,
    fitting,
    search_bar,
    user_detail,
)

#: From this width of the table and pane on, the detail pane sits beside the table;
#: below it, under the table, which then has the whole width for its nine columns
#: (as in the default window).
WIDE = 1250


class UsersPanel(common.Panel):
    """See the module docstring. ``choose_open_file`` / ``choose_save_file`` pick the
    CSV files (tests pass their own instead of the blocking file dialogs).

    Signals:
        forbidden(str): the API refused admin access (403).
        groupsChanged(): memberships changed here, so group member counts are stale.
    """

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
        super().__init__(bridge, parent)
        self._groups = groups
        self.model = model if model is not None else users_model.UsersModel(bridge, parent=self)
        self._select_after_load: str | None = None
        self.invite_dialog: dialogs.InviteDialog | None = None
        self.bulk_dialog: bulk_dialog.BulkDialog | None = None
        self.bulk_question: dialogs.ConfirmDialog | None = None
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
        self.message = self.message_line()
        self.search_bar = search_bar.SearchBar()
        self.search_bar.searchChanged.connect(self._on_search)
        self.search_bar.invalid.connect(self.message.show_error)
        find = QtGui.QShortcut(QtGui.QKeySequence.StandardKey.Find, self)
        find.setContext(QtCore.Qt.ShortcutContext.WidgetWithChildrenShortcut)
        find.activated.connect(self.search_bar.focus_text)

        self.count_label = QtWidgets.QLabel()
        self.count_label.setAccessibleName(self.tr("Users loaded"))
        self.busy = common.busy_bar(self.tr("Loading"))
        self.busy.setMaximumWidth(100)
        self.retry_button = self._button(self.tr("Retry"), self.model.retry)
        self.refresh_button = self._button(self.tr("Refresh"), self.refresh)
        self.refresh_button.setShortcut(QtGui.QKeySequence(QtGui.QKeySequence.StandardKey.Refresh))
        search_row = QtWidgets.QHBoxLayout()
        search_row.addWidget(self.search_bar, 1)
        for widget in (self.count_label, self.busy, self.retry_button, self.refresh_button):
            search_row.addWidget(widget)

        ellipsis = "\N{HORIZONTAL ELLIPSIS}"
        invite = messages.admin_text(actions.INVITE.words.label)
        self.invite_button = self._button(invite + ellipsis, self.open_invite)
        self.import_button = self._button(self.tr("Import CSV") + ellipsis, self.import_csv)
        self.export_button = self._button(self.tr("Export CSV") + ellipsis, self.export_csv)
        self.bulk_label = QtWidgets.QLabel()
        self.bulk_enable_button = self._bulk_button(actions.ENABLE)
        self.bulk_disable_button = self._bulk_button(actions.DISABLE)
        self.bulk_resend_button = self._bulk_button(actions.RESEND_INVITATION)
        self.bulk_add_button = self._bulk_group_button(actions.ADD_TO_GROUP)
        self.bulk_remove_button = self._bulk_group_button(actions.REMOVE_FROM_GROUP)
        self.bulk_account_button = self._bulk_menu_button(self.tr("Sign-up and MFA"))
        self.bulk_buttons: tuple[QtWidgets.QAbstractButton, ...] = (
            self.bulk_enable_button,
            self.bulk_disable_button,
            self.bulk_resend_button,
            self.bulk_add_button,
            self.bulk_remove_button,
            self.bulk_account_button,
        )
        # Two rows, so that both fit the default window: adding users and files, then
        # what to do with the users selected.
        file_row = QtWidgets.QHBoxLayout()
        for widget in (
            self.invite_button,
            self.import_button,
            self.export_button,
            self.csv.template_button,
            self.csv.migration_button,
        ):
            file_row.addWidget(widget)
        file_row.addStretch(1)
        bulk_row = QtWidgets.QHBoxLayout()
        bulk_row.addWidget(self.bulk_label)
        for button in self.bulk_buttons:
            bulk_row.addWidget(button)
        bulk_row.addStretch(1)

        self.table = QtWidgets.QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName(self.tr("Users"))
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.setHorizontalScrollMode(QtWidgets.QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.columns = fitting.fit_user_columns(self.table)
        header = self.table.horizontalHeader()
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
        # Beside: the table three fifths. Under: as much room as the pane below.
        self.splitter = fitting.ResponsiveSplitter(WIDE, side=3 / 5, stacked=1 / 2)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.arranged.connect(lambda side: self.detail.set_wide(not side))

        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(search_row)
        layout.addLayout(file_row)
        layout.addLayout(bulk_row)
        layout.addWidget(self.message)
        layout.addWidget(self.splitter, 1)

    def _button(self, text: str, slot: Callable[[], object]) -> QtWidgets.QPushButton:
        button = QtWidgets.QPushButton(text)
        button.setAccessibleName(text.rstrip("\N{HORIZONTAL ELLIPSIS}"))
        button.clicked.connect(lambda: slot())
        return button

    def _bulk_button(self, action: actions.Action) -> QtWidgets.QPushButton:
        """A toolbar button: ``action`` on every selected user (it asks first)."""
        label = messages.admin_text(action.words.label)
        return self._button(label + "\N{HORIZONTAL ELLIPSIS}", lambda: self.ask_bulk(action))

    def _bulk_menu_button(self, text: str) -> QtWidgets.QToolButton:
        """A toolbar button whose menu holds the lifecycle actions; each asks first."""
        button = QtWidgets.QToolButton()
        button.setText(text)
        button.setAccessibleName(text)
        button.setPopupMode(QtWidgets.QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QtWidgets.QMenu(button)
        self.bulk_account_actions: dict[actions.Action, QtGui.QAction] = {}
        for action in actions.LIFECYCLE:
            many = action.words.many or action.words.label
            entry = menu.addAction(messages.admin_text(many, group="") + "\N{HORIZONTAL ELLIPSIS}")
            entry.triggered.connect(lambda _checked=False, a=action: self.ask_bulk(a))
            self.bulk_account_actions[action] = entry
        button.setMenu(menu)
        return button

    def _bulk_group_button(self, action: actions.Action) -> QtWidgets.QToolButton:
        """A toolbar button whose menu picks the group for ``action`` (it asks first)."""
        label = messages.admin_text(action.words.label)
        return common.group_menu_button(label, self._groups, lambda g: self.ask_bulk(action, g))

    # -- loading and searching -------------------------------------------------------------

    def ensure_loaded(self) -> None:
        """Load the first page unless rows or a fetch are there; retry after a failure."""
        model = self.model
        if model.error is not None:
            model.retry()
        elif model.rowCount() == 0 and not model.is_loading:
            model.refresh()

    def refresh(self) -> None:
        self.message.clear()
        self.model.refresh()

    def search_now(self) -> None:
        """Run the search in the fields now, without waiting for the debounce."""
        self.search_bar.search_now()

    @QtCore.Slot(object)
    def _on_search(self, search: admin.Search | None) -> None:
        self.message.clear()
        if search != self.model.search or self.model.error is not None:
            self.model.set_search(search)

    def _update_count(self, *_args: object) -> None:
        model = self.model
        self.count_label.setText(common.list_count(model, "user"))
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
                placeholder=self.tr("{users} selected: use the buttons above.").format(
                    users=wording.count(len(users), "user")
                ),
            )
        else:
            self.detail.show_user(None)
        self.bulk_label.setText(self.tr("{n} selected:").format(n=len(users)) if users else "")
        targets = actions.bulk_targets(users, self.acting())
        only_self = bool(users) and not targets.users
        for button in self.bulk_buttons:
            button.setEnabled(bool(targets.users))
            button.setToolTip(self._left_out(targets) if only_self else "")

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
        self._call_api(
            lambda api: actions.reread(api, names),
            self._on_reread,
            self.message.show_failure,
            name="admin-refresh-users",
        )

    def _on_reread(self, result: actions.Reread) -> None:
        for user in result.found:
            self.model.replace_user(user)
        for name in result.gone:
            self.model.remove_username(name)
        touched = {user.username for user in result.found}.union(result.gone)
        if self.detail.username in touched:
            self.detail.reload()

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
        dialog.dispose()  # after a send under way: its answer still refreshes the table

    def _on_invited(self, detail: admin.UserDetail) -> None:
        said = messages.admin_text(
            actions.INVITE.words.done, email=detail.email or detail.username, user=detail.username
        )
        self.message.show_info(said)
        self._select_after_load = detail.username
        self.model.refresh()
        if detail.groups:  # only a new member changes the counts
            self.groupsChanged.emit()

    # -- bulk actions ----------------------------------------------------------------------

    def bulk_enable(self) -> dialogs.ConfirmDialog | None:
        return self.ask_bulk(actions.ENABLE)

    def bulk_disable(self) -> dialogs.ConfirmDialog | None:
        return self.ask_bulk(actions.DISABLE)

    def bulk_resend(self) -> dialogs.ConfirmDialog | None:
        return self.ask_bulk(actions.RESEND_INVITATION)

    def bulk_add(self, group: str) -> dialogs.ConfirmDialog | None:
        return self.ask_bulk(actions.ADD_TO_GROUP, group)

    def bulk_remove(self, group: str) -> dialogs.ConfirmDialog | None:
        return self.ask_bulk(actions.REMOVE_FROM_GROUP, group)

    def _left_out(self, targets: actions.BulkTargets) -> str:
        """The note saying the admin's own account was left out ("" when it was not)."""
        if targets.left_out_self is None:
            return ""
        return messages.admin_text(actions.SELF_LEFT_OUT, user=targets.left_out_self)

    def ask_bulk(
        self, action: actions.Action, group: str | None = None
    ) -> dialogs.ConfirmDialog | None:
        """Ask before ``action`` on every selected user but the admin (the question names
        them, and says if the admin's own account was left out); the run follows the
        dialog's confirm button, and nothing at all follows Cancel."""
        words = action.words
        if words.many is None or words.ask_many is None:
            return None
        targets = actions.bulk_targets(self.selected_users(), self.acting())
        if not targets.users:
            if targets.left_out_self is not None:
                self.message.show_info(self._left_out(targets))
            return None
        if self.bulk_question is not None:
            self.bulk_question.raise_()
            return self.bulk_question
        title = messages.admin_text(words.many, group=group or "")
        question = messages.admin_text(
            words.ask_many, users=wording.named(targets.usernames), group=group or ""
        )
        dialog = dialogs.ConfirmDialog(
            title, question, title, note=self._left_out(targets), parent=self
        )
        dialog.accepted.connect(lambda: self.run_bulk(action, targets.users, group))
        dialog.finished.connect(self._on_bulk_question_closed)
        self.bulk_question = dialog
        dialog.open()
        return dialog

    @QtCore.Slot()
    def _on_bulk_question_closed(self) -> None:
        if self.bulk_question is not None:
            self.bulk_question.deleteLater()
            self.bulk_question = None

    def run_bulk(
        self, action: actions.Action, users: Sequence[admin.User], group: str | None = None
    ) -> bulk_dialog.BulkDialog | None:
        """Run ``action`` on ``users`` (confirmed: :meth:`ask_bulk`) in a
        :class:`BulkDialog`. A user a guard refuses it for fails there with the reason,
        unsent."""
        if not users or action.words.many is None:
            return None
        steps = actions.plan(action, users, self.acting(), group=group)
        title = messages.admin_text(action.words.many, group=group or "")
        dialog = bulk_dialog.BulkDialog(self._bridge, title, self)
        names = [user.username for user in users]
        dialog.completed.connect(lambda *_: self._after_bulk(names, action.refresh))
        dialog.finished.connect(dialog.deleteLater)
        self.bulk_dialog = dialog
        dialog.open()
        dialog.start(steps)
        return dialog

    def _after_bulk(self, names: list[str], refresh: actions.Refresh) -> None:
        # Refreshed whatever the outcome: a failed or cancelled run may have changed some.
        if refresh & (actions.Refresh.USER | actions.Refresh.GONE):
            self.refresh_users(names)
        if actions.Refresh.GROUPS in refresh:
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
