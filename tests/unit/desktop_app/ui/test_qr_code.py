"""desktop_app.ui.qr_code: the QR code an authenticator app scans, painted by Qt.

segno cannot read a QR code back, so the test checks the two halves: the widget holds
segno's matrix for the URI, and painting puts a dark square exactly where each dark
module is (and light everywhere else, quiet zone included).
"""

from __future__ import annotations

import segno
from PySide6 import QtGui
from pytestqt.qtbot import QtBot

from desktop_app.auth import mfa
from desktop_app.ui import qr_code

URI = mfa.otpauth_uri(
    "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", account="alice", issuer="Cognito Desktop (local)"
)


def painted(qtbot: QtBot, side: int = 300) -> tuple[qr_code.QrCodeView, QtGui.QImage]:
    view = qr_code.QrCodeView()
    qtbot.addWidget(view)
    view.set_matrix(mfa.qr_matrix(URI))
    view.resize(side, side)
    return view, view.grab().toImage()


def is_dark(image: QtGui.QImage, x: int, y: int) -> bool:
    return QtGui.QColor(image.pixel(x, y)).lightness() < 128


def test_the_widget_holds_segnos_matrix_for_the_uri(qtbot: QtBot) -> None:
    view, _ = painted(qtbot)
    expected = segno.make(URI, micro=False).matrix
    assert view.matrix == tuple(tuple(bool(m) for m in row) for row in expected)


def test_painting_puts_every_module_where_it_belongs(qtbot: QtBot) -> None:
    view, image = painted(qtbot)
    scale, origin = view.geometry_of_code()
    modules = len(view.matrix)
    assert scale >= qr_code.MIN_MODULE_PX  # whole pixels per module: sharp edges
    assert (modules + 2 * qr_code.QUIET_ZONE) * scale <= 300
    for row, line in enumerate(view.matrix):
        for column, dark in enumerate(line):
            rect = view.module_rect(row, column)
            assert rect.width() == rect.height() == scale
            # the centre and both far corners of the module's square
            for x, y in (
                (rect.center().x(), rect.center().y()),
                (rect.left(), rect.top()),
                (rect.right(), rect.bottom()),
            ):
                assert is_dark(image, x, y) is dark, (row, column)
    quiet = qr_code.QUIET_ZONE * scale
    for x, y in (
        (origin.x() - quiet, origin.y() - quiet),
        (origin.x() - 1, origin.y() + modules * scale // 2),
        (origin.x() + modules * scale, origin.y() + modules * scale),
    ):
        assert not is_dark(image, x, y)  # the quiet zone is light on every side


def test_an_empty_view_draws_nothing_and_clear_forgets_the_code(qtbot: QtBot) -> None:
    view, _ = painted(qtbot)
    view.clear()
    assert view.matrix == ()
    assert view.geometry_of_code()[0] == 0
    view.grab()  # paints without a matrix
