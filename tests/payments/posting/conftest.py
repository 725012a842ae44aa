"""Cases with arrangements to post payments on, and the one call every test posts with."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from agency.cases.models import Case, CaseStatus
from agency.kit import clock
from agency.payments.models import (
    Installment,
    PaymentMethod,
    PaymentPlan,
    PlanKind,
    PlanStatus,
    ReversalKind,
)
from agency.payments.posting.post import post_payment
from agency.payments.posting.reverse import reverse_payment
from agency.payments.schemas import PaymentInput, PostedPayment, ReversalSummary

NOW = datetime(2025, 6, 10, 15, 0, tzinfo=UTC)
TODAY = date(2025, 6, 10)


def arrangement(
    db: Session, case: Case, amounts: list[int], *, kind: PlanKind = PlanKind.PLAN
) -> PaymentPlan:
    """An active arrangement of ``case`` with one installment per amount, a month apart
    from 2025-06-01, and the case's status for it."""
    plan = PaymentPlan(
        case_id=case.id,
        kind=kind,
        status=PlanStatus.ACTIVE,
        currency=case.currency,
        total_minor=sum(amounts),
        balance_minor=case.balance.minor,
        created_at=NOW,
    )
    db.add(plan)
    db.flush()
    for n, amount in enumerate(amounts):
        db.add(Installment(plan_id=plan.id, due_date=date(2025, 6 + n, 1), amount_minor=amount))
    case.status = CaseStatus.PROMISE if kind is PlanKind.PROMISE else CaseStatus.PLAN
    db.flush()
    return plan


def pay(db: Session, case: Case, amount_minor: int, **changes: Any) -> PostedPayment:
    """Post ``amount_minor`` on ``case`` (a cheque received today) at ``NOW``."""
    values: dict[str, Any] = {
        "amount_minor": amount_minor,
        "currency": case.currency,
        "method": PaymentMethod.CHEQUE,
        "received_on": TODAY,
    }
    with clock.frozen(NOW):
        return post_payment(
            db, case_id=case.id, payment=PaymentInput(**{**values, **changes}), by_user_id=None
        )


def reverse(db: Session, payment_id: int, kind: ReversalKind = ReversalKind.NSF) -> ReversalSummary:
    with clock.frozen(NOW):
        return reverse_payment(
            db,
            payment_id=payment_id,
            kind=kind,
            reason="cheque bounced",
            effective_on=None,
            by_user_id=None,
        )
