"""desktop_app.ui.about_dialog and desktop_app.docs."""

from __future__ import annotations

import urllib.parse
from pathlib import Path

from PySide6 import QtCore
from pytestqt.qtbot import QtBot

from desktop_app import diagnostics, docs
from desktop_app.ui import about_dialog

ROOT = Path(__file__).resolve().parents[4]


def test_about_shows_version_commit_and_runtimes(qtbot: QtBot) -> None:
    dialog = about_dialog.AboutDialog(version="9.8.7", commit="abcdef123456")
    qtbot.addWidget(dialog)
    assert dialog.version_label.text() == "Version 9.8.7 (commit abcdef123456)"
    runtime = dialog.runtime_label.text()
    assert f"Qt {QtCore.qVersion()}" in runtime and "PySide6" in runtime and "Python 3." in runtime


def test_about_defaults_to_the_installed_version(qtbot: QtBot) -> None:
    dialog = about_dialog.AboutDialog()
    qtbot.addWidget(dialog)
    version, _ = diagnostics.version_info()
    assert f"Version {version} " in dialog.version_label.text()


def test_a_checkout_links_every_document_to_its_file(qtbot: QtBot) -> None:
    dialog = about_dialog.AboutDialog(version="1", commit=None)
    qtbot.addWidget(dialog)
    local = [link for link in dialog.links if link.local]
    assert [link.title for link in local] == [title for _, title in docs.DOCUMENTS]
    for link, (relative, _) in zip(local, docs.DOCUMENTS, strict=True):
        path = Path(urllib.parse.unquote(urllib.parse.urlsplit(link.url).path))
        assert link.url.startswith("file://") and path.is_file()
        assert path == (ROOT / relative).resolve()
        assert f'href="{link.url}"' in dialog.docs_label.text()
    assert dialog.links[-1].url == docs.COGNITO_GUIDE_URL
    assert all("?" not in link.url and "@" not in link.url for link in dialog.links)


def test_activating_a_link_opens_it_with_the_injected_opener(qtbot: QtBot) -> None:
    opened: list[QtCore.QUrl] = []
    dialog = about_dialog.AboutDialog(version="1", commit=None, open_url=opened.append)
    qtbot.addWidget(dialog)
    dialog.docs_label.linkActivated.emit(dialog.links[0].url)
    assert [url.toString() for url in opened] == [dialog.links[0].url]


def test_without_local_docs_the_published_copy_or_only_the_guide(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "SECURITY.md").write_text("# Security\n", encoding="utf-8")
    bare = docs.links(tmp_path, published=None)
    assert [(link.title, link.local) for link in bare] == [
        ("Security", True),
        ("Amazon Cognito user pools (AWS)", False),
    ]
    published = docs.links(tmp_path, published="https://docs.example.org/cognito-desktop/")
    assert len(published) == len(docs.DOCUMENTS) + 1
    assert published[0].url == "https://docs.example.org/cognito-desktop/README.md"
    assert published[3].url == (tmp_path / "docs" / "SECURITY.md").resolve().as_uri()
