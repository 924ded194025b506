"""Small widget pieces the admin panels share: their base class, the message line
(:class:`~desktop_app.ui.feedback.MessageLine`, passing a 403 on), a paged list's
count, group chips, the group menu button, a dialog's buttons (and its focus), dates
as shown, and the file choosers. How tables and panes fit the window: :mod:`fitting`."""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6 import QtCore, QtWidgets

from desktop_app.admin import actions, wording
from desktop_app.api import client as api_client
from desktop_app.models import groups as groups_model
from desktop_app.models import items as items_model
from desktop_app.models import paged
from desktop_app.qt import bridge as qt_bridge
from desktop_app.qt import messages, tasks, worker
from desktop_app.ui import feedback

_translate = QtCore.QCoreApplication.translate
T = TypeVar("T")

CHIP_STYLE = """
QFrame#groupChip {
    border: 1px solid palette(mid);
    border-radius: 9px;
    background: palette(alternate-base);
}
"""
#: Chooses a file: (parent, caption, name filter) -> path, or "" when cancelled.
ChooseFile = Callable[[QtWidgets.QWidget, str, str], str]


def choose_open_file(parent: QtWidgets.QWidget, caption: str, filters: str) -> str:
    return QtWidgets.QFileDialog.getOpenFileName(parent, caption, "", filters)[0]


def choose_save_file(parent: QtWidgets.QWidget, caption: str, filters: str) -> str:
    return QtWidgets.QFileDialog.getSaveFileName(parent, caption, "users.csv", filters)[0]


def when(moment: datetime.datetime | None) -> str:
    """A date as the tables show it (local time to the minute); an em dash when unknown."""
    if moment is None:
        return "\N{EM DASH}"
    return items_model.local_time(moment)


def list_count(model: paged.PagedModel[Any, Any], noun: str) -> str:
    """What a paged admin list (users, members, groups) says of itself ("5 users";
    "60 users loaded, more available"), or, after a page failed, why it stopped
    (:func:`~desktop_app.qt.messages.list_not_loaded`: "Offline — ...")."""
    counted = wording.count(model.count, noun)
    if model.error is not None and not model.is_loading:
        return messages.list_not_loaded(model.error, counted if model.count else None)
    if model.has_more:
        return _translate("Admin", "{count} loaded, more available").format(count=counted)
    return counted


def dialog_buttons(
    dialog: QtWidgets.QDialog,
    label: str,
    role: QtWidgets.QDialogButtonBox.ButtonRole = QtWidgets.QDialogButtonBox.ButtonRole.AcceptRole,
) -> tuple[QtWidgets.QDialogButtonBox, QtWidgets.QPushButton]:
    """Cancel and the dialog's action (``label``), the action its default button:
    Enter takes it once it is enabled (never Cancel), Escape cancels.

    The box is made inside ``dialog`` before the default is set, and that order is the
    point: ``QPushButton.setDefault`` tells the dialog only about a button already in
    it. A box made without a parent left the dialog knowing no default, so when shown
    it made the first auto-default button in its focus chain the default: Cancel,
    which Enter then clicked (the Invite dialog threw away what was typed)."""
    box = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Cancel, dialog)
    button = box.addButton(label, role)
    button.setAccessibleName(label.rstrip("\N{HORIZONTAL ELLIPSIS}"))
    button.setDefault(True)
    _FocusFieldsFirst(dialog, box)
    return box, button


def order_focus(dialog: QtWidgets.QDialog, box: QtWidgets.QDialogButtonBox) -> None:
    """Tab through the fields first and the buttons last, and start on the first field
    (the default button when there is none).

    Made inside the dialog first (:func:`dialog_buttons`), the buttons come first in its
    focus chain, and a dialog opens on the first widget of that chain: Cancel, which,
    focused, is the button Enter presses. Call again after adding fields later."""
    fields: list[QtWidgets.QWidget] = []
    buttons: list[QtWidgets.QWidget] = []  # in the order the box set (its layout's)
    widget = dialog.nextInFocusChain()
    while widget is not dialog and widget is not None:
        if widget.focusPolicy() & QtCore.Qt.FocusPolicy.TabFocus:
            (buttons if box.isAncestorOf(widget) else fields).append(widget)
        widget = widget.nextInFocusChain()
    chain = [*fields, *buttons]
    for before, after in itertools.pairwise(chain):
        QtWidgets.QWidget.setTabOrder(before, after)
    focused = dialog.focusWidget()
    if focused is None or focused in buttons:
        first = next((f for f in fields if f.isVisibleTo(dialog) and f.isEnabled()), None)
        default = next(
            (b for b in box.buttons() if isinstance(b, QtWidgets.QPushButton) and b.isDefault()),
            None,
        )
        target = first or default
        if target is not None:
            target.setFocus(QtCore.Qt.FocusReason.OtherFocusReason)


