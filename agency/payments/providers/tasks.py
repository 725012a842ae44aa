"""Celery adapters of the payment providers."""

from __future__ import annotations

from agency.db import session_scope
from agency.payments.models import PaymentAttempt
from agency.payments.providers import events, sandbox
from agency.worker import celery_app


@celery_app.task(name="agency.payments.providers.tasks.sandbox_dispute")
def sandbox_dispute(attempt_id: int) -> str:
    """The sandbox's "disputed later" card: the dispute Stripe would send, some time
    after the payment succeeded, delivered through the webhook's own handler (the
    payment is reversed as a chargeback).  Idempotent: a payment already reversed is
    left alone; an attempt gone or not the sandbox's does nothing."""
    with session_scope() as db:
        attempt = db.get(PaymentAttempt, attempt_id)
        if attempt is None or attempt.provider != sandbox.NAME:
            return events.Outcome.UNMATCHED.value
        event = sandbox.dispute_event(attempt.intent_id)
        return events.handle(db, provider=sandbox.NAME, event=event).value
