"""Bounds for what a URL carries: ids, and no NUL characters.

Keys are PostgreSQL BIGINTs: a larger number in a URL can name no row, and, unchecked,
it would reach the database and fail there (an overflow on PostgreSQL, an
``OverflowError`` in SQLite's driver).  Every id a route takes is one of these types,
(or a query parameter bounded by ``MAX_ID``), so it is refused as an invalid request
before any query runs.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Request
from fastapi.exceptions import RequestValidationError
from pydantic import Field

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
