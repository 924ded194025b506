"""The Admin section: user management in three tabs (Users, Groups, Overview).

The main window relies on this contract: :meth:`AdminSection.reload` is called each
time the section is shown, and when the API refuses (403: the token's groups
changed, or the API's admin group differs from the profile's) the section says so
with ``forbidden``, once, so the window can hide it with the reason.

The tabs share one :class:`~desktop_app.models.groups.GroupsModel` (the Groups
table, the group pickers, the member counts), refreshed after every membership
change made anywhere in the section.
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from desktop_app.models import groups as groups_model
from desktop_app.qt import bridge as qt_bridge
from desktop_app.qt import messages
from desktop_app.ui.admin import common, groups_panel, overview, users_panel


class AdminSection(QtWidgets.QWidget):
    """Signals:
    forbidden(str): the API refused admin access; the reason, for the user.
    """

    forbidden = QtCore.Signal(str)

    def __init__(
        self,
        bridge: qt_bridge.SessionBridge,
        parent: QtWidgets.QWidget | None = None,
        *,
        choose_open_file: common.ChooseFile = common.choose_open_file,
        choose_save_file: common.ChooseFile = common.choose_save_file,
    ) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._forbidden_sent = False
        self.groups_model = groups_model.GroupsModel(bridge, parent=self)
        self.users = users_panel.UsersPanel(
            bridge,
            self.groups_model,
            choose_open_file=choose_open_file,
            choose_save_file=choose_save_file,
        )
        self.groups = groups_panel.GroupsPanel(bridge, self.groups_model)
        self.overview = overview.OverviewPanel(bridge)
        heading = QtWidgets.QLabel(self.tr("User management"))
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        heading.setFont(font)
        self.tabs = QtWidgets.QTabWidget()
        self.tabs.setAccessibleName(self.tr("User management"))
        self.tabs.addTab(self.users, self.tr("&Users"))
        self.tabs.addTab(self.groups, self.tr("&Groups"))
        self.tabs.addTab(self.overview, self.tr("&Overview"))
        self.tabs.currentChanged.connect(self._on_tab_changed)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.tabs, 1)

        self.groups_model.failed.connect(self._on_groups_failed)
        for panel in (self.users, self.groups, self.overview):
            panel.forbidden.connect(self._on_forbidden)
        # A membership changed somewhere: counts and the other tabs' views are stale.
        self.users.groupsChanged.connect(self.groups_model.refresh)
        self.users.groupsChanged.connect(self.groups.refresh_members)
        self.groups.membershipChanged.connect(self.users.refresh_users)

    def reload(self) -> None:
        """The section is shown: fresh groups; the users' first page if none is loaded;
        the overview when it is the current tab."""
        self._forbidden_sent = False
        self.groups_model.refresh()
        self.users.ensure_loaded()
        if self.tabs.currentWidget() is self.overview:
            self.overview.refresh()

    @QtCore.Slot(int)
    def _on_tab_changed(self, index: int) -> None:
        if self.tabs.widget(index) is self.overview:
            self.overview.ensure_loaded()

    @QtCore.Slot(object)
    def _on_groups_failed(self, exc: BaseException) -> None:
        if messages.is_forbidden(exc):
            self._on_forbidden(messages.admin_failure(exc))

    @QtCore.Slot(str)
    def _on_forbidden(self, detail: str) -> None:
        # ``detail`` is why, as qt.messages words the 403 (removed from the group,
        # disabled, no MFA...): more use to the admin than a guess.
        if self._forbidden_sent:
            return
        self._forbidden_sent = True
        if detail:
            text = self.tr(
                "The API refused admin access for your account, so the Admin section is "
                "hidden: {reason}"
            ).format(reason=detail)
        else:
            text = self.tr(
                "The API refused admin access for your account, so the Admin section is "
                "hidden. Ask an administrator to check your groups."
            )
        self.forbidden.emit(text)
