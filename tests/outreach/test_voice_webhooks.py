"""Click-to-call's webhooks as Twilio calls them, signed with the auth token over the
public URL: the connect TwiML (parsed back), the dial's end, each leg's statuses in and
out of order, the outcome written once, and bad, missing and proxied signatures."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from agency.auth.models import Role
from agency.cases import actions
from agency.compliance import service as compliance
from agency.compliance.models import FactKind, LedgerEntry, Source
from agency.config import get_settings
from agency.kit import clock
from agency.outreach import calls
from agency.outreach.models import CallStatus, VoiceCall
from tests.fixtures.compliance import OFFICE_HOURS, Debtor, make_debtor
from tests.fixtures.factories import UserFactory
from tests.fixtures.twilio import ACCOUNT_SID, AUTH_TOKEN
from tests.outreach.conftest import PUBLIC_URL, post_signed

STATUS = "/webhooks/twilio/call-status"
VOICE_FROM = "+18005550123"
AGENT_SID = "CA" + "a" * 32
CONSUMER_SID = "CA" + "b" * 32


@pytest.fixture(autouse=True)
def twilio_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    settings = get_settings()
    monkeypatch.setattr(settings, "public_url", PUBLIC_URL)
    monkeypatch.setattr(settings, "twilio_account_sid", ACCOUNT_SID)
    monkeypatch.setattr(settings, "twilio_auth_token", AUTH_TOKEN)
    monkeypatch.setattr(settings, "twilio_voice_from", VOICE_FROM)
    with clock.frozen(OFFICE_HOURS):
        yield


def ringing_call(db: Session, debtor: Debtor) -> VoiceCall:
    """An agent's allowed call, clicked, and Twilio ringing the agent (``AGENT_SID``)."""
    agent = UserFactory(role=Role.AGENT, phone="+13125550199")
    db.flush()
    attempt = actions.place_call(db, case=debtor.case, actor_id=agent.id).attempt
    call = calls.start(
        db,
        case_id=debtor.case.id,
        agent_id=agent.id,
        agent_phone=agent.phone,
        attempt_id=attempt.id,
    )
    calls.claim_ring(db, call.id)
    calls.record_rung(db, call.id, AGENT_SID)
    db.flush()
    return call


def reload(db: Session, call: VoiceCall) -> VoiceCall:
    db.expire_all()
    found = db.get(VoiceCall, call.id)
    assert found is not None
    return found


def outcomes(db: Session, call: VoiceCall) -> list[LedgerEntry]:
    return list(
        db.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.attempt_id == call.attempt_entry_id)
            .order_by(LedgerEntry.id)
        )
    )


def agent_leg(client: TestClient, status: str, **extra: str) -> object:
    return post_signed(client, STATUS, {"CallSid": AGENT_SID, "CallStatus": status, **extra})


def consumer_leg(client: TestClient, status: str, **extra: str) -> object:
    params = {"CallSid": CONSUMER_SID, "ParentCallSid": AGENT_SID, "CallStatus": status}
    return post_signed(client, STATUS, {**params, **extra})


def twiml(answer: object) -> ET.Element:
    """Our own TwiML answer, parsed back (the text is ours, not untrusted input)."""
    return ET.fromstring(answer.text)  # type: ignore[attr-defined]  # noqa: S314


def connect_path(call: VoiceCall) -> str:
    return f"/webhooks/twilio/voice/connect/{calls.connect_token(call.id)}"


def test_the_connect_twiml_whispers_then_dials_the_consumer(
    client: TestClient, db: Session
) -> None:
    debtor = make_debtor()
    call = ringing_call(db, debtor)
    answer = post_signed(client, connect_path(call), {"CallSid": AGENT_SID})
    assert answer.status_code == 200  # type: ignore[attr-defined]
    assert answer.headers["content-type"].startswith("application/xml")  # type: ignore[attr-defined]
    root = twiml(answer)
    assert root.tag == "Response"
    say, dial = list(root)
    assert say.tag == "Say" and "connecting you to the consumer" in (say.text or "")
    assert dial.tag == "Dial"
    assert dial.get("callerId") == VOICE_FROM
    action = dial.get("action") or ""
    dialed, _, token = action.rpartition("/")
    assert dialed == PUBLIC_URL + "/webhooks/twilio/voice/dialed"
    assert calls.call_of_token(token) == call.id
    assert dial.get("answerOnBridge") == "true"
    # 10:00 in Chicago: the gate allows calls until 21:00, more than Twilio's 4 hours.
    assert dial.get("timeLimit") == "14400"
    [number] = list(dial)
    assert number.tag == "Number"
    assert number.text == debtor.phone.value
    assert number.get("statusCallback") == PUBLIC_URL + STATUS
    assert number.get("statusCallbackEvent") == "initiated ringing answered completed"
    for url in (dial.get("action"), number.get("statusCallback")):
        assert url is not None and debtor.phone.value.lstrip("+") not in url
    assert reload(db, call).status is CallStatus.CONNECTING


