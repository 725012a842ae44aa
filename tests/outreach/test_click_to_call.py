"""Click-to-call from the case page: the button once the gate allowed a call, the ring
through the real Twilio SDK (its HTTP client answering in process) with the exact
request, one call however often it is clicked, someone else's attempt refused, and the
sandbox playing a call to its end — after which the agent records what happened."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agency.auth.models import Role, User
from agency.cases import actions
from agency.cases.models import Case
from agency.compliance import service as compliance
from agency.compliance.models import EntryKind, FactKind, LedgerEntry, Source
from agency.config import Settings, get_settings
from agency.db import session_scope
from agency.kit import clock
from agency.outreach import calls, providers, ringing
from agency.outreach.channels.twilio_voice import TwilioVoice
from agency.outreach.models import CallStatus, VoiceCall
from agency.worker import drain
from tests.fixtures import factories
from tests.fixtures.compliance import OFFICE_HOURS, Debtor, make_debtor
from tests.fixtures.factories import UserFactory
from tests.fixtures.twilio import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio
from tests.fixtures.web import csrf_token, sign_in
from tests.outreach.conftest import PUBLIC_URL, Committed

AGENT_PHONE = "+13125550199"
VOICE_FROM = "+18005550123"


@pytest.fixture(autouse=True)
def office_hours() -> Iterator[None]:
    with clock.frozen(OFFICE_HOURS):
        yield


@pytest.fixture
def twilio_voice(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTwilio]:
    """Calls go through the real Twilio SDK, its HTTP client answering in process."""
    settings = get_settings()
    monkeypatch.setattr(settings, "public_url", PUBLIC_URL)
    monkeypatch.setattr(settings, "twilio_account_sid", ACCOUNT_SID)
    monkeypatch.setattr(settings, "twilio_auth_token", AUTH_TOKEN)
    monkeypatch.setattr(settings, "twilio_voice_from", VOICE_FROM)
    fake = FakeTwilio()
    providers.install_voice(
        "twilio",
        TwilioVoice(
            account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, caller_id=VOICE_FROM, http_client=fake
        ),
    )
    yield fake
    providers.forget()


def allowed_call(db: Session, case: Case, agent: User) -> int:
    """The agent pressed Call and the gate allowed it: the attempt's id."""
    result = actions.place_call(db, case=case, actor_id=agent.id)
    assert result.allowed
    db.flush()
    return result.attempt.id


def calls_of(db: Session) -> list[VoiceCall]:
    db.expire_all()
    return list(db.scalars(select(VoiceCall).order_by(VoiceCall.id)))


@dataclass
class Desk:
    debtor: Debtor
    agent: User


@pytest.fixture
def desk(client: TestClient, db: Session) -> Desk:
    debtor = make_debtor()
    agent = UserFactory(role=Role.AGENT, phone=AGENT_PHONE)
    debtor.case.assigned_agent_id = agent.id
    db.flush()
    sign_in(client, db, agent)
    return Desk(debtor, agent)


def ring(client: TestClient, case_id: int, attempt_id: int | str) -> object:
    """What the button's form posts (htmx swaps the answer into the call panel)."""
    return client.post(
        f"/cases/{case_id}/calls",
        data={"csrf_token": csrf_token(client), "attempt_id": str(attempt_id)},
        headers={"HX-Request": "true", "HX-Target": "voice-call"},
    )


def test_the_allowed_call_offers_to_ring_the_agent_and_connect(
    client: TestClient, db: Session, desk: Desk, twilio_voice: FakeTwilio
) -> None:
    case = desk.debtor.case
    page = client.post(
        f"/cases/{case.id}/call",
        data={"csrf_token": csrf_token(client), "contact_point_id": str(desk.debtor.phone.id)},
    )
    assert "Allowed. Dial" in page.text
    attempt = db.scalars(select(LedgerEntry).where(LedgerEntry.kind == EntryKind.ATTEMPT)).one()
    assert f'hx-get="/cases/{case.id}/calls?attempt_id={attempt.id}"' in page.text
    panel = client.get(f"/cases/{case.id}/calls", params={"attempt_id": attempt.id})
    assert panel.status_code == 200
    assert "Ring my phone and connect" in panel.text
    assert "your phone ending 0199" in panel.text
    assert desk.debtor.phone.value not in panel.text


def test_clicking_rings_once_however_often_it_is_clicked(
    client: TestClient, db: Session, desk: Desk, twilio_voice: FakeTwilio
) -> None:
    attempt_id = allowed_call(db, desk.debtor.case, desk.agent)
    first = ring(client, desk.debtor.case.id, attempt_id)
    second = ring(client, desk.debtor.case.id, attempt_id)
    assert first.status_code == second.status_code == 200  # type: ignore[attr-defined]
    assert "Asking the phone system to ring your phone" in second.text  # type: ignore[attr-defined]
    assert 'hx-trigger="every 2s"' in second.text  # type: ignore[attr-defined]
    [call] = calls_of(db)
    assert (call.status, call.attempt_entry_id, call.agent_phone, call.provider) == (
        CallStatus.QUEUED,
        attempt_id,
        AGENT_PHONE,
        "twilio",
    )
    assert (call.case_id, call.contact_point_id) == (desk.debtor.case.id, desk.debtor.phone.id)


