"""Help > About: what this build is, what it runs on, and where its documentation is."""

from __future__ import annotations

import html
import platform
from collections.abc import Callable, Sequence

import PySide6
from PySide6 import QtCore, QtGui, QtWidgets

from desktop_app import diagnostics, docs


class AboutDialog(QtWidgets.QDialog):
    """Product name, version and git commit, the Qt/PySide6 and Python versions,
    and links to the project's documentation (:func:`desktop_app.docs.links`).
    ``version``/``commit`` default to :func:`desktop_app.diagnostics.version_info`;
    ``open_url`` opens a link (the desktop's handler; tests pass a recorder)."""

    def __init__(
        self,
        parent: QtWidgets.QWidget | None = None,
        *,
        version: str | None = None,
        commit: str | None = None,
        links: Sequence[docs.Link] | None = None,
        open_url: Callable[[QtCore.QUrl], object] = QtGui.QDesktopServices.openUrl,
    ) -> None:
        super().__init__(parent)
        if version is None:
            version, found_commit = diagnostics.version_info()
            commit = commit or found_commit
        self.setWindowTitle(self.tr("About Cognito Desktop"))
        self.setAccessibleName(self.tr("About Cognito Desktop"))

        title = QtWidgets.QLabel(self.tr("Cognito Desktop"), self)
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        title.setFont(font)
        title.setAccessibleName(self.tr("Product name"))

        self.version_label = QtWidgets.QLabel(
            self.tr("Version {version} (commit {commit})").format(
                version=version, commit=commit or self.tr("unknown")
            ),
            self,
        )
        self.version_label.setAccessibleName(self.tr("Version"))
        self.version_label.setTextInteractionFlags(
            QtCore.Qt.TextInteractionFlag.TextSelectableByMouse
            | QtCore.Qt.TextInteractionFlag.TextSelectableByKeyboard
        )

        self.runtime_label = QtWidgets.QLabel(
            self.tr("Qt {qt}, PySide6 {pyside}, Python {python}").format(
                qt=QtCore.qVersion(),
                pyside=PySide6.__version__,
                python=platform.python_version(),
            ),
            self,
        )
        self.runtime_label.setAccessibleName(self.tr("Runtime versions"))

        #: What the Documentation list links to (file:// for the docs on this computer).
        self.links = list(docs.links() if links is None else links)
        items = "".join(
            '<li><a href="{url}">{text}</a></li>'.format(
                url=html.escape(link.url, quote=True),
                text=html.escape(QtCore.QCoreApplication.translate("Docs", link.title)),
            )
            for link in self.links
        )
        self.docs_label = QtWidgets.QLabel(
            "{heading}<ul>{items}</ul>".format(
                heading=html.escape(self.tr("Documentation")), items=items
            ),
            self,
        )
        self.docs_label.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.docs_label.setOpenExternalLinks(False)
        self.docs_label.linkActivated.connect(lambda url: open_url(QtCore.QUrl(url)))
        # Links reachable with Tab and opened with Enter, not only with the mouse.
        self.docs_label.setTextInteractionFlags(
            QtCore.Qt.TextInteractionFlag.TextBrowserInteraction
        )
        self.docs_label.setAccessibleName(self.tr("Documentation links"))

        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        close = buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Close)
        close.setAccessibleName(self.tr("Close"))
        close.setDefault(True)

        layout = QtWidgets.QVBoxLayout(self)
        for widget in (title, self.version_label, self.runtime_label, self.docs_label):
            layout.addWidget(widget)
        layout.addSpacing(8)
        layout.addWidget(buttons)
        self.setTabOrder(self.docs_label, close)
