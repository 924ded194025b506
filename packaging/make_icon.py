"""Draw the app icon: ``resources/app-icon.png`` (window icon) and ``app-icon.ico``
(the Windows executable's icon). The outputs are committed; rerun after a change:
``QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/make_icon.py``.

A white key on a rounded indigo square, drawn with shapes only (no font), so it
looks the same on every machine that regenerates it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6 import QtCore, QtGui

ROOT = Path(__file__).resolve().parents[1]
SIZE = 256


def draw(size: int = SIZE) -> QtGui.QImage:
    image = QtGui.QImage(size, size, QtGui.QImage.Format.Format_ARGB32)
    image.fill(QtCore.Qt.GlobalColor.transparent)
    painter = QtGui.QPainter(image)
    painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
    painter.scale(size / SIZE, size / SIZE)
    painter.setPen(QtCore.Qt.PenStyle.NoPen)
    painter.setBrush(QtGui.QColor("#3949ab"))
    painter.drawRoundedRect(QtCore.QRectF(8, 8, 240, 240), 48, 48)
    key = QtGui.QPainterPath()
    key.addEllipse(QtCore.QPointF(88, 128), 44, 44)
    key.addRect(QtCore.QRectF(120, 116, 96, 24))  # the shaft
    key.addRect(QtCore.QRectF(176, 140, 16, 28))  # two teeth
    key.addRect(QtCore.QRectF(200, 140, 16, 20))
    hole = QtGui.QPainterPath()
    hole.addEllipse(QtCore.QPointF(80, 128), 16, 16)
    painter.setBrush(QtGui.QColor("white"))
    painter.drawPath(key.simplified().subtracted(hole))
    painter.end()
    return image


def main() -> int:
    from PySide6 import QtWidgets

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    del app
    image = draw()
    ok = image.save(str(ROOT / "resources" / "app-icon.png"), "PNG", 9)
    ok = draw(64).save(str(ROOT / "resources" / "app-icon.ico"), "ICO") and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
