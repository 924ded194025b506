"""The one error every admin operation raises, and the answer it becomes.

:class:`AdminError` carries what the client sees: an HTTP status, a short
``error`` code, a message safe to show and, for 429 and 503, how long to wait.
Cognito's failures become one in :mod:`protected_api.cognito_errors`; a bad
search (:mod:`protected_api.user_search`) and the self-lockout rule
(:mod:`protected_api.self_lockout`) raise one themselves. :func:`install` turns
it into ``{"error": code, "message": ...}`` JSON that no cache keeps.
"""

from __future__ import annotations

import fastapi


class AdminError(Exception):
    """An admin operation failed; ``status``/``code``/``message`` are what the client sees."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        retry_after: int | None = None,
        upstream: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after
        # Cognito's own error code, when Cognito answered (``UsernameExistsException``):
        # ``already_exists`` alone cannot tell a taken username from a taken alias.
        self.upstream = upstream


def install(app: fastapi.FastAPI) -> None:
    """Register the handler that answers :class:`AdminError` with ``{"error", "message"}``
    (and ``Retry-After`` when the error says how long to wait)."""

    @app.exception_handler(AdminError)
    async def _admin_error(request: fastapi.Request, exc: AdminError) -> fastapi.Response:
        # Admin answers hold people's personal data, error answers included.
        headers = {"Cache-Control": "no-store"}
        if exc.retry_after is not None:
            headers["Retry-After"] = str(exc.retry_after)
        body = {"error": exc.code, "message": exc.message}
        return fastapi.responses.JSONResponse(body, status_code=exc.status, headers=headers)
