"""Stripe's webhook through the app: a signed event is verified by the SDK
(``Webhook.construct_event``) and applied; an unsigned or wrongly signed one is refused
(400) with nothing written; Stripe's retries post once; an unknown intent is answered
200 and written nowhere; a failure after success and a dispute reverse the payment."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agency.cases.models import Case
from agency.config import get_settings
from agency.payments.models import (
    AttemptStatus,
    Payment,
    PaymentAttempt,
    Reversal,
    ReversalKind,
)
from agency.payments.providers import charging
from tests.fixtures.factories import CaseFactory
from tests.payments.providers.fake_stripe import FakeStripe, event, signature


def counts(db: Session) -> tuple[int, int, int]:
    return tuple(  # type: ignore[return-value]
        db.scalar(select(func.count()).select_from(table)) or 0
        for table in (PaymentAttempt, Payment, Reversal)
    )


def intent_for(db: Session, case: Case, *, method: str = "card") -> charging.AttemptResult:
    return charging.start_payment(
        db,
        case_id=case.id,
        amount_minor=3_000,
        method=method,
        installment_id=None,
        by_consumer=True,
        by_user_id=None,
        idempotency_key=charging.new_key(),
    )


def deliver(client: TestClient, body: bytes, sig: str | None = "sign") -> Any:
    headers = {"Content-Type": "application/json"}
    if sig == "sign":
        headers["Stripe-Signature"] = signature(body)
    elif sig is not None:
        headers["Stripe-Signature"] = sig
    return client.post("/webhooks/stripe", content=body, headers=headers)


def succeeded(intent_id: str, amount: int = 3_000, event_id: str = "evt_ok") -> bytes:
    intent = {"id": intent_id, "object": "payment_intent", "status": "succeeded"}
    return event(
        "payment_intent.succeeded", {**intent, "amount_received": amount}, event_id=event_id
    )


def test_a_signed_success_posts_the_payment_once_whatever_the_retries(
    db: Session, client: TestClient, fake_stripe: FakeStripe
) -> None:
    case = CaseFactory()
    started = intent_for(db, case)
    body = succeeded(started.intent_id)
    first = deliver(client, body)
    assert first.status_code == 200 and first.json()["outcome"] == "posted"
    again = deliver(client, body)  # Stripe delivers it again
    assert again.status_code == 200 and again.json()["outcome"] == "already_posted"
    [payment] = db.scalars(select(Payment))
    assert (payment.provider, payment.provider_reference, payment.amount_minor) == (
        "stripe",
        started.intent_id,
        3_000,
    )
    attempt = db.get(PaymentAttempt, started.attempt_id)
    assert attempt is not None
    assert (attempt.status, attempt.payment_id) == (AttemptStatus.SUCCEEDED, payment.id)
    db.refresh(case)
    assert case.balance.minor == 10_500 - 3_000


@pytest.mark.parametrize(
    "sig",
    [None, "", "garbage", "t=1,v1=" + "0" * 64, "v1=abc"],
    ids=["missing", "empty", "garbage", "wrong-mac", "no-timestamp"],
)
def test_an_unsigned_or_wrongly_signed_event_is_refused_and_nothing_written(
    db: Session, client: TestClient, fake_stripe: FakeStripe, sig: str | None
) -> None:
    started = intent_for(db, CaseFactory())
    before = counts(db)
    answer = deliver(client, succeeded(started.intent_id), sig=sig)
    assert answer.status_code == 400
    assert counts(db) == before
    assert db.get(PaymentAttempt, started.attempt_id).status is AttemptStatus.PROCESSING  # type: ignore[union-attr]


def test_an_event_signed_with_another_secret_or_for_another_body_is_refused(
    db: Session, client: TestClient, fake_stripe: FakeStripe
) -> None:
    started = intent_for(db, CaseFactory())
    body = succeeded(started.intent_id)
    before = counts(db)
    other_secret = signature(body, secret="whsec_someone_else")
    assert deliver(client, body, sig=other_secret).status_code == 400
    tampered = succeeded(started.intent_id, amount=1)
    assert deliver(client, tampered, sig=signature(body)).status_code == 400
    stale = signature(body, at=1_000_000_000)  # 2001: outside Stripe's 5 minutes
    assert deliver(client, body, sig=stale).status_code == 400
    assert counts(db) == before


def test_without_a_webhook_secret_every_event_is_refused(
    db: Session, client: TestClient, fake_stripe: FakeStripe, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = intent_for(db, CaseFactory())
    monkeypatch.setattr(get_settings(), "stripe_webhook_secret", "")
    before = counts(db)
    assert deliver(client, succeeded(started.intent_id)).status_code == 400
    assert counts(db) == before


def test_a_signed_body_that_is_not_json_is_refused(
    db: Session, client: TestClient, fake_stripe: FakeStripe
) -> None:
    assert deliver(client, b"not json at all").status_code == 400
    assert deliver(client, b"[1, 2]").status_code == 400


def test_a_body_over_256_kib_is_refused_with_413(
    client: TestClient, fake_stripe: FakeStripe
) -> None:
    body = event("payment_intent.succeeded", {"id": "pi_x", "pad": "x" * (257 * 1024)})
    assert deliver(client, body).status_code == 413


def test_an_event_for_an_unknown_intent_is_200_logged_and_writes_nothing(
    db: Session,
    client: TestClient,
    fake_stripe: FakeStripe,
    caplog: pytest.LogCaptureFixture,
) -> None:
    intent_for(db, CaseFactory())
    before = counts(db)
    with caplog.at_level(logging.WARNING, logger="agency.payments.providers"):
        answer = deliver(client, succeeded("pi_never_ours", event_id="evt_stranger"))
    assert answer.status_code == 200 and answer.json()["outcome"] == "unmatched"
    assert counts(db) == before
    assert any(
        "unmatched" in r.getMessage() and "pi_never_ours" in r.getMessage() for r in caplog.records
    )


def test_other_event_types_are_answered_200_and_ignored(
    db: Session, client: TestClient, fake_stripe: FakeStripe
) -> None:
    started = intent_for(db, CaseFactory())
    before = counts(db)
    body = event("payment_intent.created", {"id": started.intent_id, "object": "payment_intent"})
    answer = deliver(client, body)
    assert answer.status_code == 200 and answer.json()["outcome"] == "ignored"
    assert counts(db) == before


def test_a_failed_intent_fails_the_attempt_with_stripes_reason(
    db: Session, client: TestClient, fake_stripe: FakeStripe
) -> None:
    started = intent_for(db, CaseFactory())
    error = {
        "code": "card_declined",
        "decline_code": "insufficient_funds",
        "message": "Your card has insufficient funds.",
    }
    obj = {"id": started.intent_id, "object": "payment_intent", "last_payment_error": error}
    answer = deliver(client, event("payment_intent.payment_failed", obj))
    assert answer.json()["outcome"] == "failed"
    attempt = db.get(PaymentAttempt, started.attempt_id)
    assert attempt is not None
    assert (attempt.status, attempt.failure, attempt.failure_code) == (
        AttemptStatus.FAILED,
        "Your card has insufficient funds. (insufficient_funds)",
        "insufficient_funds",  # the issuer's decline code before Stripe's general one
    )
    assert counts(db)[1:] == (0, 0)


def test_an_ach_debit_returned_after_it_succeeded_is_reversed_as_returned_ach(
    db: Session, client: TestClient, fake_stripe: FakeStripe
) -> None:
    case = CaseFactory()
    started = intent_for(db, case, method="ach")
    assert deliver(client, succeeded(started.intent_id)).json()["outcome"] == "posted"
    error = {"code": "debit_not_authorized", "message": "The customer's bank returned the debit."}
    obj = {
        "id": started.intent_id,
        "object": "payment_intent",
        "latest_charge": "py_returned_1",
        "last_payment_error": error,
    }
    body = event("payment_intent.payment_failed", obj, event_id="evt_return")
    assert deliver(client, body).json()["outcome"] == "reversed"
    assert deliver(client, body).json()["outcome"] == "ignored"  # delivered again: one reversal
    [reversal] = db.scalars(select(Reversal))
    assert (reversal.kind, reversal.provider_reference, reversal.amount_minor) == (
        ReversalKind.RETURNED_ACH,
        "py_returned_1",
        3_000,
    )
    assert "debit_not_authorized" in reversal.reason
    db.refresh(case)
    assert case.balance.minor == 10_500


def test_a_dispute_reverses_the_card_payment_as_a_chargeback_once(
    db: Session, client: TestClient, fake_stripe: FakeStripe
) -> None:
    case = CaseFactory()
    started = intent_for(db, case)
    deliver(client, succeeded(started.intent_id))
    dispute = {
        "id": "dp_1",
        "object": "dispute",
        "payment_intent": started.intent_id,
        "charge": "ch_1",
        "reason": "product_not_received",
    }
    body = event("charge.dispute.created", dispute, event_id="evt_dispute")
    assert deliver(client, body).json()["outcome"] == "reversed"
    assert deliver(client, body).json()["outcome"] == "ignored"
    [reversal] = db.scalars(select(Reversal))
    assert (reversal.kind, reversal.provider_reference, reversal.reason) == (
        ReversalKind.CHARGEBACK,
        "dp_1",
        "Card dispute (product not received)",
    )
    db.refresh(case)
    assert case.balance.minor == 10_500


def test_the_webhook_needs_no_csrf_token_but_a_session_cookie_does(
    db: Session, client: TestClient, fake_stripe: FakeStripe
) -> None:
    started = intent_for(db, CaseFactory())
    client.cookies.set("agency_session", "someone", domain="testserver.local")
    answer = deliver(client, succeeded(started.intent_id))
    assert answer.status_code == 403  # a browser's ambient cookie: CSRF applies
    assert counts(db)[1] == 0
