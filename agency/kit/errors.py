"""Exceptions a view raises to end a request with a clear 4xx.  Raising (rather than
returning) makes the request's transaction roll back, so nothing is half-written."""

from __future__ import annotations

from starlette.responses import Response


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
