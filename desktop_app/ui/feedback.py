"""How a panel or dialog says how something went: the one message line
(:class:`MessageLine`: an error with an icon, in the error colour, read out as
"Error: ..."; a note plain), the colour errors are drawn in (:func:`error_colour`),
and the line under a field saying what is wrong with it (:func:`problem_label`).

Never a modal box: the line sits where the failure happened, and stays until the
next outcome replaces it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6 import QtCore, QtGui, QtWidgets

from desktop_app.qt import messages

_translate = QtCore.QCoreApplication.translate
#: Errors on a light window: 7.4:1 against white (WCAG AA needs 4.5:1).
_ERROR_ON_LIGHT = "#b00020"
#: Errors on a dark window (a dark theme): the light red keeps the contrast.
_ERROR_ON_DARK = "#ff8a80"


def error_colour(palette: QtGui.QPalette | None = None) -> QtGui.QColor:
    """The colour errors are written in, readable on ``palette``'s window (the
    application's by default)."""
    shown = palette if palette is not None else QtGui.QGuiApplication.palette()
    dark = shown.color(QtGui.QPalette.ColorRole.Window).lightness() < 128
    return QtGui.QColor(_ERROR_ON_DARK if dark else _ERROR_ON_LIGHT)


def error_wording(text: str) -> str:
    """An error as a screen reader says it: "Error: ..."."""
    return _translate("Feedback", "Error: {text}").format(text=text)


def _error_style() -> str:
    return f"color: {error_colour().name()};"


def problem_label(field: QtWidgets.QWidget) -> QtWidgets.QLabel:
    """A hidden line for what is wrong with ``field`` (shown under it), in the error
    colour, named after the field's accessible name (plain text: the words may quote
    what was typed)."""
    label = QtWidgets.QLabel()
    label.setObjectName("problemLine")
    label.setStyleSheet(_error_style())
    label.setWordWrap(True)
    label.setTextFormat(QtCore.Qt.TextFormat.PlainText)
    label.setAccessibleName(
        _translate("Feedback", "Problem with {name}").format(name=field.accessibleName())
    )
    label.hide()
    return label


class MessageLine(QtWidgets.QWidget):
    """The one place a panel or dialog says how its last action went: hidden until
    there is something to say. An error (:meth:`show_error`, :meth:`show_failure`)
    shows the style's critical icon and is written in :func:`error_colour`; its
    accessible description reads "Error: ...", and screen readers are alerted. A note
    (:meth:`show_info`) is plain. ``centred``: the text centred (a screen's status)."""

    #: How :meth:`show_failure` words an exception unless told otherwise.
    words: Callable[[BaseException], str] = staticmethod(messages.describe)

    def __init__(self, parent: QtWidgets.QWidget | None = None, *, centred: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("messageLine")
        self.icon = QtWidgets.QLabel()
        self.icon.setObjectName("messageIcon")
        self.icon.setAlignment(QtCore.Qt.AlignmentFlag.AlignTop)
        self.icon.hide()
        self.label = QtWidgets.QLabel()
        self.label.setWordWrap(True)
        self.label.setTextFormat(QtCore.Qt.TextFormat.PlainText)  # never render markup
        self.label.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setSizePolicy(
            QtWidgets.QSizePolicy.Policy.Expanding, QtWidgets.QSizePolicy.Policy.Preferred
        )
        # Centred (a screen's status), the icon sits above the text, which keeps the
        # whole width to wrap in; else beside it, as in a dialog.
        box = QtWidgets.QVBoxLayout(self) if centred else QtWidgets.QHBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(6)
        if centred:
            self.label.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
            box.addWidget(self.icon, 0, QtCore.Qt.AlignmentFlag.AlignHCenter)
        else:
            box.addWidget(self.icon, 0, QtCore.Qt.AlignmentFlag.AlignTop)
        box.addWidget(self.label, 1)
        self._error = False
        self._set_accessible("")
        self.hide()

    @property
    def is_error(self) -> bool:
        return self._error

    def text(self) -> str:
        return self.label.text()

    def show_info(self, text: str) -> None:
        """A note: how something went well, or what is under way."""
        self._show(text, error=False)

    def show_error(self, text: str) -> None:
        """Something failed: ``text`` says what, worded for the person."""
        self._show(text, error=True)

    def show_failure(
        self, exc: BaseException, words: Callable[[BaseException], str] | None = None
    ) -> None:
        """Say why ``exc`` happened (``words``: the sentence for it; :attr:`words` by
        default)."""
        self.show_error((words or self.words)(exc))

    def clear(self) -> None:
        """Nothing to say: the line hides."""
        self._show("", error=False)

    def _show(self, text: str, *, error: bool) -> None:
        self._error = error and bool(text)
        self.label.setText(text)
        self.label.setStyleSheet(_error_style() if self._error else "")
        if self._error:
            self.icon.setPixmap(self._error_pixmap())
        self.icon.setVisible(self._error)
        self._set_accessible(text)
        self.setVisible(bool(text))
        if self._error and QtGui.QAccessible.isActive():
            QtGui.QAccessible.updateAccessibility(
                QtGui.QAccessibleEvent(self.label, QtGui.QAccessible.Event.Alert)
            )

    def _set_accessible(self, text: str) -> None:
        said = error_wording(text) if self._error else text
        self.setAccessibleName(
            _translate("Feedback", "Error") if self._error else _translate("Feedback", "Message")
        )
        self.setAccessibleDescription(said)
        self.label.setAccessibleName(said)

    def _error_pixmap(self) -> QtGui.QPixmap:
        style = self.style()
        size = style.pixelMetric(QtWidgets.QStyle.PixelMetric.PM_SmallIconSize, None, self)
        icon = style.standardIcon(QtWidgets.QStyle.StandardPixmap.SP_MessageBoxCritical)
        return icon.pixmap(size, size)
