"""The payments domain's entry points for other domains: recording a promise to pay, and
reading a case's plans.  Services flush, never commit; callers pass ids and values (this
domain sits below cases and never imports it)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from agency.kit import clock
from agency.payments import repository
from agency.payments.models import Installment, PaymentPlan, PlanKind, PlanStatus
from agency.payments.schemas import PlanSummary


def record_promise(
    db: Session,
    *,
    case_id: int,
    currency: str,
    amount_minor: int,
    due: date,
    by_user_id: int | None,
) -> PlanSummary:
    """A promise to pay ``amount_minor`` on ``due``: a one-installment plan.  The case's
    earlier promises still open are cancelled with their installments still due.  The
    caller checks the amount and the date against the case."""
    now = clock.now()
    earlier = repository.open_promises(db, case_id)
    for plan in earlier:
        plan.status, plan.ended_at = PlanStatus.CANCELLED, now
    if earlier:
        repository.cancel_due_installments(db, [plan.id for plan in earlier])
    promise = PaymentPlan(
        case_id=case_id,
        kind=PlanKind.PROMISE,
        status=PlanStatus.ACTIVE,
        currency=currency,
        total_minor=amount_minor,
        created_by_id=by_user_id,
        created_at=now,
    )
    db.add(promise)
    db.flush()
    db.add(Installment(plan_id=promise.id, due_date=due, amount_minor=amount_minor))
    db.flush()
    return PlanSummary.of(promise, (due,))


def plans_of_case(db: Session, *, case_id: int, limit: int | None) -> list[PlanSummary]:
    """The case's promises, plans and settlements, newest first, at most ``limit``."""
    return [
        PlanSummary.of(plan, tuple(i.due_date for i in plan.installments))
        for plan in repository.plans_of_case(db, case_id, limit=limit)
    ]
