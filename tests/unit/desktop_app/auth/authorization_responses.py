"""Authorization responses and what each one must come to, for every path that reads them.

One table (:data:`CASES`) for :func:`desktop_app.auth.authorization.parse_authorization_response`,
the paste-back path and the loopback receiver (``test_authorization.py``,
``test_loopback.py``): the paths cannot disagree if they pass the same table.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable

import pytest

from desktop_app import errors

STATE = "st4te-Zk3pQ9wXyL0aBcDeFgHiJkLmNoPqRsTuVw"
MALFORMED = "malformed"
NO_CODE = "malformed.*no authorization code"


@dataclasses.dataclass(frozen=True)
class Case:
    """A redirect's query (``{state}`` stands for :data:`STATE`) and its verdict: the
    ``code`` it yields, or the exception type it raises with text matching ``match``
    (and, for a denial, the ``error`` and ``description`` it carries)."""

    name: str
    query: str
    code: str | None = None
    raises: type[errors.SignInError] | None = None
    match: str = ""
    error: str | None = None
    description: str | None = None

    @property
    def text(self) -> str:
        return self.query.format(state=STATE)

    @property
    def is_response(self) -> bool:
        """Whether it carries ``code`` or ``error`` (else the receiver treats the request
        as a stray one, and only the paste-back path gives a verdict)."""
        names = {pair.partition("=")[0] for pair in self.text.split("&")}
        return bool(names & {"code", "error"})

    def check(self, verdict: Callable[[], str]) -> None:
        """Assert that ``verdict()`` returns or raises what this case says."""
        if self.raises is None:
            assert verdict() == self.code
            return
        with pytest.raises(errors.SignInError, match=self.match) as caught:
            verdict()
        assert type(caught.value) is self.raises
        if isinstance(caught.value, errors.AuthorizationDenied):
            assert (caught.value.error, caught.value.description) == (
                self.error,
                self.description,
            )


def _denied(name: str, query: str, error: str, description: str | None = None) -> Case:
    """An AuthorizationDenied: its line, as the CLI prints it, exactly."""
    shown = f"sign-in was refused: {error}" + (f" ({description})" if description else "")
    return Case(
        name,
        query,
        raises=errors.AuthorizationDenied,
        match=f"^{re.escape(shown)}$",
        error=error,
        description=description,
    )


def _mismatch(name: str, query: str) -> Case:
    return Case(name, query, raises=errors.StateMismatch, match="state check failed")


def _malformed(name: str, query: str, match: str = MALFORMED) -> Case:
    """A plain SignInError: not a denial, not a state failure."""
    return Case(name, query, raises=errors.SignInError, match=match)


CASES = [
    Case("code", "code=c0de-8f14e45f&state={state}", code="c0de-8f14e45f"),
    Case("any order", "state={state}&code=abc-DEF_123", code="abc-DEF_123"),
    Case("other parameters ignored", "code=c&state={state}&session_state=x", code="c"),
    # state first (RFC 6749 10.12): exactly one, ours, or nothing else is believed
    _mismatch("state missing", "code=c"),
    _mismatch("state empty", "code=c&state="),
    _mismatch("state wrong", "code=c&state=wrong-{state}"),
    _mismatch("state longer", "code=c&state={state}x"),
    _mismatch("state twice", "code=c&state={state}&state={state}"),
    _mismatch("two states", "code=c&state={state}&state=other"),
    _mismatch("state in capitals", "code=c&STATE={state}"),
    _mismatch("state not ascii", "code=c&state=%C3%A9t%C3%A9"),  # still a constant-time compare
    _mismatch("forged error", "error=access_denied&error_description=forged&state=forged"),
    # an error means the sign-in failed, whatever else came with it (RFC 6749 4.1.2.1)
    _denied(
        "error",
        "error=access_denied&error_description=User+cancelled+the+sign-in&state={state}",
        "access_denied",
        "User cancelled the sign-in",
    ),
    _denied("error without description", "error=server_error&state={state}", "server_error"),
    _denied("code and error", "code=c&error=access_denied&state={state}", "access_denied"),
    _denied(
        "control characters",
        "error=access_denied&error_description=a%1B%5B2Jb%0Ac&state={state}",
        "access_denied",
        "a\ufffd[2Jb\ufffdc",  # no terminal escapes: the CLI prints it
    ),
    _denied(
        "long error",
        "error=" + "e" * 150 + "&error_description=" + "d" * 600 + "&state={state}",
        "e" * 99 + "\u2026",
        "d" * 499 + "\u2026",
    ),
    _malformed("empty error", "error=&state={state}"),
    _malformed("two errors", "error=a&error=b&state={state}"),
    _malformed("two descriptions", "error=a&error_description=x&error_description=y&state={state}"),
    _malformed("code missing", "state={state}", NO_CODE),
    _malformed("code empty", "code=&state={state}", NO_CODE),
    _malformed("two codes", "code=a&code=b&state={state}", NO_CODE),
]
