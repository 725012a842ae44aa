"""Bulk inserts for the hot paths (referral intake, the strategy runner): many rows, few
round trips.

On PostgreSQL the rows go through ``COPY`` (several times faster than INSERT), with their
ids taken from the table's sequence first so the caller learns them; on SQLite, one
multi-row INSERT ... RETURNING.  Either way inside the session's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import JSON, Table, any_, bindparam, insert, inspect, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, make_transient_to_detached

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


def add_copied(db: Session, objects: Sequence[Any]) -> None:
    """Add new ORM ``objects`` (all of one model) to the session, written at once.

    On PostgreSQL, outside a savepoint, they are COPY'd with ids from the table's
    sequence, then attached as if loaded (persistent, in the identity map, nothing left
    to flush).  A flush would instead write one INSERT per object (psycopg's pipeline)
    or one INSERT ... VALUES ... RETURNING of them all, which psycopg rewrites in Python
    at a cost that grows with its length, and a statement trigger would fire per INSERT
    where COPY fires it once.  (Rows nothing reads again in the transaction are cheaper
    still as plain rows through ``insert_rows``: attaching costs as much as the COPY.)
    Inside a savepoint (which may roll back without the objects: only the ORM's own
    writes are undone with its bookkeeping) and on SQLite, an ordinary add and flush."""
    if not objects:
        return
    if db.get_bind().dialect.name != "postgresql" or db.in_nested_transaction():
        db.add_all(objects)
        db.flush()
        return
    model = type(objects[0])
    mapper = inspect(model)
    table = model.__table__
    assert isinstance(table, Table)
    props = [(p.key, p.columns[0]) for p in mapper.column_attrs if p.columns[0].key != "id"]
    # The attributes as set (``__dict__``: never a lazy load); a column left unset on a
    # new object reads None, so a NOT NULL column with a default gets it as an INSERT would.
    defaulted = [(key, column) for key, column in props
                 if column.default is not None and not column.nullable]  # fmt: skip
    for obj in objects:
        values = obj.__dict__
        for key, column in defaulted:
            if values.get(key) is None:
                arg = column.default.arg
                setattr(obj, key, arg(None) if callable(arg) else arg)
    rows = [{column.key: obj.__dict__.get(key) for key, column in props} for obj in objects]
    ids = _copy(db, table, rows, True)
    for obj, obj_id in zip(objects, ids, strict=True):
        obj.id = obj_id
        make_transient_to_detached(obj)
        db.add(obj)


def _copy(db: Session, table: Table, rows: Sequence[dict[str, Any]], return_ids: bool) -> list[int]:
    import psycopg
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
    statement = f'COPY "{table.name}" ({names}) FROM STDIN'
    try:
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for index, row in enumerate(rows):
                values = [Jsonb(row[n]) if n in json_fields else row[n] for n in fields]
                copy.write_row([ids[index], *values] if return_ids else values)
    except psycopg.Error as exc:  # as SQLAlchemy would raise it (IntegrityError, …)
        raise DBAPIError.instance(statement, None, exc, psycopg.Error) from exc
    return ids


def one_of(db: Session, column: Any, values: Sequence[Any]) -> Any:
    """``column IN values`` for look-ups of thousands of values: on PostgreSQL one array
    parameter (``= ANY(...)``), since a statement of thousands of bind parameters costs
    more to send and parse than to run; elsewhere an ordinary IN."""
    if db.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(values)
