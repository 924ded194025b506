"""desktop_app.auth.loopback_pages: the pages the browser sees after signing in."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from desktop_app import resources
from desktop_app.auth import loopback_pages

PAGES = resources.directory()


@pytest.mark.parametrize(
    "name", [loopback_pages.SUCCESS_PAGE, loopback_pages.ERROR_PAGE, loopback_pages.SIGNED_OUT_PAGE]
)
def test_pages_load_nothing_external(name: str) -> None:
    text = (PAGES / name).read_text(encoding="utf-8").lower()
    for forbidden in ("http://", "https://", "<script", "<link", "<img", "src=", "@import"):
        assert forbidden not in text


def test_success_page_tells_the_person_to_return_to_the_app() -> None:
    success = loopback_pages.Pages.load(PAGES).success.decode()
    assert "close this tab" in success
    assert "return to the app" in success


def test_signed_out_page_says_the_browser_is_signed_out_too() -> None:
    signed_out = loopback_pages.Pages.load(PAGES).signed_out.decode()
    assert "You are signed out" in signed_out
    assert "asks for your password" in signed_out


def test_the_error_page_escapes_every_field() -> None:
    page = loopback_pages.Pages.load(PAGES).render_error(
        "<title>", "access_denied<b>", "\"quoted\" & <script>alert('x')</script>"
    )
    text = page.decode()
    assert "<script" not in text and "<b>" not in text and "<title>" not in text[200:]
    assert "access_denied&lt;b&gt;" in text
    assert "&quot;quoted&quot; &amp; &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in text


def _pages(
    tmp_path: Path, success: str | None, error: str | None, signed_out: str | None = "bye"
) -> Path:
    for name, text in (
        (loopback_pages.SUCCESS_PAGE, success),
        (loopback_pages.ERROR_PAGE, error),
        (loopback_pages.SIGNED_OUT_PAGE, signed_out),
    ):
        if text is not None:
            (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("success", "error", "raised", "match"),
    [
        (None, "$title $error $description", FileNotFoundError, loopback_pages.SUCCESS_PAGE),
        ("ok", None, FileNotFoundError, loopback_pages.ERROR_PAGE),
        ("ok $title", "$title $error $description", ValueError, "exactly: none"),
        ("ok", "$title $error $surprise", ValueError, "placeholders"),
        ("ok", "$title $error", ValueError, r"\$description, \$error, \$title"),
        ("ok", "$title $error $description $", ValueError, "placeholders"),  # invalid
    ],
    ids=[
        "no success page",
        "no error page",
        "fields in success",
        "unknown field",
        "missing field",
        "stray dollar",
    ],
)
def test_missing_or_broken_pages_fail_when_loaded(
    tmp_path: Path, success: str | None, error: str | None, raised: type[Exception], match: str
) -> None:
    with pytest.raises(raised, match=match):
        loopback_pages.Pages.load(_pages(tmp_path, success, error))


def test_a_missing_or_templated_signed_out_page_fails_when_loaded(tmp_path: Path) -> None:
    fields = "$title $error $description"
    with pytest.raises(FileNotFoundError, match=loopback_pages.SIGNED_OUT_PAGE):
        loopback_pages.Pages.load(_pages(tmp_path, "ok", fields, None))
    with pytest.raises(ValueError, match="exactly: none"):
        loopback_pages.Pages.load(_pages(tmp_path, "ok", fields, "bye $title"))


def test_a_missing_folder_says_how_to_point_elsewhere(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="pages_dir="):
        loopback_pages.Pages.load(tmp_path / "nope")


def test_pages_load_from_any_folder(tmp_path: Path) -> None:
    shutil.copy(PAGES / loopback_pages.ERROR_PAGE, tmp_path)
    shutil.copy(PAGES / loopback_pages.SIGNED_OUT_PAGE, tmp_path)
    (tmp_path / loopback_pages.SUCCESS_PAGE).write_text("<p>bundled</p>", encoding="utf-8")
    assert loopback_pages.Pages.load(tmp_path).success == b"<p>bundled</p>"
