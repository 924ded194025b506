"""A QR code drawn with QPainter: dark squares on a light quiet zone, whole pixels only.

The matrix comes from elsewhere (:func:`desktop_app.auth.mfa.qr_matrix`, segno); this
widget only paints it, scaled to the largest whole number of pixels per module that fits,
so every module has sharp edges a phone camera can read. The colours are fixed black on
white whatever the theme: scanners expect dark modules on a light background.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6 import QtCore, QtGui, QtWidgets

QUIET_ZONE = 4  # modules of light margin on every side (ISO/IEC 18004)
MIN_MODULE_PX = 3


class QrCodeView(QtWidgets.QWidget):
    """Paints :attr:`matrix` (rows of modules, True for dark); empty draws nothing."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._matrix: tuple[tuple[bool, ...], ...] = ()
        self.setSizePolicy(
            QtWidgets.QSizePolicy.Policy.Preferred, QtWidgets.QSizePolicy.Policy.Preferred
        )

    @property
    def matrix(self) -> tuple[tuple[bool, ...], ...]:
        return self._matrix

    def set_matrix(self, matrix: Sequence[Sequence[bool | int]]) -> None:
        self._matrix = tuple(tuple(bool(module) for module in row) for row in matrix)
        self.updateGeometry()
        self.update()

    def clear(self) -> None:
        self.set_matrix(())

    def _modules(self) -> int:
        """Modules across, quiet zone included (0 when there is nothing to draw)."""
        return len(self._matrix) + 2 * QUIET_ZONE if self._matrix else 0

    def sizeHint(self) -> QtCore.QSize:
        side = max(self._modules(), 21 + 2 * QUIET_ZONE) * 5
        return QtCore.QSize(side, side)

    def minimumSizeHint(self) -> QtCore.QSize:
        side = self._modules() * MIN_MODULE_PX
        return QtCore.QSize(side, side)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return width

    def geometry_of_code(self) -> tuple[int, QtCore.QPoint]:
        """Pixels per module and where the first module (row 0, column 0) starts."""
        modules = self._modules()
        if not modules:
            return 0, QtCore.QPoint(0, 0)
        scale = max(1, min(self.width(), self.height()) // modules)
        side = modules * scale
        left = (self.width() - side) // 2 + QUIET_ZONE * scale
        top = (self.height() - side) // 2 + QUIET_ZONE * scale
        return scale, QtCore.QPoint(left, top)

    def module_rect(self, row: int, column: int) -> QtCore.QRect:
        """Where module (``row``, ``column``) is painted, in widget pixels."""
        scale, origin = self.geometry_of_code()
        return QtCore.QRect(origin.x() + column * scale, origin.y() + row * scale, scale, scale)

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        if not self._matrix:
            return
        scale, origin = self.geometry_of_code()
        quiet = QUIET_ZONE * scale
        painter = QtGui.QPainter(self)
        try:
            painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, False)
            side = len(self._matrix) * scale + 2 * quiet
            light = QtCore.QRect(origin.x() - quiet, origin.y() - quiet, side, side)
            painter.fillRect(light, QtCore.Qt.GlobalColor.white)
            dark = QtGui.QColor(QtCore.Qt.GlobalColor.black)
            for row, modules in enumerate(self._matrix):
                y = origin.y() + row * scale
                for column, is_dark in enumerate(modules):
                    if is_dark:
                        painter.fillRect(origin.x() + column * scale, y, scale, scale, dark)
        finally:
            painter.end()
