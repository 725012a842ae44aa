"""The queries of posting and reversing payments (``agency.payments.posting``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, joinedload, selectinload

from agency.payments.models import (
    Installment,
    Payment,
    PaymentPlan,
    PlanStatus,
    Reversal,
)


def by_provider_reference(db: Session, provider: str, reference: str) -> Payment | None:
    """The payment a provider's reference was posted as, if it was."""
    return db.scalar(
        select(Payment).where(Payment.provider == provider, Payment.provider_reference == reference)
    )


def insert_once(db: Session, fields: dict[str, Any]) -> Payment | None:
    """The payment inserted, or None when its (provider, provider reference) is posted
    already: ``INSERT … ON CONFLICT DO NOTHING RETURNING``, one statement where a
    savepoint around the insert would take three."""
    dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(Payment)
        .values(**fields)
        .on_conflict_do_nothing(
            index_elements=["provider", "provider_reference"],
            index_where=Payment.provider_reference.is_not(None),
        )
        .returning(Payment)
    )
    return db.scalars(statement).one_or_none()


def active_plan(db: Session, case_id: int) -> PaymentPlan | None:
    """The case's newest active arrangement with its installments (due-date order),
    in one query."""
    return (
        db.scalars(
            select(PaymentPlan)
            .options(joinedload(PaymentPlan.installments))
            .where(PaymentPlan.case_id == case_id, PaymentPlan.status == PlanStatus.ACTIVE)
            .order_by(PaymentPlan.created_at.desc(), PaymentPlan.id.desc())
            .limit(1)
        )
        .unique()
        .one_or_none()
    )


def plan_with_installments(db: Session, plan_id: int) -> PaymentPlan | None:
    return db.scalar(
        select(PaymentPlan)
        .options(selectinload(PaymentPlan.installments))
        .where(PaymentPlan.id == plan_id)
        .execution_options(populate_existing=True)
    )


def payment(db: Session, payment_id: int) -> Payment | None:
    return db.get(Payment, payment_id)


def reversal_of(db: Session, payment_id: int) -> Reversal | None:
    return db.scalar(select(Reversal).where(Reversal.payment_id == payment_id))


def plan_payments_total(db: Session, plan_id: int, *, excluding: int) -> int:
    """What the plan's payments not reversed brought, ``excluding`` one payment."""
    total = db.scalar(
        select(func.coalesce(func.sum(Payment.amount_minor), 0))
        .outerjoin(Reversal, Reversal.payment_id == Payment.id)
        .where(Payment.plan_id == plan_id, Payment.id != excluding, Reversal.id.is_(None))
    )
    return int(total or 0)


def payments_of_case(db: Session, case_id: int) -> list[Payment]:
    """The case's payments with their reversals, newest first."""
    return list(
        db.scalars(
            select(Payment)
            .options(selectinload(Payment.reversal))
            .where(Payment.case_id == case_id)
            .order_by(Payment.effective_on.desc(), Payment.id.desc())
        )
    )


def installments(db: Session, ids: list[int]) -> dict[int, Installment]:
    if not ids:
        return {}
    return {i.id: i for i in db.scalars(select(Installment).where(Installment.id.in_(ids)))}