def test_someone_else_s_attempt_is_refused(
    client: TestClient, db: Session, desk: Desk, twilio_voice: FakeTwilio
) -> None:
    colleague = UserFactory(role=Role.AGENT, phone="+13125550188")
    attempt_id = allowed_call(db, desk.debtor.case, colleague)
    answer = ring(client, desk.debtor.case.id, attempt_id)
    assert answer.status_code == 403  # type: ignore[attr-defined]
    assert calls_of(db) == []


@pytest.mark.parametrize("attempt", ["", "abc", "99999999", "99999999999999999999"])
def test_a_post_without_a_call_attempt_of_this_case_is_refused(
    client: TestClient, db: Session, desk: Desk, twilio_voice: FakeTwilio, attempt: str
) -> None:
    answer = ring(client, desk.debtor.case.id, attempt)
    assert answer.status_code == 200  # type: ignore[attr-defined]
    assert "not a call" in answer.text  # type: ignore[attr-defined]
    assert calls_of(db) == []


def test_an_attempt_about_another_case_is_refused(
    client: TestClient, db: Session, desk: Desk, twilio_voice: FakeTwilio
) -> None:
    other = make_debtor()
    other.case.assigned_agent_id = desk.agent.id
    attempt_id = allowed_call(db, other.case, desk.agent)
    answer = client.post(
        f"/cases/{desk.debtor.case.id}/calls",
        data={"csrf_token": csrf_token(client), "attempt_id": str(attempt_id)},
    )
    assert answer.status_code == 422
    assert "That is not a call about this case." in answer.text
    assert calls_of(db) == []


def test_without_a_phone_on_the_profile_the_agent_is_told_where_to_add_it(
    client: TestClient, db: Session, desk: Desk, twilio_voice: FakeTwilio
) -> None:
    desk.agent.phone = None
    attempt_id = allowed_call(db, desk.debtor.case, desk.agent)
    panel = client.get(f"/cases/{desk.debtor.case.id}/calls", params={"attempt_id": attempt_id})
    assert "Ring my phone" not in panel.text
    assert "Add your phone number on your profile" in panel.text
    answer = ring(client, desk.debtor.case.id, attempt_id)
    assert "Add your phone number on your profile" in answer.text  # type: ignore[attr-defined]
    assert calls_of(db) == []


