"""What a receipt and a plan confirmation state, read from the payment and plan rows
(never edited: a reversal is its own row), as the values outreach's templates and the
PDFs print.

The balance after a payment is not stored: it is the case's balance now, plus what
the payments posted after it (and not reversed) took off since, less the payment
itself when it was reversed (its reversal put it back on the balance).  So it stays
what it was when the payment was posted, whatever came after."""

from __future__ import annotations

from sqlalchemy.orm import Session

from agency.cases.models import Case
from agency.kit.money import Money
from agency.outreach.payment_words import ArrangementFacts, PaymentFacts
from agency.payments.models import InstallmentStatus, Payment, PaymentPlan
from agency.payments.repository import receipts as repo


def balance_after(db: Session, *, case: Case, payment: Payment) -> Money:
    """The case's balance once ``payment`` was credited (see the module's docstring)."""
    minor = case.balance.minor + repo.taken_off_since(db, payment)
    if payment.reversal is not None:
        minor -= payment.amount_minor
    return Money(max(minor, 0), case.currency)


def payment_facts(db: Session, *, case: Case, payment: Payment) -> PaymentFacts:
    return PaymentFacts(
        amount=payment.amount,
        received_on=payment.received_on,
        method=payment.method.value,
        reference=payment.reference or payment.provider_reference,
        balance_after=balance_after(db, case=case, payment=payment),
    )


def arrangement_facts(plan: PaymentPlan) -> ArrangementFacts:
    """The plan's payments (cancelled ones left out) and the next one still due."""
    kept = [i for i in plan.installments if i.status is not InstallmentStatus.CANCELLED]
    due = next((i for i in kept if i.status is InstallmentStatus.DUE), None)
    return ArrangementFacts(
        kind=plan.kind.value,
        total=plan.total,
        payments=tuple((i.due_date, Money(i.amount_minor, plan.currency)) for i in kept),
        next_due=None if due is None else due.due_date,
        next_amount=(
            None if due is None else Money(due.amount_minor - due.paid_minor, plan.currency)
        ),
    )
