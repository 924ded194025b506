"""desktop_app.ui.signin_screen: idle, waiting, failed and busy, as the window drives it."""

from __future__ import annotations

from PySide6 import QtGui
from pytestqt.qtbot import QtBot

from desktop_app.ui import signin_screen


def screen(qtbot: QtBot) -> signin_screen.SignInScreen:
    shown = signin_screen.SignInScreen()
    qtbot.addWidget(shown)
    return shown


def test_waiting_offers_copy_and_cancel_and_locks_the_rest(qtbot: QtBot) -> None:
    shown = screen(qtbot)
    shown.show_waiting()
    assert not shown.sign_in_button.isEnabled()
    assert not shown.environments_button.isEnabled()
    assert not shown.copy_link_button.isHidden()
    assert not shown.copy_link_button.isEnabled()  # no URL yet: nothing to copy
    assert shown.message.text() == "Waiting for you to finish in the browser\N{HORIZONTAL ELLIPSIS}"
    shown.set_sign_in_url("https://auth.example.com/oauth2/authorize?x=1")
    assert shown.copy_link_button.isEnabled()


def test_copying_the_link_puts_the_url_on_the_clipboard(qtbot: QtBot) -> None:
    shown = screen(qtbot)
    shown.show_waiting()
    shown.set_sign_in_url("https://auth.example.com/oauth2/authorize?x=1")
    shown.copy_link_button.click()
    assert QtGui.QGuiApplication.clipboard().text() == (
        "https://auth.example.com/oauth2/authorize?x=1"
    )
    assert shown.message.text().startswith("Sign-in link copied.")


def test_a_failure_says_why_and_offers_a_retry(qtbot: QtBot) -> None:
    shown = screen(qtbot)
    shown.show_waiting()
    shown.show_failure("Sign-in was cancelled.")
    assert shown.sign_in_button.text() == "Try again" and shown.sign_in_button.isEnabled()
    assert shown.message.text() == "Sign-in was cancelled."
    assert shown.message.is_error and not shown.message.icon.isHidden()
    assert shown.message.accessibleDescription() == "Error: Sign-in was cancelled."
    assert shown.copy_link_button.isHidden() and shown.cancel_button.isHidden()
    shown.show_waiting()  # waiting again is no error
    assert not shown.message.is_error and shown.message.icon.isHidden()


def test_an_unusable_environment_is_shown_as_an_error_without_a_retry(qtbot: QtBot) -> None:
    shown = screen(qtbot)
    shown.show_idle("This environment cannot be used: no issuer", error=True)
    assert shown.message.is_error
    assert shown.sign_in_button.text() == "Sign in with your browser"
    shown.show_idle("You are signed out.")
    assert not shown.message.is_error


def test_busy_locks_both_buttons_and_idle_clears_the_message(qtbot: QtBot) -> None:
    shown = screen(qtbot)
    shown.show_busy("Signing out\N{HORIZONTAL ELLIPSIS}")
    assert not shown.sign_in_button.isEnabled() and not shown.environments_button.isEnabled()
    shown.show_idle()
    assert shown.sign_in_button.isEnabled() and shown.message.isHidden()
    shown.set_environment("work", "https://issuer.example.com")
    assert shown.environment.text() == "Environment: work"


def test_use_a_different_account_is_offered_when_idle_only(qtbot: QtBot) -> None:
    screen = signin_screen.SignInScreen()
    qtbot.addWidget(screen)
    screen.show()
    assert screen.different_account_button.isVisible()
    with qtbot.waitSignal(screen.differentAccountRequested):
        screen.different_account_button.click()
    screen.show_waiting()
    assert not screen.different_account_button.isVisible()
    screen.show_busy("Signing out…")
    assert not screen.different_account_button.isEnabled()
    screen.show_idle("You are signed out.")
    assert screen.different_account_button.isEnabled()
    screen.update_message("You are signed out, in the app and in the browser.")
    assert screen.message.text() == "You are signed out, in the app and in the browser."


def test_the_account_links_follow_what_the_profile_offers(qtbot: QtBot) -> None:
    shown = screen(qtbot)
    shown.show()
    # Before the profile says anything: neither (self-registration is off by default).
    assert not shown.sign_up_button.isVisible()
    assert not shown.forgot_password_button.isVisible()
    shown.set_offers(sign_up=True, password_reset=False)
    assert shown.sign_up_button.isVisible()
    assert not shown.forgot_password_button.isVisible()
    shown.set_offers(sign_up=False, password_reset=True)
    assert not shown.sign_up_button.isVisible()
    assert shown.forgot_password_button.isVisible()


def test_each_account_link_asks_for_its_own_entry(qtbot: QtBot) -> None:
    shown = screen(qtbot)
    shown.show()
    shown.set_offers(sign_up=True, password_reset=True)
    assert shown.sign_up_button.text() == "Create an account"
    assert shown.forgot_password_button.text() == "Forgot your password?"
    with qtbot.waitSignal(shown.signUpRequested), qtbot.assertNotEmitted(shown.signInRequested):
        shown.sign_up_button.click()
    with qtbot.waitSignal(shown.forgotPasswordRequested):
        shown.forgot_password_button.click()


def test_the_account_links_hide_while_waiting_and_lock_while_busy(qtbot: QtBot) -> None:
    shown = screen(qtbot)
    shown.show()
    shown.set_offers(sign_up=True, password_reset=True)
    shown.show_waiting()
    assert not shown.sign_up_button.isVisible()
    assert not shown.forgot_password_button.isVisible()
    shown.set_offers(sign_up=True, password_reset=True)  # a profile re-read while waiting
    assert not shown.sign_up_button.isVisible()
    shown.show_busy("Signing out\N{HORIZONTAL ELLIPSIS}")
    assert shown.sign_up_button.isVisible() and not shown.sign_up_button.isEnabled()
    assert not shown.forgot_password_button.isEnabled()
    shown.show_failure("Sign-in was cancelled.")
    assert shown.sign_up_button.isEnabled() and shown.forgot_password_button.isEnabled()
