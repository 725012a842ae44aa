"""The queries of payment providers: attempts by idempotency key and by intent, the case
a payment is asked for (read only), and whether a payment is reversed."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from agency.cases.models import Case, CaseStatus
from agency.payments.models import PaymentAttempt, Reversal


@dataclass(frozen=True, slots=True)
class CaseToCharge:
    """What charging checks of a case: open, its currency and open balance."""

    id: int
    status: CaseStatus
    currency: str
    balance_minor: int


def case_to_charge(db: Session, case_id: int) -> CaseToCharge | None:
    """The case's status, currency and open balance (a read-only query of cases)."""
    row = db.execute(
        select(
            Case.id,
            Case.status,
            Case.currency,
            Case.principal_minor + Case.interest_minor + Case.fees_minor,
        ).where(Case.id == case_id)
    ).one_or_none()
    if row is None:
        return None
    return CaseToCharge(id=row[0], status=row[1], currency=row[2], balance_minor=row[3])


def attempt_by_key(db: Session, idempotency_key: str) -> PaymentAttempt | None:
    return db.scalar(
        select(PaymentAttempt).where(PaymentAttempt.idempotency_key == idempotency_key)
    )


def attempt_by_intent(
    db: Session, provider: str, intent_id: str, *, for_update: bool = False
) -> PaymentAttempt | None:
    """The attempt of ``intent_id`` at ``provider``, its row locked when asked (two
    deliveries of one event wait for each other on PostgreSQL)."""
    query = select(PaymentAttempt).where(
        PaymentAttempt.provider == provider, PaymentAttempt.intent_id == intent_id
    )
    return db.scalar(query.with_for_update() if for_update else query)


def is_reversed(db: Session, payment_id: int) -> bool:
    return db.scalar(select(Reversal.id).where(Reversal.payment_id == payment_id)) is not None


def attempt_of_case(db: Session, case_id: int, attempt_id: int) -> PaymentAttempt | None:
    return db.scalar(
        select(PaymentAttempt).where(
            PaymentAttempt.id == attempt_id, PaymentAttempt.case_id == case_id
        )
    )
