"""desktop_app.ui.security_panel: what Profile > Security shows and does, on doubles.

The bridge double has the two signals and the few attributes the panel reads; the MFA
double answers from a script on the real worker threads, so every call goes off the GUI
thread and back as in the app. tests/integration/test_gui_panels.py runs the same panel
against the stand-in.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest
from PySide6 import QtCore
from pytestqt.qtbot import QtBot

from desktop_app.auth import mfa
from desktop_app.auth.identity import Identity
from desktop_app.qt import bridge as qt_bridge
from desktop_app.ui import security_panel

Mode = security_panel.Mode
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
ENROLMENT = mfa.Enrolment("alice", "Cognito Desktop (work)", SECRET)


class FakeBridge(QtCore.QObject):
    """The bridge's state, identity and session, and the two signals the panel follows."""

    signedIn = QtCore.Signal(object)  # noqa: N815 - the bridge's signal names
    stateChanged = QtCore.Signal(object)  # noqa: N815

    def __init__(self) -> None:
        super().__init__()
        self.state = qt_bridge.State.SIGNED_IN
        self.identity: Identity | None = Identity("alice", "sub-1")
        self.session = object()


class FakeMfa:
    """Answers as told; records each call (from the worker thread)."""

    def __init__(self, *, allowed: bool = True, totp: bool = False) -> None:
        self.allowed = allowed
        self.totp = totp
        self.calls: list[str] = []
        self.refusal: BaseException | None = None  # raised by the next call, once
        self.gate = threading.Event()
        self.gate.set()

    def _call(self, name: str) -> None:
        self.gate.wait(5)
        self.calls.append(name)
        if self.refusal is not None:
            refusal, self.refusal = self.refusal, None
            raise refusal

    def status(self) -> mfa.Status:
        self._call("status")
        return mfa.Status("alice", (mfa.TOTP,) if self.totp else (), None)

    def begin(self) -> mfa.Enrolment:
        self._call("begin")
        return ENROLMENT

    def confirm(self, code: str) -> None:
        self._call(f"confirm {mfa.normalise_code(code)}")
        self.totp = True

    def turn_off(self) -> None:
        self._call("turn_off")
        self.totp = False


@pytest.fixture
def bridge() -> Iterator[FakeBridge]:
    made = FakeBridge()
    yield made
    made.deleteLater()


@pytest.fixture
def fake() -> FakeMfa:
    return FakeMfa()


@pytest.fixture
def make(
    qtbot: QtBot, bridge: FakeBridge, fake: FakeMfa
) -> Callable[..., security_panel.SecurityPanel]:
    def build(confirm: Callable[[str], bool] = lambda _q: True) -> security_panel.SecurityPanel:
        panel = security_panel.SecurityPanel(
            bridge,  # type: ignore[arg-type]  # has what the panel reads
            confirm=confirm,
            mfa_for=lambda _session: fake,  # type: ignore[arg-type,return-value]
        )
        qtbot.addWidget(panel)
        return panel

    return build


def settle(qtbot: QtBot, panel: security_panel.SecurityPanel) -> None:
    qtbot.waitUntil(lambda: not panel.is_busy, timeout=5_000)


def shown(qtbot: QtBot, panel: security_panel.SecurityPanel) -> None:
    panel.show()
    qtbot.waitExposed(panel)
    settle(qtbot, panel)


def test_nothing_is_asked_until_the_panel_is_shown(
    qtbot: QtBot, make: Callable[..., security_panel.SecurityPanel], fake: FakeMfa
) -> None:
    panel = make()
    assert panel.mode is Mode.UNKNOWN and fake.calls == []
    shown(qtbot, panel)
    assert fake.calls == ["status"]
    assert panel.mode is Mode.OFF
    assert panel.status_label.text().startswith("Off")
    assert panel.enable_button.isVisible() and not panel.disable_button.isVisible()


def test_without_the_scope_it_says_so_and_asks_nothing(
    qtbot: QtBot, make: Callable[..., security_panel.SecurityPanel], fake: FakeMfa
) -> None:
    fake.allowed = False
    panel = make()
    shown(qtbot, panel)
    assert panel.mode is Mode.NO_SCOPE
    assert "'aws.cognito.signin.user.admin' scope" in panel.status_label.text()
    assert not panel.enable_button.isEnabled() and not panel.check_button.isEnabled()
    panel.refresh()
    assert fake.calls == []


def test_enrolment_shows_the_secret_then_turns_totp_on(
    qtbot: QtBot, make: Callable[..., security_panel.SecurityPanel], fake: FakeMfa
) -> None:
    panel = make()
    shown(qtbot, panel)
    panel.enable_button.click()
    settle(qtbot, panel)
    assert panel.mode is Mode.ENROLLING and panel.enrolment.isVisible()
    assert panel.qr.matrix == mfa.qr_matrix(ENROLMENT.uri)
    assert panel.secret_label.text() == "JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP"
    assert panel.account_label.text() == "Cognito Desktop (work): alice"
    assert not panel.verify_button.isEnabled()  # no code yet
    qtbot.keyClicks(panel.code_edit, "12345x6")  # the validator keeps digits only
    assert panel.code_edit.text() == "123456"
    with qtbot.waitSignal(panel.statusChanged) as changed:
        panel.verify_button.click()
    assert changed.args == [True]
    assert fake.calls == ["status", "begin", "confirm 123456"]
    assert panel.mode is Mode.ON and not panel.enrolment.isVisible()
    # The secret left the screen once it was no longer needed.
    assert panel.secret_label.text() == "" and panel.qr.matrix == ()
    assert panel.message.text().startswith("Your authenticator app is set up")


