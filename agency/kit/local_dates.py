"""A stored instant's calendar day, and month, in a time zone — as SQL, the same answer on
both databases, so reports group by the agency's day in the database rather than in
Python: PostgreSQL's ``AT TIME ZONE``; on SQLite, which knows no zones, two Python
functions every connection registers (``agency.db``'s ``_sqlite_functions``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Date
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import GenericFunction


class local_date(GenericFunction[date]):  # noqa: N801 (an SQL function's name)
    """``local_date(column, "America/New_York")``: the day the instant fell on there."""

    type = Date()
    name = "agency_local_date"
    inherit_cache = True


class local_month(GenericFunction[date]):  # noqa: N801
    """``local_month(column, zone)``: the first day of the month the instant fell in."""

    type = Date()
    name = "agency_local_month"
    inherit_cache = True


class month_start(GenericFunction[date]):  # noqa: N801
    """``month_start(date_column)``: the first day of the date's month (no zone: a date
    is already someone's)."""

    type = Date()
    name = "agency_month_start"
    inherit_cache = True


@compiles(month_start, "postgresql")
def _month_start_postgresql(element: month_start, compiler: SQLCompiler, **kw: Any) -> str:
    (column,) = list(element.clauses)
    return f"CAST(date_trunc('month', {compiler.process(column, **kw)}) AS DATE)"


@compiles(month_start, "sqlite")
def _month_start_sqlite(element: month_start, compiler: SQLCompiler, **kw: Any) -> str:
    (column,) = list(element.clauses)
    return f"date({compiler.process(column, **kw)}, 'start of month')"


def _arguments(element: GenericFunction[date], compiler: SQLCompiler, **kw: Any) -> tuple[str, str]:
    column, zone_name = list(element.clauses)
    return compiler.process(column, **kw), compiler.process(zone_name, **kw)


@compiles(local_date, "postgresql")
def _local_date_postgresql(element: local_date, compiler: SQLCompiler, **kw: Any) -> str:
    column, zone_name = _arguments(element, compiler, **kw)
    return f"CAST(({column} AT TIME ZONE {zone_name}) AS DATE)"


@compiles(local_month, "postgresql")
def _local_month_postgresql(element: local_month, compiler: SQLCompiler, **kw: Any) -> str:
    column, zone_name = _arguments(element, compiler, **kw)
    return f"CAST(date_trunc('month', {column} AT TIME ZONE {zone_name}) AS DATE)"
