"""Taking a payment through Stripe (``start_payment`` with Stripe's keys set, the real SDK
over a fake HTTP client): the exact PaymentIntent request with its idempotency key and
metadata, the intent waiting for Stripe.js, and a retried start sending the very same
request again."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agency.payments.models import AttemptStatus, Payment, PaymentAttempt
from agency.payments.providers import charging
from agency.payments.providers.base import IntentStatus
from tests.fixtures.factories import CaseFactory
from tests.payments.providers.fake_stripe import SECRET_KEY, FakeStripe

KEY = "c" * 32


def start(db: Session, case_id: int, **changes: object) -> charging.AttemptResult:
    asked: dict[str, object] = {
        "case_id": case_id,
        "amount_minor": 4_000,
        "method": "card",
        "installment_id": None,
        "by_consumer": True,
        "by_user_id": None,
        "idempotency_key": KEY,
    }
    asked.update(changes)
    return charging.start_payment(db, **asked)  # type: ignore[arg-type]


def test_a_card_payment_creates_an_intent_and_waits_for_stripe(
    db: Session, fake_stripe: FakeStripe
) -> None:
    case = CaseFactory()
    result = start(db, case.id)
    [sent] = fake_stripe.requests
    assert (sent.method, sent.url) == ("post", "https://api.stripe.com/v1/payment_intents")
    assert sent.headers["Idempotency-Key"] == KEY
    assert sent.headers["Authorization"] == f"Bearer {SECRET_KEY}"
    assert sent.form == {
        "amount": "4000",
        "currency": "usd",
        "payment_method_types[0]": "card",
        "metadata[case_id]": str(case.id),
        "metadata[attempt_id]": str(result.attempt_id),
    }
    intent = fake_stripe.intents[KEY]
    assert (result.status, result.intent_id, result.client_secret) == (
        IntentStatus.REQUIRES_ACTION,
        intent["id"],
        intent["client_secret"],
    )
    attempt = db.get(PaymentAttempt, result.attempt_id)
    assert attempt is not None
    assert (attempt.provider, attempt.status, attempt.by_consumer) == (
        "stripe",
        AttemptStatus.PROCESSING,
        True,
    )
    assert db.scalar(select(func.count()).select_from(Payment)) == 0  # the webhook posts


def test_a_us_bank_account_asks_stripe_for_us_bank_account(
    db: Session, fake_stripe: FakeStripe
) -> None:
    start(db, CaseFactory().id, method="ach")
    assert fake_stripe.requests[0].form["payment_method_types[0]"] == "us_bank_account"


def test_a_retried_start_sends_the_same_key_and_gets_the_same_intent(
    db: Session, fake_stripe: FakeStripe
) -> None:
    case = CaseFactory()
    first = start(db, case.id)
    again = start(db, case.id)
    assert again.repeated and again.attempt_id == first.attempt_id
    assert (again.intent_id, again.client_secret) == (first.intent_id, first.client_secret)
    one, two = fake_stripe.requests
    assert one.headers["Idempotency-Key"] == two.headers["Idempotency-Key"] == KEY
    assert one.form == two.form
    assert db.scalar(select(func.count()).select_from(PaymentAttempt)) == 1


def test_stripe_out_of_reach_keeps_the_attempt_failed_and_the_retry_sends_the_same_request(
    db: Session, fake_stripe: FakeStripe
) -> None:
    case = CaseFactory()
    fake_stripe.failures.extend(["connection"] * 3)
    down = start(db, case.id)
    assert down.status is IntentStatus.FAILED and "nothing was charged" in (down.failure or "")
    assert down.intent_id.startswith(charging.UNSENT)
    up = start(db, case.id)
    assert up.status is IntentStatus.REQUIRES_ACTION and up.attempt_id == down.attempt_id
    assert {r.headers["Idempotency-Key"] for r in fake_stripe.requests} == {KEY}
    assert len({tuple(sorted(r.form.items())) for r in fake_stripe.requests}) == 1
    assert len(fake_stripe.requests) == 4  # three tries down, one up
    attempt = db.get(PaymentAttempt, up.attempt_id)
    assert attempt is not None
    assert (attempt.status, attempt.failure, attempt.intent_id) == (
        AttemptStatus.PROCESSING,
        None,
        fake_stripe.intents[KEY]["id"],
    )


def test_a_stripe_refusal_is_a_failed_attempt_with_stripes_reason(
    db: Session, fake_stripe: FakeStripe
) -> None:
    fake_stripe.failures.append(400)
    result = start(db, CaseFactory().id, amount_minor=10)
    assert (result.status, result.failure) == (
        IntentStatus.FAILED,
        "Amount must be at least $0.50 usd",
    )
