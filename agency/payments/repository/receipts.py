"""The queries of receipts and plan confirmations: a payment with its reversal, a plan
with its installments, what later payments took off the balance, and the case a
message about them goes to (a read-only query of cases' tables, downward in the
layers: its consumer's contact points and its client)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from agency.cases.models import Case, Consumer
from agency.payments.models import Payment, PaymentPlan, Reversal


def payment(db: Session, payment_id: int) -> Payment | None:
    """The payment with its reversal (None: it stands)."""
    return db.scalars(
        select(Payment).options(selectinload(Payment.reversal)).where(Payment.id == payment_id)
    ).one_or_none()


def plan(db: Session, plan_id: int) -> PaymentPlan | None:
    """The plan with its installments in date order."""
    return db.scalars(
        select(PaymentPlan)
        .options(selectinload(PaymentPlan.installments))
        .where(PaymentPlan.id == plan_id)
    ).one_or_none()


def taken_off_since(db: Session, paid: Payment) -> int:
    """What the case's payments posted after ``paid`` (by id, the order they were
    posted in) and not reversed took off its balance, in minor units."""
    reversed_ids = select(Reversal.payment_id)
    return int(
        db.scalar(
            select(func.coalesce(func.sum(Payment.amount_minor), 0)).where(
                Payment.case_id == paid.case_id,
                Payment.id > paid.id,
                Payment.id.not_in(reversed_ids),
            )
        )
        or 0
    )


def case_to_write_to(db: Session, case_id: int) -> Case | None:
    """The case with its client and its consumer's contact points (oldest first)."""
    return db.scalars(
        select(Case)
        .options(
            joinedload(Case.consumer).selectinload(Consumer.contact_points),
            joinedload(Case.client),
        )
        .where(Case.id == case_id)
    ).one_or_none()
