"""Tampering with the ledger as anyone with database access can: past the append-only
triggers (PostgreSQL: as a superuser, ``session_replication_role = replica``), writing
rows directly, and re-sealing a chain with the app's own content function but without
the ledger key."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, delete, select, update
from sqlalchemy.orm import Session

from agency.compliance.chain import content, entry_hash
from agency.compliance.models import LedgerEntry

Database = Session | Connection
TABLE = LedgerEntry.__table__


@contextmanager
def past_the_triggers(db: Database) -> Iterator[None]:
    connection = db.connection() if isinstance(db, Session) else db
    postgres = connection.dialect.name == "postgresql"
    if postgres:
        connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
    try:
        yield
    finally:
        if postgres:
            connection.exec_driver_sql("SET LOCAL session_replication_role = origin")
        if isinstance(db, Session):
            db.expire_all()


def edit(db: Database, entry_id: int, **values: Any) -> None:
    with past_the_triggers(db):
        db.execute(update(TABLE).where(TABLE.c.id == entry_id).values(**values))


def remove(db: Database, *entry_ids: int) -> None:
    with past_the_triggers(db):
        db.execute(delete(TABLE).where(TABLE.c.id.in_(entry_ids)))


def plain_sha256(entry: Any) -> str:
    """The unkeyed seal: what the app computed before the ledger was keyed."""
    return hashlib.sha256(content(entry)).hexdigest()


def wrong_key(entry: Any) -> str:
    return entry_hash(entry, b"a key that is not the ledger's, 0123456789abcdef")


def reseal(
    db: Database, consumer_id: int, from_entry_id: int, seal: Callable[[Any], str], **change: Any
) -> None:
    """Change entry ``from_entry_id`` and re-seal it and every later entry of the chain
    with ``seal``, so each links to the one before it again."""
    rows = db.execute(
        select(TABLE).where(TABLE.c.consumer_id == consumer_id).order_by(TABLE.c.id)
    ).all()
    previous: str | None = None
    with past_the_triggers(db):
        for row in rows:
            values = row._asdict()
            if row.id >= from_entry_id:
                if row.id == from_entry_id:
                    values.update(change)
                values["prev_hash"] = previous
                values["hash"] = seal(SimpleNamespace(**values))
                new = {name: values[name] for name in ("prev_hash", "hash", *change)}
                db.execute(update(TABLE).where(TABLE.c.id == row.id).values(**new))
            previous = values["hash"]
