"""Texts through the outbox and the real Twilio SDK (its HTTP client answering in
process): the exact request, the gate asked again at send time, retries, and the crash
between Twilio's answer and our commit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from agency.compliance import service as compliance
from agency.compliance.models import EntryKind, FactKind, LedgerEntry, Source
from agency.compliance.templates import get as builtin_template
from agency.config import get_settings
from agency.db import session_scope
from agency.kit import clock
from agency.outreach import outbox, providers, sending
from agency.outreach.channels.twilio_sms import TwilioSms
from agency.outreach.models import MessageChannel, MessageStatus, OutboxEvent, OutboxMessage
from agency.worker import drain
from tests.fixtures.compliance import OFFICE_HOURS
from tests.fixtures.twilio import ACCOUNT_SID, AUTH_TOKEN, MESSAGING_SERVICE_SID, FakeTwilio
from tests.outreach.conftest import PUBLIC_URL, Committed

BODY = "Northwind: a message from a debt collector about your account. Reply STOP to opt out."
# Monday 9 June 2025, 20:30 in Chicago: the allowed window closes at 21:00.
HALF_PAST_EIGHT_PM = datetime(2025, 6, 10, 1, 30, tzinfo=UTC)


def queue_text(debtor: Committed, *, body: str = BODY) -> int:
    """An agent's text to the debtor's mobile, queued through the gate (and committed)."""
    template = builtin_template("payment-reminder-sms")
    assert template is not None
    with session_scope() as db:
        message = outbox.queue(
            db,
            case_id=debtor.case_id,
            consumer_id=debtor.consumer_id,
            client_id=debtor.client_id,
            contact_point_id=debtor.phone_id,
            to_address=debtor.phone,
            draft=outbox.Draft(channel=MessageChannel.SMS, body=body, gate_template=template),
            provider=providers.name_for(MessageChannel.SMS),
            by_user_id=None,
            source=Source.AGENT,
        )
        return message.id


def message(message_id: int) -> OutboxMessage:
    with session_scope() as db:
        found = db.get(OutboxMessage, message_id)
        assert found is not None
        db.expunge(found)
        return found


def events(message_id: int) -> list[str]:
    with session_scope() as db:
        return [
            e.status.value
            for e in db.scalars(
                select(OutboxEvent)
                .where(OutboxEvent.message_id == message_id)
                .order_by(OutboxEvent.id)
            )
        ]


def posts(fake: FakeTwilio) -> list[dict[str, object]]:
    return [r.data for r in fake.requests if r.method == "POST"]


def test_a_queued_text_leaves_through_twilio_with_the_exact_request(
    committed_debtor: Committed, fake_twilio: FakeTwilio
) -> None:
    with clock.frozen(HALF_PAST_EIGHT_PM):
        message_id = queue_text(committed_debtor)
        drain()
        sent = message(message_id)
    assert posts(fake_twilio) == [
        {
            "To": "+13125550142",
            "Body": BODY,
            "MessagingServiceSid": MESSAGING_SERVICE_SID,
            "StatusCallback": f"{PUBLIC_URL}/webhooks/twilio/sms-status",
            "ValidityPeriod": posts(fake_twilio)[0]["ValidityPeriod"],
        }
    ]
    # Until 21:00 in Chicago, the last minute the gate allows a text, and no longer.
    assert 29 * 60 <= int(str(posts(fake_twilio)[0]["ValidityPeriod"])) <= 30 * 60
    assert sent.status is MessageStatus.SENT
    assert sent.provider_id == fake_twilio.messages[0]["sid"]
    assert sent.provider_status == "accepted"
    assert events(message_id) == ["pending", "sending", "sent"]


def test_in_office_hours_a_text_is_valid_for_twilio_s_longest_wait(
    committed_debtor: Committed, fake_twilio: FakeTwilio
) -> None:
    with clock.frozen(OFFICE_HOURS):
        queue_text(committed_debtor)
        drain()
    assert posts(fake_twilio)[0]["ValidityPeriod"] == 36_000


def test_without_a_messaging_service_the_text_comes_from_the_pool(
    committed_debtor: Committed, fake_twilio: FakeTwilio, monkeypatch: pytest.MonkeyPatch
) -> None:

    monkeypatch.setattr(get_settings(), "twilio_from_numbers", "+13125559001, +13125559002")
    providers.install(
        "twilio", TwilioSms(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, http_client=fake_twilio)
    )
    with clock.frozen(OFFICE_HOURS):
        first = queue_text(committed_debtor)
        drain()
    sent = posts(fake_twilio)[0]
    assert "MessagingServiceSid" not in sent
    assert sent["From"] == ["+13125559001", "+13125559002"][first % 2]


def test_the_gate_is_asked_again_at_send_time_and_a_dispute_since_stops_the_text(
    committed_debtor: Committed, fake_twilio: FakeTwilio, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outbox, "DELIVER", "agency.outreach.tasks.send_due")  # no job yet
    with clock.frozen(OFFICE_HOURS):
        message_id = queue_text(committed_debtor)
        with session_scope() as db:
            compliance.record_fact(
                db,
                consumer_id=committed_debtor.consumer_id,
                kind=FactKind.CEASE,
                actor_id=None,
                source=Source.CONSUMER,
                case_id=committed_debtor.case_id,
            )
        assert sending.deliver(message_id) == "not sent"
    assert posts(fake_twilio) == []
    stopped = message(message_id)
    assert stopped.status is MessageStatus.BLOCKED
    assert "US-REGF-CEASE" in stopped.blocked_by
    with session_scope() as db:
        withdrawn = db.scalars(
            select(LedgerEntry).where(LedgerEntry.attempt_id == stopped.attempt_entry_id)
        ).one()
        assert (withdrawn.kind, withdrawn.outcome) == (EntryKind.OUTCOME, "withdrawn")
        assert "US-REGF-CEASE" in withdrawn.blocked_by


def test_a_withdrawn_text_does_not_count_against_the_consumer_s_text_cap(
    committed_debtor: Committed, fake_twilio: FakeTwilio, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three texts a week is the cap: two sent, one withdrawn at send time, and a fourth
    is still allowed — the withdrawn one never happened."""
    with clock.frozen(OFFICE_HOURS):
        queue_text(committed_debtor)
        queue_text(committed_debtor)
        drain()
        monkeypatch.setattr(outbox, "DELIVER", "agency.outreach.tasks.send_due")
        third = queue_text(committed_debtor)
        with session_scope() as db:
            entry = db.get(LedgerEntry, message(third).attempt_entry_id)
            assert entry is not None
            compliance.withdraw(
                db,
                attempt_id=entry.id,
                blocked_by=["US-REGF-CEASE"],
                next_allowed_at=None,
                source=Source.RETRY,
            )
        fourth = queue_text(committed_debtor)
    assert message(fourth).status is MessageStatus.PENDING


