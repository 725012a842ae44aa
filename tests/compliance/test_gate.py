"""The gate: facts gathered from the database, the engine's decision, the ledger entry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agency.compliance import service
from agency.compliance.chain import entry_hash
from agency.compliance.keys import ledger_keys
from agency.compliance.models import (
    ComplianceFact,
    EntryKind,
    FactKind,
    LedgerCase,
    LedgerEntry,
    LedgerRuleHit,
    Source,
)
from agency.kit import clock
from tests.fixtures.compliance import MONDAY_AFTERNOON, Person, flags, make_person
from tests.fixtures.factories import ClientFactory, UserFactory, case_for


def call(db: Session, person: Person, *, cases: list[int] | None = None) -> service.GateResult:
    return service.gate(
        db,
        consumer_id=person.consumer.id,
        channel="call",
        contact_point_id=person.mobile.id,
        case_ids=cases or [person.case.id],
        actor_id=None,
        source=Source.AGENT,
    )


def text(db: Session, person: Person, template: str | None = None) -> service.GateResult:
    return service.gate(
        db,
        consumer_id=person.consumer.id,
        channel="sms",
        contact_point_id=person.mobile.id,
        case_ids=[person.case.id],
        actor_id=None,
        source=Source.STRATEGY,
        template=template,
    )


def fact(db: Session, person: Person, kind: FactKind, **kwargs: object) -> ComplianceFact:
    return service.record_fact(
        db,
        consumer_id=person.consumer.id,
        kind=kind,
        actor_id=None,
        source=Source.AGENT,
        **kwargs,  # type: ignore[arg-type]
    )


def entries(db: Session, kind: EntryKind | None = None) -> list[LedgerEntry]:
    statement = select(LedgerEntry).order_by(LedgerEntry.id)
    if kind is not None:
        statement = statement.where(LedgerEntry.kind == kind)
    return list(db.scalars(statement))


def test_an_allowed_call_is_written_to_the_ledger_with_its_decision(db: Session) -> None:
    person = make_person()
    agent = UserFactory()
    with clock.frozen(MONDAY_AFTERNOON):
        result = service.gate(
            db,
            consumer_id=person.consumer.id,
            channel="call",
            contact_point_id=person.mobile.id,
            case_ids=[person.case.id],
            actor_id=agent.id,
            source=Source.AGENT,
        )
    assert result.allowed and result.decision.blocked_by == ()
    entry = result.entry
    assert (entry.kind, entry.allowed, entry.actor_id) == (EntryKind.ATTEMPT, True, agent.id)
    assert entry.timezones == ["America/Chicago"] and entry.rule_set
    assert (entry.prev_hash, entry.seq, entry.key_id) == (None, 1, ledger_keys().current_id)
    assert entry.hash == entry_hash(entry, ledger_keys().secrets[entry.key_id])
    link = db.scalars(select(LedgerCase)).one()
    assert (link.case_id, link.client_id) == (person.case.id, person.client.id)


def test_a_call_at_night_is_blocked_and_says_when_it_will_be_allowed(db: Session) -> None:
    person = make_person()
    night = datetime(2026, 6, 9, 3, 30, tzinfo=UTC)  # 22:30 in Chicago
    with clock.frozen(night):
        result = call(db, person)
    assert not result.allowed
    assert result.decision.blocked_by == ("US-REGF-TIME",)
    assert result.decision.next_allowed_at == datetime(2026, 6, 9, 13, 0, tzinfo=UTC)  # 08:00
    hit = db.scalars(select(LedgerRuleHit)).one()
    assert (hit.entry_id, hit.rule_id) == (result.entry.id, "US-REGF-TIME")
    assert result.entry.next_allowed_at == result.decision.next_allowed_at


def test_the_eighth_call_in_seven_days_is_blocked_but_blocked_ones_do_not_count(
    db: Session,
) -> None:
    person = make_person()
    night = datetime(2026, 6, 8, 4, 0, tzinfo=UTC)
    with clock.frozen(night):
        for _ in range(3):
            assert not call(db, person).allowed  # quiet hours: never happened, not counted
    for day in range(7):
        with clock.frozen(MONDAY_AFTERNOON + timedelta(days=day // 2, hours=day % 2)):
            attempt = call(db, person)
            assert attempt.allowed, attempt.decision
            service.record_outcome(
                db,
                attempt_id=attempt.entry.id,
                outcome="no_answer",
                actor_id=None,
                source=Source.AGENT,
            )
    with clock.frozen(MONDAY_AFTERNOON + timedelta(days=4)):
        eighth = call(db, person)
    assert eighth.decision.blocked_by == ("US-REGF-7IN7",)
    # The first call (Monday) leaves the window on the following Monday at 00:00 Chicago;
    # the first moment after that within calling hours is 08:00.
    assert eighth.decision.next_allowed_at == datetime(2026, 6, 15, 13, 0, tzinfo=UTC)


def test_unanswered_calls_that_never_connected_do_not_count(db: Session) -> None:
    person = make_person()
    for hour in range(8):
        with clock.frozen(MONDAY_AFTERNOON + timedelta(minutes=10 * hour)):
            attempt = call(db, person)
            assert attempt.allowed
            service.record_outcome(
                db,
                attempt_id=attempt.entry.id,
                outcome="not_connected",
                actor_id=None,
                source=Source.AGENT,
            )
    with clock.frozen(MONDAY_AFTERNOON + timedelta(hours=2)):
        assert call(db, person).allowed


def test_a_conversation_about_two_debts_starts_the_wait_for_both(db: Session) -> None:
    person = make_person(cases=2)
    first, second = (case.id for case in person.cases)
    with clock.frozen(MONDAY_AFTERNOON):
        for case_id in (first, second):  # else day 8 is blocked by US-REGF-VALIDATION
            fact(db, person, FactKind.VALIDATION_SENT, case_id=case_id)
        attempt = call(db, person, cases=[first, second])
        service.record_outcome(
            db,
            attempt_id=attempt.entry.id,
            outcome="conversation",
            actor_id=None,
            source=Source.AGENT,
        )
    with clock.frozen(MONDAY_AFTERNOON + timedelta(days=3)):
        for case_id in (first, second):
            assert call(db, person, cases=[case_id]).decision.blocked_by == ("US-REGF-7DAY-CONVO",)
    with clock.frozen(MONDAY_AFTERNOON + timedelta(days=7)):  # day 8
        assert call(db, person, cases=[first]).allowed


def test_an_outcome_is_a_new_entry_and_leaves_the_attempt_as_it_was(db: Session) -> None:
    person = make_person()
    with clock.frozen(MONDAY_AFTERNOON):
        attempt = call(db, person).entry
        before = attempt.hash
        outcome = service.record_outcome(
            db, attempt_id=attempt.id, outcome="voicemail", actor_id=None, source=Source.AGENT
        )
    db.expire_all()
    assert db.get(LedgerEntry, attempt.id).hash == before  # type: ignore[union-attr]
    assert (outcome.kind, outcome.attempt_id, outcome.outcome) == (
        EntryKind.OUTCOME,
        attempt.id,
        "voicemail",
    )
    assert outcome.prev_hash == before


def test_a_blocked_attempt_cannot_have_an_outcome(db: Session) -> None:
    person = make_person()
    with clock.frozen(datetime(2026, 6, 9, 4, 0, tzinfo=UTC)):
        blocked = call(db, person).entry
    with pytest.raises(service.ComplianceError, match="only an allowed attempt"):
        service.record_outcome(
            db, attempt_id=blocked.id, outcome="conversation", actor_id=None, source=Source.AGENT
        )


def test_do_not_call_blocks_calls_until_withdrawn_and_each_step_is_in_the_ledger(
    db: Session,
) -> None:
    person = make_person()
    with clock.frozen(MONDAY_AFTERNOON):
        recorded = fact(db, person, FactKind.DO_NOT_CALL, contact_point_id=person.mobile.id)
        assert flags(db, person.mobile).do_not_call
        blocked = call(db, person)
        assert blocked.decision.blocked_by == ("US-REGF-MEDIUM",)
        assert blocked.decision.next_allowed_at is None  # waiting does not help
        assert text(db, person).allowed  # texts are a different medium
        fact(db, person, FactKind.WITHDRAWN, detail={"fact_id": recorded.id})
        assert not flags(db, person.mobile).do_not_call
        assert call(db, person).allowed
    fact_entries = entries(db, EntryKind.FACT)
    assert [e.detail["fact"] for e in fact_entries] == ["do_not_call", "withdrawn"]
    assert fact_entries[0].fact_id == recorded.id


@pytest.mark.parametrize("reply", ["STOP", "  stop. ", "Please stop texting me"])
def test_a_stop_reply_in_any_wording_ends_texts_and_start_brings_them_back(
    db: Session, reply: str
) -> None:
    person = make_person()
    service.set_at_placement(db, flags={person.mobile.id: service.Flags(consent=True)})
    with clock.frozen(MONDAY_AFTERNOON):
        service.record_inbound(
            db,
            consumer_id=person.consumer.id,
            channel="sms",
            contact_point_id=person.mobile.id,
            case_ids=[person.case.id],
            outcome="delivered",
            actor_id=None,
            reply_text=reply,
        )
        assert flags(db, person.mobile).opted_out and not flags(db, person.mobile).consent
        blocked = text(db, person)
        assert "US-REGF-EOPTOUT" in blocked.decision.blocked_by
        assert blocked.decision.next_allowed_at is None
        kinds = [f.kind for f in db.scalars(select(ComplianceFact).order_by(ComplianceFact.id))]
        assert kinds == [FactKind.CONSENT_REVOKED, FactKind.OPT_OUT]
        service.record_inbound(
            db,
            consumer_id=person.consumer.id,
            channel="sms",
            contact_point_id=person.mobile.id,
            case_ids=[person.case.id],
            outcome="delivered",
            actor_id=None,
            reply_text="START",
        )
        assert not flags(db, person.mobile).opted_out
    inbound = entries(db, EntryKind.INBOUND)
    # What the consumer wrote is read, not kept.
    assert [e.detail for e in inbound] == [{"reply": "revoke"}, {"reply": "opt_in"}]


def test_a_written_dispute_in_the_validation_period_holds_the_debt_until_verified(
    db: Session,
) -> None:
    person = make_person()
    with clock.frozen(MONDAY_AFTERNOON - timedelta(days=10)):
        fact(db, person, FactKind.VALIDATION_SENT, case_id=person.case.id)
    with clock.frozen(MONDAY_AFTERNOON - timedelta(days=2)):
        fact(db, person, FactKind.DISPUTE, case_id=person.case.id, detail={"written": True})
    with clock.frozen(MONDAY_AFTERNOON):
        held = call(db, person)
        assert held.decision.blocked_by == ("US-REGF-DISPUTE-HOLD",)
        assert held.decision.next_allowed_at is None
        fact(db, person, FactKind.VERIFICATION_SENT, case_id=person.case.id)
        assert call(db, person).allowed


def test_an_oral_dispute_does_not_stop_collection(db: Session) -> None:
    person = make_person()
    with clock.frozen(MONDAY_AFTERNOON - timedelta(days=2)):
        fact(db, person, FactKind.VALIDATION_SENT, case_id=person.case.id)
        fact(db, person, FactKind.DISPUTE, case_id=person.case.id, detail={"written": False})
    with clock.frozen(MONDAY_AFTERNOON):
        assert call(db, person).allowed


def test_cease_and_attorney_block_every_channel_for_good(db: Session) -> None:
    ceased, represented = make_person(), make_person()
    with clock.frozen(MONDAY_AFTERNOON):
        fact(db, ceased, FactKind.CEASE)
        fact(
            db,
            represented,
            FactKind.ATTORNEY,
            case_id=represented.case.id,
            detail={"name": "Sam Counsel", "phone": "+13125550199"},
        )
        for person, rule in ((ceased, "US-REGF-CEASE"), (represented, "US-REGF-ATTORNEY")):
            for result in (call(db, person), text(db, person)):
                assert rule in result.decision.blocked_by
                assert result.decision.next_allowed_at is None


def test_the_client_policy_caps_texts_and_a_change_is_versioned_and_audited(
    db: Session,
) -> None:
    person = make_person()
    officer = UserFactory()
    with clock.frozen(MONDAY_AFTERNOON):
        assert text(db, person).allowed
        version = service.set_policy(
            db,
            client_id=person.client.id,
            values={"sms_per_7_days": 1},
            reason="client asked for fewer texts",
            actor_id=officer.id,
        )
        clock.advance(timedelta(minutes=1))  # history at the attempt's instant is ignored
        capped = text(db, person)
    assert version.version == 1 and version.values == {"sms_per_7_days": 1}
    assert capped.decision.blocked_by == ("AGENCY-ELECTRONIC-CAP",)
    assert capped.entry.policy_version == 1
    policy_entry = entries(db, EntryKind.POLICY)[0]
    assert policy_entry.consumer_id is None and policy_entry.actor_id == officer.id
    assert policy_entry.detail["reason"] == "client asked for fewer texts"
    with clock.frozen(MONDAY_AFTERNOON + timedelta(minutes=2)):
        second = service.set_policy(
            db, client_id=person.client.id, values={}, reason="back to defaults", actor_id=None
        )
        assert second.version == 2 and text(db, person).allowed  # 1 of 3 sent


def test_a_call_about_two_clients_debts_applies_the_stricter_policy(db: Session) -> None:
    person = make_person()
    other = case_for(ClientFactory(), consumer=person.consumer)
    with clock.frozen(MONDAY_AFTERNOON):
        service.set_policy(
            db,
            client_id=other.client_id,
            values={"sms_per_7_days": 0},
            reason="no texts at all",
            actor_id=None,
        )
        assert text(db, person).allowed  # this client's own debt: default cap
        clock.advance(timedelta(minutes=1))
        both = service.gate(
            db,
            consumer_id=person.consumer.id,
            channel="sms",
            contact_point_id=person.mobile.id,
            case_ids=[person.case.id, other.id],
            actor_id=None,
            source=Source.STRATEGY,
        )
    assert both.decision.blocked_by == ("AGENCY-ELECTRONIC-CAP",)
    assert both.entry.detail == {} and both.entry.policy_version == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"contact_point": "other"}, "contact point: not one of this consumer's"),
        ({"case": "other"}, "is not one of this consumer's cases"),
        ({"channel": "email"}, "cannot send email to a phone contact point"),
        ({"cases": []}, "name at least one case"),
    ],
)
def test_bad_gate_requests_are_refused_and_write_nothing(
    db: Session, change: dict[str, object], message: str
) -> None:
    person, stranger = make_person(), make_person()
    request: dict[str, object] = {
        "consumer_id": person.consumer.id,
        "channel": change.get("channel", "call"),
        "contact_point_id": stranger.mobile.id if change.get("contact_point") else person.mobile.id,
        "case_ids": change.get(
            "cases", [stranger.case.id] if change.get("case") else [person.case.id]
        ),
    }
    with clock.frozen(MONDAY_AFTERNOON), pytest.raises(service.ComplianceError) as refused:
        service.gate(db, actor_id=None, source=Source.AGENT, **request)  # type: ignore[arg-type]
    assert message in str(refused.value)
    assert db.scalar(select(func.count()).select_from(LedgerEntry)) == 0


def test_what_if_decides_without_writing(db: Session) -> None:
    person = make_person()
    decision = service.what_if(
        db,
        consumer_id=person.consumer.id,
        channel="call",
        contact_point_id=person.mobile.id,
        case_ids=[person.case.id],
        at=datetime(2026, 6, 9, 1, 59, tzinfo=UTC),  # 20:59 Chicago
    )
    assert decision.allowed
    assert db.scalar(select(func.count()).select_from(LedgerEntry)) == 0
