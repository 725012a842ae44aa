"""Exceptions a view raises to end a request with a clear 4xx.  Raising (rather than
returning) makes the request's transaction roll back, so nothing is half-written."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
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


# ---- the shapes of error answers, for the OpenAPI document -------------------------------


class Problem(BaseModel):
    """Every error answer has a ``detail`` for a person."""

    detail: str


class InvalidParameters(Problem):
    """422 for a path, query or header value the route cannot take: ``errors`` maps
    each parameter to what is wrong with it."""

    errors: dict[str, str]


class FieldError(BaseModel):
    """Which field (or file column) is wrong, and why."""

    column: str
    message: str


class Refused(Problem):
    """422 for a request the route understood but cannot carry out: ``errors`` says
    which field and why."""

    errors: list[FieldError] | None = None


_MEANINGS = {
    400: "The body is not valid JSON, or a value in it cannot be read; `detail` says where.",
    401: "No usable credential: an API key for machines (`Authorization: Bearer …`).",
    403: "The credential may not do this (an inactive client, another role).",
    404: "There is no such thing, or it is not the caller's.",
    409: "In conflict with an earlier request (an Idempotency-Key reused).",
    413: "The request or its body is over the limit; `detail` gives the limit.",
    422: "A parameter or field is invalid, or the request cannot be carried out.",
    503: "The database was busy with the same record; nothing was written. Retry after "
    "the `Retry-After` seconds.",
}


def api_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` of those error statuses, with their real bodies."""
    return {
        status: {
            "description": _MEANINGS[status],
            "model": InvalidParameters | Refused if status == 422 else Problem,
        }
        for status in statuses
    }


# Every API route can answer these, whatever it does.
COMMON_API_ERRORS = (401, 413, 422, 503)
