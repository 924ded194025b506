"""The test setup runs Qt offscreen with real fonts (the apt packages .ci/run installs)."""

from __future__ import annotations

import os

from PySide6 import QtGui, QtWidgets
from pytestqt.qtbot import QtBot


def test_qt_runs_offscreen_and_renders_text(qtbot: QtBot) -> None:
    assert os.environ["QT_QPA_PLATFORM"] == "offscreen"
    label = QtWidgets.QLabel("Cognito Desktop")
    qtbot.addWidget(label)
    label.show()
    assert QtGui.QGuiApplication.platformName() == "offscreen"
    # With no font installed Qt draws nothing; a rendered label has dark pixels.
    image = label.grab().toImage()
    dark = sum(
        1
        for x in range(image.width())
        for y in range(image.height())
        if QtGui.QColor(image.pixel(x, y)).lightness() < 128
    )
    assert dark > 20
