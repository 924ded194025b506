"""Profile > Security: two-step verification with an authenticator app (TOTP).

Shows whether it is on for the signed-in account, sets one up (the secret as a QR code
and as text, then a first code), or turns it off after a confirmation. Every call runs
on a worker through :class:`desktop_app.auth.mfa.Mfa` (the access token never reaches a
widget); failures are worded by :func:`desktop_app.qt.messages.security_failure`. Nothing
is asked of Cognito until the panel is first shown, and nothing at all when the profile
lacks the scope these calls need: the panel says so instead.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any

from PySide6 import QtCore, QtGui, QtWidgets

from desktop_app.auth import mfa
from desktop_app.auth import session as auth_session
from desktop_app.qt import bridge as qt_bridge
from desktop_app.qt import messages, tasks
from desktop_app.ui import feedback, qr_code


class Mode(enum.Enum):
    """What the panel shows."""

    SIGNED_OUT = "signed_out"
    NO_SCOPE = "no_scope"  # the profile's scopes lack aws.cognito.signin.user.admin
    UNKNOWN = "unknown"  # not asked yet, or the last question failed
    OFF = "off"
    ON = "on"
    ENROLLING = "enrolling"  # a secret is shown; waiting for the first code


class SecurityPanel(QtWidgets.QWidget):
    """See the module docstring. ``confirm(question)`` asks before turning MFA off
    (a Yes/No box by default); ``mfa_for(session)`` makes the MFA client (tests pass
    their own, as they do ``confirm``).

    Signals:
        statusChanged(bool): after a check, set-up or turn-off: whether TOTP is on.
    """

    statusChanged = QtCore.Signal(bool)

    def __init__(
        self,
        bridge: qt_bridge.SessionBridge,
        *,
        confirm: Callable[[str], bool] | None = None,
        mfa_for: Callable[[auth_session.Session], mfa.Mfa] = mfa.Mfa,
        pool: QtCore.QThreadPool | None = None,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._confirm = confirm or self._ask
        self._mfa_for = mfa_for
        self._pool = pool
        self._mfa: mfa.Mfa | None = None
        self._mode = Mode.SIGNED_OUT
        self._mode_before_enrolment = Mode.UNKNOWN
        self._checked = False  # asked Cognito since this sign-in
        self._tasks = tasks.TaskGroup.of(self)
        self._slot = tasks.TaskSlot()
        self._build()
        bridge.signedIn.connect(self._on_signed_in)
        bridge.stateChanged.connect(self._on_bridge_state)
        if bridge.state is not qt_bridge.State.SIGNED_OUT and bridge.identity is not None:
            self._on_signed_in(bridge.identity)
        else:
            self._set_mode(Mode.SIGNED_OUT)

    def _build(self) -> None:
        self.setAccessibleName(self.tr("Security"))
        title = QtWidgets.QLabel(self.tr("Two-step verification"))
        font = title.font()
        font.setBold(True)
        title.setFont(font)
        about = QtWidgets.QLabel(
            self.tr(
                "With an authenticator app, signing in asks for a 6-digit code from your "
                "phone after your password."
            )
        )
        about.setWordWrap(True)
        self.status_label = self._plain_label(self.tr("Two-step verification status"))
        self.message = feedback.MessageLine()
        self.busy = QtWidgets.QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setMaximumHeight(8)
        self.busy.setAccessibleName(self.tr("Working"))

        self.check_button = QtWidgets.QPushButton(self.tr("Check again"))
        self.check_button.clicked.connect(self.refresh)
        self.enable_button = QtWidgets.QPushButton(self.tr("Set up an authenticator app\u2026"))
        self.enable_button.clicked.connect(self.begin_enrolment)
        self.disable_button = QtWidgets.QPushButton(self.tr("Turn off"))
        self.disable_button.clicked.connect(self.turn_off)
        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(self.enable_button)
        buttons.addWidget(self.disable_button)
        buttons.addWidget(self.check_button)
        buttons.addStretch(1)

        self.enrolment = QtWidgets.QGroupBox(self.tr("Set up your authenticator app"))
        steps = QtWidgets.QLabel(
            self.tr(
                "1. In your authenticator app, add an account and scan this QR code, "
                "or type the key below.\n2. Enter the 6-digit code the app shows."
            )
        )
        steps.setWordWrap(True)
        self.qr = qr_code.QrCodeView()
        self.qr.setAccessibleName(self.tr("QR code for your authenticator app"))
        self.qr.setMinimumSize(180, 180)
        self.account_label = self._plain_label(self.tr("Account"))
        self.secret_label = self._plain_label(self.tr("Key"))
        self.secret_label.setFont(
            QtGui.QFontDatabase.systemFont(QtGui.QFontDatabase.SystemFont.FixedFont)
        )
        self.code_edit = QtWidgets.QLineEdit()
        self.code_edit.setAccessibleName(self.tr("Code from your authenticator app"))
        self.code_edit.setPlaceholderText("123456")
        self.code_edit.setMaxLength(7)  # 6 digits, or "123 456"
        self.code_edit.setValidator(
            QtGui.QRegularExpressionValidator(QtCore.QRegularExpression(r"[0-9 ]{0,7}"), self)
        )
        self.code_edit.setInputMethodHints(QtCore.Qt.InputMethodHint.ImhDigitsOnly)
        self.code_edit.returnPressed.connect(self.confirm_enrolment)
        self.code_edit.textChanged.connect(self._update_buttons)
        self.verify_button = QtWidgets.QPushButton(self.tr("Turn on"))
        self.verify_button.clicked.connect(self.confirm_enrolment)
        self.cancel_button = QtWidgets.QPushButton(self.tr("Cancel"))
        self.cancel_button.clicked.connect(self.cancel_enrolment)
        key_form = QtWidgets.QFormLayout()
        key_form.addRow(self.tr("Account"), self.account_label)
        key_form.addRow(self.tr("Key"), self.secret_label)
        key_form.addRow(self.tr("&Code"), self.code_edit)
        code_row = QtWidgets.QHBoxLayout()
        code_row.addStretch(1)
        code_row.addWidget(self.cancel_button)
        code_row.addWidget(self.verify_button)
        details = QtWidgets.QVBoxLayout()
        details.addWidget(steps)
        details.addLayout(key_form)
        details.addLayout(code_row)
        details.addStretch(1)
        enrolment_layout = QtWidgets.QHBoxLayout(self.enrolment)
        enrolment_layout.addWidget(self.qr)
        enrolment_layout.addLayout(details, 1)

        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(about)
        layout.addWidget(self.status_label)
        layout.addLayout(buttons)
        layout.addWidget(self.busy)
        layout.addWidget(self.message)
        layout.addWidget(self.enrolment)
        layout.addStretch(1)

    def _plain_label(self, name: str) -> QtWidgets.QLabel:
        label = QtWidgets.QLabel()
        label.setWordWrap(True)
        label.setTextFormat(QtCore.Qt.TextFormat.PlainText)  # Cognito's words: never markup
        label.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        label.setAccessibleName(name)
        return label

    # -- what is shown ---------------------------------------------------------------------

    @property
    def mode(self) -> Mode:
        return self._mode

    @property
    def is_busy(self) -> bool:
        return self._slot.busy

    def _set_mode(self, mode: Mode) -> None:
        if mode is Mode.ENROLLING and self._mode is not Mode.ENROLLING:
            self._mode_before_enrolment = self._mode
        self._mode = mode
        texts = {
            Mode.SIGNED_OUT: self.tr("Not signed in."),
            Mode.NO_SCOPE: messages.security_failure(mfa.MissingScopeError(mfa.MISSING_SCOPE)),
            Mode.UNKNOWN: self.tr("Not checked yet."),
            Mode.OFF: self.tr("Off: signing in asks for your password only."),
            Mode.ON: self.tr("On: signing in asks for a code from your authenticator app."),
            Mode.ENROLLING: self.tr("Off until you enter a first code below."),
        }
        self.status_label.setText(texts[mode])
        if mode is not Mode.ENROLLING:
            self._forget_secret()
        self.enrolment.setVisible(mode is Mode.ENROLLING)
        self._update_buttons()

    def _update_buttons(self) -> None:
        idle = not self._slot.busy
        usable = self._mode not in (Mode.SIGNED_OUT, Mode.NO_SCOPE)
        self.busy.setVisible(not idle)
        self.check_button.setEnabled(idle and usable and self._mode is not Mode.ENROLLING)
        self.enable_button.setVisible(self._mode is not Mode.ON)
        self.enable_button.setEnabled(idle and self._mode in (Mode.OFF, Mode.UNKNOWN))
        self.disable_button.setVisible(self._mode is Mode.ON)
        self.disable_button.setEnabled(idle)
        self.code_edit.setEnabled(idle)
        self.cancel_button.setEnabled(idle)
        digits = "".join(ch for ch in self.code_edit.text() if ch.isdigit())
        self.verify_button.setEnabled(idle and len(digits) == 6)

    def _say(self, text: str) -> None:
        self.message.show_info(text)

    def _forget_secret(self) -> None:
        """The secret leaves the screen (and this object) as soon as it is not needed."""
        self.qr.clear()
        self.secret_label.clear()
        self.account_label.clear()
        self.code_edit.clear()

    # -- actions ---------------------------------------------------------------------------

    def refresh(self) -> None:
        """Ask Cognito whether TOTP is on (``GetUser``), in the background."""
        if self._mfa is None or self._mode in (Mode.SIGNED_OUT, Mode.NO_SCOPE):
            return
        self._checked = True
        self._start(self._mfa.status, self._on_status, "mfa-status")

    def begin_enrolment(self) -> None:
        """``AssociateSoftwareToken``: a secret to show as a QR code and as text."""
        if self._mfa is not None:
            self._start(self._mfa.begin, self._on_enrolment, "mfa-associate")

    def confirm_enrolment(self) -> None:
        """Verify the typed code and turn TOTP on."""
        if self._mfa is None or not self.verify_button.isEnabled():
            return
        totp, code = self._mfa, self.code_edit.text()
        self._start(lambda: totp.confirm(code), self._on_enrolled, "mfa-verify")

    def cancel_enrolment(self) -> None:
        """Forget the shown secret; nothing changed for sign-in."""
        self._slot.cancel()
        self._say("")
        self._set_mode(self._mode_before_enrolment)

    def turn_off(self) -> None:
        """Turn TOTP off after the person confirms."""
        if self._mfa is None:
            return
        question = self.tr(
            "Turn off two-step verification? Signing in will ask for your password only."
        )
        if not self._confirm(question):
            return
        self._start(self._mfa.turn_off, self._on_turned_off, "mfa-turn-off")

    def _start(self, fn: Callable[[], Any], done: Callable[[Any], None], name: str) -> None:
        self._say("")
        self._slot.replace(self._tasks.start(fn, done, self._on_failed, pool=self._pool, name=name))
        self._update_buttons()

    def _ask(self, question: str) -> bool:
        answer = QtWidgets.QMessageBox.question(
            self,
            self.tr("Two-step verification"),
            question,
            QtWidgets.QMessageBox.StandardButton.Yes | QtWidgets.QMessageBox.StandardButton.No,
            QtWidgets.QMessageBox.StandardButton.No,
        )
        return answer == QtWidgets.QMessageBox.StandardButton.Yes

    # -- slots -----------------------------------------------------------------------------

    def _on_status(self, status: mfa.Status) -> None:
        self._slot.clear()
        self._set_mode(Mode.ON if status.totp else Mode.OFF)
        self.statusChanged.emit(status.totp)

    def _on_enrolment(self, enrolment: mfa.Enrolment) -> None:
        self._slot.clear()
        self._set_mode(Mode.ENROLLING)
        self.qr.set_matrix(mfa.qr_matrix(enrolment.uri))
        self.account_label.setText(f"{enrolment.issuer}: {enrolment.account}")
        self.secret_label.setText(enrolment.grouped_secret)
        self.code_edit.setFocus()

    def _on_enrolled(self, _none: object) -> None:
        self._slot.clear()
        self._set_mode(Mode.ON)
        self._say(
            self.tr("Your authenticator app is set up: next time you sign in, enter its code.")
        )
        self.statusChanged.emit(True)

    def _on_turned_off(self, _none: object) -> None:
        self._slot.clear()
        self._set_mode(Mode.OFF)
        self._say(self.tr("Two-step verification is off."))
        self.statusChanged.emit(False)

    def _on_failed(self, exc: BaseException) -> None:
        self._slot.clear()
        if isinstance(exc, mfa.MissingScopeError):
            self._set_mode(Mode.NO_SCOPE)
        elif isinstance(exc, mfa.WrongCodeError) and self._mode is Mode.ENROLLING:
            self.code_edit.clear()  # the secret stays: the person tries the next code
            self.code_edit.setFocus()
            self._update_buttons()
        elif self._mode is Mode.ENROLLING:
            self._update_buttons()
        else:
            self._set_mode(self._mode)  # what was shown still holds; re-enable the buttons
        self.message.show_failure(exc, messages.security_failure)

    def _on_signed_in(self, _identity: object) -> None:
        self._slot.cancel()
        self._checked = False
        self._say("")
        self._mfa = self._mfa_for(self._bridge.session)
        self._set_mode(Mode.UNKNOWN if self._mfa.allowed else Mode.NO_SCOPE)
        if self.isVisible():
            self.refresh()

    def _on_bridge_state(self, state: object) -> None:
        if state is qt_bridge.State.SIGNED_OUT:
            self._slot.cancel()
            self._mfa = None
            self._say("")
            self._set_mode(Mode.SIGNED_OUT)

    def showEvent(self, event: QtGui.QShowEvent) -> None:
        super().showEvent(event)
        if not self._checked and self._mode is Mode.UNKNOWN:
            self.refresh()
