"""Receipts and plan confirmations through outreach: the demo's templates composed with
the payment's or the plan's facts, queued through the outbox with the gate's decision
in the ledger, blocked (not forced) where the consumer opted out, once per payment or
plan, and nothing at all where no template exists."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agency.compliance import service as compliance
from agency.compliance.models import LedgerEntry
from agency.kit import clock
from agency.outreach.models import MessageChannel, MessageStatus, OutboxMessage
from agency.outreach.templating import MINI_MIRANDA
from agency.payments.receipts import sending
from tests.fixtures.compliance import OFFICE_HOURS, Debtor, make_debtor
from tests.payments.receipts.rows import pay, plan_of, save_receipt_templates


def messages(db: Session, debtor: Debtor) -> list[OutboxMessage]:
    return list(
        db.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.case_id == debtor.case.id)
            .order_by(OutboxMessage.id)
        )
    )


def attempt_of(db: Session, message: OutboxMessage) -> LedgerEntry:
    entry = db.get(LedgerEntry, message.attempt_entry_id)
    assert entry is not None
    return entry


def opt_out(db: Session, debtor: Debtor, point_id: int) -> None:
    with clock.frozen(OFFICE_HOURS):
        compliance.record_fact(
            db,
            consumer_id=debtor.consumer.id,
            kind=compliance.FactKind.OPT_OUT,
            actor_id=None,
            source=compliance.Source.CONSUMER,
            contact_point_id=point_id,
            detail={"note": "opted out under test"},
        )


def test_a_receipt_is_e_mailed_with_the_payment_and_the_gates_decision(db: Session) -> None:
    save_receipt_templates(db)
    debtor = make_debtor(first_name="Rosa", reference="ACC-7781")
    payment = pay(db, debtor.case)  # $40.00 off the factory's $105.00
    with clock.frozen(OFFICE_HOURS):
        sending.payment_receipt(db, payment_id=payment.id)
    [message] = messages(db, debtor)
    assert message.channel is MessageChannel.EMAIL
    assert message.to_address == debtor.email.value
    assert message.status is MessageStatus.PENDING
    assert message.subject == "Your payment on account ACC-7781"
    assert message.body.startswith(
        "Rosa, thank you: we received your payment of $40.00 on June 6, 2025 "
        "(card, reference PAY-20931) for account ACC-7781. Remaining balance: $65.00. "
        "Your receipt: http"
    )
    assert "/pay/" in message.body and "/opt-out/" in message.body
    assert MINI_MIRANDA["en"] in message.body
    assert message.html is not None and "$40.00" in message.html
    assert message.message_key.startswith(f"receipt-{payment.id}@")
    attempt = attempt_of(db, message)
    assert attempt.allowed is True and attempt.channel == "email"
    assert attempt.case_ids == [debtor.case.id] and attempt.source.value == "system"


def test_a_receipt_to_an_address_opted_out_goes_as_a_text_else_is_blocked(db: Session) -> None:
    save_receipt_templates(db)
    texted, blocked = make_debtor(), make_debtor()
    opt_out(db, texted, texted.email.id)
    opt_out(db, blocked, blocked.email.id)
    opt_out(db, blocked, blocked.phone.id)
    with clock.frozen(OFFICE_HOURS):
        for debtor in (texted, blocked):
            sending.payment_receipt(db, payment_id=pay(db, debtor.case).id)
    [text] = messages(db, texted)
    assert text.channel is MessageChannel.SMS and text.to_address == texted.phone.value
    assert text.status is MessageStatus.PENDING and "Reply STOP to opt out." in text.body
    [refused] = messages(db, blocked)
    assert refused.channel is MessageChannel.EMAIL  # every channel opted out: e-mail asked
    assert refused.status is MessageStatus.BLOCKED
    assert refused.blocked_by == ["US-REGF-EOPTOUT"]
    attempt = attempt_of(db, refused)
    assert attempt.allowed is False and attempt.blocked_by == refused.blocked_by


def test_a_second_call_queues_nothing_more(db: Session) -> None:
    save_receipt_templates(db)
    debtor = make_debtor()
    payment = pay(db, debtor.case)
    plan = plan_of(db, debtor.case, (3_500, 3_500, 3_500), date(2025, 7, 1))
    with clock.frozen(OFFICE_HOURS):
        for _ in range(2):
            sending.payment_receipt(db, payment_id=payment.id)
            sending.plan_confirmation(db, plan_id=plan.id)
    assert [m.message_key.split("@")[0] for m in messages(db, debtor)] == [
        f"receipt-{payment.id}",
        f"confirmation-{plan.id}",
    ]
    attempts = db.scalar(
        select(func.count())
        .select_from(LedgerEntry)
        .where(LedgerEntry.consumer_id == debtor.consumer.id, LedgerEntry.allowed.is_not(None))
    )
    assert attempts == 2


def test_a_plan_confirmation_states_the_plan_in_the_consumers_language(db: Session) -> None:
    save_receipt_templates(db)
    debtor = make_debtor(first_name="Ana")
    debtor.case.language = "es"
    plan = plan_of(db, debtor.case, (3_500, 3_500, 3_500), date(2025, 7, 1))
    with clock.frozen(OFFICE_HOURS):
        sending.plan_confirmation(db, plan_id=plan.id)
    [message] = messages(db, debtor)
    assert message.subject == f"Su plan de pagos para la cuenta {debtor.case.client_reference}"
    assert "3 pago(s), $105.00 en total" in message.body
    assert "Siguiente pago: $35.00 el 1 de julio de 2025" in message.body
    assert (
        "Sus pagos: 1 de julio de 2025: $35.00; 1 de agosto de 2025: $35.00; "
        "1 de septiembre de 2025: $35.00"
    ) in message.body
    assert MINI_MIRANDA["es"] in message.body


def test_with_no_template_nothing_is_sent_and_it_is_counted(db: Session) -> None:
    debtor = make_debtor()
    payment = pay(db, debtor.case)
    before = sending.SKIPPED["payment-receipt/no-template/en"]
    with clock.frozen(OFFICE_HOURS):
        sending.payment_receipt(db, payment_id=payment.id)
    assert messages(db, debtor) == []
    assert sending.SKIPPED["payment-receipt/no-template/en"] == before + 1


def test_only_a_text_template_sends_a_text_even_to_a_consumer_with_e_mail(db: Session) -> None:
    save_receipt_templates(db, channels=(MessageChannel.SMS,))
    debtor = make_debtor()
    with clock.frozen(OFFICE_HOURS):
        sending.payment_receipt(db, payment_id=pay(db, debtor.case).id)
    [message] = messages(db, debtor)
    assert message.channel is MessageChannel.SMS


def test_an_unknown_payment_or_plan_is_a_lookup_error(db: Session) -> None:
    with pytest.raises(LookupError, match="payment 999999 does not exist"):
        sending.payment_receipt(db, payment_id=999_999)
    with pytest.raises(LookupError, match="plan 999999 does not exist"):
        sending.plan_confirmation(db, plan_id=999_999)
