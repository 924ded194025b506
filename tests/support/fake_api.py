"""Test doubles for the protected API as the desktop app's pure-Python layers see it.

- :class:`FakeApi`: what :mod:`desktop_app.api.admin` needs of the API client
  (``get_json`` and ``request``): answers from a table by ``(method, path)``, else a
  default answer; an answer that is an exception is raised. Records every request.
- :class:`FakeTokens`: a token source for :class:`desktop_app.api.client.ApiClient`:
  ``tok-N`` until refreshed, then ``tok-N+1``.
"""

from __future__ import annotations

from typing import Any


class FakeResponse:
    def __init__(self, body: Any) -> None:
        self.body = body

    def json(self) -> Any:
        return self.body


class FakeApi:
    """See the module docstring. ``answers[(method, path)]`` wins over ``answer``;
    ``fail_with``, when set, is raised for every request."""

    def __init__(
        self, answer: Any = None, answers: dict[tuple[str, str], Any] | None = None
    ) -> None:
        self.answer = answer
        self.answers: dict[tuple[str, str], Any] = dict(answers or {})
        self.fail_with: BaseException | None = None
        self.requests: list[tuple[str, str, Any]] = []
        self.params: list[dict[str, Any] | None] = []

    @property
    def calls(self) -> int:
        return len(self.requests)

    def get_json(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.request("GET", path, params=params).json()

    def request(
        self, method: str, path: str, *, json: Any = None, params: dict[str, Any] | None = None
    ) -> Any:
        self.requests.append((method, path, json))
        self.params.append(params)
        if self.fail_with is not None:
            raise self.fail_with
        answer = self.answers.get((method, path), self.answer)
        if isinstance(answer, BaseException):
            raise answer
        return FakeResponse(answer)


class FakeTokens:
    """See the module docstring."""

    def __init__(self, refresh_error: Exception | None = None) -> None:
        self.version = 1
        self.access_calls = 0
        self.refreshes = 0
        self.refresh_error = refresh_error

    def access_token(self, *, min_valid: float = 60.0) -> str:
        self.access_calls += 1
        return f"tok-{self.version}"

    def refresh(self) -> object:
        self.refreshes += 1
        if self.refresh_error is not None:
            raise self.refresh_error
        self.version += 1
        return object()
