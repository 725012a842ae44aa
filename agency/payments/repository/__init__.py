"""Every query on payment plans and installments."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from agency.payments.models import Installment, InstallmentStatus, PaymentPlan, PlanKind, PlanStatus


def open_promises(db: Session, case_id: int) -> list[PaymentPlan]:
    """The case's promises still active."""
    return list(
        db.scalars(
            select(PaymentPlan).where(
                PaymentPlan.case_id == case_id,
                PaymentPlan.kind == PlanKind.PROMISE,
                PaymentPlan.status == PlanStatus.ACTIVE,
            )
        )
    )


def cancel_due_installments(db: Session, plan_ids: Sequence[int]) -> None:
    """The installments of these plans still due become cancelled."""
    db.execute(
        update(Installment)
        .where(Installment.plan_id.in_(plan_ids), Installment.status == InstallmentStatus.DUE)
        .values(status=InstallmentStatus.CANCELLED)
        .execution_options(synchronize_session=False)
    )


def plans_of_case(db: Session, case_id: int, *, limit: int | None) -> list[PaymentPlan]:
    """The case's plans with their installments, newest first, at most ``limit``."""
    query = (
        select(PaymentPlan)
        .options(selectinload(PaymentPlan.installments))
        .where(PaymentPlan.case_id == case_id)
        .order_by(PaymentPlan.created_at.desc(), PaymentPlan.id.desc())
    )
    return list(db.scalars(query if limit is None else query.limit(limit)))
