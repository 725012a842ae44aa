"""Importing the bank's statement of the trust account (CSV or BAI2, read by
``commission.bank_statement``): refused whole when it cannot be read, or when its days
overlap a statement imported before (each day is imported once, or its lines would be
counted twice).  Flushes, never commits."""

from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from agency.commission.bank_statement import read_statement
from agency.commission.refusals import StatementRefused
from agency.commission.trust.models import BankImport, BankStatementLine

FILE_NAME_MAX = 200


def import_statement(
    db: Session, *, data: bytes, file_name: str, account: str | None, by_user_id: int | None
) -> BankImport:
    """The statement's lines kept; ``StatementError`` (naming the line) when unreadable."""
    lines = read_statement(data, file_name, account=account or None)
    if not lines:
        raise StatementRefused("file", "has no transactions to import")
    first, last = min(line.on for line in lines), max(line.on for line in lines)
    overlap = db.scalar(
        select(BankImport)
        .where(BankImport.first_on <= last, BankImport.last_on >= first)
        .order_by(BankImport.id)
        .limit(1)
    )
    if overlap is not None:
        raise StatementRefused(
            "file",
            f"its days {first.isoformat()} to {last.isoformat()} overlap the statement "
            f"imported as {overlap.file_name!r} ({overlap.first_on} to {overlap.last_on}): "
            "import each day once",
        )
    kept = BankImport(
        file_name=file_name[-FILE_NAME_MAX:],
        lines=len(lines),
        first_on=first,
        last_on=last,
        total_minor=sum(line.amount_minor for line in lines),
        by_id=by_user_id,
    )
    db.add(kept)
    db.flush()
    db.execute(
        insert(BankStatementLine),
        [
            {
                "import_id": kept.id,
                "on": line.on,
                "amount_minor": line.amount_minor,
                "reference": line.reference,
                "description": line.description,
                "type_code": line.type_code,
            }
            for line in lines
        ],
    )
    return kept


def recent(db: Session, limit: int = 20) -> list[BankImport]:
    return list(db.scalars(select(BankImport).order_by(BankImport.id.desc()).limit(limit)))