def test_a_passing_twilio_error_is_tried_again_later_and_then_sent(
    committed_debtor: Committed, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.failures.extend([429])
    with clock.frozen(OFFICE_HOURS):
        message_id = queue_text(committed_debtor)
        drain()
        waiting = message(message_id)
        assert waiting.status is MessageStatus.PENDING
        assert waiting.next_try_at == OFFICE_HOURS + timedelta(minutes=1)
        assert "429" in (waiting.error or "")
        assert sending.send_due() == 0  # not yet
    with clock.frozen(OFFICE_HOURS + timedelta(minutes=1)):
        assert sending.send_due() == 1
        drain()
    assert message(message_id).status is MessageStatus.SENT
    assert len(fake_twilio.messages) == 1
    assert events(message_id) == ["pending", "sending", "pending", "sending", "sent"]


def test_a_refusal_that_will_not_pass_fails_the_text_with_the_reason_in_the_ledger(
    committed_debtor: Committed, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.failures.extend([400])
    with clock.frozen(OFFICE_HOURS):
        message_id = queue_text(committed_debtor)
        drain()
    failed = message(message_id)
    assert failed.status is MessageStatus.FAILED
    assert failed.error == (
        "Twilio answered 400 (error 21211): Unable to create record: "
        "The 'To' number is not a valid phone number."
    )
    with session_scope() as db:
        outcome = db.scalars(
            select(LedgerEntry).where(LedgerEntry.attempt_id == failed.attempt_entry_id)
        ).one()
        assert outcome.outcome == "failed"


def test_after_the_last_try_a_passing_error_fails_the_text(
    committed_debtor: Committed, fake_twilio: FakeTwilio, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "outbox_max_tries", 2)
    fake_twilio.failures.extend([500, 500])
    with clock.frozen(OFFICE_HOURS):
        message_id = queue_text(committed_debtor)
        drain()
    with clock.frozen(OFFICE_HOURS + timedelta(minutes=1)):
        sending.send_due()
        drain()
    assert message(message_id).status is MessageStatus.FAILED
    assert fake_twilio.messages == []


def test_a_crash_after_twilio_took_the_text_is_reconciled_without_a_second_send(
    committed_debtor: Committed, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.failures.extend(["crash-after"])
    with clock.frozen(OFFICE_HOURS):
        message_id = queue_text(committed_debtor)
        drain()  # the job died between Twilio's answer and our commit
        assert message(message_id).status is MessageStatus.SENDING
        assert sending.reconcile_stuck() == 0  # too soon to call it stuck
    with clock.frozen(OFFICE_HOURS + timedelta(minutes=3)):
        assert sending.reconcile_stuck() == 1
        drain()
        sending.send_due()
        drain()
    reconciled = message(message_id)
    assert reconciled.status is MessageStatus.SENT
    assert len(fake_twilio.messages) == 1
    assert reconciled.provider_id == fake_twilio.messages[0]["sid"]


def test_a_crash_before_twilio_had_the_text_sends_it_once_after_reconciling(
    committed_debtor: Committed, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.failures.extend(["crash-before"])
    with clock.frozen(OFFICE_HOURS):
        message_id = queue_text(committed_debtor)
        drain()
    with clock.frozen(OFFICE_HOURS + timedelta(minutes=3)):
        sending.reconcile_stuck()
        drain()
    assert message(message_id).status is MessageStatus.SENT
    assert len(fake_twilio.messages) == 1
    assert [r.method for r in fake_twilio.requests] == ["POST", "GET", "POST"]


def test_a_blocked_text_is_kept_as_blocked_and_never_handed_over(
    committed_debtor: Committed, fake_twilio: FakeTwilio
) -> None:
    night = datetime(2025, 6, 10, 3, 0, tzinfo=UTC)  # 22:00 in Chicago
    with clock.frozen(night):
        message_id = queue_text(committed_debtor)
        drain()
    blocked = message(message_id)
    assert blocked.status is MessageStatus.BLOCKED
    assert blocked.blocked_by == ["US-REGF-TIME"]
    assert fake_twilio.requests == []
