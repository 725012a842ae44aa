"""The case page's "take a payment" form through the app: in sandbox mode it offers only
the sandbox's test numbers and, posted as rendered, charges and posts at once (one charge
for two posts of one form); with Stripe it asks no card at all and answers with Stripe's
Payment Element under its own Content-Security-Policy; who may use it."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agency.auth.models import Role
from agency.payments.models import AttemptStatus, Payment, PaymentAttempt
from tests.fixtures.factories import CaseFactory, UserFactory
from tests.fixtures.forms import form_fields, with_values
from tests.fixtures.web import sign_in
from tests.payments.providers.fake_stripe import PUBLISHABLE_KEY, FakeStripe

HTMX = {"HX-Request": "true", "HX-Target": "payment-charge"}
CARD_LIKE = re.compile(r"\b4\d{15}\b")


@pytest.fixture
def admin(client: TestClient, db: Session) -> None:
    sign_in(client, db, UserFactory(role=Role.ADMIN))


def payments(db: Session) -> list[Payment]:
    return list(db.scalars(select(Payment)))


def test_the_sandbox_form_posted_as_rendered_takes_and_posts_the_payment(
    client: TestClient, db: Session, admin: None
) -> None:
    case = CaseFactory()
    action = f"/cases/{case.id}/payments/charge"
    page = client.get(action)
    assert page.status_code == 200
    assert "js.stripe.com" not in page.text
    # Only the sandbox's numbers, from a list: there is no field to type a card into.
    assert not re.search(r'<input[^>]+name="(test_card|card|number)"', page.text)
    fields = dict(with_values(form_fields(page.text, action), amount="25.00"))
    answer = client.post(action, data=fields, headers=HTMX)
    assert answer.status_code == 200
    assert 'data-status="succeeded"' in answer.text and "$25.00" in answer.text
    assert "<html" not in answer.text  # the fragment only
    [payment] = payments(db)
    assert (payment.provider, payment.amount_minor) == ("sandbox", 2_500)
    # The same form posted again (a double click): still one charge.
    again = client.post(action, data=fields, headers=HTMX)
    assert again.status_code == 200 and len(payments(db)) == 1
    assert db.scalar(select(func.count()).select_from(PaymentAttempt)) == 1
    # The answer carries a fresh form (a new token) for the next payment.
    next_fields = dict(form_fields(answer.text, action))
    assert next_fields["token"] != fields["token"]


def test_the_case_pages_panel_loads_the_form_as_a_fragment(
    client: TestClient, db: Session, admin: None
) -> None:
    case = CaseFactory()
    answer = client.get(f"/cases/{case.id}/payments/charge", headers=HTMX)
    assert answer.status_code == 200
    assert answer.text.lstrip().startswith('<div id="payment-charge"')
    assert f'hx-post="/cases/{case.id}/payments/charge"' in answer.text


def test_a_declined_test_card_says_why_and_posts_nothing(
    client: TestClient, db: Session, admin: None
) -> None:
    case = CaseFactory()
    action = f"/cases/{case.id}/payments/charge"
    fields = form_fields(client.get(action).text, action)
    answer = client.post(
        action, data=dict(with_values(fields, amount="10", test_card="4000000000000002"))
    )
    assert answer.status_code == 200
    assert 'data-status="failed"' in answer.text and "Your card was declined" in answer.text
    assert payments(db) == []
    [attempt] = db.scalars(select(PaymentAttempt))
    assert attempt.status is AttemptStatus.FAILED


@pytest.mark.parametrize(
    ("changes", "status", "message"),
    [
        ({"amount": "0"}, 422, "Amount must be more than zero"),
        ({"amount": "12.345"}, 422, "Amount"),
        ({"amount": "200.00"}, 422, "more than the open balance"),
        ({"amount": "5", "test_card": "4111111111111111"}, 422, "sandbox&#39;s test numbers"),
        ({"amount": "5", "method": "cheque"}, 422, "card or a bank account"),
        ({"amount": "5", "token": "nope"}, 422, "reload the page"),
    ],
)
def test_bad_input_is_shown_beside_its_field_and_nothing_is_written(
    client: TestClient,
    db: Session,
    admin: None,
    changes: dict[str, str],
    status: int,
    message: str,
) -> None:
    case = CaseFactory()
    action = f"/cases/{case.id}/payments/charge"
    fields = form_fields(client.get(action).text, action)
    answer = client.post(action, data=dict(with_values(fields, **changes)))
    assert answer.status_code == status
    assert message in answer.text
    assert db.scalar(select(func.count()).select_from(PaymentAttempt)) == 0


def test_with_stripe_the_form_asks_no_card_and_opens_the_payment_element(
    client: TestClient, db: Session, admin: None, fake_stripe: FakeStripe
) -> None:
    case = CaseFactory()
    action = f"/cases/{case.id}/payments/charge"
    page = client.get(action)
    assert "test_card" not in page.text and "js.stripe.com" not in page.text
    fields = dict(with_values(form_fields(page.text, action), amount="40.00"))
    answer = client.post(action, data=fields)
    assert answer.status_code == 200
    intent = next(iter(fake_stripe.intents.values()))
    assert f'data-client-secret="{intent["client_secret"]}"' in answer.text
    assert f'data-publishable-key="{PUBLISHABLE_KEY}"' in answer.text
    assert '<script src="https://js.stripe.com/v3/"></script>' in answer.text
    csp = answer.headers["Content-Security-Policy"]
    assert "script-src 'self' https://js.stripe.com" in csp and "frame-ancestors 'none'" in csp
    assert fake_stripe.requests[0].headers["Idempotency-Key"] == fields["token"]
    assert payments(db) == []  # posted when Stripe's webhook says it succeeded
    [attempt] = db.scalars(select(PaymentAttempt))
    done = client.get(f"/cases/{case.id}/payments/attempts/{attempt.id}")
    assert done.status_code == 200 and 'data-status="processing"' in done.text
    assert CARD_LIKE.search(answer.text) is None


@pytest.mark.parametrize("role", [Role.COMPLIANCE, Role.MERCHANT])
def test_compliance_officers_and_merchants_take_no_payment(
    client: TestClient, db: Session, role: Role
) -> None:
    case = CaseFactory()
    user = UserFactory(role=role, client_id=case.client_id if role is Role.MERCHANT else None)
    sign_in(client, db, user)
    action = f"/cases/{case.id}/payments/charge"
    assert client.get(action).status_code == 403
    assert db.scalar(select(func.count()).select_from(PaymentAttempt)) == 0


def test_another_clients_case_is_not_found_for_an_agent_who_may_not_see_it(
    client: TestClient, db: Session
) -> None:
    case = CaseFactory()
    sign_in(client, db, UserFactory(role=Role.AGENT))
    assert client.get(f"/cases/{case.id}/payments/charge").status_code in (403, 404)
