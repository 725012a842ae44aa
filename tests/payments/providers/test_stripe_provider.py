"""The Stripe provider through the real SDK, its HTTP client answering in process: the
exact request (URL, headers, form body), the idempotency key on every create, the SDK's
own retry with the same key, and Stripe refusing or out of reach."""

from __future__ import annotations

import pytest

from agency.payments.models import PaymentMethod
from agency.payments.providers.base import (
    IntentRequest,
    IntentStatus,
    ProviderUnavailable,
)
from agency.payments.providers.stripe_provider import StripeProvider
from tests.payments.providers.fake_stripe import SECRET_KEY, FakeStripe


def ask(method: PaymentMethod = PaymentMethod.CARD, key: str = "k" * 32) -> IntentRequest:
    return IntentRequest(
        amount_minor=12_345,
        currency="USD",
        method=method,
        idempotency_key=key,
        metadata={"case_id": "7", "attempt_id": "3"},
    )


def test_a_card_intent_is_created_with_the_exact_request() -> None:
    fake = FakeStripe()
    answer = StripeProvider(SECRET_KEY, http_client=fake).create_intent(ask())
    [sent] = fake.requests
    assert (sent.method, sent.url) == ("post", "https://api.stripe.com/v1/payment_intents")
    assert sent.headers["Authorization"] == f"Bearer {SECRET_KEY}"
    assert sent.headers["Idempotency-Key"] == "k" * 32
    assert sent.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert sent.form == {
        "amount": "12345",
        "currency": "usd",
        "payment_method_types[0]": "card",
        "metadata[case_id]": "7",
        "metadata[attempt_id]": "3",
    }
    intent = fake.intents["k" * 32]
    assert answer.intent_id == intent["id"]
    assert answer.status is IntentStatus.REQUIRES_ACTION
    assert answer.client_secret == intent["client_secret"]


def test_a_bank_account_intent_asks_for_us_bank_account() -> None:
    fake = FakeStripe()
    StripeProvider(SECRET_KEY, http_client=fake).create_intent(ask(PaymentMethod.ACH))
    assert fake.requests[0].form["payment_method_types[0]"] == "us_bank_account"


def test_the_sdk_retries_a_5xx_and_a_dropped_connection_with_the_same_key() -> None:
    fake = FakeStripe()
    fake.failures.extend([500, "connection"])
    answer = StripeProvider(SECRET_KEY, http_client=fake).create_intent(ask(key="a" * 32))
    assert answer.status is IntentStatus.REQUIRES_ACTION
    assert [r.headers["Idempotency-Key"] for r in fake.requests] == ["a" * 32] * 3
    assert all(r.form == fake.requests[0].form for r in fake.requests)


def test_stripe_out_of_reach_is_provider_unavailable() -> None:
    fake = FakeStripe()
    fake.failures.extend(["connection"] * 3)
    with pytest.raises(ProviderUnavailable, match="nothing was charged"):
        StripeProvider(SECRET_KEY, http_client=fake).create_intent(ask())
    assert len(fake.requests) == 3  # the first try and the SDK's two retries


def test_a_request_stripe_refuses_is_a_failed_intent_with_stripes_reason() -> None:
    fake = FakeStripe()
    fake.failures.append(400)
    answer = StripeProvider(SECRET_KEY, http_client=fake).create_intent(ask())
    assert answer.status is IntentStatus.FAILED
    assert answer.failure == "Amount must be at least $0.50 usd"
    assert answer.failure_code is None
    assert len(fake.requests) == 1  # a 400 is not retried


def test_a_declined_card_carries_the_issuers_decline_code() -> None:
    fake = FakeStripe()
    fake.failures.append(402)
    answer = StripeProvider(SECRET_KEY, http_client=fake).create_intent(ask())
    assert (answer.status, answer.failure, answer.failure_code) == (
        IntentStatus.FAILED,
        "Your card has insufficient funds.",
        "insufficient_funds",
    )


def test_a_method_stripe_is_not_asked_for_is_refused_before_any_request() -> None:
    fake = FakeStripe()
    with pytest.raises(ValueError, match="cheque"):
        StripeProvider(SECRET_KEY, http_client=fake).create_intent(ask(PaymentMethod.CHEQUE))
    assert fake.requests == []
