"""The statements' queries: set-based, so that a client's month of a hundred thousand
entries is listed by two INSERT … SELECTs and totalled by one GROUP BY."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, case, exists, func, insert, literal, select, true
from sqlalchemy.orm import Session, aliased

from agency.commission.kinds import LineRole, PaidTo, PeriodStatus, Remittance
from agency.commission.models import (
    CommissionEntry,
    CommissionPeriod,
    FeeScheduleVersion,
    Statement,
    StatementLine,
)

LISTED = (LineRole.PERIOD, LineRole.ADJUSTMENT)
CHUNK = 5_000


def _on_current_statement(entry_id: object, roles: tuple[LineRole, ...]) -> object:
    line, statement = aliased(StatementLine), aliased(Statement)
    return (
        exists()
        .where(line.entry_id == entry_id, line.role.in_(roles))
        .where(statement.id == line.statement_id, statement.current.is_(True))
    )


def currencies_due(db: Session, client_id: int, ends_on: date) -> set[str]:
    """The currencies of the client's entries up to ``ends_on``."""
    query = (
        select(CommissionEntry.currency)
        .where(CommissionEntry.client_id == client_id, CommissionEntry.on <= ends_on)
        .distinct()
    )
    return set(db.scalars(query))


def list_lines(db: Session, statement: Statement, starts_on: date, ends_on: date) -> None:
    """Put on ``statement`` the money listed earlier, uncleared then, that has cleared
    by ``ends_on`` (released), then every entry up to ``ends_on`` on no current
    statement yet: in the period, or an adjustment to one closed before it was posted."""
    entry = CommissionEntry
    earlier_line, earlier = aliased(StatementLine), aliased(Statement)
    released = (
        select(
            literal(statement.id),
            earlier_line.entry_id,
            literal(LineRole.RELEASED.value),
            true(),
            earlier_line.paid_to,
            earlier_line.remittance,
            earlier_line.amount_minor,
            earlier_line.commission_minor,
        )
        .join(earlier, earlier.id == earlier_line.statement_id)
        .join(entry, entry.id == earlier_line.entry_id)
        .where(
            earlier.client_id == statement.client_id,
            earlier.currency == statement.currency,
            earlier.current.is_(True),
            earlier.id != statement.id,
            earlier_line.role.in_(LISTED),
            earlier_line.remitted.is_(False),
            entry.paid_to == PaidTo.AGENCY,
            entry.clears_on <= ends_on,
            ~_on_current_statement(earlier_line.entry_id, (LineRole.RELEASED,)),  # type: ignore[operator]
        )
        .order_by(earlier_line.id)
    )
    role = case((entry.on >= starts_on, LineRole.PERIOD.value), else_=LineRole.ADJUSTMENT.value)
    listed = (
        select(
            literal(statement.id),
            entry.id,
            role,
            and_(entry.paid_to == PaidTo.AGENCY, entry.clears_on <= ends_on),
            entry.paid_to,
            func.coalesce(FeeScheduleVersion.remittance, Remittance.NET.value),
            entry.amount_minor,
            entry.commission_minor,
        )
        .outerjoin(FeeScheduleVersion, FeeScheduleVersion.id == entry.schedule_id)
        .where(
            entry.client_id == statement.client_id,
            entry.currency == statement.currency,
            entry.on <= ends_on,
            ~_on_current_statement(entry.id, LISTED),  # type: ignore[operator]
        )
        .order_by(entry.on, entry.id)
    )
    columns = ["statement_id", "entry_id", "role", "remitted", "paid_to", "remittance"]
    columns += ["amount_minor", "commission_minor"]
    db.execute(insert(StatementLine).from_select(columns, released))
    db.execute(insert(StatementLine).from_select(columns, listed))


@dataclass(frozen=True, slots=True)
class Group:
    """The statement's lines of one kind: paid to whom, under a net or gross schedule,
    released (or listed), remitted now (or not)."""

    paid_to: PaidTo
    remittance: Remittance
    released: bool
    remitted: bool
    lines: int
    amount_minor: int
    commission_minor: int


