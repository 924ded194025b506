"""Where the project's documentation is, for Help > About: the Markdown files that ship
in the repository (README.md, docs/*.md), opened from disk when they are there (a
source checkout, or a packaged build that bundles them), else from the project's
published copy when it has one (:data:`PUBLISHED_DOCS_URL`).

Standard library only (no Qt): :func:`links` is the list the dialog shows.
"""

from __future__ import annotations

import dataclasses
import urllib.parse
from pathlib import Path

from desktop_app import resources

#: The project's published documentation (the repository's README.md and docs/ at a
#: web address), the base the relative paths in :data:`DOCUMENTS` are joined to. None:
#: the project publishes none yet, so a build without the files links to them nowhere.
#: When it does, set it here (and as ``Documentation`` in pyproject's [project.urls]).
PUBLISHED_DOCS_URL: str | None = None

#: Amazon's guide to user pools, which every build can link to.
COGNITO_GUIDE_URL = (
    "https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools.html"
)

#: The documents a person using the app may want, in the order About lists them:
#: (path from the repository root, title).
DOCUMENTS: tuple[tuple[str, str], ...] = (
    ("README.md", "Getting started"),
    ("docs/configuration.md", "Configuration"),
    ("docs/local-cognito.md", "The offline stand-in (cognito-local)"),
    ("docs/SECURITY.md", "Security"),
    ("docs/csv-format.md", "CSV files"),
    ("docs/migration.md", "Moving users to another pool"),
    ("docs/protected-api.md", "The protected API"),
    ("docs/deploy-aws.md", "Deploying to AWS"),
    ("docs/ARCHITECTURE.md", "Architecture"),
)


@dataclasses.dataclass(frozen=True)
class Link:
    """One documentation link: its title and URL (``file://`` when on disk)."""

    title: str
    url: str
    local: bool


def root() -> Path:
    """Where README.md and docs/ would be: the packaged build's folder, else the
    source checkout this package runs from."""
    return resources.bundle_dir() or Path(__file__).resolve().parents[1]


def links(base: Path | None = None, published: str | None = PUBLISHED_DOCS_URL) -> list[Link]:
    """The project's documents (a local file when it exists under ``base``, else the
    published copy, else left out), then Amazon's Cognito guide."""
    base = root() if base is None else base
    found: list[Link] = []
    for relative, title in DOCUMENTS:
        local = base / relative
        if local.is_file():
            found.append(Link(title, local.resolve().as_uri(), local=True))
        elif published:
            found.append(Link(title, urllib.parse.urljoin(published, relative), local=False))
    found.append(Link("Amazon Cognito user pools (AWS)", COGNITO_GUIDE_URL, local=False))
    return found
