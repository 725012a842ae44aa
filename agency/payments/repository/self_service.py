"""The queries of the consumer's page: the payments it offers receipts for, the plan
it shows with its installments, and the uploads a dispute brought."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from agency.payments.models import Payment, PaymentPlan, PlanStatus, Reversal

SHOWN_PLAN = (PlanStatus.ACTIVE, PlanStatus.PENDING)


def payments_kept(db: Session, case_id: int, *, limit: int = 50) -> list[Payment]:
    """The case's payments not reversed, newest first (at most ``limit``): one query."""
    return list(
        db.scalars(
            select(Payment)
            .outerjoin(Reversal, Reversal.payment_id == Payment.id)
            .where(Payment.case_id == case_id, Reversal.id.is_(None))
            .order_by(Payment.received_on.desc(), Payment.id.desc())
            .limit(limit)
        )
    )


def payment_of_case(db: Session, case_id: int, payment_id: int) -> Payment | None:
    payment = db.get(Payment, payment_id)
    return payment if payment is not None and payment.case_id == case_id else None


def shown_plan(db: Session, case_id: int) -> PaymentPlan | None:
    """The case's newest active or pending plan (a promise too), with its installments."""
    return db.scalar(
        select(PaymentPlan)
        .options(selectinload(PaymentPlan.installments))
        .where(PaymentPlan.case_id == case_id, PaymentPlan.status.in_(SHOWN_PLAN))
        .order_by(PaymentPlan.created_at.desc(), PaymentPlan.id.desc())
        .limit(1)
    )