def groups(db: Session, statement_id: int) -> list[Group]:
    """The statement's lines grouped: over its own lines only (see ``StatementLine``)."""
    line = StatementLine
    released = line.role == LineRole.RELEASED
    query = (
        select(
            line.paid_to,
            line.remittance,
            released,
            line.remitted,
            func.count(),
            func.coalesce(func.sum(line.amount_minor), 0),
            func.coalesce(func.sum(line.commission_minor), 0),
        )
        .where(line.statement_id == statement_id)
        .group_by(line.paid_to, line.remittance, released, line.remitted)
    )
    return [
        Group(
            paid_to=PaidTo(paid_to),
            remittance=Remittance(kind),
            released=bool(is_released),
            remitted=bool(remitted),
            lines=int(count),
            amount_minor=int(amount),
            commission_minor=int(commission),
        )
        for paid_to, kind, is_released, remitted, count, amount, commission in db.execute(query)
    ]


def carried_in(db: Session, client_id: int, currency: str, starts_on: date) -> int:
    """The balance the client's latest current statement before ``starts_on`` carried
    out (what it owed us when its remittance came out below nothing)."""
    query = (
        select(Statement.carried_out_minor)
        .join(CommissionPeriod, CommissionPeriod.id == Statement.period_id)
        .where(
            Statement.client_id == client_id,
            Statement.currency == currency,
            Statement.current.is_(True),
            CommissionPeriod.ends_on < starts_on,
        )
        .order_by(CommissionPeriod.ends_on.desc())
        .limit(1)
    )
    return int(db.scalar(query) or 0)


def earliest_open(db: Session, client_id: int) -> CommissionPeriod | None:
    query = (
        select(CommissionPeriod)
        .where(
            CommissionPeriod.client_id == client_id,
            CommissionPeriod.status == PeriodStatus.OPEN,
        )
        .order_by(CommissionPeriod.starts_on)
        .limit(1)
    )
    return db.scalar(query)


def latest(
    db: Session, client_id: int, status: PeriodStatus | None = None
) -> CommissionPeriod | None:
    query = select(CommissionPeriod).where(CommissionPeriod.client_id == client_id)
    if status is not None:
        query = query.where(CommissionPeriod.status == status)
    return db.scalar(query.order_by(CommissionPeriod.starts_on.desc()).limit(1))


def statements_of_period(
    db: Session, period_id: int, *, current: bool | None = None
) -> list[Statement]:
    query = select(Statement).where(Statement.period_id == period_id)
    if current is not None:
        query = query.where(Statement.current.is_(current))
    return list(db.scalars(query.order_by(Statement.currency, Statement.issue.desc())))


@dataclass(frozen=True, slots=True)
class LineRow:
    """One line as the statement's files print it."""

    line_id: int
    role: LineRole
    remitted: bool
    entry_id: int
    case_id: int
    on: date
    clears_on: date
    paid_to: PaidTo
    amount_minor: int
    rate: Decimal
    tier: str
    commission_minor: int
    reversal: bool


def line_rows(db: Session, statement_id: int) -> Iterator[list[LineRow]]:
    """The statement's lines in order, a chunk at a time (keyset on the line's id), so
    a hundred thousand lines never sit in memory at once."""
    entry, line = CommissionEntry, StatementLine
    after = 0
    while True:
        query = (
            select(
                line.id,
                line.role,
                line.remitted,
                entry.id,
                entry.case_id,
                entry.on,
                entry.clears_on,
                entry.paid_to,
                entry.amount_minor,
                entry.rate,
                entry.tier,
                entry.commission_minor,
                entry.reversal_id,
            )
            .join(entry, entry.id == line.entry_id)
            .where(line.statement_id == statement_id, line.id > after)
            .order_by(line.id)
            .limit(CHUNK)
        )
        chunk = [
            LineRow(
                line_id=row[0],
                role=row[1],
                remitted=bool(row[2]),
                entry_id=row[3],
                case_id=row[4],
                on=row[5],
                clears_on=row[6],
                paid_to=row[7],
                amount_minor=row[8],
                rate=row[9],
                tier=row[10],
                commission_minor=row[11],
                reversal=row[12] is not None,
            )
            for row in db.execute(query)
        ]
        if not chunk:
            return
        yield chunk
        after = chunk[-1].line_id