def test_a_wrong_code_keeps_the_secret_for_the_next_one(
    qtbot: QtBot, make: Callable[..., security_panel.SecurityPanel], fake: FakeMfa
) -> None:
    panel = make()
    shown(qtbot, panel)
    panel.enable_button.click()
    settle(qtbot, panel)
    fake.refusal = mfa.WrongCodeError("That is not the code your authenticator app shows now.")
    qtbot.keyClicks(panel.code_edit, "111111")
    panel.verify_button.click()
    settle(qtbot, panel)
    assert panel.mode is Mode.ENROLLING
    assert panel.message.text() == "That is not the code your authenticator app shows now."
    assert panel.message.is_error
    assert panel.secret_label.text() != "" and panel.code_edit.text() == ""
    qtbot.keyClicks(panel.code_edit, "222222")
    with qtbot.waitSignal(panel.statusChanged):
        qtbot.keyClick(panel.code_edit, QtCore.Qt.Key.Key_Return)
    assert panel.mode is Mode.ON


def test_cancelling_enrolment_forgets_the_secret(
    qtbot: QtBot, make: Callable[..., security_panel.SecurityPanel], fake: FakeMfa
) -> None:
    panel = make()
    shown(qtbot, panel)
    panel.enable_button.click()
    settle(qtbot, panel)
    panel.cancel_button.click()
    assert panel.mode is Mode.OFF
    assert panel.secret_label.text() == "" and panel.qr.matrix == ()
    assert fake.calls == ["status", "begin"]


def test_turning_off_asks_first_and_shows_cognitos_reason_when_refused(
    qtbot: QtBot, make: Callable[..., security_panel.SecurityPanel], fake: FakeMfa
) -> None:
    fake.totp = True
    answers = [False, True, True]
    asked: list[str] = []

    def confirm(question: str) -> bool:
        asked.append(question)
        return answers.pop(0)

    panel = make(confirm)
    shown(qtbot, panel)
    assert panel.mode is Mode.ON and panel.disable_button.isVisible()
    panel.disable_button.click()  # "No"
    assert fake.calls == ["status"] and asked[0].startswith("Turn off two-step verification?")

    fake.refusal = mfa.MfaError("Cognito refused the change", "MFA is required for this pool")
    panel.disable_button.click()
    settle(qtbot, panel)
    assert panel.mode is Mode.ON  # nothing changed
    assert panel.message.text() == "Cognito refused the change: MFA is required for this pool."
    assert panel.disable_button.isEnabled()

    with qtbot.waitSignal(panel.statusChanged) as changed:
        panel.disable_button.click()
    assert changed.args == [False]
    assert panel.mode is Mode.OFF and panel.message.text() == "Two-step verification is off."
    assert not panel.message.is_error


def test_buttons_wait_while_a_call_runs(
    qtbot: QtBot, make: Callable[..., security_panel.SecurityPanel], fake: FakeMfa
) -> None:
    panel = make()
    fake.gate.clear()
    panel.show()
    qtbot.waitUntil(lambda: panel.is_busy)
    assert panel.busy.isVisible()
    assert not panel.check_button.isEnabled() and not panel.enable_button.isEnabled()
    fake.gate.set()
    settle(qtbot, panel)
    assert panel.check_button.isEnabled() and panel.enable_button.isEnabled()


def test_signing_out_forgets_everything_and_a_new_sign_in_asks_again(
    qtbot: QtBot,
    make: Callable[..., security_panel.SecurityPanel],
    fake: FakeMfa,
    bridge: FakeBridge,
) -> None:
    panel = make()
    shown(qtbot, panel)
    panel.enable_button.click()
    settle(qtbot, panel)
    bridge.state = qt_bridge.State.SIGNED_OUT
    bridge.stateChanged.emit(qt_bridge.State.SIGNED_OUT)
    assert panel.mode is Mode.SIGNED_OUT and panel.status_label.text() == "Not signed in."
    assert panel.secret_label.text() == "" and not panel.enrolment.isVisible()
    assert not panel.enable_button.isEnabled()
    bridge.state = qt_bridge.State.SIGNED_IN
    bridge.signedIn.emit(bridge.identity)
    settle(qtbot, panel)  # shown: it asks at once
    assert fake.calls == ["status", "begin", "status"]
    assert panel.mode is Mode.OFF


def test_a_panel_made_while_signed_out_waits_for_a_sign_in(
    qtbot: QtBot,
    make: Callable[..., security_panel.SecurityPanel],
    fake: FakeMfa,
    bridge: FakeBridge,
) -> None:
    bridge.state = qt_bridge.State.SIGNED_OUT
    bridge.identity = None
    panel = make()
    shown(qtbot, panel)
    assert panel.mode is Mode.SIGNED_OUT and fake.calls == []
