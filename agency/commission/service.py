"""The commission domain's entry points for the domains above it (payments writes an
entry with every payment and reversal it posts; the case page shows them).  Services
flush, never commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy.orm import Session

from agency.commission import ledger
from agency.commission import repository as repo
from agency.commission.schemas import EntryShown, PaymentFacts, Rating
from agency.kit.money import Money


def rate_payment(db: Session, facts: PaymentFacts) -> Rating:
    """A payment's commission before it is written: CommissionError when it cannot be
    rated (the payment is then refused, nothing written)."""
    return ledger.rate(db, facts)


def record_payment(db: Session, rating: Rating, *, payment_id: int) -> None:
    """The payment's commission entry, in the posting's transaction."""
    ledger.record_payment(db, rating, payment_id=payment_id)


def record_reversal(db: Session, *, payment_id: int, reversal_id: int, on: date) -> None:
    """The reversal's entry: the payment's negated."""
    ledger.record_reversal(db, payment_id=payment_id, reversal_id=reversal_id, on=on)


def entries_by_payment(db: Session, payment_ids: Sequence[int]) -> dict[int, list[EntryShown]]:
    """Each payment's entries (its own, then its reversal's), by payment id."""
    shown: dict[int, list[EntryShown]] = {}
    for entry in repo.entries_of_payments(db, payment_ids):
        shown.setdefault(entry.payment_id, []).append(
            EntryShown(
                id=entry.id,
                payment_id=entry.payment_id,
                reversal_id=entry.reversal_id,
                on=entry.on,
                rate=entry.rate,
                tier=entry.tier,
                amount=Money(entry.amount_minor, entry.currency),
                commission=Money(entry.commission_minor, entry.currency),
                why=entry.why,
            )
        )
    return shown
