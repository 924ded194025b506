"""The Data panel: the protected API's ``/items`` in a lazily paged table.

Scrolling to the end fetches the next page (Qt's views call the model's
``fetchMore`` on their own); "Load more" does the same by hand. All the fetching
is in :class:`~desktop_app.models.items.ItemsModel`, through the session bridge;
this module only shows what the model is doing.
"""

from __future__ import annotations

import enum

from PySide6 import QtCore, QtGui, QtWidgets

from desktop_app.models import items as items_model
from desktop_app.qt import bridge as qt_bridge
from desktop_app.qt import messages
from desktop_app.ui import feedback

_ROOT = QtCore.QModelIndex()
# The bridge can call the API in these states; otherwise a fetch could only end
# in NotSignedIn, which the bridge swallows while signed out (nothing would answer).
_CAN_CALL = (qt_bridge.State.SIGNED_IN, qt_bridge.State.REFRESHING, qt_bridge.State.OFFLINE)


class PanelState(enum.Enum):
    IDLE = "idle"  # nothing asked yet, or signed out / session ended: shows nothing special
    LOADING = "loading"
    READY = "ready"
    EMPTY = "empty"
    FORBIDDEN = "forbidden"  # 403: retrying will not help
    ERROR = "error"  # offline or another failure: Retry