def test_the_call_lasts_no_longer_than_the_gate_allows(client: TestClient, db: Session) -> None:
    call = ringing_call(db, make_debtor())
    with clock.frozen(OFFICE_HOURS + timedelta(hours=10, minutes=30)):  # 20:30 in Chicago
        answer = post_signed(client, connect_path(call), {"CallSid": AGENT_SID})
    dial = twiml(answer).find("Dial")
    assert dial is not None
    assert 1 <= int(dial.get("timeLimit") or 0) <= 30 * 60


def test_a_call_the_gate_no_longer_allows_is_not_dialled(client: TestClient, db: Session) -> None:
    debtor = make_debtor()
    call = ringing_call(db, debtor)
    compliance.record_fact(
        db,
        consumer_id=debtor.consumer.id,
        kind=FactKind.DO_NOT_CALL,
        actor_id=None,
        source=Source.CONSUMER,
        contact_point_id=debtor.phone.id,
    )
    answer = post_signed(client, connect_path(call), {"CallSid": AGENT_SID})
    root = twiml(answer)
    assert [child.tag for child in root] == ["Say", "Hangup"]
    assert debtor.phone.value not in answer.text  # type: ignore[attr-defined]
    found = reload(db, call)
    assert found.status is CallStatus.FAILED
    assert found.error is not None and "not dialled when the agent answered" in found.error
    [outcome] = outcomes(db, call)
    assert outcome.outcome == "not_connected"


def test_a_forged_connect_token_is_not_found(client: TestClient, db: Session) -> None:
    ringing_call(db, make_debtor())
    answer = post_signed(client, "/webhooks/twilio/voice/connect/forged", {"CallSid": AGENT_SID})
    assert answer.status_code == 404  # type: ignore[attr-defined]


def test_a_bridged_call_completes_with_its_duration_and_one_outcome(
    client: TestClient, db: Session
) -> None:
    call = ringing_call(db, make_debtor())
    for status in ("initiated", "ringing"):
        assert agent_leg(client, status).status_code == 204  # type: ignore[attr-defined]
    assert reload(db, call).status is CallStatus.RINGING_AGENT
    agent_leg(client, "in-progress")
    post_signed(client, connect_path(call), {"CallSid": AGENT_SID})
    consumer_leg(client, "ringing")
    assert reload(db, call).status is CallStatus.CONNECTING
    consumer_leg(client, "in-progress")
    found = reload(db, call)
    assert found.status is CallStatus.IN_PROGRESS
    assert (found.consumer_call_id, found.answered_at) == (CONSUMER_SID, OFFICE_HOURS)
    dialed = f"/webhooks/twilio/voice/dialed/{calls.connect_token(call.id)}"
    answer = post_signed(
        client,
        dialed,
        {
            "CallSid": AGENT_SID,
            "DialCallSid": CONSUMER_SID,
            "DialCallStatus": "completed",
            "DialCallDuration": "65",
        },
    )
    assert [c.tag for c in twiml(answer)] == ["Hangup"]
    consumer_leg(client, "completed", CallDuration="66")
    agent_leg(client, "completed", CallDuration="80")
    found = reload(db, call)
    assert (found.status, found.duration_seconds) == (CallStatus.COMPLETED, 65)
    [outcome] = outcomes(db, call)
    assert (outcome.outcome, outcome.source, outcome.actor_id) == (
        "conversation",
        Source.SYSTEM,
        None,
    )
    assert outcome.detail == {"call": call.id, "call_status": "completed", "duration_seconds": 65}


def test_a_late_ringing_after_completed_changes_nothing(client: TestClient, db: Session) -> None:
    call = ringing_call(db, make_debtor())
    agent_leg(client, "in-progress")
    consumer_leg(client, "in-progress")
    consumer_leg(client, "completed", CallDuration="30")
    for status in ("ringing", "in-progress", "initiated", "no-answer", "busy"):
        consumer_leg(client, status)
        agent_leg(client, status)
    found = reload(db, call)
    assert (found.status, found.duration_seconds) == (CallStatus.COMPLETED, 30)
    assert len(outcomes(db, call)) == 1


