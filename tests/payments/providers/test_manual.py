"""The manual provider: a cheque, cash or a transfer staff received, posted at once with
provider ``manual``; the same form (its token) posted twice is one payment."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from agency.payments.models import Payment, PaymentMethod
from agency.payments.providers import manual
from agency.payments.schemas import PaymentError
from tests.fixtures.factories import CaseFactory, UserFactory


def post(db: Session, case_id: int, **changes: object) -> object:
    asked: dict[str, object] = {
        "case_id": case_id,
        "amount_minor": 1_500,
        "currency": "USD",
        "method": "cheque",
        "received_on": date(2025, 6, 2),
        "reference": "cheque 1042",
        "installment_id": None,
        "idempotency_key": "d" * 32,
        "by_user_id": None,
    }
    asked.update(changes)
    return manual.post_manual(db, **asked)  # type: ignore[arg-type]


def test_a_cheque_is_posted_once_with_provider_manual(db: Session) -> None:
    case, clerk = CaseFactory(), UserFactory()
    first = post(db, case.id, by_user_id=clerk.id)
    again = post(db, case.id, by_user_id=clerk.id)
    assert again.already_posted and again.id == first.id
    [payment] = db.scalars(select(Payment))
    assert (payment.provider, payment.method, payment.reference, payment.posted_by_id) == (
        "manual",
        PaymentMethod.CHEQUE,
        "cheque 1042",
        clerk.id,
    )
    assert payment.provider_reference == manual.reference_for("d" * 32)


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"method": "card"}, "method"), ({"idempotency_key": ""}, "idempotency_key")],
)
def test_what_is_not_posted_by_hand_is_refused(
    db: Session, changes: dict[str, object], field: str
) -> None:
    with pytest.raises(PaymentError) as refused:
        post(db, CaseFactory().id, **changes)
    assert refused.value.field == field
    assert list(db.scalars(select(Payment))) == []
