"""desktop_app.ui.profile_form: a profile's fields, read back as the config table."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from desktop_app.ui import profile_form

TABLE = {
    "user_pool_id": "eu-west-2_AbC123xyz",
    "domain": "https://auth.example.com",
    "client_id": "workclient",
    "redirect_uris": ["http://127.0.0.1:53682/callback", "http://127.0.0.1:53683/callback"],
    "scopes": ["openid", "email"],
}


def test_fill_then_read_back_is_the_same_table_and_says_nothing(qtbot: QtBot) -> None:
    form = profile_form.ProfileForm()
    qtbot.addWidget(form)
    edits: list[None] = []
    form.edited.connect(lambda: edits.append(None))
    form.fill("work", {**TABLE, "unknown_key": "dropped"})
    assert form.table() == ("work", TABLE)
    assert edits == []  # filling is not an edit


def test_typing_is_an_edit_and_blank_fields_are_left_out(qtbot: QtBot) -> None:
    form = profile_form.ProfileForm()
    qtbot.addWidget(form)
    with qtbot.waitSignal(form.edited):
        form.edits["client_id"].setText("  other  ")
    form.scopes_edit.setText("openid, profile  email")
    form.redirect_edit.setPlainText("\nhttp://127.0.0.1:53682/callback\n\n")
    assert form.table() == (
        "",
        {
            "client_id": "other",
            "redirect_uris": ["http://127.0.0.1:53682/callback"],
            "scopes": ["openid", "profile", "email"],
        },
    )


def test_every_field_is_named_for_screen_readers(qtbot: QtBot) -> None:
    form = profile_form.ProfileForm()
    qtbot.addWidget(form)
    names = [field.accessibleName() for field in form.fields]
    assert all(names) and "&" not in "".join(names)
    assert names[0] == "Name" and "Redirect URIs (one per line)" in names


def test_issuer_format_and_browser_sign_out_survive_an_edit(qtbot: QtBot) -> None:
    """Issue 16's keys: saving from the Environments dialog must not drop them."""
    form = profile_form.ProfileForm()
    qtbot.addWidget(form)
    table = {**TABLE, "issuer_format": "updated", "sign_out_in_browser": False}
    form.fill("work", table)
    assert form.table() == ("work", table)
    form.fill("work", TABLE)  # the defaults are left out, as config_writer writes them
    assert form.table() == ("work", TABLE)
    assert not form.issuer_format.currentIndex() and form.browser_sign_out.isChecked()
    updated = "https://issuer-cognito-idp.eu-west-2.amazonaws.com/eu-west-2_AbC123xyz"
    form.fill("work", {"issuer": updated})  # the format shown follows an explicit issuer
    assert form.issuer_format.currentData() == "updated"


def test_keys_without_a_field_are_kept_as_they_were(qtbot: QtBot) -> None:
    """Saving from the Environments dialog must not drop what the pool offers or the
    CLI's password sign-in (issue 19); keys config does not know are still left out."""
    form = profile_form.ProfileForm()
    qtbot.addWidget(form)
    kept = {
        "self_sign_up": True,
        "password_reset": False,
        "password_sign_in": True,
        "password_sign_in_client_id": "automation",
    }
    form.fill("work", {**TABLE, **kept, "unknown_key": "dropped"})
    form.edits["client_id"].setText("other")
    assert form.table() == ("work", {**TABLE, **kept, "client_id": "other"})
    form.fill("new", {})
    assert form.table() == ("new", {})
