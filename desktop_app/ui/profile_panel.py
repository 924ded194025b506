"""The Profile panel: who is signed in, from the validated ID token's claims, and a
Security tab (:mod:`desktop_app.ui.security_panel`: two-step verification).

It shows the decoded claims, never a token: the bridge hands out an
:class:`~desktop_app.auth.session.Identity` (claims only), and the access and
refresh tokens never reach a widget. The Profile tab does no I/O; it redraws from the
bridge's state whenever the bridge says the identity changed.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping
from typing import Any

from PySide6 import QtCore, QtWidgets

from desktop_app.auth import session as auth_session
from desktop_app.models import items as items_model
from desktop_app.qt import bridge as qt_bridge
from desktop_app.ui import security_panel

_NONE = "\N{EM DASH}"
# Epoch-seconds claims, shown with their local time next to the number.
_TIME_CLAIMS = frozenset({"auth_time", "iat", "exp", "nbf", "updated_at"})
# Claims whose values are not for display: the nonce tied this sign-in to its
# request (errors.py keeps it out of every message for the same reason).
_HIDDEN_CLAIMS = frozenset({"nonce"})
# Rows showing a date and time: never wrapped.
_TIME_ROWS = frozenset({"signed_in", "access_expires", "issued", "expires"})
_CHIP_STYLE = """
QLabel#groupChip {
    border: 1px solid palette(mid);
    border-radius: 9px;
    padding: 1px 8px;
    background: palette(alternate-base);
}
"""


def local_time(epoch: object) -> str | None:
    """Epoch seconds as the app shows a moment (local time to the minute,
    :func:`desktop_app.models.items.local_time`); ``None`` for anything that is not
    a number of seconds."""
    if not isinstance(epoch, int | float) or isinstance(epoch, bool):
        return None
    try:
        moment = datetime.datetime.fromtimestamp(epoch, tz=datetime.UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return items_model.local_time(moment)


def disclosure(text: str, content: QtWidgets.QWidget) -> QtWidgets.QToolButton:
    """A checkable arrow button that shows ``content`` when checked (collapsed, and
    ``content`` hidden, to begin with); Tab reaches it, Space opens and closes it."""
    button = QtWidgets.QToolButton()
    button.setText(text)
    button.setAccessibleName(text)
    button.setCheckable(True)
    button.setAutoRaise(True)
    button.setFocusPolicy(QtCore.Qt.FocusPolicy.StrongFocus)
    button.setToolButtonStyle(QtCore.Qt.ToolButtonStyle.ToolButtonTextBesideIcon)

    def show(shown: bool) -> None:
        arrow = QtCore.Qt.ArrowType.DownArrow if shown else QtCore.Qt.ArrowType.RightArrow
        button.setArrowType(arrow)
        content.setVisible(shown)

    button.toggled.connect(show)
    show(False)
    return button


class ProfilePanel(QtWidgets.QWidget):
    """See the module docstring. The person first (``heading``: their name, else
    username; then name, email, username, groups), then the session (signed in,
    access token expiry, where the session is stored, scopes, plan); the user ID, the
    ID token's times and its claims (``claims_tree``) behind ``details_button``.
    ``fields`` maps each row's key (``name``, ``email``, ``username``, ``sub``,
    ``plan``, ``signed_in``, ``issued``, ``expires``, ``access_expires``, ``scopes``,
    ``storage``) to the label showing its value; ``tabs`` holds the profile and
    ``security``."""

    def __init__(
        self, bridge: qt_bridge.SessionBridge, parent: QtWidgets.QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self.fields: dict[str, QtWidgets.QLabel] = {}
        self._build()
        bridge.signedIn.connect(self._on_identity)
        bridge.identityChanged.connect(self._on_identity)
        bridge.stateChanged.connect(self._on_bridge_state)
        self._show(bridge.identity if bridge.state is not qt_bridge.State.SIGNED_OUT else None)

    def _build(self) -> None:
        self.setAccessibleName(self.tr("Profile"))
        self.setStyleSheet(_CHIP_STYLE)
        self.heading = QtWidgets.QLabel()
        self.heading.setAccessibleName(self.tr("Signed-in person"))
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.heading.setFont(font)
        self.heading.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        self.status_label = QtWidgets.QLabel()
        self.status_label.setAccessibleName(self.tr("Sign-in status"))
        person = self._form(
            ("name", self.tr("Name")),
            ("email", self.tr("Email")),
            ("username", self.tr("Username")),
            ("groups", self.tr("Groups")),
        )
        session_title = QtWidgets.QLabel(self.tr("Session"))
        bold = session_title.font()
        bold.setBold(True)
        session_title.setFont(bold)
        # One form, so that both parts line up: the session under its title.
        person.addItem(QtWidgets.QSpacerItem(0, 6))
        person.addRow(session_title)
        self._form(
            ("signed_in", self.tr("Signed in")),
            ("access_expires", self.tr("Access token expires")),
            ("storage", self.tr("Session storage")),
            ("scopes", self.tr("Scopes")),
            ("plan", self.tr("Plan")),
            form=person,
        )
        token = self._form(
            ("sub", self.tr("User ID (sub)")),
            ("issued", self.tr("ID token issued")),
            ("expires", self.tr("ID token expires")),
        )
        self.claims_tree = QtWidgets.QTreeWidget()
        self.claims_tree.setAccessibleName(self.tr("ID token claims"))
        self.claims_tree.setHeaderLabels([self.tr("Claim"), self.tr("Value")])
        self.claims_tree.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.claims_tree.setUniformRowHeights(True)
        claims_title = QtWidgets.QLabel(self.tr("ID token claims"))
        claims_title.setBuddy(self.claims_tree)
        self.details = QtWidgets.QWidget()
        self.details.setAccessibleName(self.tr("Details"))
        inside = QtWidgets.QVBoxLayout(self.details)
        inside.setContentsMargins(0, 0, 0, 0)
        inside.addLayout(token)
        inside.addWidget(claims_title)
        inside.addWidget(self.claims_tree, 1)
        self.details_button = disclosure(self.tr("Details"), self.details)
        self.details_button.setAccessibleDescription(
            self.tr("The user ID and the ID token's claims, as the token carries them")
        )

        page = QtWidgets.QWidget()
        column = QtWidgets.QVBoxLayout(page)
        column.addWidget(self.heading)
        column.addWidget(self.status_label)
        column.addSpacing(6)
        column.addLayout(person)
        column.addSpacing(6)
        column.addWidget(self.details_button, 0, QtCore.Qt.AlignmentFlag.AlignLeft)
        column.addWidget(self.details, 1)
        column.addStretch(0)
        # Collapsed, the room below goes to the empty end; opened, to the claims.
        self.details_button.toggled.connect(
            lambda shown: column.setStretch(column.count() - 1, 0 if shown else 1)
        )
        column.setStretch(column.count() - 1, 1)
        self.security = security_panel.SecurityPanel(self._bridge)
        self.tabs = QtWidgets.QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(page, self.tr("Profile"))
        self.tabs.addTab(self.security, self.tr("Security"))
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)

    def _form(
        self, *rows: tuple[str, str], form: QtWidgets.QFormLayout | None = None
    ) -> QtWidgets.QFormLayout:
        """``(key, title)`` rows in ``form`` (a new one by default): a selectable
        value label each (kept in ``fields``), the group chips for ``groups``."""
        form = form if form is not None else QtWidgets.QFormLayout()
        for key, title in rows:
            if key == "groups":
                self.groups_box = QtWidgets.QWidget()
                self.groups_box.setAccessibleName(title)
                self._groups_layout = QtWidgets.QHBoxLayout(self.groups_box)
                self._groups_layout.setContentsMargins(0, 0, 0, 0)
                form.addRow(title, self.groups_box)
                continue
            value = QtWidgets.QLabel()
            value.setAccessibleName(title)
            value.setWordWrap(key not in _TIME_ROWS)  # a date stays on one line
            value.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
            self.fields[key] = value
            form.addRow(title, value)
        return form

    # -- what is shown ---------------------------------------------------------------------

    def group_chips(self) -> list[str]:
        """The group names shown as chips, in order."""
        return [
            chip.text()
            for chip in self.groups_box.findChildren(QtWidgets.QLabel)
            if chip.objectName() == "groupChip"
        ]

    def _show(self, identity: auth_session.Identity | None) -> None:
        if identity is None:
            self.status_label.setText(self.tr("Not signed in."))
            self.heading.setText("")
            for label in self.fields.values():
                label.setText(_NONE)
            self._set_groups(())
            self.claims_tree.clear()
            return
        claims = identity.claims
        self.status_label.setText(
            self.tr("Signed in as {username}.").format(username=identity.username)
        )
        name = _display_name(claims)
        self.heading.setText(name or identity.username)
        self.fields["name"].setText(name or _NONE)
        self.fields["email"].setText(self._email_text(identity.email, claims))
        self.fields["username"].setText(identity.username)
        self.fields["sub"].setText(identity.sub)
        self._set_groups(identity.groups)
        plan = claims.get("plan")  # added by the pool's pre token generation trigger
        self.fields["plan"].setText(plan if isinstance(plan, str) and plan else _NONE)
        self.fields["signed_in"].setText(
            local_time(identity.auth_time) or local_time(claims.get("auth_time")) or _NONE
        )
        self.fields["issued"].setText(local_time(claims.get("iat")) or _NONE)
        self.fields["expires"].setText(local_time(claims.get("exp")) or _NONE)
        self.fields["access_expires"].setText(local_time(self._bridge.access_expires_at) or _NONE)
        self.fields["scopes"].setText(", ".join(self._bridge.session.scopes) or _NONE)
        self.fields["storage"].setText(self._storage_text())
        self._fill_claims(claims)

    def _email_text(self, email: str | None, claims: Mapping[str, Any]) -> str:
        if not email:
            return _NONE
        if claims.get("email_verified") is False:
            return self.tr("{email} (not verified)").format(email=email)
        return email

    def show_storage(self) -> None:
        """The Session storage row again (the keyring write behind sign-in failed)."""
        self.fields["storage"].setText(self._storage_text())

    def _until_quit(self) -> str:
        return self.tr("you will need to sign in again after the app quits.")

    def _storage_text(self) -> str:
        store = self._bridge.session.store
        problem = self._bridge.session.storage_problem
        if problem:  # the keyring write after sign-in failed: memory only, this run
            return self.tr("Not saved ({problem}): {reason}").format(
                problem=problem, reason=self._until_quit()
            )
        if store.secure:
            return self.tr("Stored securely in the system keyring ({backend}).").format(
                backend=store.backend_name
            )
        reason = store.warning or self._until_quit()
        if store.backend_name == "memory":
            return self.tr("Memory only: {reason}").format(reason=reason)
        return self.tr("Not stored securely ({backend}): {reason}").format(
            backend=store.backend_name, reason=reason
        )

    def _set_groups(self, groups: tuple[str, ...]) -> None:
        while (child := self._groups_layout.takeAt(0)) is not None:
            widget = child.widget()
            if widget is not None:
                widget.setParent(None)
                widget.deleteLater()
        for group in groups:
            chip = QtWidgets.QLabel(group, self.groups_box)
            chip.setObjectName("groupChip")
            chip.setAccessibleName(self.tr("Group {name}").format(name=group))
            self._groups_layout.addWidget(chip)
        if not groups:
            self._groups_layout.addWidget(QtWidgets.QLabel(self.tr("None"), self.groups_box))
        self._groups_layout.addStretch(1)

    def _fill_claims(self, claims: Mapping[str, Any]) -> None:
        self.claims_tree.clear()
        for key in sorted(claims):
            self.claims_tree.addTopLevelItem(self._claim_item(key, claims[key], top=True))
        self.claims_tree.expandAll()
        self.claims_tree.resizeColumnToContents(0)

    def _claim_item(self, key: str, value: Any, *, top: bool = False) -> QtWidgets.QTreeWidgetItem:
        item = QtWidgets.QTreeWidgetItem([key])
        if top and key in _HIDDEN_CLAIMS:
            item.setText(1, self.tr("(hidden)"))
        elif isinstance(value, Mapping):
            for child_key in sorted(value):
                item.addChild(self._claim_item(str(child_key), value[child_key]))
        elif isinstance(value, list):
            for index, element in enumerate(value):
                item.addChild(self._claim_item(f"[{index}]", element))
        else:
            text = value if isinstance(value, str) else json.dumps(value)
            when = local_time(value) if top and key in _TIME_CLAIMS else None
            item.setText(1, f"{text} ({when})" if when else text)
        return item

    # -- slots -----------------------------------------------------------------------------

    @QtCore.Slot(object)
    def _on_identity(self, identity: auth_session.Identity) -> None:
        self._show(identity)

    @QtCore.Slot(object)
    def _on_bridge_state(self, state: object) -> None:
        if state is qt_bridge.State.SIGNED_OUT:
            self._show(None)


def _display_name(claims: Mapping[str, Any]) -> str | None:
    name = claims.get("name")
    if isinstance(name, str) and name.strip():
        return name.strip()
    parts = [claims.get("given_name"), claims.get("family_name")]
    joined = " ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())
    return joined or None
