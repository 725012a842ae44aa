"""What a provider's event does, in Stripe's shape: Stripe's verified webhooks and the
sandbox's later dispute come through ``handle`` alike.

- ``payment_intent.succeeded``: the intent's payment is posted (once: Stripe retries a
  delivery, and posting is idempotent on provider + intent id);
- ``payment_intent.payment_failed``: the attempt fails with the reason; an intent
  already posted (an ACH debit returned after it succeeded) is reversed, RETURNED_ACH;
- ``charge.dispute.created``: the intent's payment is reversed, CHARGEBACK;
- an event about an intent we never made: nothing written, logged as unmatched (its
  ids only, no personal data); any other type: ignored.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from agency.payments.models import AttemptStatus, PaymentAttempt, ReversalKind
from agency.payments.providers import settle
from agency.payments.repository import providers as repo
from agency.payments.schemas import PaymentError

log = logging.getLogger("agency.payments.providers")
TEXT_MAX = 200


class Outcome(StrEnum):
    POSTED = "posted"
    ALREADY_POSTED = "already_posted"
    NOT_POSTED = "not_posted"  # taken, but the case refused it: the attempt says why
    FAILED = "failed"
    REVERSED = "reversed"
    UNMATCHED = "unmatched"
    IGNORED = "ignored"


def _text(value: object) -> str | None:
    return value[:TEXT_MAX] if isinstance(value, str) and value else None


def handle(db: Session, *, provider: str, event: Mapping[str, Any]) -> Outcome:
    """Apply one event of ``provider``; flushes, never commits."""
    kind = _text(event.get("type")) or ""
    data = event.get("data")
    obj = data.get("object") if isinstance(data, Mapping) else None
    if not isinstance(obj, Mapping) or kind not in HANDLERS:
        return Outcome.IGNORED
    intent_id = _text(
        obj.get("id") if kind.startswith("payment_intent.") else obj.get("payment_intent")
    )
    attempt = (
        repo.attempt_by_intent(db, provider, intent_id, for_update=True) if intent_id else None
    )
    if attempt is None:
        log.warning(
            "unmatched %s event %s (%s): no attempt of intent %s",
            provider,
            _text(event.get("id")),
            kind,
            intent_id,
        )
        return Outcome.UNMATCHED
    outcome = HANDLERS[kind](db, attempt, obj)
    db.flush()
    return outcome


def _succeeded(db: Session, attempt: PaymentAttempt, intent: Mapping[str, Any]) -> Outcome:
    if attempt.status is AttemptStatus.SUCCEEDED:
        return Outcome.ALREADY_POSTED
    received = intent.get("amount_received")
    amount = received if isinstance(received, int) and received > 0 else None
    try:
        posted = settle.post_attempt(db, attempt, amount_minor=amount)
    except PaymentError:
        return Outcome.NOT_POSTED
    return Outcome.ALREADY_POSTED if posted.already_posted else Outcome.POSTED


def _failure_of(intent: Mapping[str, Any]) -> tuple[str, str | None]:
    """Why the intent failed, in words, and the provider's code (the decline code when
    the card's issuer gave one)."""
    error = intent.get("last_payment_error")
    if isinstance(error, Mapping):
        message, code = _text(error.get("message")), _text(error.get("code"))
        code = _text(error.get("decline_code")) or code
        if message:
            return (f"{message} ({code})" if code else message), code or None
        if code:
            return f"The payment failed ({code}).", code
    return "The payment failed.", None


def _failed(db: Session, attempt: PaymentAttempt, intent: Mapping[str, Any]) -> Outcome:
    reason, code = _failure_of(intent)
    if attempt.payment_id is None:
        settle.failed(attempt, reason, code)
        return Outcome.FAILED
    reversed_ = settle.reverse_attempt(
        db,
        attempt,
        kind=ReversalKind.RETURNED_ACH,
        reason=f"Returned by the bank after it succeeded: {reason}",
        provider_reference=_text(intent.get("latest_charge")) or attempt.intent_id,
    )
    return Outcome.REVERSED if reversed_ is not None else Outcome.IGNORED


def _disputed(db: Session, attempt: PaymentAttempt, dispute: Mapping[str, Any]) -> Outcome:
    if attempt.payment_id is None:
        log.warning("dispute of intent %s, which posted no payment", attempt.intent_id)
        return Outcome.UNMATCHED
    why = _text(dispute.get("reason")) or "unknown"
    reversed_ = settle.reverse_attempt(
        db,
        attempt,
        kind=ReversalKind.CHARGEBACK,
        reason=f"Card dispute ({why.replace('_', ' ')})",
        provider_reference=_text(dispute.get("id")),
    )
    return Outcome.REVERSED if reversed_ is not None else Outcome.IGNORED


HANDLERS = {
    "payment_intent.succeeded": _succeeded,
    "payment_intent.payment_failed": _failed,
    "charge.dispute.created": _disputed,
}
