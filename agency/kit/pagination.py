"""Sorted, paginated lists: one request shape, one result shape, one query helper."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, Literal, TypeVar

from fastapi import Query
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from agency.config import get_settings

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PageRequest:
    page: int = 1
    size: int = 25
    sort: str | None = None
    dir: Literal["asc", "desc"] = "asc"


def page_request(
    page: Annotated[int, Query(ge=1, le=1_000_000, description="1-based page number")] = 1,
    size: Annotated[int | None, Query(ge=1, le=200, description="rows per page")] = None,
    sort: Annotated[str | None, Query(max_length=40)] = None,
    dir: Annotated[Literal["asc", "desc"], Query()] = "asc",
) -> PageRequest:
    """FastAPI dependency: the paging and sorting part of a list's query string."""
    return PageRequest(page=page, size=size or get_settings().page_size, sort=sort, dir=dir)


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: Sequence[T]
    total: int
    page: int
    size: int
    sort: str | None
    dir: str

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.size))

    @property
    def first_row(self) -> int:
        return 0 if self.total == 0 else (self.page - 1) * self.size + 1

    @property
    def last_row(self) -> int:
        return min(self.total, self.page * self.size)


def paginate(
    db: Session,
    query: Select[T],
    request: PageRequest,
    sorts: Mapping[str, ColumnElement[Any] | Any],
    *,
    tiebreak: Any,
    default_sort: str | None = None,
    default_dir: Literal["asc", "desc"] = "asc",
) -> Page[T]:
    """Run ``query`` for one page, ordered by an allowed sort key (unknown keys fall back).

    ``tiebreak`` (usually the primary key) makes the order total, so rows never repeat
    or vanish between pages.
    """
    sort, direction = request.sort, request.dir
    if sort not in sorts:
        sort, direction = default_sort, default_dir
    total = db.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    pages = max(1, math.ceil(total / request.size))
    page = min(request.page, pages)
    ordered = query
    if sort is not None:
        column = sorts[sort]
        ordered = ordered.order_by(
            column.desc().nulls_last() if direction == "desc" else column.asc().nulls_last()
        )
    ordered = ordered.order_by(tiebreak).limit(request.size).offset((page - 1) * request.size)
    items = list(db.scalars(ordered).unique())
    return Page(items, total, page, request.size, sort, direction)
