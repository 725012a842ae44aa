"""Celery adapters of the payments domain."""

from __future__ import annotations

from agency.db import session_scope
from agency.payments.arrangements import broken
from agency.payments.receipts import sending
from agency.worker import celery_app


@celery_app.task(name="agency.payments.tasks.check_installments")
def check_installments() -> dict[str, int]:
    """Daily: installments unpaid past their grace days are missed, and arrangements
    with enough misses broken (``agency.payments.arrangements.broken``).  One committed
    transaction a batch of plans: a killed run leaves whole batches, and the next run
    (or the same day's rerun) does the rest; what is done already is left alone."""
    today = broken.agency_today()
    missed = rolled = ended = 0
    after: int | None = 0
    while after is not None:
        with session_scope() as db:
            counts, after = broken.check_batch(db, today=today, after_id=after)
        missed, rolled, ended = (
            missed + counts.missed,
            rolled + counts.rolled,
            ended + counts.broken,
        )
    return {"missed": missed, "rolled": rolled, "broken": ended}


@celery_app.task(name="agency.payments.tasks.send_payment_receipt")
def send_payment_receipt(payment_id: int) -> None:
    """Queue payment ``payment_id``'s receipt through outreach (once: the outbox key is
    the payment's, so a retried job sends nothing new)."""
    with session_scope() as db:
        sending.payment_receipt(db, payment_id=payment_id)
