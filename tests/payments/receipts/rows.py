"""Payments' rows made directly through the ORM (as posting and arrangements would
write them), and the demo's receipt templates saved through the save-time checks."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from agency.cases.models import Case
from agency.outreach.demo_templates import DRAFTS, PAYMENT_RECEIPT, PLAN_CONFIRMATION
from agency.outreach.models import MessageChannel
from agency.outreach.versions import save_version
from agency.payments.models import (
    Frequency,
    Installment,
    InstallmentStatus,
    Payment,
    PaymentMethod,
    PaymentPlan,
    PlanKind,
    Reversal,
    ReversalKind,
)

POSTED = datetime(2025, 6, 9, 15, 0, tzinfo=UTC)


BOTH = (MessageChannel.EMAIL, MessageChannel.SMS)


def save_receipt_templates(db: Session, *, channels: tuple[MessageChannel, ...] = BOTH) -> None:
    """The demo's receipt and confirmation templates of ``channels``, in both languages."""
    for draft in DRAFTS:
        if draft.key in (PAYMENT_RECEIPT, PLAN_CONFIRMATION) and draft.channel in channels:
            save_version(db, draft=draft, why="receipts under test", by_user_id=None)


def pay(
    db: Session,
    case: Case,
    *,
    amount_minor: int = 4_000,
    fees_minor: int = 0,
    interest_minor: int = 500,
    reference: str | None = "PAY-20931",
    method: PaymentMethod = PaymentMethod.CARD,
    received_on: date = date(2025, 6, 6),
    plan: PaymentPlan | None = None,
) -> Payment:
    """A payment posted on ``case``: its buckets lowered by the allocation, as posting
    does (interest first here, then principal)."""
    principal_minor = amount_minor - fees_minor - interest_minor
    payment = Payment(
        case_id=case.id,
        plan_id=plan.id if plan else None,
        amount_minor=amount_minor,
        currency=case.currency,
        method=method,
        received_on=received_on,
        effective_on=received_on,
        reference=reference,
        provider="manual",
        fees_minor=fees_minor,
        interest_minor=interest_minor,
        principal_minor=principal_minor,
        posted_at=POSTED,
    )
    case.fees_minor -= fees_minor
    case.interest_minor -= interest_minor
    case.principal_minor -= principal_minor
    db.add(payment)
    db.flush()
    return payment


def reverse(db: Session, case: Case, payment: Payment) -> Reversal:
    """``payment`` taken back whole (NSF): the buckets put back."""
    reversal = Reversal(
        payment_id=payment.id,
        case_id=case.id,
        kind=ReversalKind.NSF,
        amount_minor=payment.amount_minor,
        currency=payment.currency,
        reason="cheque bounced",
        effective_on=date(2025, 6, 12),
    )
    case.fees_minor += payment.fees_minor
    case.interest_minor += payment.interest_minor
    case.principal_minor += payment.principal_minor
    db.add(reversal)
    db.flush()
    return reversal


def plan_of(db: Session, case: Case, amounts: tuple[int, ...], first: date) -> PaymentPlan:
    """A monthly plan of ``amounts`` from ``first`` (the 1st of each month after)."""
    plan = PaymentPlan(
        case_id=case.id,
        kind=PlanKind.PLAN,
        currency=case.currency,
        total_minor=sum(amounts),
        balance_minor=case.balance.minor,
        frequency=Frequency.MONTHLY,
        created_at=POSTED,
    )
    db.add(plan)
    db.flush()
    for number, amount in enumerate(amounts):
        month = first.month - 1 + number
        db.add(
            Installment(
                plan_id=plan.id,
                due_date=first.replace(year=first.year + month // 12, month=month % 12 + 1),
                amount_minor=amount,
                status=InstallmentStatus.DUE,
            )
        )
    db.flush()
    return plan
