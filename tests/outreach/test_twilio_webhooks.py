"""Twilio's webhooks as Twilio calls them: form posts signed with the auth token over the
public URL.  Bad, missing and proxied signatures; status callbacks out of order; every
STOP variant, START and HELP; an ordinary reply for the agent."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from twilio.request_validator import RequestValidator

from agency.compliance.models import EntryKind, LedgerEntry
from agency.compliance.templates import get as builtin_template
from agency.config import get_settings
from agency.kit import clock
from agency.outreach import outbox
from agency.outreach.models import InboundMessage, MessageChannel, MessageStatus, OutboxMessage
from tests.fixtures.compliance import OFFICE_HOURS, Debtor, flags, make_debtor
from tests.fixtures.twilio import ACCOUNT_SID, AUTH_TOKEN
from tests.outreach.conftest import PUBLIC_URL, post_signed

STATUS = "/webhooks/twilio/sms-status"
INBOUND = "/webhooks/twilio/sms-inbound"


@pytest.fixture(autouse=True)
def twilio_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    settings = get_settings()
    monkeypatch.setattr(settings, "public_url", PUBLIC_URL)
    monkeypatch.setattr(settings, "twilio_account_sid", ACCOUNT_SID)
    monkeypatch.setattr(settings, "twilio_auth_token", AUTH_TOKEN)
    with clock.frozen(OFFICE_HOURS):
        yield


def sent_text(db: Session, debtor: Debtor, sid: str = "SM" + "a" * 32) -> OutboxMessage:
    template = builtin_template("payment-reminder-sms")
    assert template is not None
    message = outbox.queue(
        db,
        case_id=debtor.case.id,
        consumer_id=debtor.consumer.id,
        client_id=debtor.client.id,
        contact_point_id=debtor.phone.id,
        to_address=debtor.phone.value,
        draft=outbox.Draft(channel=MessageChannel.SMS, body="Reply STOP", gate_template=template),
        provider="twilio",
        by_user_id=None,
        source=outbox.compliance.Source.AGENT,
    )
    message.status = MessageStatus.SENT
    message.provider_id = sid
    db.flush()
    return message


def status_of(db: Session, message: OutboxMessage) -> MessageStatus:
    db.expire_all()
    found = db.get(OutboxMessage, message.id)
    assert found is not None
    return found.status


def test_a_signed_status_callback_moves_the_message_forward(
    client: TestClient, db: Session
) -> None:
    message = sent_text(db, make_debtor())
    answer = post_signed(
        client, STATUS, {"MessageSid": message.provider_id or "", "MessageStatus": "delivered"}
    )
    assert answer.status_code == 204  # type: ignore[attr-defined]
    assert status_of(db, message) is MessageStatus.DELIVERED
    outcome = db.scalars(
        select(LedgerEntry).where(LedgerEntry.attempt_id == message.attempt_entry_id)
    ).one()
    assert (outcome.kind, outcome.outcome) == (EntryKind.OUTCOME, "delivered")


def test_a_late_sent_never_overwrites_delivered(client: TestClient, db: Session) -> None:
    message = sent_text(db, make_debtor())
    sid = message.provider_id or ""
    for status in ("delivered", "sent", "queued", "undelivered"):
        post_signed(client, STATUS, {"MessageSid": sid, "MessageStatus": status})
    assert status_of(db, message) is MessageStatus.DELIVERED


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-Twilio-Signature": "not-a-signature"}],
    ids=["missing", "wrong"],
)
def test_an_unsigned_or_wrongly_signed_callback_is_refused_and_changes_nothing(
    client: TestClient, db: Session, headers: dict[str, str]
) -> None:
    message = sent_text(db, make_debtor())
    params = {"MessageSid": message.provider_id or "", "MessageStatus": "delivered"}
    answer = client.post(STATUS, data=params, headers=headers)
    assert answer.status_code == 403
    assert "X-Twilio-Signature" in answer.text
    assert status_of(db, message) is MessageStatus.SENT


def test_a_signature_for_other_parameters_is_refused(client: TestClient, db: Session) -> None:
    message = sent_text(db, make_debtor())
    sid = message.provider_id or ""
    signature = RequestValidator(AUTH_TOKEN).compute_signature(
        PUBLIC_URL + STATUS, {"MessageSid": sid, "MessageStatus": "sent"}
    )
    answer = client.post(
        STATUS,
        data={"MessageSid": sid, "MessageStatus": "failed"},
        headers={"X-Twilio-Signature": signature},
    )
    assert answer.status_code == 403
    assert status_of(db, message) is MessageStatus.SENT


def test_the_signature_is_checked_against_the_public_url_behind_a_proxy(
    client: TestClient, db: Session
) -> None:
    """The server sees https://testserver (a proxy's backend address, another scheme and
    host); Twilio signed https://collect.example.com: that is what counts."""
    message = sent_text(db, make_debtor())
    params = {"MessageSid": message.provider_id or "", "MessageStatus": "delivered"}
    backend = post_signed(client, STATUS, params, url="https://testserver" + STATUS)
    assert backend.status_code == 403  # type: ignore[attr-defined]
    public = post_signed(client, STATUS, params)
    assert public.status_code == 204  # type: ignore[attr-defined]


