"""The users search: attribute, exact or starts-with, and a debounced text box.

Cognito filters on one attribute with ``=`` or ``^=`` (ListUsers' ``Filter``); the
bar builds that :class:`~desktop_app.api.admin.Search` and says when it changed,
:data:`DEBOUNCE_MS` after the last keystroke, so typing a name sends one request.
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from desktop_app.api import admin

DEBOUNCE_MS = 300
# Cognito's ``status`` filter is the Enabled flag ("Enabled"/"Disabled", case-sensitive);
# the user status (CONFIRMED...) is ``cognito:user_status``, which admin.Search lacks.
STATUSES = ("Enabled", "Disabled")
USER_STATUSES = (
    "CONFIRMED",
    "FORCE_CHANGE_PASSWORD",
    "RESET_REQUIRED",
    "UNCONFIRMED",
    "EXTERNAL_PROVIDER",
    "ARCHIVED",
    "COMPROMISED",
    "UNKNOWN",
)


class SearchBar(QtWidgets.QWidget):
    """See the module docstring.

    Signals:
        searchChanged(object): the :class:`~desktop_app.api.admin.Search` to run,
            or None for every user.
        invalid(str): the text cannot be searched for (too long, control characters).
    """

    searchChanged = QtCore.Signal(object)
    invalid = QtCore.Signal(str)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._debounce = QtCore.QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self.search_now)
        self.attribute = QtWidgets.QComboBox()
        self.attribute.setAccessibleName(self.tr("Search in"))
        labels = {
            "username": self.tr("Username"),
            "email": self.tr("Email"),
            "name": self.tr("Name"),
            "phone_number": self.tr("Phone"),
            "cognito:user_status": self.tr("Status"),
            "status": self.tr("Enabled / Disabled"),
            "sub": self.tr("User ID (sub)"),
        }
        for attribute in admin.SEARCH_ATTRIBUTES:
            self.attribute.addItem(labels[attribute], attribute)
        self.match = QtWidgets.QComboBox()
        self.match.setAccessibleName(self.tr("Match"))
        self.match.addItem(self.tr("starts with"), "prefix")
        self.match.addItem(self.tr("is exactly"), "exact")
        self.text = QtWidgets.QLineEdit()
        self.text.setAccessibleName(self.tr("Search text"))
        self.text.setPlaceholderText(self.tr("Search users (Ctrl+F)"))
        self.text.setClearButtonEnabled(True)
        self._statuses = QtWidgets.QCompleter(list(STATUSES), self)
        self._user_statuses = QtWidgets.QCompleter(list(USER_STATUSES), self)
        self.text.textChanged.connect(self._debounce.start)
        self.attribute.currentIndexChanged.connect(self._on_attribute_changed)
        self.match.currentIndexChanged.connect(self._debounce.start)
        row = QtWidgets.QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.attribute)
        row.addWidget(self.match)
        row.addWidget(self.text, 1)

    def focus_text(self) -> None:
        self.text.setFocus()
        self.text.selectAll()

    def set_search(self, attribute: admin.SearchAttribute, match: admin.Match, text: str) -> None:
        """Fill the fields (the search follows after the debounce, or call :meth:`search_now`)."""
        self.attribute.setCurrentIndex(self.attribute.findData(attribute))
        self.match.setCurrentIndex(self.match.findData(match))
        self.text.setText(text)

    def pending(self) -> bool:
        """A change is waiting for the debounce."""
        return self._debounce.isActive()

    def current_search(self) -> admin.Search | None:
        """The search the fields describe (None: every user); ``ValueError`` if invalid."""
        text = self.text.text().strip()
        if not text:
            return None
        return admin.Search(self.attribute.currentData(), self.match.currentData(), text)

    @QtCore.Slot()
    def search_now(self) -> None:
        """Say what to search for now (the debounce timer calls this)."""
        self._debounce.stop()
        try:
            search = self.current_search()
        except ValueError as exc:
            self.invalid.emit(str(exc))
            return
        self.searchChanged.emit(search)

    @QtCore.Slot()
    def _on_attribute_changed(self) -> None:
        completers = {"status": self._statuses, "cognito:user_status": self._user_statuses}
        # None removes the completer (Qt's documentation); PySide6's stubs omit None.
        self.text.setCompleter(completers.get(self.attribute.currentData()))  # type: ignore[arg-type]
        self._debounce.start()