class _FocusFieldsFirst(QtCore.QObject):
    """Orders a dialog's focus (:func:`order_focus`) each time it is shown."""

    def __init__(self, dialog: QtWidgets.QDialog, box: QtWidgets.QDialogButtonBox) -> None:
        super().__init__(box)
        self._dialog = dialog
        self._box = box
        dialog.installEventFilter(self)

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if event.type() != QtCore.QEvent.Type.Show:
            return False
        # The dialog's own events reach here while it is torn down too, after this
        # object's Python half may be gone: only a live filter on a shown dialog acts.
        dialog: QtWidgets.QDialog | None = getattr(self, "_dialog", None)
        box: QtWidgets.QDialogButtonBox | None = getattr(self, "_box", None)
        if dialog is not None and box is not None and watched is dialog:
            order_focus(dialog, box)
        return False


class SendingDialog(QtWidgets.QDialog):
    """A dialog that sends one request and may be closed while it is under way (invite,
    edit attributes, create or edit a group).

    A subclass has ``busy`` (its progress bar), ``message`` (a :class:`MessageLine`) and
    ``_validate()``, locks its fields in :meth:`_lock_fields`, and ends each send with
    :meth:`_sent` or :meth:`_failed`. ``settled`` follows every send, whichever way; the
    owner lets go of the dialog with :meth:`dispose`, which waits for it.
    """

    settled = QtCore.Signal()
    busy: QtWidgets.QProgressBar
    message: MessageLine

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._sending = False

    @property
    def sending(self) -> bool:
        """A request is under way."""
        return self._sending

    def dispose(self) -> None:
        """Delete the dialog once nothing is under way: a send that outlives the dialog
        still delivers its answer (the user was invited all the same)."""
        if self._sending:
            self.settled.connect(self.deleteLater)
        else:
            self.deleteLater()

    def _lock_fields(self, busy: bool) -> None:
        raise NotImplementedError

    def _validate(self) -> None:
        raise NotImplementedError

    def _set_busy(self, busy: bool) -> None:
        self._sending = busy
        self.busy.setVisible(busy)
        self._lock_fields(busy)
        self._validate()

    def _sent(self, done: QtCore.SignalInstance, answer: object) -> None:
        """The send succeeded: ``done`` carries ``answer`` (even after the dialog was
        closed), then ``settled``; a dialog still open closes."""
        self._set_busy(False)
        done.emit(answer)
        self.settled.emit()
        if self.isVisible():
            self.accept()

    def _failed(
        self, exc: BaseException, words: Callable[[BaseException], str] | None = None
    ) -> None:
        """The send failed: said in the dialog, which stays open for another try."""
        self._set_busy(False)
        self.message.show_failure(exc, words)
        self.settled.emit()


def busy_bar(accessible_name: str) -> QtWidgets.QProgressBar:
    """An indeterminate progress bar: something is under way."""
    bar = QtWidgets.QProgressBar()
    bar.setRange(0, 0)
    bar.setTextVisible(False)
    bar.setAccessibleName(accessible_name)
    return bar


class MessageLine(feedback.MessageLine):
    """The admin panels' :class:`~desktop_app.ui.feedback.MessageLine`: a failure is
    worded as an admin call's by default, and a 403 shown is passed on.

    Signals:
        forbidden(str): a failure shown here was the API refusing admin access (403);
            the panel passes it on so the section can hide itself.
    """

    forbidden = QtCore.Signal(str)
    words = staticmethod(messages.admin_failure)

    def show_failure(
        self, exc: BaseException, words: Callable[[BaseException], str] | None = None
    ) -> None:
        super().show_failure(exc, words)
        if messages.is_forbidden(exc):
            self.forbidden.emit(self.text())


