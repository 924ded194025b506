"""One error body for the whole API: ``{"error": code, "message": text}``.

FastAPI's defaults answer ``{"detail": ...}`` and echo the rejected input in
422s; the input may be bytes that are not UTF-8, a NaN, a lone surrogate or a
megabyte string, any of which turned the 422 into a 500, and echoing it helps
nobody. Error answers are never cached. :func:`body` gives the same shape to code
that answers before FastAPI sees the request (:mod:`protected_api.request_limits`).
"""

from __future__ import annotations

import json

import fastapi
from starlette.exceptions import HTTPException

_CODES = {
    400: "invalid_request",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    431: "too_large",
}


def body(status: int, message: str) -> dict[str, str]:
    """The API's error body for ``status``: ``{"error": code, "message": message}``."""
    return {"error": _CODES.get(status, "http_error"), "message": message}


def install(app: fastapi.FastAPI) -> None:
    """Register the HTTP-error and validation-error handlers on ``app``."""

    @app.exception_handler(HTTPException)
    async def _http_error(request: fastapi.Request, exc: HTTPException) -> fastapi.Response:
        headers = {**(exc.headers or {}), "Cache-Control": "no-store"}
        return fastapi.responses.JSONResponse(
            body(exc.status_code, str(exc.detail)), status_code=exc.status_code, headers=headers
        )

    @app.exception_handler(fastapi.exceptions.RequestValidationError)
    async def _invalid_request(
        request: fastapi.Request, exc: fastapi.exceptions.RequestValidationError
    ) -> fastapi.Response:
        detail = [
            {
                "type": str(e["type"]),
                "loc": [p if isinstance(p, int) else str(p) for p in e["loc"]],
                "msg": str(e["msg"]),
            }
            for e in exc.errors()
        ]
        document = {**body(400, "the request is not valid"), "detail": detail}
        return fastapi.Response(
            json.dumps(document, ensure_ascii=True),
            status_code=422,
            media_type="application/json",
            headers={"Cache-Control": "no-store"},
        )
