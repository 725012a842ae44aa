"""The manual provider: money staff have in hand (a cheque, cash, a bank transfer seen
on the statement), posted at once through posting with provider ``manual``.

The form's token is the payment's provider reference, so the same form posted twice
(two clicks, a retried post) posts one payment: posting answers the second with the
first (``already_posted``)."""

from __future__ import annotations

import hashlib
from datetime import date

from sqlalchemy.orm import Session

from agency.payments.models import PaymentMethod
from agency.payments.posting.post import post_payment
from agency.payments.providers.base import IntentRequest, IntentResult, IntentStatus
from agency.payments.schemas import PaymentError, PaymentInput, PostedPayment

NAME = "manual"
METHODS = (PaymentMethod.CHEQUE, PaymentMethod.CASH, PaymentMethod.BANK_TRANSFER)
KEY_MAX = 64


def reference_for(idempotency_key: str) -> str:
    """The provider reference of the payment a form's token posts."""
    return "manual_" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]


class ManualProvider:
    """A PaymentProvider for money already received: every intent has succeeded."""

    name = NAME

    def create_intent(self, request: IntentRequest) -> IntentResult:
        if request.method not in METHODS:
            raise ValueError(f"staff do not post {request.method.value} payments by hand")
        return IntentResult(
            intent_id=reference_for(request.idempotency_key), status=IntentStatus.SUCCEEDED
        )


def post_manual(
    db: Session,
    *,
    case_id: int,
    amount_minor: int,
    currency: str,
    method: PaymentMethod | str,
    received_on: date,
    reference: str | None,
    installment_id: int | None,
    idempotency_key: str,
    by_user_id: int | None,
) -> PostedPayment:
    """Post a cheque, cash or a bank transfer staff received; PaymentError names the bad
    field (posting's own checks: amount, balance, closed case, a future date)."""
    try:
        found = PaymentMethod(method)
    except ValueError:
        found = None
    if found not in METHODS:
        raise PaymentError("method", "must be a cheque, cash or a bank transfer")
    assert found is not None
    if not idempotency_key or len(idempotency_key) > KEY_MAX:
        raise PaymentError("idempotency_key", "the form's token is missing: reload the form")
    intent = ManualProvider().create_intent(
        IntentRequest(
            amount_minor=amount_minor,
            currency=currency,
            method=found,
            idempotency_key=idempotency_key,
            metadata={"case_id": str(case_id)},
        )
    )
    payment = PaymentInput(
        amount_minor=amount_minor,
        currency=currency,
        method=found,
        received_on=received_on,
        reference=reference,
        installment_id=installment_id,
        provider=NAME,
        provider_reference=intent.intent_id,
    )
    return post_payment(db, case_id=case_id, payment=payment, by_user_id=by_user_id)
