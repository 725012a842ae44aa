"""What the statements' screens read: a client's periods with their statements and
remittances, one statement (for a merchant, only its own client's), its first lines,
and the money paid to us not yet remitted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, aliased

from agency.commission.kinds import PaidTo
from agency.commission.models import (
    CommissionEntry,
    CommissionPeriod,
    PeriodEvent,
    RemittanceFile,
    RemittancePayout,
    Statement,
    StatementLine,
)

UNREMITTED_SHOWN = 500


@dataclass(frozen=True, slots=True)
class PeriodShown:
    period: CommissionPeriod
    statements: list[Statement]  # newest issue first
    payouts: dict[int, RemittancePayout]  # by statement id
    events: list[PeriodEvent]


def periods_shown(db: Session, client_id: int) -> list[PeriodShown]:
    periods = list(
        db.scalars(
            select(CommissionPeriod)
            .where(CommissionPeriod.client_id == client_id)
            .order_by(CommissionPeriod.starts_on.desc())
        )
    )
    ids = [p.id for p in periods]
    statements = list(
        db.scalars(
            select(Statement)
            .where(Statement.period_id.in_(ids))
            .order_by(Statement.currency, Statement.issue.desc())
        )
    )
    payouts = {
        p.statement_id: p
        for p in db.scalars(
            select(RemittancePayout).where(
                RemittancePayout.statement_id.in_([s.id for s in statements])
            )
        )
    }
    events = list(
        db.scalars(
            select(PeriodEvent).where(PeriodEvent.period_id.in_(ids)).order_by(PeriodEvent.id)
        )
    )
    return [
        PeriodShown(
            period=p,
            statements=[s for s in statements if s.period_id == p.id],
            payouts=payouts,
            events=[e for e in events if e.period_id == p.id],
        )
        for p in periods
    ]


def period(db: Session, period_id: int) -> CommissionPeriod:
    found = db.get(CommissionPeriod, period_id)
    assert found is not None  # a statement's period is never deleted (RESTRICT)
    return found


def statement(db: Session, statement_id: int, *, client_id: int | None = None) -> Statement | None:
    """The statement; with ``client_id``, only when it is that client's."""
    query = select(Statement).where(Statement.id == statement_id)
    if client_id is not None:
        query = query.where(Statement.client_id == client_id)
    return db.scalar(query)


def statements_of(db: Session, client_id: int) -> list[tuple[Statement, CommissionPeriod]]:
    query = (
        select(Statement, CommissionPeriod)
        .join(CommissionPeriod, CommissionPeriod.id == Statement.period_id)
        .where(Statement.client_id == client_id)
        .order_by(CommissionPeriod.starts_on.desc(), Statement.currency, Statement.issue.desc())
    )
    return [(s, p) for s, p in db.execute(query)]


def reference_of(db: Session, statement_id: int | None) -> str | None:
    if statement_id is None:
        return None
    return db.scalar(select(Statement.reference).where(Statement.id == statement_id))


def payout_of(db: Session, statement_id: int) -> RemittancePayout | None:
    return db.scalar(select(RemittancePayout).where(RemittancePayout.statement_id == statement_id))


@dataclass(frozen=True, slots=True)
class Unremitted:
    entry_id: int
    case_id: int
    on: date
    clears_on: date
    amount_minor: int
    currency: str
    listed: bool  # on a statement already, uncleared then


def unremitted(db: Session, client_id: int) -> tuple[list[Unremitted], int]:
    """Money paid to us whose remittance is still to come (the first
    ``UNREMITTED_SHOWN`` by the day it clears), and how many there are."""
    line, sheet = aliased(StatementLine), aliased(Statement)
    remitted = (
        exists()
        .where(line.entry_id == CommissionEntry.id, line.remitted.is_(True))
        .where(sheet.id == line.statement_id, sheet.current.is_(True))
    )
    any_line, any_sheet = aliased(StatementLine), aliased(Statement)
    listed = (
        exists()
        .where(any_line.entry_id == CommissionEntry.id)
        .where(any_sheet.id == any_line.statement_id, any_sheet.current.is_(True))
    )
    where = (
        CommissionEntry.client_id == client_id,
        CommissionEntry.paid_to == PaidTo.AGENCY,
        ~remitted,
    )
    count = db.scalar(select(func.count()).select_from(CommissionEntry).where(*where)) or 0
    rows = db.execute(
        select(
            CommissionEntry.id,
            CommissionEntry.case_id,
            CommissionEntry.on,
            CommissionEntry.clears_on,
            CommissionEntry.amount_minor,
            CommissionEntry.currency,
            listed,
        )
        .where(*where)
        .order_by(CommissionEntry.clears_on, CommissionEntry.id)
        .limit(UNREMITTED_SHOWN)
    )
    return [Unremitted(*row) for row in rows], int(count)


def files(db: Session, limit: int = 50) -> list[RemittanceFile]:
    return list(db.scalars(select(RemittanceFile).order_by(RemittanceFile.id.desc()).limit(limit)))


def remittance_file(db: Session, file_id: int) -> RemittanceFile | None:
    return db.get(RemittanceFile, file_id)
