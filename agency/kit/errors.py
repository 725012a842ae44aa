"""Exceptions a view raises to end a request with a clear 4xx.  Raising (rather than
returning) makes the request's transaction roll back, so nothing is half-written."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response


class NotFound(Exception):
    """The thing does not exist, or not for this user (the same answer on purpose)."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} not found")
        self.what = what


class ResponseError(Exception):
    """Abort the request with ``response``, e.g. a form re-rendered with its errors (422)."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


class ApiError(Exception):
    """A request the API refuses with ``status`` and a readable ``detail``."""

    def __init__(self, status: int, detail: str, errors: list[dict[str, Any]] | None = None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors


def api_error_response(exc: ApiError) -> JSONResponse:
    body: dict[str, Any] = {"detail": exc.detail}
    if exc.errors is not None:
        body["errors"] = exc.errors
    return JSONResponse(body, status_code=exc.status)
