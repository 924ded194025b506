"""What the detail pane shows of one user: the main fields, the groups as chips, and
every attribute. Display only; :mod:`desktop_app.ui.admin.user_detail` acts."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6 import QtCore, QtWidgets

from desktop_app.admin import states
from desktop_app.api import admin
from desktop_app.models import user_cells
from desktop_app.qt import messages
from desktop_app.ui.admin import common

_DASH = "\N{EM DASH}"
_DATES = frozenset({"created", "modified", "last_sign_in"})


class UserCard(QtWidgets.QWidget):
    """Fields, group chips and the attributes table of one user; ``extra`` (between
    the fields and the attributes) is where the detail pane puts its actions. Narrow
    (beside the table), one above the other; wide (under it, :meth:`set_wide`), the
    fields on the left, the actions and attributes on the right.

    Signals:
        removeGroup(str): a chip's remove button was pressed.
    """

    removeGroup = QtCore.Signal(str)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setStyleSheet(common.CHIP_STYLE)
        self.form = QtWidgets.QFormLayout()
        self.fields: dict[str, QtWidgets.QLabel] = {}
        for key, title in (
            ("username", self.tr("Username")),
            ("email", self.tr("Email")),
            ("email_verified", self.tr("Email verified")),
            ("name", self.tr("Name")),
            ("status", self.tr("Status")),
            ("enabled", self.tr("Enabled")),
            ("mfa", self.tr("MFA")),
            ("created", self.tr("Created")),
            ("modified", self.tr("Last modified")),
            ("last_sign_in", self.tr("Last sign-in")),
            ("sub", self.tr("User ID (sub)")),
        ):
            value = QtWidgets.QLabel()
            value.setAccessibleName(title)
            value.setTextFormat(QtCore.Qt.TextFormat.PlainText)
            value.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setWordWrap(key not in _DATES)  # a date stays on one line
            self.fields[key] = value
            self.form.addRow(title, value)
        self.chips_box = QtWidgets.QWidget()
        self.chips_box.setAccessibleName(self.tr("Groups"))
        self._chips = QtWidgets.QHBoxLayout(self.chips_box)
        self._chips.setContentsMargins(0, 0, 0, 0)
        self.form.addRow(self.tr("Groups"), self.chips_box)
        self.attributes = QtWidgets.QTableWidget(0, 2)
        self.attributes.setAccessibleName(self.tr("All attributes"))
        self.attributes.setHorizontalHeaderLabels([self.tr("Attribute"), self.tr("Value")])
        # One line a row (a ``sub`` stays whole): the names as wide as they need, the
        # values the rest; a value longer still is elided, its tooltip whole.
        self.attributes.setWordWrap(False)
        self.attributes.horizontalHeader().setSectionResizeMode(
            0, QtWidgets.QHeaderView.ResizeMode.ResizeToContents
        )
        self.attributes.horizontalHeader().setStretchLastSection(True)
        self.attributes.verticalHeader().setVisible(False)
        self.attributes.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.attributes.setMinimumHeight(90)
        self.attributes.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.extra = QtWidgets.QVBoxLayout()
        self.extra.setContentsMargins(0, 0, 0, 0)
        self.fields_box = QtWidgets.QWidget()
        self.fields_box.setLayout(self.form)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.actions_box = QtWidgets.QWidget()
        self.actions_box.setLayout(self.extra)
        self._grid = QtWidgets.QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self.wide = True
        self.set_wide(False)

    def set_wide(self, wide: bool) -> None:
        """Two columns (fields | actions and attributes) or one."""
        if wide == self.wide:
            return
        self.wide = wide
        grid = self._grid
        for widget in (self.fields_box, self.actions_box, self.attributes):
            grid.removeWidget(widget)
        for line in range(3):
            grid.setRowStretch(line, 0)
            grid.setColumnStretch(line, 0)
        if wide:
            grid.addWidget(self.fields_box, 0, 0, 2, 1, QtCore.Qt.AlignmentFlag.AlignTop)
            grid.addWidget(self.actions_box, 0, 1)
            grid.addWidget(self.attributes, 1, 1)
            grid.setColumnStretch(0, 1)
            grid.setColumnStretch(1, 1)
            grid.setRowStretch(1, 1)
        else:
            grid.addWidget(self.fields_box, 0, 0)
            grid.addWidget(self.actions_box, 1, 0)
            grid.addWidget(self.attributes, 2, 0)
            grid.setRowStretch(2, 1)

    def chips(self) -> list[common.Chip]:
        return self.chips_box.findChildren(common.Chip)

    def chip(self, group: str) -> common.Chip | None:
        return next((chip for chip in self.chips() if chip.name == group), None)

    def show_user(
        self,
        username: str | None,
        detail: admin.UserDetail | None,
        blocked_groups: Mapping[str, str],
    ) -> None:
        """Show ``detail`` (or only ``username`` while it loads); chips named in
        ``blocked_groups`` get that reason and no working remove button."""
        for label in self.fields.values():
            label.setText("")
            label.setToolTip("")
        self.attributes.setRowCount(0)
        if detail is None:
            self.fields["username"].setText(username or "")
            self._set_chips((), blocked_groups, loading=True)
            return
        verified = detail.attributes.get("email_verified", "").lower() == "true"
        values = {
            "username": detail.username,
            "email": detail.email or _DASH,
            "email_verified": (self.tr("Yes") if verified else self.tr("No"))
            if detail.email
            else _DASH,
            "name": detail.name or _DASH,
            "status": user_cells.status_text(detail.status),
            "enabled": self.tr("Yes") if detail.enabled else self.tr("No"),
            "mfa": _DASH if detail.mfa is None else user_cells.mfa_text(detail.mfa),
            "created": common.when(detail.created_at),
            "modified": common.when(detail.modified_at),
            "last_sign_in": user_cells.display(detail, user_cells.Column.LAST_SIGN_IN),
            "sub": detail.sub or _DASH,
        }
        for key, text in values.items():
            self.fields[key].setText(text)
        self.fields["status"].setToolTip(user_cells.tooltip(detail, user_cells.Column.STATUS) or "")
        if detail.mfa is not None:
            tip = states.mfa_tip(detail.mfa)
            self.fields["mfa"].setToolTip(messages.admin_text(tip) if tip else "")
        attributes = sorted(detail.attributes.items())
        self.attributes.setRowCount(len(attributes))
        for row, (key, value) in enumerate(attributes):
            self.attributes.setItem(row, 0, QtWidgets.QTableWidgetItem(key))
            shown = QtWidgets.QTableWidgetItem(value)
            shown.setToolTip(value)  # a long value is elided in its cell
            self.attributes.setItem(row, 1, shown)
        self._set_chips(detail.groups, blocked_groups, loading=False)

    def _set_chips(
        self, groups: tuple[str, ...], blocked: Mapping[str, str], *, loading: bool
    ) -> None:
        while (child := self._chips.takeAt(0)) is not None:
            widget = child.widget()
            if widget is not None:
                widget.setParent(None)
                widget.deleteLater()
        for group in groups:
            chip = common.Chip(group, removable=True, blocked_reason=blocked.get(group))
            chip.removeClicked.connect(self.removeGroup)
            self._chips.addWidget(chip)
        if not groups:
            self._chips.addWidget(
                QtWidgets.QLabel("" if loading else self.tr("No groups"), self.chips_box)
            )
        self._chips.addStretch(1)

    def set_actions_enabled(self, ready: bool) -> None:
        """Chip remove buttons work when ``ready`` (and the chip is not blocked)."""
        for chip in self.chips():
            if chip.remove_button is not None:
                chip.remove_button.setEnabled(ready and chip.blocked_reason is None)
