"""What a URL's query carries: a blank value is no value, ids are bounded, no NUL.

A GET form sends every control, those left at "Any" too (``status=&client_id=``);
``BlankQueryValues`` drops those pairs once, for every route, so an empty value means
"no filter" everywhere and a route declares only what a value must be.

Keys are PostgreSQL BIGINTs: a larger number in a URL can name no row, and, unchecked,
it would reach the database and fail there (an overflow on PostgreSQL, an
``OverflowError`` in SQLite's driver).  Every id a route takes is one of these types,
(or a query parameter bounded by ``MAX_ID``), so it is refused as an invalid request
before any query runs.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import unquote_plus

from fastapi import Path, Request
from fastapi.exceptions import RequestValidationError
from pydantic import Field
from starlette.types import ASGIApp, Receive, Scope, Send

from agency.kit.forms import NUL_REFUSED

MAX_ID = 2**63 - 1

RowId = Annotated[int, Path(ge=1, le=MAX_ID)]
# The same bound for an id a form or a JSON body names (a pydantic field).
IdField = Annotated[int, Field(ge=1, le=MAX_ID)]


async def refuse_nul(request: Request) -> None:  # async: no thread for a check
    """App-wide dependency: a path or query value with a NUL character is an invalid
    request (PostgreSQL cannot store or even compare such text)."""
    for where, values in (("path", request.path_params), ("query", request.query_params)):
        for name, value in values.items():
            if "\x00" in name or (isinstance(value, str) and "\x00" in value):
                raise RequestValidationError(
                    [{"type": "value_error", "loc": (where, name), "msg": NUL_REFUSED}]
                )


def _has_value(pair: bytes) -> bool:
    _name, _sep, value = pair.partition(b"=")
    return bool(unquote_plus(value.decode("latin-1")).strip())


def without_blanks(query: bytes) -> bytes:
    """``query`` without its pairs whose value is empty or only spaces (``a=&b=2`` ->
    ``b=2``); the other pairs are kept byte for byte."""
    return b"&".join(pair for pair in query.split(b"&") if pair and _has_value(pair))


class BlankQueryValues:
    """ASGI middleware: a query parameter sent blank is treated as not sent at all."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("query_string"):
            scope = {**scope, "query_string": without_blanks(scope["query_string"])}
        await self.app(scope, receive, send)
