"""The trust ledger's one writer.  Money paid to us goes into trust with its payment
(written by ``commission.ledger`` in the posting's transaction), and out with its
reversal, with a remittance paid to the client, or with our commission moved to the
operating account — never the other way: money is not moved from operating into trust
(it would mix the agency's money with the clients').  Flushes, never commits."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agency.commission.kinds import PaidTo, Remittance, TrustKind
from agency.commission.models import (
    ClientRemittance,
    CommissionEntry,
    RemittancePayout,
    Statement,
    StatementLine,
)
from agency.commission.refusals import StatementRefused
from agency.commission.trust.models import TrustMovement

REFERENCE_MAX = 60
OPERATING_TO_TRUST = "operating_to_trust"
TRUST_TO_OPERATING = "trust_to_operating"


def payment_moved(db: Session, entry: CommissionEntry, *, region: str | None) -> None:
    """A payment to us in, or its reversal out (nothing for a direct payment)."""
    if entry.paid_to is not PaidTo.AGENCY:
        return
    reversal = entry.reversal_id is not None
    db.add(
        TrustMovement(
            client_id=entry.client_id,
            on=entry.on,
            kind=TrustKind.REVERSAL_OUT if reversal else TrustKind.PAYMENT_IN,
            amount_minor=entry.amount_minor,
            currency=entry.currency,
            reference=f"R{entry.reversal_id}" if reversal else f"P{entry.payment_id}",
            region=None if reversal else region,
            entry=entry,
        )
    )


def remittance_paid(db: Session, payout: RemittancePayout, *, by_user_id: int | None) -> None:
    assert payout.paid_on is not None
    db.add(
        TrustMovement(
            client_id=payout.client_id,
            on=payout.paid_on,
            kind=TrustKind.REMITTANCE_OUT,
            amount_minor=-payout.amount_minor,
            currency=payout.currency,
            reference=payout.reference,
            payout_id=payout.id,
            by_id=by_user_id,
        )
    )


def commission_earned(db: Session, client_id: int, currency: str) -> int:
    """Our commission on the client's money remitted under net schedules (on current
    statements): what may leave trust for operating."""
    line = StatementLine
    query = (
        select(func.coalesce(func.sum(line.commission_minor), 0))
        .join(Statement, Statement.id == line.statement_id)
        .where(
            Statement.client_id == client_id,
            Statement.currency == currency,
            Statement.current.is_(True),
            line.remitted.is_(True),
            line.remittance == Remittance.NET,
        )
    )
    return int(db.scalar(query) or 0)


def transferred(db: Session, client_id: int, currency: str) -> int:
    query = select(func.coalesce(func.sum(TrustMovement.amount_minor), 0)).where(
        TrustMovement.client_id == client_id,
        TrustMovement.currency == currency,
        TrustMovement.kind == TrustKind.TO_OPERATING,
    )
    return -int(db.scalar(query) or 0)


def record_transfer(
    db: Session,
    *,
    client_id: int,
    currency: str,
    direction: str,
    amount_minor: int,
    on: date,
    today: date,
    reference: str,
    by_user_id: int | None,
) -> TrustMovement:
    """Our commission moved from trust to operating, at most what was earned and not
    moved yet; refused from operating into trust."""
    if direction == OPERATING_TO_TRUST:
        raise StatementRefused(
            "direction",
            "is operating to trust: money is never moved from the operating account into "
            "trust (it would mix the agency's money with the clients')",
        )
    if direction != TRUST_TO_OPERATING:
        raise StatementRefused("direction", "must be trust to operating")
    reference = " ".join(reference.split())
    if not 1 <= len(reference) <= REFERENCE_MAX:
        raise StatementRefused(
            "reference", f"is the bank's reference: 1 to {REFERENCE_MAX} characters"
        )
    if amount_minor <= 0:
        raise StatementRefused("amount", "must be more than nothing")
    if on > today:
        raise StatementRefused("on", "cannot be in the future")
    # The client's remittance settings row is its lock (as closing a period takes it).
    db.scalar(
        select(ClientRemittance.id).where(ClientRemittance.client_id == client_id).with_for_update()
    )
    left = commission_earned(db, client_id, currency) - transferred(db, client_id, currency)
    if amount_minor > left:
        raise StatementRefused(
            "amount",
            f"is more than the commission earned and still in trust ({left} in minor units)",
        )
    movement = TrustMovement(
        client_id=client_id,
        on=on,
        kind=TrustKind.TO_OPERATING,
        amount_minor=-amount_minor,
        currency=currency,
        reference=reference,
        by_id=by_user_id,
    )
    db.add(movement)
    db.flush()
    return movement
