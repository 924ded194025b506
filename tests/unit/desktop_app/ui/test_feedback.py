"""The one message line: an error is visibly one (the critical icon, the error colour)
and is read out as "Error: ..."; a note is plain; cleared, the line hides."""

from __future__ import annotations

import pytest
from PySide6 import QtGui, QtWidgets
from pytestqt.qtbot import QtBot

from desktop_app import errors
from desktop_app.ui import feedback


@pytest.fixture
def holder(qtbot: QtBot) -> QtWidgets.QWidget:
    """A shown window holding the line (whose own visibility is then what counts)."""
    window = QtWidgets.QWidget()
    qtbot.addWidget(window)
    QtWidgets.QVBoxLayout(window).addWidget(feedback.MessageLine())
    window.show()
    return window


@pytest.fixture
def line(holder: QtWidgets.QWidget) -> feedback.MessageLine:
    found = holder.findChild(feedback.MessageLine)
    assert found is not None
    return found


def test_an_error_shows_the_icon_and_is_read_out_as_an_error(
    holder: QtWidgets.QWidget, line: feedback.MessageLine
) -> None:
    assert line.isHidden()
    line.show_error("The file could not be read.")
    assert line.is_error and line.isVisibleTo(holder)
    assert line.icon.isVisibleTo(holder)
    pixmap = line.icon.pixmap()
    assert pixmap is not None and not pixmap.isNull()
    assert line.text() == "The file could not be read."
    assert line.accessibleName() == "Error"
    assert line.accessibleDescription() == "Error: The file could not be read."
    assert line.label.accessibleName().startswith("Error: ")
    assert feedback.error_colour().name() in line.label.styleSheet()


def test_a_note_is_plain_and_clearing_hides_the_line(
    holder: QtWidgets.QWidget, line: feedback.MessageLine
) -> None:
    line.show_error("Not done.")
    line.show_info("alice is disabled.")
    assert not line.is_error and line.isVisibleTo(holder)
    assert not line.icon.isVisibleTo(holder)
    assert line.accessibleDescription() == "alice is disabled."
    assert "color" not in line.label.styleSheet()
    line.show_error("Not done.")
    line.clear()
    assert line.isHidden() and not line.is_error and line.text() == ""
    assert not line.icon.isVisibleTo(holder)


def test_a_failure_is_worded_for_the_person(line: feedback.MessageLine) -> None:
    line.show_failure(errors.NetworkError("the server did not answer"))
    assert line.is_error and line.text() == "The server did not answer"
    line.show_failure(RuntimeError("secret=abc"), lambda exc: "It failed.")
    assert line.text() == "It failed."  # the exception's own text never reaches the screen


def test_the_error_colour_stays_readable_on_a_dark_window() -> None:
    light, dark = QtGui.QPalette(), QtGui.QPalette()
    light.setColor(QtGui.QPalette.ColorRole.Window, QtGui.QColor("#f0f0f0"))
    dark.setColor(QtGui.QPalette.ColorRole.Window, QtGui.QColor("#202020"))
    on_light, on_dark = feedback.error_colour(light), feedback.error_colour(dark)
    assert on_light != on_dark
    assert on_light.lightness() < 128 < on_dark.lightness()


def test_a_field_problem_is_named_after_its_field(qtbot: QtBot) -> None:
    field = QtWidgets.QLineEdit()
    field.setAccessibleName("Email")
    qtbot.addWidget(field)
    problem = feedback.problem_label(field)
    qtbot.addWidget(problem)
    assert problem.accessibleName() == "Problem with Email"
    assert problem.isHidden()
    assert feedback.error_colour().name() in problem.styleSheet()
