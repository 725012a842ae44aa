"""Bulk inserts for the hot paths (referral intake): many rows, few round trips.

On PostgreSQL the rows go through ``COPY`` (several times faster than INSERT), with their
ids taken from the table's sequence first so the caller learns them; on SQLite, one
multi-row INSERT ... RETURNING.  Either way inside the session's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import JSON, Table, any_, bindparam, insert, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from agency.db import Base


def insert_rows(
    db: Session, model: type[Base], rows: Sequence[dict[str, Any]], *, return_ids: bool = False
) -> list[int]:
    """Insert ``rows`` (dicts with the same keys) into ``model``'s table; their new ids,
    in order, when ``return_ids``."""
    table = model.__table__
    assert isinstance(table, Table)
    if not rows:
        return []
    if db.get_bind().dialect.name == "postgresql":
        return _copy(db, table, rows, return_ids)
    if return_ids:
        result = db.execute(
            insert(table).returning(table.c.id, sort_by_parameter_order=True), list(rows)
        )
        return [row_id for (row_id,) in result]
    db.execute(insert(table), list(rows))
    return []


def _copy(db: Session, table: Table, rows: Sequence[dict[str, Any]], return_ids: bool) -> list[int]:
    from psycopg.types.json import Jsonb

    fields = list(rows[0])
    json_fields = {name for name in fields if isinstance(table.c[name].type, JSON)}
    ids: list[int] = []
    if return_ids:
        ids = list(
            db.scalars(
                text(
                    "SELECT nextval(pg_get_serial_sequence(:table, 'id')) "
                    "FROM generate_series(1, :count)"
                ),
                {"table": table.name, "count": len(rows)},
            )
        )
    columns = (["id"] if return_ids else []) + fields
    raw = db.connection().connection.driver_connection
    assert raw is not None
    names = ", ".join(f'"{name}"' for name in columns)
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for index, row in enumerate(rows):
            values = [Jsonb(row[name]) if name in json_fields else row[name] for name in fields]
            copy.write_row([ids[index], *values] if return_ids else values)
    return ids


def one_of(db: Session, column: Any, values: Sequence[Any]) -> Any:
    """``column IN values`` for look-ups of thousands of values: on PostgreSQL one array
    parameter (``= ANY(...)``), since a statement of thousands of bind parameters costs
    more to send and parse than to run; elsewhere an ordinary IN."""
    if db.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(values)
