"""The Overview tab: users by status and by group as bar charts, the sign-ups not
confirmed, the users not signed in for 90 days and the users without MFA, and the
invitations still pending after N days, each with a one-click Resend.

The numbers come from one background pass over every user
(:func:`desktop_app.admin.snapshot.fetch_snapshot`); a newer refresh, or the tab
going away, stops an older pass between pages. The last sign-in is in every user
ListUsers returns, so "not signed in for 90 days" needs no pass of its own: it is
:func:`~desktop_app.admin.snapshot.inactive_users` of that snapshot, on the panel's clock.

**Users without MFA** costs more: ListUsers does not say, so once the snapshot is in,
a second pass asks ``GET /admin/mfa`` for every user, one page of 60 at a time (one
AdminGetUser per user on the API's side, 8 at once there). The line says so while it
counts, with how far it got; Stop, a refresh or the tab going away ends it between
batches.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence

from PySide6 import QtCore, QtGui, QtWidgets

from desktop_app.admin import actions, wording
from desktop_app.admin import snapshot as admin_snapshot
from desktop_app.api import admin
from desktop_app.models import user_cells
from desktop_app.qt import bridge as qt_bridge
from desktop_app.qt import messages, tasks
from desktop_app.ui.admin import common

DEFAULT_PENDING_DAYS = 7
Clock = Callable[[], datetime.datetime]


def _utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


class BarChart(QtWidgets.QWidget):
    """A small horizontal bar chart painted with QPainter: one labelled bar per value.
    The same numbers are in the accessible description, for screen readers."""

    ROW = 22

    def __init__(self, title: str, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self._bars: list[tuple[str, int]] = []
        self.setAccessibleName(title)
        self.setSizePolicy(
            QtWidgets.QSizePolicy.Policy.Expanding, QtWidgets.QSizePolicy.Policy.Minimum
        )

    def bars(self) -> list[tuple[str, int]]:
        return list(self._bars)

    def set_bars(self, bars: Sequence[tuple[str, int]]) -> None:
        self._bars = list(bars)
        described = ", ".join(f"{label}: {value}" for label, value in bars)
        self.setAccessibleDescription(described)
        self.setToolTip(described)  # a long label may be elided in the chart
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QtCore.QSize:
        return QtCore.QSize(320, self.ROW * (len(self._bars) + 1) + 8)

    def minimumSizeHint(self) -> QtCore.QSize:
        return self.sizeHint()

    def paintEvent(self, _event: QtGui.QPaintEvent) -> None:
        painter = QtGui.QPainter(self)
        try:
            self._paint(painter)
        finally:
            painter.end()

    def _paint(self, painter: QtGui.QPainter) -> None:
        palette = self.palette()
        metrics = painter.fontMetrics()
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        bold = QtGui.QFont(painter.font())
        bold.setBold(True)
        painter.save()
        painter.setFont(bold)
        painter.setPen(palette.color(QtGui.QPalette.ColorRole.WindowText))
        painter.drawText(0, metrics.ascent() + 2, self.title)
        painter.restore()
        if not self._bars:
            painter.drawText(0, self.ROW + metrics.ascent(), self.tr("No data"))
            return
        widest = max(metrics.horizontalAdvance(label) for label, _ in self._bars)
        label_width = min(self.width() // 2, widest + 12)
        value_width = max(metrics.horizontalAdvance(str(v)) for _, v in self._bars) + 8
        space = max(1, self.width() - label_width - value_width)
        peak = max(1, max(value for _, value in self._bars))
        bar_color = palette.color(QtGui.QPalette.ColorRole.Highlight)
        text_color = palette.color(QtGui.QPalette.ColorRole.WindowText)
        for i, (label, value) in enumerate(self._bars):
            top = self.ROW * (i + 1)
            painter.setPen(text_color)
            elided = metrics.elidedText(label, QtCore.Qt.TextElideMode.ElideRight, label_width - 6)
            painter.drawText(0, top + metrics.ascent() + 3, elided)
            length = round(space * value / peak)
            painter.fillRect(QtCore.QRect(label_width, top + 3, length, self.ROW - 6), bar_color)
            painter.drawText(label_width + length + 4, top + metrics.ascent() + 3, str(value))


class OverviewPanel(common.Panel):
    """See the module docstring. ``now`` is the clock invitations and sign-ins are aged
    against.

    Signals:
        forbidden(str): the API refused admin access (403).
        loaded(): a refresh finished and the charts show it.
        mfaCounted(): the count of users without MFA ended (finished, stopped or failed).
    """

    loaded = QtCore.Signal()
    mfaCounted = QtCore.Signal()

    def __init__(
        self,
        bridge: qt_bridge.SessionBridge,
        *,
        now: Clock = _utc_now,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(bridge, parent)
        self._now = now
        self._snapshot: admin_snapshot.Snapshot | None = None
        self._counting = tasks.TaskSlot()
        self._stop = self._tasks.stop_flag()  # set by cancel_all, when the tab goes away
        # The MFA pass: batches still to ask for, what they said so far, the one in flight.
        self._mfa_batches: list[list[str]] = []
        self._mfa_tally: admin_snapshot.MfaTally | None = None
        self._mfa_counting = tasks.TaskSlot()
        self._mfa_stop = self._tasks.stop_flag()
        self.setAccessibleName(self.tr("Overview"))
        self.summary = QtWidgets.QLabel()
        self.summary.setAccessibleName(self.tr("Summary"))
        self.busy = common.busy_bar(self.tr("Loading"))
        self.busy.setMaximumWidth(100)
        self.busy.hide()
        self.refresh_button = QtWidgets.QPushButton(self.tr("Refresh"))
        self.refresh_button.setAccessibleName(self.tr("Refresh the overview"))
        self.refresh_button.clicked.connect(self.refresh)
        self.message = self.message_line()
        self.unconfirmed_label = QtWidgets.QLabel()
        self.unconfirmed_label.setAccessibleName(self.tr("Sign-ups not confirmed"))
        self.inactive_label = QtWidgets.QLabel()
        self.inactive_label.setAccessibleName(
            self.tr("Not signed in for {days} days").format(days=admin_snapshot.INACTIVE_DAYS)
        )
        self.inactive_label.setToolTip(
            self.tr(
                "Users whose last sign-in is more than {days} days ago, and users who have "
                "never signed in and were created more than {days} days ago"
            ).format(days=admin_snapshot.INACTIVE_DAYS)
        )
        self.mfa_label = QtWidgets.QLabel()
        self.mfa_label.setAccessibleName(self.tr("Users without MFA"))
        self.mfa_label.setWordWrap(True)
        self.mfa_stop_button = QtWidgets.QPushButton(self.tr("Stop"))
        self.mfa_stop_button.setAccessibleName(self.tr("Stop counting users without MFA"))
        self.mfa_stop_button.clicked.connect(self.stop_mfa_count)
        self.mfa_stop_button.hide()
        self.status_chart = BarChart(self.tr("Users by status"))
        self.group_chart = BarChart(self.tr("Users by group"))
        self.days = QtWidgets.QSpinBox()
        self.days.setRange(0, 365)
        self.days.setValue(DEFAULT_PENDING_DAYS)
        self.days.setSuffix(self.tr(" days"))
        self.days.setAccessibleName(self.tr("Pending for at least"))
        self.days.valueChanged.connect(self._show_pending)
        days_label = QtWidgets.QLabel(self.tr("Invitations pending for at least"))
        days_label.setBuddy(self.days)
        self.pending = QtWidgets.QTableWidget(0, 5)
        self.pending.setAccessibleName(self.tr("Pending invitations"))
        self.pending.setHorizontalHeaderLabels(
            [self.tr("Username"), self.tr("Email"), self.tr("Invited"), self.tr("Days"), ""]
        )
        self.pending.verticalHeader().setVisible(False)
        self.pending.setWordWrap(False)
        self.pending.horizontalHeader().setSectionResizeMode(
            1, QtWidgets.QHeaderView.ResizeMode.Stretch
        )
        self.pending.horizontalHeader().resizeSection(2, 140)
        self.pending.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.resend_buttons: dict[str, QtWidgets.QPushButton] = {}

        top = QtWidgets.QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.busy)
        top.addWidget(self.refresh_button)
        counts = QtWidgets.QHBoxLayout()
        counts.addWidget(self.unconfirmed_label)
        counts.addSpacing(24)
        counts.addWidget(self.inactive_label)
        counts.addSpacing(24)
        counts.addWidget(self.mfa_label, 1)
        counts.addWidget(self.mfa_stop_button)
        charts = QtWidgets.QHBoxLayout()
        charts.addWidget(self.status_chart, 1, QtCore.Qt.AlignmentFlag.AlignTop)
        charts.addWidget(self.group_chart, 1, QtCore.Qt.AlignmentFlag.AlignTop)
        days_row = QtWidgets.QHBoxLayout()
        days_row.addWidget(days_label)
        days_row.addWidget(self.days)
        days_row.addStretch(1)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.message)
        layout.addLayout(counts)
        layout.addLayout(charts)
        layout.addLayout(days_row)
        layout.addWidget(self.pending, 1)

    @property
    def snapshot(self) -> admin_snapshot.Snapshot | None:
        return self._snapshot

    @property
    def is_loading(self) -> bool:
        return self._counting.busy

    @property
    def mfa_tally(self) -> admin_snapshot.MfaTally | None:
        """The users-without-MFA count so far (None before a snapshot)."""
        return self._mfa_tally

    @property
    def is_counting_mfa(self) -> bool:
        return self._mfa_counting.busy

    def ensure_loaded(self) -> None:
        if self._snapshot is None and not self._counting.busy:
            self.refresh()

    def refresh(self) -> None:
        """Count everything again in the background (an older pass is stopped)."""
        self._end_mfa_count()
        stop = self._stop.renew()
        self.busy.show()
        self.refresh_button.setEnabled(False)
        self.summary.setText(self.tr("Counting users\N{HORIZONTAL ELLIPSIS}"))
        self._counting.replace(
            self._call_api(
                lambda api: admin_snapshot.fetch_snapshot(api, stop),
                self._on_snapshot,
                self._on_failed,
                name="admin-overview",
            )
        )

    def _done(self) -> None:
        self._counting.clear()
        self.busy.hide()
        self.refresh_button.setEnabled(True)

    def _on_snapshot(self, counted: admin_snapshot.Snapshot) -> None:
        self._done()
        self._snapshot = counted
        self.message.clear()
        self.summary.setText(
            self.tr("{users} in {groups}.").format(
                users=wording.count(len(counted.users), "user"),
                groups=wording.count(len(counted.groups), "group"),
            )
        )
        self.status_chart.set_bars(
            [(user_cells.status_text(s), n) for s, n in admin_snapshot.by_status(counted.users)]
        )
        unconfirmed = len(admin_snapshot.unconfirmed_sign_ups(counted.users))
        self.unconfirmed_label.setText(self.tr("Sign-ups not confirmed: {n}").format(n=unconfirmed))
        inactive = len(admin_snapshot.inactive_users(counted.users, self._now()))
        self.inactive_label.setText(
            self.tr("Not signed in for {days} days: {n}").format(
                days=admin_snapshot.INACTIVE_DAYS, n=inactive
            )
        )
        self.group_chart.set_bars(
            sorted(((g.name, g.member_count) for g in counted.groups), key=lambda b: -b[1])
        )
        self._show_pending()
        self.loaded.emit()
        self._start_mfa_count([user.username for user in counted.users])

    def _on_failed(self, exc: BaseException) -> None:
        self._done()
        self.summary.setText("")
        self.message.show_failure(exc)

    # -- users without MFA (one AdminGetUser per user) ---------------------------------------

    def _start_mfa_count(self, usernames: list[str]) -> None:
        self._mfa_stop.renew()
        self._mfa_batches = admin_snapshot.mfa_batches(usernames)
        self._mfa_tally = admin_snapshot.MfaTally(total=len(usernames))
        self._next_mfa_batch()

    def _next_mfa_batch(self) -> None:
        tally = self._mfa_tally
        if tally is None:
            return
        if not self._mfa_batches:
            self._mfa_counting.clear()
            self.mfa_stop_button.hide()
            self.mfa_label.setText(
                self.tr("Users without MFA: {n} of {total}.").format(
                    n=tally.without, total=tally.total
                )
            )
            self.mfaCounted.emit()
            return
        batch = self._mfa_batches.pop(0)
        self.mfa_stop_button.show()
        self.mfa_label.setText(
            self.tr(
                "Users without MFA: counting\N{HORIZONTAL ELLIPSIS} {checked} of {total} "
                "checked, {n} without so far (Cognito is asked about each user, "
                "so this takes a while in a large pool)."
            ).format(checked=tally.checked, total=tally.total, n=tally.without)
        )
        self._mfa_counting.replace(
            self._call_api(
                lambda api: admin.users_mfa(api, batch),
                self._on_mfa_batch,
                self._on_mfa_failed,
                name="admin-overview-mfa",
            )
        )

    def _on_mfa_batch(self, found: dict[str, admin.Mfa | None]) -> None:
        if self._mfa_tally is None or self._mfa_stop.is_set():
            return
        self._mfa_tally = self._mfa_tally.add(found)
        self._next_mfa_batch()

    def _on_mfa_failed(self, exc: BaseException) -> None:
        self._mfa_counting.clear()
        self.mfa_stop_button.hide()
        tally = self._mfa_tally
        self.mfa_label.setText(
            self.tr("Users without MFA: not counted ({reason})").format(
                reason=messages.admin_failure(exc)
            )
            if tally is None or not tally.checked
            else self.tr("Users without MFA: stopped after {checked} of {total} ({reason})").format(
                checked=tally.checked, total=tally.total, reason=messages.admin_failure(exc)
            )
        )
        if messages.is_forbidden(exc):
            self.forbidden.emit(messages.admin_failure(exc))
        self.mfaCounted.emit()

    def stop_mfa_count(self) -> None:
        """Stop counting users without MFA (the batch under way is not waited for)."""
        if not self._mfa_counting.busy:
            return
        tally = self._mfa_tally
        self._end_mfa_count()
        if tally is not None:
            self.mfa_label.setText(
                self.tr(
                    "Users without MFA: stopped after {checked} of {total} checked "
                    "({n} without so far)."
                ).format(checked=tally.checked, total=tally.total, n=tally.without)
            )
        self.mfaCounted.emit()

    def _end_mfa_count(self) -> None:
        self._mfa_stop.set()
        self._mfa_counting.cancel()
        self._mfa_batches = []
        self.mfa_stop_button.hide()

    def pending_usernames(self) -> list[str]:
        cells = (self.pending.item(row, 0) for row in range(self.pending.rowCount()))
        return [cell.text() for cell in cells if cell is not None]

    @QtCore.Slot()
    def _show_pending(self, *_args: object) -> None:
        counted = self._snapshot
        now = self._now()
        days = self.days.value()
        users = admin_snapshot.pending_invitations(counted.users, days, now) if counted else []
        self.pending.setRowCount(len(users))
        self.resend_buttons = {}
        for row, user in enumerate(users):
            assert user.created_at is not None  # pending_invitations keeps dated users only
            waited = (now - user.created_at).days
            for column, text in enumerate(
                (user.username, user.email or "", common.when(user.created_at), str(waited))
            ):
                self.pending.setItem(row, column, QtWidgets.QTableWidgetItem(text))
            button = QtWidgets.QPushButton(self.tr("Resend"))
            button.setAccessibleName(
                self.tr("Resend the invitation to {user}").format(user=user.username)
            )
            button.clicked.connect(lambda _c=False, name=user.username: self.resend(name))
            self.pending.setCellWidget(row, 4, button)
            self.resend_buttons[user.username] = button

    def resend(self, username: str) -> None:
        """Resend ``username``'s invitation in the background."""
        button = self.resend_buttons.get(username)
        if button is not None:
            button.setEnabled(False)
            button.setText(self.tr("Sending\N{HORIZONTAL ELLIPSIS}"))
        step = actions.step(actions.RESEND_INVITATION, username, self.acting())

        def sent(_value: object) -> None:
            self.message.show_info(messages.action_done(step))
            target = self.resend_buttons.get(username)
            if target is not None:
                target.setText(self.tr("Sent"))

        def failed(exc: BaseException) -> None:
            self.message.show_failure(exc)
            target = self.resend_buttons.get(username)
            if target is not None:
                target.setEnabled(True)
                target.setText(self.tr("Resend"))

        self._tasks.track(self._bridge.call_api(step.run, sent, failed, name="admin-resend"))
