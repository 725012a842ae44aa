"""The consumer's page with Stripe's keys set: the amount form as rendered, then Stripe's
Payment Element for the intent (in the consumer's language, under the one policy that
lets Stripe.js in), and the page Stripe sends the consumer back to — processing until the
webhook posts the payment, then paid with the receipt, or declined in their words."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from agency.kit import clock
from agency.payments.models import Payment, PaymentAttempt
from tests.fixtures.forms import form_fields
from tests.payments.providers.fake_stripe import PUBLISHABLE_KEY, FakeStripe, event
from tests.payments.providers.test_stripe_webhooks import deliver, succeeded
from tests.payments.self_service.helpers import IN_PERIOD, make_consumer, pass_identity


def _pay(client: TestClient, path: str, amount: str) -> object:
    page = client.get(f"{path}/pay")
    assert page.status_code == 200, page.text
    assert 'name="test_card"' not in page.text  # no sandbox numbers with real keys
    fields = dict(form_fields(page.text, f"{path}/pay"))
    return client.post(f"{path}/pay", data={**fields, "amount": amount})


def test_the_consumer_pays_in_stripes_element_and_returns_to_their_receipt(
    client: TestClient, db: Session, fake_stripe: FakeStripe
) -> None:
    with clock.frozen(IN_PERIOD):
        consumer = make_consumer()
        pass_identity(client, consumer)
        card = _pay(client, consumer.path, "20.00")
        assert card.status_code == 200  # type: ignore[attr-defined]
        page = card.text  # type: ignore[attr-defined]
        [intent] = fake_stripe.intents.values()
        assert f'data-client-secret="{intent["client_secret"]}"' in page
        assert f'data-publishable-key="{PUBLISHABLE_KEY}"' in page
        assert 'data-locale="en"' in page and ">Pay</button>" in page
        policy = card.headers["content-security-policy"]  # type: ignore[attr-defined]
        assert "script-src 'self' https://js.stripe.com" in policy
        attempt = db.scalars(select(PaymentAttempt)).one()
        back = f"{consumer.path}/pay/attempts/{attempt.id}"
        assert f'data-return-url="https://collect.example.com{back}"' in page
        waiting = client.get(back)
        assert waiting.status_code == 200 and "being processed" in waiting.text
        assert deliver(client, succeeded(intent["id"], amount=2_000)).status_code == 200
        paid = client.get(back)
    assert paid.status_code == 200 and "We received $20.00" in paid.text
    payment = db.scalars(select(Payment).where(Payment.case_id == consumer.case_id)).one()
    assert f"{consumer.path}/receipts/{payment.id}" in paid.text


def test_a_decline_comes_back_in_the_consumers_language(
    client: TestClient, db: Session, fake_stripe: FakeStripe
) -> None:
    with clock.frozen(IN_PERIOD):
        consumer = make_consumer(language="es")
        pass_identity(client, consumer)
        card = _pay(client, consumer.path, "20.00")
        assert 'data-locale="es"' in card.text and ">Pagar</button>" in card.text  # type: ignore[attr-defined]
        [intent] = fake_stripe.intents.values()
        error = {"code": "card_declined", "decline_code": "expired_card", "message": "Expired."}
        obj = {"id": intent["id"], "object": "payment_intent", "last_payment_error": error}
        assert deliver(client, event("payment_intent.payment_failed", obj)).status_code == 200
        attempt = db.scalars(select(PaymentAttempt)).one()
        back = client.get(f"{consumer.path}/pay/attempts/{attempt.id}")
    assert "No se cobró su tarjeta: la tarjeta está vencida." in back.text


def test_another_cases_attempt_is_the_polite_refusal(
    client: TestClient, db: Session, fake_stripe: FakeStripe
) -> None:
    with clock.frozen(IN_PERIOD):
        first, second = make_consumer(), make_consumer()
        pass_identity(client, first)
        _pay(client, first.path, "20.00")
        attempt = db.scalars(select(PaymentAttempt)).one()
        pass_identity(client, second)
        other = client.get(f"{second.path}/pay/attempts/{attempt.id}")
    assert other.status_code != 200 and "This link does not work" in other.text
