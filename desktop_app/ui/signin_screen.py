"""The sign-in screen: one primary action, and plain words while it waits or fails.

It knows nothing about sessions: the main window drives it (:meth:`show_idle`,
:meth:`show_waiting`, :meth:`show_failure`, :meth:`show_message`, and
:meth:`set_offers` with what the profile says the pool allows) and listens to its
signals. That keeps it importable before the auth core is loaded (start-up paints
this screen first).
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from desktop_app import APP_TITLE
from desktop_app.ui import feedback


class SignInScreen(QtWidgets.QWidget):
    """Product name, the active environment, "Sign in with your browser"; "Create an
    account" and "Forgot your password?" when the profile says the pool offers them.

    Signals:
        signInRequested(): the person pressed the primary button.
        differentAccountRequested(): "Use a different account" (sign in with
            ``prompt=login``: managed login asks for credentials even if the browser is
            still signed in as someone).
        signUpRequested(): "Create an account" (the same sign-in, starting on managed
            login's sign-up page; a confirmed account ends signed in).
        forgotPasswordRequested(): "Forgot your password?" (the same sign-in, starting
            on managed login's password-reset page).
        cancelRequested(): the person pressed Cancel while waiting.
        environmentsRequested(): "Change environment…".
    """

    signInRequested = QtCore.Signal()
    differentAccountRequested = QtCore.Signal()
    signUpRequested = QtCore.Signal()
    forgotPasswordRequested = QtCore.Signal()
    cancelRequested = QtCore.Signal()
    environmentsRequested = QtCore.Signal()

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._url = ""
        self._offers_sign_up = False
        self._offers_password_reset = False
        self._links_state = (True, True)  # (shown, enabled), whatever is offered
        self.setObjectName("signInScreen")

        title = QtWidgets.QLabel(APP_TITLE)
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.8)
        font.setBold(True)
        title.setFont(font)
        title.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)

        self.environment = QtWidgets.QLabel()
        self.environment.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.environment.setTextInteractionFlags(
            QtCore.Qt.TextInteractionFlag.TextSelectableByMouse
        )
        self.environment.setAccessibleName(self.tr("Active environment"))

        self.sign_in_button = QtWidgets.QPushButton(self.tr("Sign in with your browser"))
        self.sign_in_button.setDefault(True)
        self.sign_in_button.setAutoDefault(True)
        self.sign_in_button.setMinimumHeight(36)
        self.sign_in_button.setAccessibleName(self.tr("Sign in with your browser"))
        self.sign_in_button.clicked.connect(self.signInRequested)

        self.different_account_button = QtWidgets.QPushButton(self.tr("Use a different account"))
        self.different_account_button.setFlat(True)
        self.different_account_button.setToolTip(
            self.tr("Ask for a user name and password even if the browser is still signed in")
        )
        self.different_account_button.clicked.connect(self.differentAccountRequested)

        self.sign_up_button = QtWidgets.QPushButton(self.tr("Create an account"))
        self.sign_up_button.setFlat(True)
        self.sign_up_button.setToolTip(
            self.tr("Sign up in the browser; once your email is confirmed you are signed in")
        )
        self.sign_up_button.clicked.connect(self.signUpRequested)
        self.forgot_password_button = QtWidgets.QPushButton(self.tr("Forgot your password?"))
        self.forgot_password_button.setFlat(True)
        self.forgot_password_button.setToolTip(
            self.tr("Reset it in the browser with a code sent to you; then you are signed in")
        )
        self.forgot_password_button.clicked.connect(self.forgotPasswordRequested)

        self.busy = QtWidgets.QProgressBar()
        self.busy.setRange(0, 0)  # indeterminate
        self.busy.setTextVisible(False)
        self.busy.setMaximumHeight(8)
        self.busy.setAccessibleName(self.tr("Waiting"))

        self.message = feedback.MessageLine(centred=True)

        self.copy_link_button = QtWidgets.QPushButton(self.tr("Copy sign-in link"))
        self.copy_link_button.setToolTip(
            self.tr("For when the browser opened somewhere you cannot see")
        )
        self.copy_link_button.clicked.connect(self._on_copy_link)
        self.cancel_button = QtWidgets.QPushButton(self.tr("Cancel"))
        self.cancel_button.clicked.connect(self.cancelRequested)

        self.environments_button = QtWidgets.QPushButton(self.tr("Change environment\u2026"))
        self.environments_button.setFlat(True)
        self.environments_button.clicked.connect(self.environmentsRequested)

        waiting_row = QtWidgets.QHBoxLayout()
        waiting_row.addStretch(1)
        waiting_row.addWidget(self.copy_link_button)
        waiting_row.addWidget(self.cancel_button)
        waiting_row.addStretch(1)

        column = QtWidgets.QVBoxLayout()
        column.addStretch(2)
        column.addWidget(title)
        column.addWidget(self.environment)
        column.addSpacing(24)
        column.addWidget(self.sign_in_button)
        column.addWidget(self.different_account_button, 0, QtCore.Qt.AlignmentFlag.AlignCenter)
        account_row = QtWidgets.QHBoxLayout()
        account_row.addStretch(1)
        account_row.addWidget(self.sign_up_button)
        account_row.addWidget(self.forgot_password_button)
        account_row.addStretch(1)
        column.addLayout(account_row)
        column.addWidget(self.busy)
        column.addWidget(self.message)
        column.addLayout(waiting_row)
        column.addStretch(3)
        column.addWidget(self.environments_button, 0, QtCore.Qt.AlignmentFlag.AlignCenter)

        outer = QtWidgets.QHBoxLayout(self)
        outer.addStretch(1)
        outer.addLayout(column, 2)
        outer.addStretch(1)
        self.show_idle()

    # -- driven by the main window ---------------------------------------------------------

    def set_environment(self, name: str, detail: str) -> None:
        self.environment.setText(self.tr("Environment: {0}").format(name))
        self.environment.setToolTip(detail)

    def set_offers(self, *, sign_up: bool, password_reset: bool) -> None:
        """What the profile says the pool's managed login offers
        (``self_sign_up``, ``password_reset``): the links shown when idle."""
        self._offers_sign_up, self._offers_password_reset = sign_up, password_reset
        self._show_account_links(*self._links_state)

    def _show_account_links(self, shown: bool, enabled: bool = True) -> None:
        self._links_state = (shown, enabled)
        for button, offered in (
            (self.sign_up_button, self._offers_sign_up),
            (self.forgot_password_button, self._offers_password_reset),
        ):
            button.setVisible(shown and offered)
            button.setEnabled(enabled)

    def show_idle(self, message: str = "", *, error: bool = False) -> None:
        """Ready to sign in (``message``: why we are here, e.g. the session ended;
        ``error``: it says something failed, shown as an error)."""
        self._url = ""
        self.sign_in_button.setText(self.tr("Sign in with your browser"))
        self.sign_in_button.setEnabled(True)
        self.different_account_button.setVisible(True)
        self.different_account_button.setEnabled(True)
        self._show_account_links(True)
        self.busy.hide()
        self.copy_link_button.hide()
        self.cancel_button.hide()
        self.environments_button.setEnabled(True)
        self._set_message(message, error=error)
        self.sign_in_button.setFocus()

    def show_waiting(self) -> None:
        self.sign_in_button.setEnabled(False)
        self.different_account_button.setVisible(False)
        self._show_account_links(False)
        self.busy.show()
        self.copy_link_button.show()
        self.copy_link_button.setEnabled(bool(self._url))
        self.cancel_button.show()
        self.environments_button.setEnabled(False)
        self._set_message(self.tr("Waiting for you to finish in the browser\u2026"))
        self.cancel_button.setFocus()

    def set_sign_in_url(self, url: str) -> None:
        self._url = url
        self.copy_link_button.setEnabled(True)

    def show_failure(self, message: str) -> None:
        """A sign-in that did not complete: its reason (shown as an error), and a retry."""
        self.show_idle(message, error=True)
        self.sign_in_button.setText(self.tr("Try again"))

    def show_busy(self, message: str) -> None:
        """Something in progress that is not a browser sign-in (signing out\u2026)."""
        self.show_idle(message)
        self.sign_in_button.setEnabled(False)
        self.different_account_button.setEnabled(False)
        self._show_account_links(True, enabled=False)
        self.environments_button.setEnabled(False)
        self.busy.show()

    def update_message(self, text: str) -> None:
        """Replace the message without changing what the screen offers."""
        self._set_message(text)

    def _set_message(self, text: str, *, error: bool = False) -> None:
        if error:
            self.message.show_error(text)
        else:
            self.message.show_info(text)

    def _on_copy_link(self) -> None:
        if self._url:
            QtGui.QGuiApplication.clipboard().setText(self._url)
            self._set_message(
                self.tr("Sign-in link copied. Paste it into a browser on this computer.")
            )