class DataPanel(QtWidgets.QWidget):
    """See the module docstring. Nothing is fetched until :meth:`ensure_loaded`
    (the window calls it when the section is shown) or :meth:`refresh`; the rows
    are dropped when the session ends or the person signs out."""

    def __init__(
        self,
        bridge: qt_bridge.SessionBridge,
        *,
        model: items_model.ItemsModel | None = None,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self.model = model if model is not None else items_model.ItemsModel(bridge, parent=self)
        self._state = PanelState.IDLE
        self._build()
        self.model.loading.connect(self._on_model_changed)
        self.model.loaded.connect(self._on_model_changed)
        self.model.failed.connect(self._on_model_changed)
        self.model.modelReset.connect(self._on_model_changed)
        bridge.signedIn.connect(self._on_signed_in)
        bridge.stateChanged.connect(self._on_bridge_state)
        self._update()

    def _build(self) -> None:
        self.setAccessibleName(self.tr("Data"))
        self.count_label = QtWidgets.QLabel()
        self.count_label.setAccessibleName(self.tr("Items shown"))
        self.busy = QtWidgets.QProgressBar()
        self.busy.setRange(0, 0)  # no maximum: an indeterminate busy indicator
        self.busy.setTextVisible(False)
        self.busy.setMaximumWidth(120)
        self.busy.setAccessibleName(self.tr("Loading"))
        self.load_more_button = QtWidgets.QPushButton(self.tr("Load more"))
        self.load_more_button.setAccessibleName(self.tr("Load more items"))
        self.load_more_button.clicked.connect(self._on_load_more_clicked)
        self.refresh_button = QtWidgets.QPushButton(self.tr("Refresh"))
        self.refresh_button.setAccessibleName(self.tr("Refresh items"))
        self.refresh_button.setShortcut(QtGui.QKeySequence(QtGui.QKeySequence.StandardKey.Refresh))
        self.refresh_button.clicked.connect(self.refresh)

        header = QtWidgets.QHBoxLayout()
        header.addWidget(self.count_label)
        header.addStretch(1)
        header.addWidget(self.busy)
        header.addWidget(self.load_more_button)
        header.addWidget(self.refresh_button)

        self.notice = QtWidgets.QFrame()
        self.notice.setFrameShape(QtWidgets.QFrame.Shape.StyledPanel)
        self.notice_label = feedback.MessageLine()
        self.retry_button = QtWidgets.QPushButton(self.tr("Retry"))
        self.retry_button.setAccessibleName(self.tr("Retry loading items"))
        self.retry_button.clicked.connect(self._on_retry_clicked)
        notice_row = QtWidgets.QHBoxLayout(self.notice)
        notice_row.addWidget(self.notice_label, 1)
        notice_row.addWidget(self.retry_button)

        self.table = QtWidgets.QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName(self.tr("Items"))
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        # The rows arrive a page at a time, so a sort could only order what is loaded.
        self.table.setSortingEnabled(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        # One line a row: the title takes what is left, the date, size and ID what
        # they need (a date never wraps onto a second line).
        self.table.setWordWrap(False)
        titles = self.table.horizontalHeader()
        for column in items_model.Column:
            titles.setSectionResizeMode(column, QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        titles.setSectionResizeMode(
            items_model.Column.TITLE, QtWidgets.QHeaderView.ResizeMode.Stretch
        )
        self.placeholder = QtWidgets.QLabel()
        self.placeholder.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setAccessibleName(self.tr("Items"))
        self.stack = QtWidgets.QStackedWidget()
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.placeholder)

        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.notice)
        layout.addWidget(self.stack, 1)

    # -- state -----------------------------------------------------------------------------

    @property
    def state(self) -> PanelState:
        return self._state

    def ensure_loaded(self) -> None:
        """Load the first page unless there is one, or a fetch or a failure to show."""
        model = self.model
        if model.total is None and not model.is_loading and model.error is None:
            self.refresh()

    def refresh(self) -> None:
        """Reload from the first page (a page still in flight is dropped)."""
        if self._bridge.state in _CAN_CALL:
            self.model.refresh()

    def _compute_state(self) -> PanelState:
        model = self.model
        if model.is_loading:
            return PanelState.LOADING
        if model.error is not None:
            forbidden = messages.is_forbidden(model.error)
            return PanelState.FORBIDDEN if forbidden else PanelState.ERROR
        if model.total is None:
            return PanelState.IDLE
        return PanelState.READY if model.rowCount() else PanelState.EMPTY

    def _update(self) -> None:
        state = self._state = self._compute_state()
        model = self.model
        rows = model.rowCount()
        total = model.total
        locale = QtCore.QLocale()
        self.count_label.setText(
            ""
            if total is None
            else self.tr("{shown} of {total}").format(
                shown=locale.toString(rows), total=locale.toString(total)
            )
        )
        self.busy.setVisible(state is PanelState.LOADING)
        failed = state in (PanelState.FORBIDDEN, PanelState.ERROR)
        self.load_more_button.setVisible(model.has_more and not failed)
        self.load_more_button.setEnabled(model.canFetchMore(_ROOT))
        self.refresh_button.setEnabled(self._bridge.state in _CAN_CALL)
        self.notice.setVisible(failed)
        self.retry_button.setVisible(state is PanelState.ERROR)
        if failed and model.error is not None:
            self.notice_label.show_failure(model.error, messages.data_failure)
        placeholder = {
            PanelState.LOADING: self.tr("Loading items…"),
            PanelState.EMPTY: self.tr("There are no items."),
        }.get(state, "")
        self.placeholder.setText(placeholder)
        self.stack.setCurrentWidget(self.table if rows else self.placeholder)

    # -- slots -----------------------------------------------------------------------------

    def _on_model_changed(self, *_args: object) -> None:
        self._update()

    @QtCore.Slot(object)
    def _on_signed_in(self, _identity: object) -> None:
        # Whoever signed in now may see other data: start over, fetching only if the
        # panel is on screen (otherwise ensure_loaded does it when it is shown).
        self.model.clear()
        if self.isVisible():
            self.model.refresh()

    @QtCore.Slot(object)
    def _on_bridge_state(self, state: object) -> None:
        if state is qt_bridge.State.SIGNED_OUT:
            # Signed out, or the session ended (the bridge says so once, app-wide):
            # drop the rows of the person who was signed in and show nothing special.
            self.model.clear()
        self._update()

    @QtCore.Slot()
    def _on_load_more_clicked(self) -> None:
        self.model.fetchMore(_ROOT)

    @QtCore.Slot()
    def _on_retry_clicked(self) -> None:
        self.model.retry()
