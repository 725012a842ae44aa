"""The statements' invariant, checked from the ledger (nightly, and by ``agency
commission check``): for every client and closed period, each current statement's
totals are what its lines give (``totals_of``) — so the money remitted equals our
commission on it plus the net remittance under net schedules, and the remittance is all
of it and the commission all invoiced under gross ones, to the minor unit; its carried
balance is the one the statement before carried out; its lines' amounts, commissions
and payers are their entries'; and no entry is listed twice nor its money remitted
twice.  Every breach is named, with the statement's reference."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agency.commission.kinds import LineRole, PaidTo
from agency.commission.models import CommissionEntry, Statement, StatementLine
from agency.commission.statements import queries
from agency.commission.statements.reading import period as period_of
from agency.commission.statements.totals import totals_of


@dataclass(frozen=True, slots=True)
class Breach:
    client_id: int
    statement: str  # its reference, or "" for one about an entry
    what: str


def check(db: Session) -> list[Breach]:
    breaches: list[Breach] = []
    current = list(
        db.scalars(select(Statement).where(Statement.current.is_(True)).order_by(Statement.id))
    )
    for statement in current:
        breaches += _totals(db, statement)
    breaches += _listed_once(db)
    breaches += _as_the_ledger(db)
    return breaches


def _as_the_ledger(db: Session) -> list[Breach]:
    """Lines whose payer, amount or commission are not their entry's."""
    line, entry = StatementLine, CommissionEntry
    query = (
        select(Statement.client_id, Statement.reference, line.entry_id)
        .join(Statement, Statement.id == line.statement_id)
        .join(entry, entry.id == line.entry_id)
        .where(
            (line.amount_minor != entry.amount_minor)
            | (line.commission_minor != entry.commission_minor)
            | (line.paid_to != entry.paid_to)
        )
        .order_by(line.id)
    )
    return [
        Breach(client_id, reference, f"its line of entry {entry_id} is not the ledger's")
        for client_id, reference, entry_id in db.execute(query)
    ]


def _totals(db: Session, statement: Statement) -> list[Breach]:
    starts_on = period_of(db, statement.period_id).starts_on
    carried = queries.carried_in(db, statement.client_id, statement.currency, starts_on)
    found: list[Breach] = []
    if carried != statement.carried_in_minor:
        found.append(
            Breach(
                statement.client_id,
                statement.reference,
                f"carries in {statement.carried_in_minor}; the statement before carried out "
                f"{carried}",
            )
        )
    expected = asdict(totals_of(queries.groups(db, statement.id), statement.carried_in_minor))
    for name, value in expected.items():
        kept = getattr(statement, name)
        if kept != value:
            found.append(
                Breach(
                    statement.client_id,
                    statement.reference,
                    f"{name} is {kept}; its lines give {value}",
                )
            )
    return found


def _listed_once(db: Session) -> list[Breach]:
    """Entries listed on two current statements, or their money remitted twice."""
    found: list[Breach] = []
    line = StatementLine
    on_current = (
        select(line.entry_id, line.role, line.remitted)
        .join(Statement, Statement.id == line.statement_id)
        .where(Statement.current.is_(True))
        .subquery()
    )
    listed = (
        select(on_current.c.entry_id, func.count())
        .where(on_current.c.role.in_((LineRole.PERIOD, LineRole.ADJUSTMENT)))
        .group_by(on_current.c.entry_id)
        .having(func.count() > 1)
    )
    remitted = (
        select(on_current.c.entry_id, func.count())
        .where(on_current.c.remitted.is_(True))
        .group_by(on_current.c.entry_id)
        .having(func.count() > 1)
    )
    for query, what in ((listed, "is listed on {} current statements"),
                        (remitted, "has its money remitted {} times")):  # fmt: skip
        for entry_id, count in db.execute(query):
            client_id = db.scalar(
                select(CommissionEntry.client_id).where(CommissionEntry.id == entry_id)
            )
            found.append(Breach(client_id or 0, "", f"entry {entry_id} {what.format(count)}"))
    direct_remitted = (
        select(CommissionEntry.id, CommissionEntry.client_id)
        .join(on_current, on_current.c.entry_id == CommissionEntry.id)
        .where(on_current.c.remitted.is_(True), CommissionEntry.paid_to == PaidTo.CLIENT)
    )
    for entry_id, client_id in db.execute(direct_remitted):
        found.append(Breach(client_id, "", f"entry {entry_id} was paid to the client but remitted"))
    return found
