"""A client's accounts as the merchant may see them, a page at a time: status, balance,
what was placed and collected, the last contact (when and by which channel — never what
was said), and the arrangement in force.  Read-only over cases, the contact ledger,
plans and the commission ledger; no agent's note, no consumer's contact details.

Pages are keyset pages by case id (``after``: the last id of the page before), so a
client with a million accounts pages as fast at the end as at the start."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agency.cases.models import Case
from agency.commission.models import CommissionEntry
from agency.compliance.models import LedgerCase, LedgerEntry
from agency.kit.bulk import one_of
from agency.payments.kinds import PlanStatus
from agency.payments.models import PaymentPlan
from agency.reporting import contacts

IN_FORCE = (PlanStatus.PENDING, PlanStatus.ACTIVE)


@dataclass(frozen=True, slots=True)
class Account:
    case_id: int
    client_reference: str
    status: str
    currency: str
    placed_at: datetime
    placed_minor: int
    balance_minor: int
    collected_minor: int  # payments less reversals, to us and to the client directly
    last_contact_at: datetime | None
    last_contact_channel: str | None
    arrangement: str | None  # "promise", "plan" or "settlement" in force
    arrangement_status: str | None
    closed_at: datetime | None


def page(db: Session, *, client_id: int, after: int, limit: int) -> list[Account]:
    """Up to ``limit`` accounts with ids above ``after``, by id."""
    query = (
        select(Case)
        .where(Case.client_id == client_id, Case.id > after)
        .order_by(Case.id)
        .limit(limit)
    )
    return _accounts(db, list(db.scalars(query)))


def by_reference(db: Session, *, client_id: int, client_reference: str) -> Account | None:
    """The account placed with this reference: the open one, else the latest closed."""
    query = (
        select(Case)
        .where(Case.client_id == client_id, Case.client_reference == client_reference)
        .order_by(Case.closed_at.is_not(None), Case.id.desc())
        .limit(1)
    )
    found = _accounts(db, list(db.scalars(query)))
    return found[0] if found else None


def of_cases(db: Session, cases: Sequence[Case]) -> dict[int, Account]:
    """``cases`` as the merchant's accounts, by case id (a page of the accounts list)."""
    return {account.case_id: account for account in _accounts(db, cases)}


def _accounts(db: Session, cases: Sequence[Case]) -> list[Account]:
    if not cases:
        return []
    ids = [c.id for c in cases]
    collected = dict(
        db.execute(
            select(CommissionEntry.case_id, func.sum(CommissionEntry.amount_minor))
            .where(one_of(db, CommissionEntry.case_id, ids))
            .group_by(CommissionEntry.case_id)
        ).all()
    )
    latest = (
        select(LedgerCase.case_id, func.max(LedgerCase.at).label("at"))
        .join(LedgerEntry, LedgerEntry.id == LedgerCase.entry_id)
        .where(one_of(db, LedgerCase.case_id, ids), contacts.contacted())
        .group_by(LedgerCase.case_id)
        .subquery()
    )
    last: dict[int, tuple[datetime, str | None]] = {}
    for case_id, at, channel in db.execute(
        select(latest.c.case_id, latest.c.at, LedgerEntry.channel)
        .join(LedgerCase, (LedgerCase.case_id == latest.c.case_id) & (LedgerCase.at == latest.c.at))
        .join(LedgerEntry, LedgerEntry.id == LedgerCase.entry_id)
        .where(contacts.contacted())
    ):
        last.setdefault(case_id, (at, channel))
    plans: dict[int, tuple[str, str]] = {}
    for case_id, kind, status in db.execute(
        select(PaymentPlan.case_id, PaymentPlan.kind, PaymentPlan.status)
        .where(one_of(db, PaymentPlan.case_id, ids), PaymentPlan.status.in_(IN_FORCE))
        .order_by(PaymentPlan.id.desc())
    ):
        plans.setdefault(case_id, (kind.value, status.value))
    return [
        Account(
            case_id=c.id,
            client_reference=c.client_reference,
            status=c.status.value,
            currency=c.currency,
            placed_at=c.placed_at,
            placed_minor=c.placed_minor,
            balance_minor=c.principal_minor + c.interest_minor + c.fees_minor,
            collected_minor=int(collected.get(c.id) or 0),
            last_contact_at=last[c.id][0] if c.id in last else None,
            last_contact_channel=last[c.id][1] if c.id in last else None,
            arrangement=plans[c.id][0] if c.id in plans else None,
            arrangement_status=plans[c.id][1] if c.id in plans else None,
            closed_at=c.closed_at,
        )
        for c in cases
    ]