class Chip(QtWidgets.QFrame):
    """A group name in a rounded frame, with an optional remove button.

    Signals:
        removeClicked(str): the remove button was pressed (the group name).
    """

    removeClicked = QtCore.Signal(str)

    def __init__(
        self,
        name: str,
        *,
        removable: bool,
        blocked_reason: str | None = None,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("groupChip")
        self.name = name
        self.blocked_reason = blocked_reason
        self.label = QtWidgets.QLabel(name)
        self.setAccessibleName(_translate("Admin", "Group {name}").format(name=name))
        row = QtWidgets.QHBoxLayout(self)
        row.setContentsMargins(8, 1, 2, 1)
        row.setSpacing(2)
        row.addWidget(self.label)
        self.remove_button: QtWidgets.QToolButton | None = None
        if removable:
            button = QtWidgets.QToolButton()
            button.setText("\N{MULTIPLICATION SIGN}")
            button.setAutoRaise(True)
            button.setAccessibleName(
                _translate("Admin", "Remove from group {name}").format(name=name)
            )
            button.setToolTip(
                blocked_reason or _translate("Admin", "Remove from {name}").format(name=name)
            )
            button.setEnabled(blocked_reason is None)
            button.clicked.connect(lambda: self.removeClicked.emit(self.name))
            row.addWidget(button)
            self.remove_button = button


def group_menu_button(
    text: str, groups: groups_model.GroupsModel, chosen: Callable[[str], object]
) -> QtWidgets.QToolButton:
    """A button whose menu lists the groups (as they are when it opens); picking one
    calls ``chosen(name)``."""
    button = QtWidgets.QToolButton()
    button.setText(text)
    button.setAccessibleName(text)
    button.setPopupMode(QtWidgets.QToolButton.ToolButtonPopupMode.InstantPopup)
    menu = QtWidgets.QMenu(button)
    button.setMenu(menu)

    def fill() -> None:
        menu.clear()
        for group in groups.groups:
            action = menu.addAction(group.name)
            action.triggered.connect(lambda _checked=False, name=group.name: chosen(name))

    menu.aboutToShow.connect(fill)
    return button


class Panel(QtWidgets.QWidget):
    """A part of the Admin section: it acts through the session bridge, its background
    calls end with it (:class:`~desktop_app.qt.tasks.TaskGroup`), and a 403 it meets is
    passed on, so the section can hide itself.

    Signals:
        forbidden(str): the API refused admin access (403).
    """

    forbidden = QtCore.Signal(str)

    def __init__(
        self, bridge: qt_bridge.SessionBridge, parent: QtWidgets.QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._tasks = tasks.TaskGroup.of(self)

    def _call_api(
        self,
        fn: Callable[[api_client.ApiClient], T],
        on_result: Callable[[T], None],
        on_error: Callable[[BaseException], None],
        *,
        name: str,
    ) -> worker.Task[T]:
        """``fn(api)`` through the bridge; the callbacks (bound methods) are held weakly
        and dropped once this panel is gone."""
        weakly = self._tasks.weakly
        task = self._bridge.call_api(fn, weakly(on_result), weakly(on_error), name=name)
        return self._tasks.track(task)

    def acting(self) -> actions.Acting:
        """Who acts, for the guards: the admin signed in now."""
        return actions.Acting.of(self._bridge)

    def message_line(self) -> MessageLine:
        """A message line for this panel; a 403 it shows is passed on as ``forbidden``."""
        line = MessageLine()
        line.forbidden.connect(self.forbidden)
        return line


class GroupAwarePanel(Panel):
    """A :class:`Panel` that shows or picks groups, from the section's one groups model.
    Subclasses build themselves in :meth:`_set_up`."""

    def __init__(
        self,
        bridge: qt_bridge.SessionBridge,
        groups: groups_model.GroupsModel,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(bridge, parent)
        self.groups_model = groups
        self._set_up()

    def _set_up(self) -> None:
        raise NotImplementedError