def test_a_twilio_account_without_a_voice_number_offers_no_click_to_call(
    client: TestClient,
    db: Session,
    desk: Desk,
    twilio_voice: FakeTwilio,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(get_settings(), "twilio_voice_from", "")
    attempt_id = allowed_call(db, desk.debtor.case, desk.agent)
    panel = client.get(f"/cases/{desk.debtor.case.id}/calls", params={"attempt_id": attempt_id})
    assert "AGENCY_TWILIO_VOICE_FROM is not configured" in panel.text
    assert "Ring my phone" not in panel.text


def test_the_gate_is_asked_again_when_the_button_is_pressed(
    client: TestClient, db: Session, desk: Desk, twilio_voice: FakeTwilio
) -> None:
    attempt_id = allowed_call(db, desk.debtor.case, desk.agent)
    compliance.record_fact(  # since the gate allowed it, the consumer said: not this number
        db,
        consumer_id=desk.debtor.consumer.id,
        kind=FactKind.DO_NOT_CALL,
        actor_id=None,
        source=Source.CONSUMER,
        contact_point_id=desk.debtor.phone.id,
    )
    answer = ring(client, desk.debtor.case.id, attempt_id)
    assert "The gate no longer allows this call" in answer.text  # type: ignore[attr-defined]
    assert calls_of(db) == []


def test_merchants_and_officers_cannot_ring(client: TestClient, db: Session) -> None:
    debtor = make_debtor()
    officer = UserFactory(role=Role.COMPLIANCE)
    sign_in(client, db, officer)
    answer = client.get(f"/cases/{debtor.case.id}/calls", params={"attempt_id": 1})
    assert answer.status_code == 403


# ---- the ring, through the SDK, and the sandbox (jobs after commit) -----------------------


def committed_call(debtor: Committed, *, phone: str | None = AGENT_PHONE) -> tuple[int, int]:
    """An agent's allowed call and their click, committed: (agent id, call id)."""
    with session_scope() as db:
        factories.bind(db)
        agent = UserFactory(role=Role.AGENT, phone=phone)
        db.flush()
        case = db.get(Case, debtor.case_id)
        assert case is not None
        attempt_id = allowed_call(db, case, agent)
        call = calls.start(
            db, case_id=case.id, agent_id=agent.id, agent_phone=phone, attempt_id=attempt_id
        )
        return agent.id, call.id


def stored(call_id: int) -> VoiceCall:
    with session_scope() as db:
        found = db.get(VoiceCall, call_id)
        assert found is not None
        db.expunge(found)
        return found


def outcomes(attempt_id: int) -> list[LedgerEntry]:
    with session_scope() as db:
        found = list(
            db.scalars(
                select(LedgerEntry)
                .where(LedgerEntry.attempt_id == attempt_id)
                .order_by(LedgerEntry.id)
            )
        )
        db.expunge_all()
        return found


def test_twilio_rings_the_agent_with_the_exact_request(
    committed_debtor: Committed, twilio_voice: FakeTwilio
) -> None:
    _agent, call_id = committed_call(committed_debtor)
    drain()
    [request] = [r for r in twilio_voice.requests if r.method == "POST"]
    assert request.path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls.json"
    connect, _, token = str(request.data["Url"]).rpartition("/")
    assert connect == f"{PUBLIC_URL}/webhooks/twilio/voice/connect"
    assert calls.call_of_token(token) == call_id  # signed, naming only the call
    assert request.data == {
        "To": AGENT_PHONE,
        "From": VOICE_FROM,
        "Url": f"{connect}/{token}",
        "Method": "POST",
        "StatusCallback": f"{PUBLIC_URL}/webhooks/twilio/call-status",
        "StatusCallbackMethod": "POST",
        "StatusCallbackEvent": ["initiated", "ringing", "answered", "completed"],
    }
    assert committed_debtor.phone not in repr(request)  # the consumer's number is not sent
    call = stored(call_id)
    assert call.status is CallStatus.RINGING_AGENT
    assert call.provider_id == twilio_voice.calls[0]["sid"]
    ringing.ring_agent(call_id)  # a second job for the call rings nobody
    assert len([r for r in twilio_voice.requests if r.method == "POST"]) == 1


def test_a_call_twilio_refuses_fails_and_did_not_connect(
    committed_debtor: Committed, twilio_voice: FakeTwilio
) -> None:
    twilio_voice.failures.append(400)
    _agent, call_id = committed_call(committed_debtor)
    drain()
    call = stored(call_id)
    assert call.status is CallStatus.FAILED
    assert call.error is not None and "Twilio answered 400" in call.error
    [outcome] = outcomes(call.attempt_entry_id)
    assert (outcome.outcome, outcome.source) == ("not_connected", Source.SYSTEM)


def test_the_sandbox_plays_the_call_to_its_end_and_the_agent_then_confirms(
    committed_debtor: Committed,
) -> None:
    assert providers.voice_name() == "sandbox"
    agent_id, call_id = committed_call(committed_debtor, phone=None)
    drain()
    call = stored(call_id)
    assert call.status is CallStatus.COMPLETED
    assert (call.duration_seconds, call.provider) == (42, "sandbox")
    assert call.answered_at is not None and call.ended_at is not None
    assert call.consumer_call_id is not None
    [outcome] = outcomes(call.attempt_entry_id)
    assert (outcome.kind, outcome.outcome, outcome.source) == (
        EntryKind.OUTCOME,
        "conversation",
        Source.SYSTEM,
    )
    assert outcome.detail == {"call": call_id, "call_status": "completed", "duration_seconds": 42}
    with session_scope() as db:  # the agent confirms with the case page's outcome form
        case = db.get(Case, committed_debtor.case_id)
        assert case is not None
        actions.record_call_outcome(
            db,
            case=case,
            actor_id=agent_id,
            attempt_id=call.attempt_entry_id,
            outcome="right_party_contact",
        )
    agent_said = outcomes(call.attempt_entry_id)[-1]
    assert (agent_said.outcome, agent_said.source) == ("conversation", Source.AGENT)
    with session_scope() as db, pytest.raises(actions.CaseError):  # once only
        case = db.get(Case, committed_debtor.case_id)
        assert case is not None
        actions.record_call_outcome(
            db, case=case, actor_id=agent_id, attempt_id=call.attempt_entry_id, outcome="voicemail"
        )


def test_the_sandbox_s_unreachable_number_is_not_answered(bound_engine: object) -> None:
    with session_scope() as db:
        factories.bind(db)
        debtor = make_debtor(phone="+13125550000")
        db.flush()
        committed = Committed(
            debtor.case.id,
            debtor.consumer.id,
            debtor.client.id,
            debtor.phone.id,
            debtor.phone.value,
            debtor.email.id,
            debtor.email.value,
        )
    _agent, call_id = committed_call(committed, phone=None)
    drain()
    call = stored(call_id)
    assert call.status is CallStatus.NO_ANSWER
    [outcome] = outcomes(call.attempt_entry_id)
    assert (outcome.outcome, outcome.detail["call_status"]) == ("no_answer", "no_answer")
    with session_scope() as db:
        assert db.scalar(select(func.count()).select_from(VoiceCall)) == 1


def test_the_voice_caller_id_must_be_e164() -> None:
    assert Settings(twilio_voice_from=" +18005550123 ").twilio_voice_from == "+18005550123"
    with pytest.raises(ValidationError, match=re.escape("'800 555 0123' is not an E.164 number")):
        Settings(twilio_voice_from="800 555 0123")
