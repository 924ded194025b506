"""The users search bar: debounced, one Search per pause, invalid text said at once."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from desktop_app.api import admin
from desktop_app.ui.admin import search_bar


def test_search_bar_debounces_and_validates(qtbot: QtBot) -> None:
    bar = search_bar.SearchBar()
    qtbot.addWidget(bar)
    seen: list[object] = []
    bar.searchChanged.connect(seen.append)
    qtbot.keyClicks(bar.text, "ali")
    assert seen == [] and bar.pending()
    qtbot.waitUntil(lambda: seen != [], timeout=2_000)
    assert seen == [admin.Search("username", "prefix", "ali")]

    bar.set_search("email", "exact", "a@b.c")
    bar.search_now()
    assert seen[-1] == admin.Search("email", "exact", "a@b.c")
    assert not bar.pending()

    problems: list[str] = []
    bar.invalid.connect(problems.append)
    bar.text.setText("x" * 300)
    bar.search_now()
    assert problems and "1 to 256" in problems[0]

    bar.text.clear()
    bar.search_now()
    assert seen[-1] is None

    bar.set_search("status", "exact", "")
    assert bar.text.completer() is not None
    bar.set_search("username", "exact", "")
    assert bar.text.completer() is None
