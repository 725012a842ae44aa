"""An attempt's outcome written through posting: a success posted as the payment of its
intent (provider + intent id as the payment's provider reference, so a webhook delivered
twice posts once), and a payment taken back (a dispute, an ACH return) reversed."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from agency.payments.models import AttemptStatus, PaymentAttempt, ReversalKind
from agency.payments.posting.post import office_today, post_payment
from agency.payments.posting.reverse import reverse_payment
from agency.payments.repository import providers as repo
from agency.payments.schemas import PaymentError, PaymentInput, PostedPayment, ReversalSummary

log = logging.getLogger("agency.payments.providers")
FAILURE_MAX = 300
FAILURE_CODE_MAX = 60


def failed(attempt: PaymentAttempt, reason: str, code: str | None = None) -> None:
    """The attempt did not take the money: ``reason`` in words the payer may read,
    ``code`` the provider's code for it."""
    attempt.status = AttemptStatus.FAILED
    attempt.failure = reason[:FAILURE_MAX]
    attempt.failure_code = code[:FAILURE_CODE_MAX] if code else None


def post_attempt(
    db: Session, attempt: PaymentAttempt, *, amount_minor: int | None = None
) -> PostedPayment:
    """Post what the provider took for ``attempt`` (``amount_minor``: what it says it
    took, else the amount asked) and mark the attempt succeeded.  PaymentError when the
    case refuses it (closed meanwhile, paid by another payment): the attempt keeps the
    reason, still ``processing``, for staff to resolve with the provider."""
    payment = PaymentInput(
        amount_minor=attempt.amount_minor if amount_minor is None else amount_minor,
        currency=attempt.currency,
        method=attempt.method,
        received_on=office_today(),
        installment_id=attempt.installment_id,
        provider=attempt.provider,
        provider_reference=attempt.intent_id,
    )
    try:
        with db.begin_nested():
            posted = post_payment(
                db, case_id=attempt.case_id, payment=payment, by_user_id=attempt.created_by_id
            )
    except PaymentError as exc:
        log.warning("payment attempt %s taken but not posted: %s", attempt.id, exc.field)
        attempt.failure = f"Taken by {attempt.provider} but not posted: {exc.message}"[:FAILURE_MAX]
        raise
    attempt.status, attempt.payment_id, attempt.failure = AttemptStatus.SUCCEEDED, posted.id, None
    return posted


def reverse_attempt(
    db: Session,
    attempt: PaymentAttempt,
    *,
    kind: ReversalKind,
    reason: str,
    provider_reference: str | None,
) -> ReversalSummary | None:
    """Reverse the payment ``attempt`` posted; None when it posted none, or the payment
    is reversed already (the event delivered again)."""
    if attempt.payment_id is None or repo.is_reversed(db, attempt.payment_id):
        return None
    try:
        with db.begin_nested():
            return reverse_payment(
                db,
                payment_id=attempt.payment_id,
                kind=kind,
                reason=reason,
                effective_on=office_today(),
                by_user_id=None,
                provider_reference=provider_reference,
            )
    except PaymentError as exc:
        log.warning("payment %s not reversed: %s", attempt.payment_id, exc.field)
        return None
