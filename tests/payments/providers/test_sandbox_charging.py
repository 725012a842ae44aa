"""Taking a payment in sandbox mode (no Stripe keys): each of Stripe's test cards and
test bank accounts answers as Stripe would, at once; a success is posted through posting
(provider ``sandbox``, the intent id as its reference); the same idempotency key is one
charge; bad input is refused with the field named and nothing written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agency.cases.models import Case, CaseStatus
from agency.payments.models import AttemptStatus, Payment, PaymentAttempt, PaymentMethod
from agency.payments.providers import charging, sandbox
from agency.payments.providers.base import IntentStatus
from agency.payments.schemas import PaymentError
from tests.fixtures.factories import CaseFactory, UserFactory

OUTCOMES = [
    ("4242424242424242", "card", IntentStatus.SUCCEEDED, None),
    ("4000000000000002", "card", IntentStatus.FAILED, "Your card was declined. (card_declined)"),
    (
        "4000000000009995",
        "card",
        IntentStatus.FAILED,
        "Your card has insufficient funds. (insufficient_funds)",
    ),
    ("4000000000000259", "card", IntentStatus.SUCCEEDED, None),
    ("000123456789", "ach", IntentStatus.SUCCEEDED, None),
    (
        "000111111116",
        "ach",
        IntentStatus.FAILED,
        "The bank account payment failed. (payment_method_provider_decline)",
    ),
    ("000111111113", "ach", IntentStatus.FAILED, "The bank account is closed. (account_closed)"),
]


def start(db: Session, case: Case, number: str | None, **changes: object) -> charging.AttemptResult:
    asked: dict[str, object] = {
        "case_id": case.id,
        "amount_minor": 2_500,
        "method": "card",
        "installment_id": None,
        "by_consumer": False,
        "by_user_id": None,
        "test_card": number,
        "idempotency_key": "f" * 32,
    }
    asked.update(changes)
    return charging.start_payment(db, **asked)  # type: ignore[arg-type]


def count(db: Session, table: type[Payment] | type[PaymentAttempt]) -> int:
    return db.scalar(select(func.count()).select_from(table)) or 0


@pytest.mark.parametrize(("number", "method", "status", "failure"), OUTCOMES)
def test_each_test_number_answers_as_stripe_would(
    db: Session, number: str, method: str, status: IntentStatus, failure: str | None
) -> None:
    case, agent = CaseFactory(), UserFactory()
    result = start(db, case, number, method=method, by_user_id=agent.id)
    assert (result.status, result.failure, result.provider) == (status, failure, "sandbox")
    attempt = db.get(PaymentAttempt, result.attempt_id)
    assert attempt is not None
    assert attempt.intent_id == sandbox.intent_id_for("f" * 32) == result.intent_id
    assert (attempt.method, attempt.amount_minor, attempt.currency) == (
        PaymentMethod(method),
        2_500,
        "USD",
    )
    payments = list(db.scalars(select(Payment)))
    db.refresh(case)
    if status is IntentStatus.SUCCEEDED:
        assert attempt.status is AttemptStatus.SUCCEEDED
        [payment] = payments
        assert (payment.provider, payment.provider_reference) == ("sandbox", result.intent_id)
        assert (payment.amount_minor, payment.method, payment.posted_by_id) == (
            2_500,
            PaymentMethod(method),
            agent.id,
        )
        assert attempt.payment_id == payment.id == result.payment_id
        assert case.balance.minor == 10_500 - 2_500
    else:
        assert attempt.status is AttemptStatus.FAILED and attempt.failure == failure
        assert payments == [] and result.payment_id is None
        assert case.balance.minor == 10_500


def test_the_same_key_twice_is_one_charge(db: Session) -> None:
    case = CaseFactory()
    first = start(db, case, "4242424242424242")
    second = start(db, case, "4242424242424242")
    assert second.repeated and not first.repeated
    assert (second.attempt_id, second.payment_id) == (first.attempt_id, first.payment_id)
    assert (count(db, PaymentAttempt), count(db, Payment)) == (1, 1)


def test_a_key_used_for_another_payment_is_refused(db: Session) -> None:
    case = CaseFactory()
    start(db, case, "4242424242424242")
    with pytest.raises(PaymentError) as refused:
        start(db, case, "4242424242424242", amount_minor=3_000)
    assert refused.value.field == "idempotency_key"
    assert (count(db, PaymentAttempt), count(db, Payment)) == (1, 1)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount_minor": 0}, "amount"),
        ({"amount_minor": -100}, "amount"),
        ({"amount_minor": 10_501}, "amount"),
        ({"method": "bitcoin"}, "method"),
        ({"method": "cheque"}, "method"),
        ({"test_card": "4111111111111111"}, "test_card"),
        ({"test_card": None}, "test_card"),
        ({"method": "ach", "test_card": "4242424242424242"}, "test_account"),
        ({"idempotency_key": "x" * 65}, "idempotency_key"),
        ({"case_id": 999_999_999}, "case"),
    ],
)
def test_bad_input_is_refused_with_the_field_and_nothing_written(
    db: Session, changes: dict[str, object], field: str
) -> None:
    case = CaseFactory()
    with pytest.raises(PaymentError) as refused:
        start(db, case, "4242424242424242", **changes)
    assert refused.value.field == field
    assert (count(db, PaymentAttempt), count(db, Payment)) == (0, 0)


def test_a_closed_case_takes_no_payment(db: Session) -> None:
    case = CaseFactory(status=CaseStatus.CLOSED)
    with pytest.raises(PaymentError, match="closed") as refused:
        start(db, case, "4242424242424242")
    assert refused.value.field == "case"
    assert count(db, PaymentAttempt) == 0


def test_the_whole_balance_closes_the_case_as_paid(db: Session) -> None:
    case = CaseFactory()
    result = start(db, case, "4242424242424242", amount_minor=10_500)
    assert result.status is IntentStatus.SUCCEEDED
    db.refresh(case)
    assert (case.balance.minor, case.status) == (0, CaseStatus.PAID)