@pytest.mark.parametrize(
    ("leg", "status", "ours", "outcome"),
    [
        ("agent", "no-answer", CallStatus.NO_ANSWER, "not_connected"),
        ("agent", "busy", CallStatus.BUSY, "not_connected"),
        ("agent", "failed", CallStatus.FAILED, "not_connected"),
        ("consumer", "no-answer", CallStatus.NO_ANSWER, "no_answer"),
        ("consumer", "busy", CallStatus.BUSY, "no_answer"),
        ("consumer", "failed", CallStatus.FAILED, "failed"),
        ("consumer", "canceled", CallStatus.CANCELED, "no_answer"),
    ],
)
def test_each_ending_is_the_attempt_s_outcome(
    client: TestClient, db: Session, leg: str, status: str, ours: CallStatus, outcome: str
) -> None:
    """The agent not answering: the consumer was never dialled (not connected); the
    consumer not answering or busy: a call placed, unanswered; a failed dial: failed."""
    call = ringing_call(db, make_debtor())
    if leg == "consumer":
        agent_leg(client, "in-progress")
        consumer_leg(client, status)
    else:
        agent_leg(client, status)
    assert reload(db, call).status is ours
    [entry] = outcomes(db, call)
    assert (entry.outcome, entry.detail["call_status"]) == (outcome, ours.value)


def test_the_agent_hanging_up_while_the_consumer_rings_counts_as_unanswered(
    client: TestClient, db: Session
) -> None:
    call = ringing_call(db, make_debtor())
    agent_leg(client, "in-progress")
    consumer_leg(client, "ringing")
    agent_leg(client, "completed")
    assert reload(db, call).status is CallStatus.CANCELED
    [entry] = outcomes(db, call)
    assert entry.outcome == "no_answer"


def test_the_agent_s_outcome_recorded_first_is_not_overwritten(
    client: TestClient, db: Session
) -> None:
    debtor = make_debtor()
    call = ringing_call(db, debtor)
    agent_leg(client, "in-progress")
    consumer_leg(client, "in-progress")
    actions.record_call_outcome(
        db,
        case=debtor.case,
        actor_id=call.agent_id,
        attempt_id=call.attempt_entry_id,
        outcome="voicemail",
    )
    db.flush()
    consumer_leg(client, "completed", CallDuration="20")
    assert reload(db, call).status is CallStatus.COMPLETED
    [entry] = outcomes(db, call)
    assert (entry.outcome, entry.source) == ("voicemail", Source.AGENT)


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-Twilio-Signature": "not-a-signature"}],
    ids=["missing", "wrong"],
)
def test_an_unsigned_or_wrongly_signed_status_is_refused_and_changes_nothing(
    client: TestClient, db: Session, headers: dict[str, str]
) -> None:
    call = ringing_call(db, make_debtor())
    for path in (STATUS, connect_path(call)):
        params = {"CallSid": AGENT_SID, "CallStatus": "no-answer"}
        answer = client.post(path, data=params, headers=headers)
        assert answer.status_code == 403
    found = reload(db, call)
    assert found.status is CallStatus.RINGING_AGENT
    assert outcomes(db, call) == []


def test_the_signature_is_checked_against_the_public_url_behind_a_proxy(
    client: TestClient, db: Session
) -> None:
    call = ringing_call(db, make_debtor())
    params = {"CallSid": AGENT_SID, "CallStatus": "no-answer"}
    backend = post_signed(client, STATUS, params, url="https://testserver" + STATUS)
    assert backend.status_code == 403  # type: ignore[attr-defined]
    assert reload(db, call).status is CallStatus.RINGING_AGENT
    public = post_signed(client, STATUS, params)
    assert public.status_code == 204  # type: ignore[attr-defined]
    assert reload(db, call).status is CallStatus.NO_ANSWER


def test_a_status_of_an_unknown_call_changes_nothing(client: TestClient, db: Session) -> None:
    call = ringing_call(db, make_debtor())
    answer = post_signed(client, STATUS, {"CallSid": "CA" + "f" * 32, "CallStatus": "busy"})
    assert answer.status_code == 204  # type: ignore[attr-defined]
    assert reload(db, call).status is CallStatus.RINGING_AGENT
