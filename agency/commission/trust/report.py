"""The daily three-way reconciliation of the trust account for a span of days: the
bank's lines against the trust ledger's movements (``commission.reconcile``), and each
day the trust ledger's balance against the clients' sub-ledgers — computed apart from
the trust ledger, from what each client is owed: money paid to us (the commission
ledger) less remittances paid and commission moved to operating.  And the deposits
that reached the bank after their state's deadline, or not yet when it has passed."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agency.commission.bank_statement import BankLine
from agency.commission.kinds import PaidTo, RemittanceStatus, TrustKind
from agency.commission.models import CommissionEntry, RemittancePayout
from agency.commission.reconcile import BookLine, Reconciliation, reconcile
from agency.commission.refusals import StatementRefused
from agency.commission.trust.deadlines import deposit_due
from agency.commission.trust.models import BankStatementLine, TrustMovement

MAX_DAYS = 93
KIND_WORDS = {
    TrustKind.PAYMENT_IN: "payment",
    TrustKind.REVERSAL_OUT: "reversal",
    TrustKind.REMITTANCE_OUT: "remittance",
    TrustKind.TO_OPERATING: "commission to operating",
}


@dataclass(frozen=True, slots=True)
class LateDeposit:
    reference: str
    client_id: int
    region: str
    received_on: date
    due_on: date
    deposited_on: date | None  # None: not at the bank yet
    amount_minor: int


@dataclass(frozen=True, slots=True)
class ClientBalance:
    client_id: int
    trust_minor: int  # the trust ledger's movements of the client
    owed_minor: int  # the client's sub-ledger: what it is owed


@dataclass(frozen=True, slots=True)
class TrustReport:
    starts_on: date
    ends_on: date
    reconciliation: Reconciliation
    late: list[LateDeposit]
    balances: list[ClientBalance]  # on the last day


def _days(starts_on: date, ends_on: date) -> list[date]:
    return [starts_on + timedelta(days=n) for n in range((ends_on - starts_on).days + 1)]


def _cumulative(
    before: dict[int, int], daily: dict[tuple[int, date], int], days: list[date]
) -> dict[date, dict[int, int]]:
    """Each day's running balance by client, from the balance before the first day and
    each day's movements."""
    by_day: dict[date, list[tuple[int, int]]] = defaultdict(list)
    for (client_id, on), amount in daily.items():
        by_day[on].append((client_id, amount))
    running = dict(before)
    out: dict[date, dict[int, int]] = {}
    for day in days:
        for client_id, amount in by_day.get(day, []):
            running[client_id] = running.get(client_id, 0) + amount
        out[day] = dict(running)
    return out


def trust_report(db: Session, *, starts_on: date, ends_on: date, today: date) -> TrustReport:
    if ends_on < starts_on:
        raise StatementRefused("ends_on", "must be on or after the first day")
    if (ends_on - starts_on).days >= MAX_DAYS:
        raise StatementRefused("ends_on", f"a reconciliation covers at most {MAX_DAYS} days")
    days = _days(starts_on, ends_on)
    bank_rows = db.scalars(
        select(BankStatementLine)
        .where(BankStatementLine.on.between(starts_on, ends_on))
        .order_by(BankStatementLine.on, BankStatementLine.id)
    ).all()
    bank = [
        BankLine(r.on, r.amount_minor, r.reference, r.description, r.type_code) for r in bank_rows
    ]
    moves = db.scalars(
        select(TrustMovement)
        .where(TrustMovement.on.between(starts_on, ends_on))
        .order_by(TrustMovement.on, TrustMovement.id)
    ).all()
    book = [
        BookLine(
            m.on, m.amount_minor, m.reference, m.client_id, f"{KIND_WORDS[m.kind]} {m.reference}"
        )
        for m in moves
    ]
    trust_before = {
        client: int(total)
        for client, total in db.execute(
            select(TrustMovement.client_id, func.sum(TrustMovement.amount_minor))
            .where(TrustMovement.on < starts_on)
            .group_by(TrustMovement.client_id)
        )
    }
    trust_daily: dict[tuple[int, date], int] = defaultdict(int)
    for m in moves:
        trust_daily[(m.client_id, m.on)] += m.amount_minor
    trust = _cumulative(trust_before, trust_daily, days)
    owed = _cumulative(*_owed(db, starts_on, ends_on), days)
    book_balances = {day: sum(trust[day].values()) for day in days}
    result = reconcile(bank, book, owed, book_balances)
    deposited = {book_index: bank[bank_index].on for bank_index, book_index in result.pairs}
    late = []
    for index, m in enumerate(moves):
        if m.kind is not TrustKind.PAYMENT_IN:
            continue
        due = deposit_due(m.on, m.region)
        if due is None:
            continue
        on = deposited.get(index)
        if (on is not None and on > due) or (on is None and today > due):
            late.append(
                LateDeposit(m.reference, m.client_id, m.region or "", m.on, due, on, m.amount_minor)
            )
    last = days[-1]
    clients = sorted(set(trust[last]) | set(owed[last]))
    balances = [ClientBalance(c, trust[last].get(c, 0), owed[last].get(c, 0)) for c in clients]
    return TrustReport(starts_on, ends_on, result, late, balances)


def _owed(
    db: Session, starts_on: date, ends_on: date
) -> tuple[dict[int, int], dict[tuple[int, date], int]]:
    """What each client is owed before the span, and each day's change in it: money paid
    to us, less remittances paid, less commission moved to operating."""
    entry, payout, move = CommissionEntry, RemittancePayout, TrustMovement
    sources: list[tuple[Any, Any, Any, Any, int]] = [
        (entry.client_id, entry.on, entry.amount_minor, entry.paid_to == PaidTo.AGENCY, 1),
        (payout.client_id, payout.paid_on, payout.amount_minor,
         payout.status == RemittanceStatus.PAID, -1),
        (move.client_id, move.on, move.amount_minor, move.kind == TrustKind.TO_OPERATING, 1),
    ]  # fmt: skip
    before: dict[int, int] = defaultdict(int)
    daily: dict[tuple[int, date], int] = defaultdict(int)
    for client, day, amount, kept, sign in sources:
        total = func.sum(amount)
        for client_id, value in db.execute(
            select(client, total).where(kept, day < starts_on).group_by(client)
        ):
            before[client_id] += sign * int(value)
        for client_id, on, value in db.execute(
            select(client, day, total)
            .where(kept, day.between(starts_on, ends_on))
            .group_by(client, day)
        ):
            daily[(client_id, on)] += sign * int(value)
    return dict(before), dict(daily)