def test_with_no_auth_token_every_webhook_is_refused(
    client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    message = sent_text(db, make_debtor())
    params = {"MessageSid": message.provider_id or "", "MessageStatus": "delivered"}
    signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC_URL + STATUS, params)
    monkeypatch.setattr(get_settings(), "twilio_auth_token", "")
    answer = client.post(STATUS, data=params, headers={"X-Twilio-Signature": signature})
    assert answer.status_code == 403


def inbound(client: TestClient, debtor: Debtor, body: str, sid: str = "SM" + "b" * 32) -> str:
    answer = post_signed(
        client,
        INBOUND,
        {"MessageSid": sid, "From": debtor.phone.value, "To": "+13125559001", "Body": body},
    )
    assert answer.status_code == 200  # type: ignore[attr-defined]
    return str(answer.text)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "body",
    [
        "STOP",
        "stop",
        " Stop. ",
        "STOPALL",
        "UNSUBSCRIBE",
        "CANCEL",
        "END",
        "QUIT",
        "REVOKE",
        "OPTOUT",
        "opt out",
        "stop texting me",
        "Please don't text me anymore",
    ],
)
def test_every_stop_variant_revokes_consent_and_opts_the_number_out(
    client: TestClient, db: Session, body: str
) -> None:
    debtor = make_debtor()
    assert flags(db, debtor.phone).consent
    inbound(client, debtor, body)
    db.expire_all()
    after = flags(db, debtor.phone)
    assert not after.consent
    assert after.opted_out
    stored = db.scalars(select(InboundMessage)).one()
    assert (stored.meaning, stored.case_id) == ("stop", debtor.case.id)


def test_start_opts_the_number_back_in(client: TestClient, db: Session) -> None:
    debtor = make_debtor()
    inbound(client, debtor, "STOP", sid="SM" + "1" * 32)
    inbound(client, debtor, "START", sid="SM" + "2" * 32)
    db.expire_all()
    assert not flags(db, debtor.phone).opted_out


def test_help_is_answered_with_the_agency_s_help_text(client: TestClient, db: Session) -> None:
    debtor = make_debtor()
    answer = inbound(client, debtor, "HELP")
    settings = get_settings()
    assert answer.startswith('<?xml version="1.0" encoding="UTF-8"?><Response><Message>')
    assert f"{settings.agency_name} is a debt collector" in answer
    assert settings.agency_phone in answer
    assert "Reply STOP to opt out" in answer
    db.expire_all()
    assert flags(db, debtor.phone).consent  # HELP changes no consent


def test_an_ordinary_reply_goes_on_the_case_and_brings_it_before_the_agent(
    client: TestClient, db: Session
) -> None:
    debtor = make_debtor()
    debtor.case.next_action_at = OFFICE_HOURS + timedelta(days=3)
    db.flush()
    answer = inbound(client, debtor, "I can pay $50 on Friday")
    assert answer.endswith("<Response />")
    db.expire_all()
    stored = db.scalars(select(InboundMessage)).one()
    assert (stored.meaning, stored.body, stored.case_id) == (
        "reply",
        "I can pay $50 on Friday",
        debtor.case.id,
    )
    db.refresh(debtor.case)
    assert debtor.case.next_action_at == OFFICE_HOURS
    entry = db.scalars(select(LedgerEntry).where(LedgerEntry.kind == EntryKind.INBOUND)).one()
    assert (entry.channel, entry.contact_point_id) == ("sms", debtor.phone.id)
    assert flags(db, debtor.phone).consent


def test_a_retried_inbound_webhook_records_nothing_new(client: TestClient, db: Session) -> None:
    debtor = make_debtor()
    inbound(client, debtor, "I can pay on Friday")
    inbound(client, debtor, "I can pay on Friday")
    assert len(db.scalars(select(InboundMessage)).all()) == 1
    assert (
        len(db.scalars(select(LedgerEntry).where(LedgerEntry.kind == EntryKind.INBOUND)).all()) == 1
    )


def test_a_stop_from_a_shared_number_opts_it_out_for_every_consumer_who_gave_it(
    client: TestClient, db: Session
) -> None:
    first = make_debtor(phone="+13125550177")
    second = make_debtor(phone="+13125550177")
    inbound(client, first, "STOP")
    db.expire_all()
    assert flags(db, first.phone).opted_out
    assert flags(db, second.phone).opted_out
