"""Paying on the page (the sandbox's test cards) posts a payment on the case; amounts
are read exactly and refused with a clear message; a plan chosen among the client's
options becomes the case's arrangement (pending approval beyond the authority); its next
date moves within limits."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agency.cases.models import CaseNote
from agency.kit import clock
from agency.payments.models import (
    Installment,
    Payment,
    PaymentAttempt,
    PaymentPlan,
    PlanStatus,
)
from tests.fixtures.forms import form_fields, rendered_form
from tests.payments.self_service.helpers import IN_PERIOD, Consumer, make_consumer, pass_identity

GOOD_CARD = "4242424242424242"
DECLINED = "4000000000000002"
INSUFFICIENT = "4000000000009995"


def _pay(client: TestClient, consumer: Consumer, query: str = "", **values: str) -> object:
    page = client.get(f"{consumer.path}/pay{query}")
    assert page.status_code == 200, page.text
    fields = dict(form_fields(page.text, f"{consumer.path}/pay"))
    return client.post(f"{consumer.path}/pay", data={**fields, **values})


def _payments(db: Session, consumer: Consumer) -> list[Payment]:
    return list(db.scalars(select(Payment).where(Payment.case_id == consumer.case_id)))


def test_paying_with_the_test_card_posts_a_payment(client: TestClient, db: Session) -> None:
    with clock.frozen(IN_PERIOD):
        consumer = make_consumer()
        pass_identity(client, consumer)
        page = client.get(f"{consumer.path}/pay")
        _action, fields, options = rendered_form(page.text, "pay-form")
        assert fields["amount"] == "105.00"  # the whole balance, offered first
        assert GOOD_CARD in options["test_card"]
        paid = client.post(f"{consumer.path}/pay", data={**fields, "amount": "50.00"})
        assert paid.status_code == 200, paid.text
        assert "We received $50.00. Your balance is now $55.00." in paid.text
        again = client.post(f"{consumer.path}/pay", data={**fields, "amount": "50.00"})
        assert again.status_code == 200  # the same form twice: one charge
    (payment,) = _payments(db, consumer)
    assert payment.amount_minor == 5_000 and payment.provider == "sandbox"
    with clock.frozen(IN_PERIOD):
        receipt = client.get(f"{consumer.path}/receipts/{payment.id}")
    assert receipt.status_code == 200 and receipt.content.startswith(b"%PDF")
    notes = db.scalars(select(CaseNote).where(CaseNote.case_id == consumer.case_id)).all()
    assert [n.body for n in notes] == ["On their page: paid $50.00 by card"]


@pytest.mark.parametrize(
    "amount, message",
    [
        ("", "Enter the amount to pay"),
        ("abc", "Enter an amount such as 25.00"),
        ("10.001", "at most 2 decimals"),
        ("0", "more than zero"),
        ("-5", "more than zero"),
        ("5.00", "The smallest payment accepted is $10.00"),
        ("105.01", "more than you owe ($105.00)"),
        ("1e400", "Enter an amount such as 25.00"),
    ],
)
def test_bad_amounts_are_refused_and_nothing_is_charged(
    client: TestClient, db: Session, amount: str, message: str
) -> None:
    with clock.frozen(IN_PERIOD):
        consumer = make_consumer()
        pass_identity(client, consumer)
        refused = _pay(client, consumer, amount=amount, test_card=GOOD_CARD)
    assert refused.status_code == 422
    assert message in refused.text and 'aria-describedby="h-amount e-amount"' in refused.text
    assert not _payments(db, consumer)


def test_a_declined_card_says_so_and_posts_nothing(client: TestClient, db: Session) -> None:
    with clock.frozen(IN_PERIOD):
        consumer = make_consumer()
        pass_identity(client, consumer)
        declined = _pay(client, consumer, amount="20.00", test_card=DECLINED)
    assert declined.status_code == 422
    assert "Your card was not charged: the card was declined." in declined.text
    assert not _payments(db, consumer)
    attempt = db.scalars(select(PaymentAttempt).where(PaymentAttempt.case_id == consumer.case_id))
    assert [(a.failure_code, a.failure) for a in attempt] == [
        ("card_declined", "Your card was declined. (card_declined)")
    ]


def test_a_decline_is_worded_in_the_consumers_language(client: TestClient, db: Session) -> None:
    with clock.frozen(IN_PERIOD):
        consumer = make_consumer()
        pass_identity(client, consumer)
        client.get(f"{consumer.path}?lang=es")
        declined = _pay(client, consumer, amount="20.00", test_card=INSUFFICIENT)
    assert declined.status_code == 422
    assert "No se cobró su tarjeta: la tarjeta no tiene fondos suficientes." in declined.text
    assert "Your card" not in declined.text
    assert not _payments(db, consumer)


def _choose(client: TestClient, consumer: Consumer, label: str) -> object:
    page = client.get(f"{consumer.path}/plan")
    assert page.status_code == 200, page.text
    fields = dict(form_fields(page.text, f"{consumer.path}/plan/preview"))
    choices = page.text.split('name="option" value="')[1:]
    index = next(c.split('"', 1)[0] for c in choices if label in c.split("</label>", 1)[0])
    preview = client.post(f"{consumer.path}/plan/preview", data={**fields, "option": index})
    assert preview.status_code == 200, preview.text
    assert preview.text.count("<tr><td>") == 3  # every payment shown before confirming
    confirm = dict(form_fields(preview.text, f"{consumer.path}/plan"))
    return client.post(f"{consumer.path}/plan", data=confirm)


def test_a_three_month_plan_becomes_the_case_arrangement(client: TestClient, db: Session) -> None:
    with clock.frozen(IN_PERIOD):
        consumer = make_consumer()
        pass_identity(client, consumer)
        done = _choose(client, consumer, "3 monthly payments")
        assert done.status_code == 200, done.text
        assert "Your plan is set up. The first payment is $35.00" in done.text
    (plan,) = db.scalars(select(PaymentPlan).where(PaymentPlan.case_id == consumer.case_id))
    assert plan.status is PlanStatus.ACTIVE and plan.by_consumer and plan.created_by_id is None
    assert plan.total_minor == 10_500
    # The next date moves within the limits, once.
    with clock.frozen(IN_PERIOD):
        page = client.get(consumer.path)
        first = db.scalars(
            select(Installment).where(Installment.plan_id == plan.id).order_by(Installment.due_date)
        ).first()
        assert first is not None
        later = first.due_date + timedelta(days=3)
        fields = dict(form_fields(page.text, f"{consumer.path}/plan/next-date"))
        moved = client.post(
            f"{consumer.path}/plan/next-date", data={**fields, "new_due": later.isoformat()}
        )
        assert moved.status_code == 200 and f"now due on {later.isoformat()}" in moved.text
        fields = dict(form_fields(moved.text, f"{consumer.path}/plan/next-date"))
        past = client.post(
            f"{consumer.path}/plan/next-date", data={**fields, "new_due": "2020-01-01"}
        )
        assert past.status_code == 422 and 'id="e-new_due"' in past.text
    db.expire_all()
    assert db.get(Installment, first.id).due_date == later  # type: ignore[union-attr]


def test_a_plan_beyond_the_authority_waits_for_approval(client: TestClient, db: Session) -> None:
    with clock.frozen(IN_PERIOD):
        consumer = make_consumer()
        consumer.debtor.case.contract.min_installment_minor = 5_000
        db.flush()
        pass_identity(client, consumer)
        done = _choose(client, consumer, "3 monthly payments")
        assert "We will confirm your plan within 1 business day." in done.text
        assert 'id="pay-first"' not in done.text
    (plan,) = db.scalars(select(PaymentPlan).where(PaymentPlan.case_id == consumer.case_id))
    assert plan.status is PlanStatus.PENDING and plan.reasons
    assert db.scalar(select(func.count()).select_from(Payment)) == 0
    assert isinstance(plan.created_at.date(), date)
