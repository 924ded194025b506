"""The form of one profile (environment): a field per config key, read and filled as
the config table ``config.parse_profile`` checks.

Used by :class:`desktop_app.ui.environments_dialog.EnvironmentsDialog`; it holds no
rule about what a valid profile is (that is :mod:`desktop_app.config`'s).
"""

from __future__ import annotations

import re
from typing import Any

from PySide6 import QtCore, QtWidgets

from desktop_app import config

#: Profile keys the form has no field for but keeps as they were filled, so saving from
#: the Environments dialog never drops them (what the pool offers; password sign-in,
#: which is for the CLI only). Keys config does not know are still left out.
KEPT_KEYS = ("self_sign_up", "password_reset", "password_sign_in", "password_sign_in_client_id")


class ProfileForm(QtWidgets.QWidget):
    """See the module docstring. :attr:`fields` lists the inputs top to bottom (for
    the dialog's tab order).

    Signals:
        edited(): a field changed (not while :meth:`fill` writes them).
    """

    edited = QtCore.Signal()

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.fields: list[QtWidgets.QWidget] = []
        self.edits: dict[str, QtWidgets.QLineEdit] = {}
        self._kept: dict[str, Any] = {}  # KEPT_KEYS as fill() got them
        form = QtWidgets.QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        self.name_edit = self._line(form, "name", self.tr("&Name"), "work")
        self._line(form, "region", self.tr("Re&gion"), "eu-west-1")
        self._line(form, "user_pool_id", self.tr("User &pool ID"), "eu-west-1_AbCdEfGhI")
        self._line(
            form,
            "issuer",
            self.tr("&Issuer (instead of a pool ID)"),
            "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEfGhI",
        )
        self.issuer_format = QtWidgets.QComboBox(self)
        self.issuer_format.addItem(self.tr("Classic (cognito-idp.REGION.amazonaws.com)"), "classic")
        self.issuer_format.addItem(
            self.tr("Updated (issuer-cognito-idp.REGION.amazonaws.com)"), "updated"
        )
        self.issuer_format.currentIndexChanged.connect(self.edited)
        self._add_row(form, self.tr("Issuer &format"), self.issuer_format)
        self._line(form, "domain", self.tr("Managed-login &domain"), "https://auth.example.com")
        self._line(form, "client_id", self.tr("&Client ID"), "")
        self.redirect_edit = QtWidgets.QPlainTextEdit(self)
        self.redirect_edit.setTabChangesFocus(True)  # Tab leaves the box, as in a line edit
        self.redirect_edit.setPlaceholderText("http://127.0.0.1:53682/callback/work")
        self.redirect_edit.setFixedHeight(self.fontMetrics().lineSpacing() * 4 + 12)
        self.redirect_edit.textChanged.connect(self.edited)
        self._add_row(form, self.tr("Redirect &URIs (one per line)"), self.redirect_edit)
        self.scopes_edit = QtWidgets.QLineEdit(self)
        self.scopes_edit.setPlaceholderText(" ".join(config.DEFAULT_SCOPES))
        self.scopes_edit.textChanged.connect(self.edited)
        self._add_row(form, self.tr("&Scopes (space-separated)"), self.scopes_edit)
        self._line(form, "api_url", self.tr("API UR&L"), "https://api.example.com")
        self._line(form, "admin_group", self.tr("Ad&min group"), "Admin")
        self._line(
            form, "logout_uri", self.tr("Sign-&out URI"), "http://127.0.0.1:53682/signed-out/work"
        )
        self.browser_sign_out = QtWidgets.QCheckBox(
            self.tr("Signing out also ends the browser's sign-in session"), self
        )
        self.browser_sign_out.setChecked(True)
        self.browser_sign_out.toggled.connect(self.edited)
        self._add_row(form, self.tr("Shared &computers"), self.browser_sign_out)
        self._line(form, "discovery_url", self.tr("Disco&very URL (override)"), "")
        self._line(form, "ca_bundle", self.tr("CA &bundle file"), "")
        self._line(form, "proxy", self.tr("Pro&xy"), "")

    def _line(
        self, form: QtWidgets.QFormLayout, key: str, label: str, hint: str
    ) -> QtWidgets.QLineEdit:
        edit = QtWidgets.QLineEdit(self)
        edit.setObjectName(key)
        edit.setPlaceholderText(hint)
        edit.textChanged.connect(self.edited)
        self._add_row(form, label, edit)
        self.edits[key] = edit
        return edit

    def _add_row(self, form: QtWidgets.QFormLayout, label: str, field: QtWidgets.QWidget) -> None:
        caption = QtWidgets.QLabel(label, self)
        caption.setBuddy(field)
        field.setAccessibleName(caption.text().replace("&", ""))
        form.addRow(caption, field)
        self.fields.append(field)

    def table(self) -> tuple[str, dict[str, Any]]:
        """``(name, table)`` as the form stands; empty fields are left out, and
        :data:`KEPT_KEYS` are as :meth:`fill` got them."""
        table: dict[str, Any] = dict(self._kept)
        for key, edit in self.edits.items():
            if key != "name" and edit.text().strip():
                table[key] = edit.text().strip()
        uris = [line.strip() for line in self.redirect_edit.toPlainText().splitlines()]
        if any(uris):
            table["redirect_uris"] = [uri for uri in uris if uri]
        scopes = [scope for scope in re.split(r"[\s,]+", self.scopes_edit.text()) if scope]
        if scopes:
            table["scopes"] = scopes
        if self.issuer_format.currentData() != "classic":
            table["issuer_format"] = self.issuer_format.currentData()
        if not self.browser_sign_out.isChecked():
            table["sign_out_in_browser"] = False
        return self.name_edit.text().strip(), table

    def fill(self, name: str, table: dict[str, Any]) -> None:
        """Show ``table`` (keys the form has no field for are not shown); no ``edited``."""
        fields = (
            *self.edits.values(),
            self.scopes_edit,
            self.redirect_edit,
            self.issuer_format,
            self.browser_sign_out,
        )
        for edit in fields:
            edit.blockSignals(True)
        self._kept = {key: table[key] for key in KEPT_KEYS if key in table}
        self.name_edit.setText(name)
        for key, edit in self.edits.items():
            value = table.get(key)
            if key != "name":
                edit.setText(value if isinstance(value, str) else "")
        uris, scopes = table.get("redirect_uris"), table.get("scopes")
        self.redirect_edit.setPlainText("\n".join(uris) if isinstance(uris, list) else "")
        self.scopes_edit.setText(" ".join(scopes) if isinstance(scopes, list) else "")
        issuer = table.get("issuer")
        updated = table.get("issuer_format") == "updated" or (
            isinstance(issuer, str) and config.issuer_format_of(issuer) == "updated"
        )
        self.issuer_format.setCurrentIndex(1 if updated else 0)
        self.browser_sign_out.setChecked(table.get("sign_out_in_browser") is not False)
        for edit in fields:
            edit.blockSignals(False)
