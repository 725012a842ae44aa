"""The queries of promises, plans and settlements and their installments."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload, selectinload

from agency.cases.models import Case
from agency.payments.models import Installment, InstallmentStatus, PaymentPlan, PlanStatus

OPEN = (PlanStatus.PENDING, PlanStatus.ACTIVE)


def open_arrangements(db: Session, case_id: int) -> list[PaymentPlan]:
    """The case's arrangements still pending or active, oldest first."""
    return list(
        db.scalars(
            select(PaymentPlan)
            .where(PaymentPlan.case_id == case_id, PaymentPlan.status.in_(OPEN))
            .order_by(PaymentPlan.id)
        )
    )


def plan_locked(db: Session, plan_id: int) -> PaymentPlan | None:
    """One arrangement with its installments, its row locked (PostgreSQL) and read
    afresh: two decisions on it wait for each other and the second sees the first's."""
    query = (
        select(PaymentPlan)
        .options(selectinload(PaymentPlan.installments))
        .where(PaymentPlan.id == plan_id)
        .execution_options(populate_existing=True)
    )
    if db.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=PaymentPlan)
    return db.scalar(query)


def plan_by_form_key(db: Session, form_key: str) -> PaymentPlan | None:
    return db.scalar(
        select(PaymentPlan)
        .options(selectinload(PaymentPlan.installments))
        .where(PaymentPlan.form_key == form_key)
    )


def case_of_plan(db: Session, plan_id: int) -> int | None:
    return db.scalar(select(PaymentPlan.case_id).where(PaymentPlan.id == plan_id))


def installments_of(db: Session, plan_id: int) -> list[Installment]:
    """The plan's installments in date order."""
    return list(
        db.scalars(
            select(Installment)
            .where(Installment.plan_id == plan_id)
            .order_by(Installment.due_date, Installment.id)
        )
    )


def cancel_due_installments(db: Session, plan_ids: Sequence[int]) -> None:
    """The installments of these plans still due become cancelled."""
    db.execute(
        update(Installment)
        .where(Installment.plan_id.in_(plan_ids), Installment.status == InstallmentStatus.DUE)
        .values(status=InstallmentStatus.CANCELLED)
        .execution_options(synchronize_session="fetch")
    )


def plans_of_case(db: Session, case_id: int, *, limit: int | None = None) -> list[PaymentPlan]:
    """The case's arrangements with their installments, newest first."""
    query = (
        select(PaymentPlan)
        .options(selectinload(PaymentPlan.installments))
        .where(PaymentPlan.case_id == case_id)
        .order_by(PaymentPlan.created_at.desc(), PaymentPlan.id.desc())
    )
    return list(db.scalars(query if limit is None else query.limit(limit)))


def active_plan(db: Session, case_id: int) -> PaymentPlan | None:
    """The case's active arrangement, with its installments (there is at most one)."""
    return db.scalar(
        select(PaymentPlan)
        .options(selectinload(PaymentPlan.installments))
        .where(PaymentPlan.case_id == case_id, PaymentPlan.status == PlanStatus.ACTIVE)
        .order_by(PaymentPlan.id.desc())
        .limit(1)
    )


def pending_offers(db: Session) -> list[PaymentPlan]:
    """Every offer waiting for a supervisor, oldest first, with its installments."""
    return list(
        db.scalars(
            select(PaymentPlan)
            .options(selectinload(PaymentPlan.installments))
            .where(PaymentPlan.status == PlanStatus.PENDING)
            .order_by(PaymentPlan.created_at, PaymentPlan.id)
        )
    )


def plans_overdue(db: Session, *, before: date, after_id: int, limit: int) -> list[PaymentPlan]:
    """Active arrangements with an installment still due before ``before``, by id after
    ``after_id`` (a batch), with their installments."""
    ids = (
        select(Installment.plan_id)
        .join(PaymentPlan, PaymentPlan.id == Installment.plan_id)
        .where(
            Installment.status == InstallmentStatus.DUE,
            Installment.due_date < before,
            PaymentPlan.status == PlanStatus.ACTIVE,
            Installment.plan_id > after_id,
        )
        .group_by(Installment.plan_id)
        .order_by(Installment.plan_id)
        .limit(limit)
    )
    return list(
        db.scalars(
            select(PaymentPlan)
            .options(selectinload(PaymentPlan.installments))
            .where(PaymentPlan.id.in_(ids.scalar_subquery()))
            .order_by(PaymentPlan.id)
        )
    )


def plans_broken_since(db: Session, since: datetime) -> list[PaymentPlan]:
    """Arrangements broken at or after ``since``, oldest first."""
    return list(
        db.scalars(
            select(PaymentPlan)
            .options(selectinload(PaymentPlan.installments))
            .where(PaymentPlan.status == PlanStatus.BROKEN, PaymentPlan.ended_at >= since)
            .order_by(PaymentPlan.ended_at, PaymentPlan.id)
        )
    )


def cases_with_clients(db: Session, case_ids: Sequence[int]) -> list[Case]:
    """The cases of the approval queue's offers, with their clients (read-only)."""
    if not case_ids:
        return []
    return list(
        db.scalars(select(Case).options(joinedload(Case.client)).where(Case.id.in_(case_ids)))
    )
