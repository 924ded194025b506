"""The Admin section's landing page: the pool's groups with member counts.

Issue #6 grows this into the user-management panels. What it already does is the
contract the main window relies on: it loads admin data through the bridge, and
when the API refuses (403: the token's groups changed, or the API's admin group
differs from the profile's) it says so with ``forbidden`` so the section can be
hidden with the reason.
"""

from __future__ import annotations

from typing import Any

from PySide6 import QtCore, QtWidgets

from desktop_app import errors
from desktop_app.qt import bridge as qt_bridge
from desktop_app.qt import worker


class AdminSection(QtWidgets.QWidget):
    """Signals:
    forbidden(str): the API refused admin access; the reason, for the user.
    """

    forbidden = QtCore.Signal(str)

    def __init__(
        self, bridge: qt_bridge.SessionBridge, parent: QtWidgets.QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._task: worker.Task[Any] | None = None
        heading = QtWidgets.QLabel(self.tr("User management"))
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        heading.setFont(font)
        self.status = QtWidgets.QLabel()
        self.status.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        self.groups = QtWidgets.QTableWidget(0, 2)
        self.groups.setHorizontalHeaderLabels([self.tr("Group"), self.tr("Members")])
        self.groups.horizontalHeader().setStretchLastSection(True)
        self.groups.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.groups.setAccessibleName(self.tr("Groups"))
        self.reload_button = QtWidgets.QPushButton(self.tr("Refresh"))
        self.reload_button.clicked.connect(self.reload)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.status)
        layout.addWidget(self.groups, 1)
        layout.addWidget(self.reload_button, 0, QtCore.Qt.AlignmentFlag.AlignRight)

    def reload(self) -> None:
        if self._task is not None:
            self._task.cancel()
        self.status.setText(self.tr("Loading\u2026"))
        self.reload_button.setEnabled(False)
        self._task = self._bridge.call_api(
            lambda api: api.get_json("/admin/groups"),
            self._on_loaded,
            self._on_failed,
            name="admin-groups",
        )

    def _on_loaded(self, body: Any) -> None:
        self.reload_button.setEnabled(True)
        groups = body.get("groups") if isinstance(body, dict) else None
        if not isinstance(groups, list):
            self.status.setText(self.tr("The API sent an unexpected answer."))
            return
        rows = [g for g in groups if isinstance(g, dict) and isinstance(g.get("name"), str)]
        self.groups.setRowCount(len(rows))
        for row, group in enumerate(rows):
            self.groups.setItem(row, 0, QtWidgets.QTableWidgetItem(group["name"]))
            count = group.get("member_count")
            self.groups.setItem(
                row, 1, QtWidgets.QTableWidgetItem(str(count) if isinstance(count, int) else "")
            )
        self.status.setText(self.tr("{0} group(s)").format(len(rows)))

    def _on_failed(self, exc: BaseException) -> None:
        self.reload_button.setEnabled(True)
        if isinstance(exc, errors.ApiError) and exc.status == 403:
            self.status.setText("")
            self.forbidden.emit(
                self.tr(
                    "The API refused admin access for your account, so the Admin section is "
                    "hidden. Ask an administrator to check your groups."
                )
            )
            return
        self.status.setText(qt_bridge.describe(exc))
