"""What a failed write says about the data written.

A bulk write (COPY on PostgreSQL, a multi-row INSERT on SQLite) fails whole when one
row's value is one the database refuses: out of range, too long, a broken constraint.
``row_fault`` tells those apart from faults that are nobody's data — a lost connection,
a lock or statement timeout, a bug — which must never be blamed on a row.  Its reason
names the database's column at most, never a value or our constraint's name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import exc as sa_exc

_COPY_COLUMN = re.compile(r"\bcolumn (\w+)")
_SQLITE_COLUMN = re.compile(r"constraint failed: \w+\.(\w+)")


# A check or key the row breaks: what the merchant reads on the placement's result.  The
# constraint's name (say ``ck_cases_buckets_not_negative``) is ours, not theirs.
BROKEN = "a value is not one our records accept"


@dataclass(frozen=True)
class RowFault:
    reason: str  # "a value is out of range for the database"
    column: str | None = None  # the database column, when the database named it


def row_fault(error: BaseException) -> RowFault | None:
    """The data fault ``error`` reports, or None when it is not one."""
    cause = error.orig if isinstance(error, sa_exc.DBAPIError) else error
    if cause is None:
        return None
    if isinstance(cause, OverflowError):  # sqlite3 binding an int beyond 64 bits
        return RowFault("a value is out of range for the database")
    if isinstance(cause, UnicodeEncodeError):
        return RowFault("a value has characters the database cannot store")
    return _postgresql(cause) or _sqlite(cause)


def _postgresql(cause: BaseException) -> RowFault | None:
    try:
        from psycopg import errors
    except ImportError:  # pragma: no cover - psycopg is a dependency
        return None
    if not isinstance(cause, errors.DataError | errors.IntegrityError):
        return None
    diag = getattr(cause, "diag", None)
    column = getattr(diag, "column_name", None)
    context = getattr(diag, "context", None) or ""
    found = _COPY_COLUMN.search(context)
    column = column or (found.group(1) if found else None)
    if isinstance(cause, errors.NumericValueOutOfRange):
        return RowFault("a value is out of range for the database", column)
    if isinstance(cause, errors.StringDataRightTruncation):
        return RowFault("a value is too long for the database", column)
    if isinstance(cause, errors.IntegrityError):
        return RowFault(BROKEN, column)
    return RowFault("a value is not one the database accepts", column)


def _sqlite(cause: BaseException) -> RowFault | None:
    import sqlite3

    if not isinstance(cause, sqlite3.IntegrityError | sqlite3.DataError):
        return None
    column = _SQLITE_COLUMN.search(str(cause))
    return RowFault(BROKEN, column.group(1) if column else None)
