"""The pages the loopback receiver shows the browser, and the headers they go out with.

Three HTML files from ``resources/``: fixed success and signed-out pages, and an error page with
exactly the placeholders ``$title``, ``$error`` and ``$description``, each filled in
HTML-escaped (the error and its description come from the query string). Both are
checked when loaded, so a broken bundle fails before the browser is opened.
"""

from __future__ import annotations

import dataclasses
import html
import string
from pathlib import Path

SUCCESS_PAGE = "callback_success.html"
ERROR_PAGE = "callback_error.html"
SIGNED_OUT_PAGE = "signed_out.html"
_ERROR_FIELDS = frozenset({"title", "error", "description"})

#: Sent with every page: nothing cached, no Referer (the URL holds the code), nothing
#: loaded or run from elsewhere.
HEADERS = (
    ("Content-Type", "text/html; charset=utf-8"),
    ("Cache-Control", "no-store"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Content-Type-Options", "nosniff"),
    ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'"),
    ("Connection", "close"),
)


@dataclasses.dataclass(frozen=True)
class Pages:
    """The pages, loaded and checked."""

    success: bytes
    error: string.Template
    signed_out: bytes

    @classmethod
    def load(cls, directory: Path) -> Pages:
        """Every page from ``directory``: ``FileNotFoundError`` if one is missing,
        ``ValueError`` if the error page's placeholders are not exactly the three (or a
        fixed page has any)."""
        if not directory.is_dir():
            raise FileNotFoundError(
                f"sign-in pages folder not found: {directory} (pass pages_dir= to the receiver)"
            )
        success = _template(directory / SUCCESS_PAGE, frozenset()).substitute().encode()
        error = _template(directory / ERROR_PAGE, _ERROR_FIELDS)
        signed_out = _template(directory / SIGNED_OUT_PAGE, frozenset()).substitute().encode()
        return cls(success, error, signed_out)

    def render_error(self, title: str, error: str, description: str) -> bytes:
        """The error page with every field HTML-escaped."""
        fields = {"title": title, "error": error, "description": description}
        return self.error.substitute({k: html.escape(v) for k, v in fields.items()}).encode()


def _template(path: Path, fields: frozenset[str]) -> string.Template:
    try:
        template = string.Template(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"sign-in page not found: {path}") from None
    if not template.is_valid() or set(template.get_identifiers()) != fields:
        wanted = ", ".join(f"${name}" for name in sorted(fields)) or "none"
        raise ValueError(f"{path}: placeholders must be exactly: {wanted}")
    return template
