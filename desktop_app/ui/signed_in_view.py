"""What the window shows once signed in: navigation (Home/Profile, Data, Admin) and the
panels, built per sign-in; the Admin section only for the admin group, and built the
first time it is opened."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6 import QtCore, QtWidgets

from desktop_app.ui import data_panel, profile_panel

if TYPE_CHECKING:
    from desktop_app.qt import bridge as qt_bridge
    from desktop_app.ui.admin.section import AdminSection as AdminSectionType


class SignedInView(QtWidgets.QWidget):
    """Navigation (Home/Profile, Data, Admin) and the panels; built per sign-in.

    Signals:
        adminForbidden(str): the API refused admin access; the section was hidden.
    """

    adminForbidden = QtCore.Signal(str)

    def __init__(
        self, bridge: qt_bridge.SessionBridge, parent: QtWidgets.QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._admin_forbidden = False
        # The Admin section is a large widget tree: it is built the first time it is
        # opened, so signing in (and every plain user) never pays for it.
        self._admin: AdminSectionType | None = None
        self._admin_slot = QtWidgets.QWidget()
        self.banner = QtWidgets.QLabel()
        self.banner.setWordWrap(True)
        self.banner.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        self.banner.hide()
        self.nav = QtWidgets.QListWidget()
        self.nav.setAccessibleName(self.tr("Sections"))
        self.pages = QtWidgets.QStackedWidget()
        self.profile = profile_panel.ProfilePanel(bridge)
        self.data = data_panel.DataPanel(bridge)
        for label, page in (
            (self.tr("Home / Profile"), self.profile),
            (self.tr("Data"), self.data),
            (self.tr("Admin"), self._admin_slot),
        ):
            self.nav.addItem(label)
            self.pages.addWidget(page)
        _fit_to_items(self.nav)
        self.nav.currentRowChanged.connect(self._on_section_chosen)
        self.nav.setCurrentRow(0)
        body = QtWidgets.QHBoxLayout()
        body.addWidget(self.nav)
        body.addWidget(self.pages, 1)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(body, 1)
        self.update_admin_visibility()

    @property
    def admin(self) -> AdminSectionType:
        """The Admin section, built on first use."""
        if self._admin is None:
            from desktop_app.ui.admin import section

            built = section.AdminSection(self._bridge)
            built.forbidden.connect(self._on_admin_forbidden)
            index = self.pages.indexOf(self._admin_slot)
            self.pages.insertWidget(index, built)
            self.pages.removeWidget(self._admin_slot)
            self._admin_slot.deleteLater()
            self._admin = built
        return self._admin

    def show_storage_problem(self) -> None:
        """The session could not be saved: Profile's Session storage row says so."""
        self.profile.show_storage()

    def admin_visible(self) -> bool:
        return not self.nav.item(2).isHidden()

    def update_admin_visibility(self) -> None:
        """The Admin section exists only for the admin group (re-checked after refresh)."""
        show = self._bridge.is_admin() and not self._admin_forbidden
        self.nav.item(2).setHidden(not show)
        if not show and self.nav.currentRow() == 2:
            self.nav.setCurrentRow(0)

    def _on_section_chosen(self, row: int) -> None:
        if row == 2:
            admin = self.admin  # built now, the first time
            self.pages.setCurrentWidget(admin)
            admin.reload()
            return
        self.pages.setCurrentIndex(row)
        if self.pages.widget(row) is self.data:
            self.data.ensure_loaded()

    def _on_admin_forbidden(self, reason: str) -> None:
        self._admin_forbidden = True
        self.banner.setText(reason)
        self.banner.show()
        self.update_admin_visibility()
        self.adminForbidden.emit(reason)


def _fit_to_items(nav: QtWidgets.QListWidget) -> None:
    """Make ``nav`` exactly as wide as its longest item, and keep it so.

    A list's minimum width is a few dozen pixels whatever its items, so a page wider
    than the window (the Admin section's toolbars) squeezed it until "Home / Profile"
    was cut off. A fixed width from the items gives the page the rest, never this."""
    nav.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    widest = nav.sizeHintForColumn(0)
    padding = 2 * nav.frameWidth() + 2 * nav.spacing() + nav.fontMetrics().averageCharWidth() * 2
    nav.setFixedWidth(widest + padding)
    nav.setSizePolicy(QtWidgets.QSizePolicy.Policy.Fixed, QtWidgets.QSizePolicy.Policy.Expanding)
