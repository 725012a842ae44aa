"""The agent's actions (agency.cases.actions): each one's effect on the ledger, the facts
the gate reads, the case's status and its place in the queue — and the gate's answer
afterwards."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from agency.auth.models import Role
from agency.cases import actions, queue
from agency.cases.errors import CaseError
from agency.cases.models import (
    Callback,
    Case,
    CaseNote,
    CaseStatus,
    CloseReason,
    StatusChange,
    Team,
)
from agency.compliance import service as compliance
from agency.compliance.models import ComplianceFact, EntryKind, FactKind, LedgerEntry, Source
from agency.compliance.service import ComplianceError
from agency.kit import clock
from tests.fixtures.compliance import (
    MONDAY_AFTERNOON,
    NIGHT,
    OFFICE_HOURS,
    Debtor,
    flags,
    make_debtor,
    make_person,
)
from tests.fixtures.factories import UserFactory


@pytest.fixture
def agent(db: Session) -> Any:
    return UserFactory(role=Role.AGENT, full_name="Alex Agent")


@pytest.fixture
def debtor(db: Session, agent: Any) -> Debtor:
    """A Chicago consumer whose validation notice went out on 1 May 2025 (the validation
    period ended early in June), with one case in the agent's book."""
    made = make_debtor(first_name="Dana", last_name="Lind", reference="AC-1")
    made.case.assigned_agent_id = agent.id
    db.flush()
    return made


def facts(db: Session, consumer_id: int, kind: FactKind) -> list[ComplianceFact]:
    return list(
        db.scalars(
            select(ComplianceFact).where(
                ComplianceFact.consumer_id == consumer_id, ComplianceFact.kind == kind
            )
        )
    )


def statuses(db: Session, case: Case) -> list[tuple[str | None, str, str]]:
    return [
        (c.from_status.value if c.from_status else None, c.to_status.value, c.reason)
        for c in db.scalars(
            select(StatusChange).where(StatusChange.case_id == case.id).order_by(StatusChange.id)
        )
    ]


def gate_now(db: Session, debtor: Debtor) -> Any:
    return compliance.what_if(
        db,
        consumer_id=debtor.consumer.id,
        channel="call",
        contact_point_id=debtor.phone.id,
        case_ids=[debtor.case.id],
        at=clock.now(),
    )


# ---- calls ---------------------------------------------------------------------------------


def test_an_allowed_call_shows_the_number_and_stamps_the_attempt(
    db: Session, agent: Any, debtor: Debtor
) -> None:
    with clock.frozen(OFFICE_HOURS):
        result = actions.place_call(db, case=debtor.case, actor_id=agent.id)
    assert result.allowed
    assert result.number == debtor.phone.value
    assert result.attempt.kind is EntryKind.ATTEMPT and result.attempt.allowed
    assert result.attempt.actor_id == agent.id and result.attempt.case_ids == [debtor.case.id]
    assert debtor.case.last_attempt_at == OFFICE_HOURS


def test_a_blocked_call_withholds_the_number_and_defers_the_case(
    db: Session, agent: Any, debtor: Debtor
) -> None:
    with clock.frozen(NIGHT):  # 22:00 in Chicago
        result = actions.place_call(db, case=debtor.case, actor_id=agent.id)
    assert not result.allowed
    assert result.number is None
    assert list(result.decision.blocked_by) == ["US-REGF-TIME"]
    # 08:00 the next morning in Chicago is 13:00 UTC.
    assert result.decision.next_allowed_at == datetime(2025, 6, 10, 13, 0, tzinfo=UTC)
    assert debtor.case.workable_at == result.decision.next_allowed_at
    assert debtor.case.hold_rules == ["US-REGF-TIME"]
    assert debtor.case.last_attempt_at is None
    assert result.attempt.allowed is False  # the blocked decision is in the ledger too


def test_a_call_needs_one_of_the_consumers_phones(db: Session, agent: Any, debtor: Debtor) -> None:
    with (
        clock.frozen(OFFICE_HOURS),
        pytest.raises(CaseError, match=r"^phone: that contact point is not a phone"),
    ):
        actions.place_call(
            db, case=debtor.case, actor_id=agent.id, contact_point_id=debtor.email.id
        )
    stranger = make_debtor()
    with clock.frozen(OFFICE_HOURS), pytest.raises(CaseError, match=r"^phone: not one of"):
        actions.place_call(
            db, case=debtor.case, actor_id=agent.id, contact_point_id=stranger.phone.id
        )


# ---- call outcomes -------------------------------------------------------------------------


def call(db: Session, agent: Any, debtor: Debtor) -> LedgerEntry:
    result = actions.place_call(db, case=debtor.case, actor_id=agent.id)
    assert result.allowed
    return result.attempt


def test_no_answer_comes_back_after_four_hours_and_activates_a_new_case(
    db: Session, agent: Any, debtor: Debtor
) -> None:
    with clock.frozen(OFFICE_HOURS):
        debtor.case.lease_agent_id = agent.id
        debtor.case.lease_expires_at = OFFICE_HOURS + timedelta(minutes=15)
        attempt = call(db, agent, debtor)
        entry = actions.record_call_outcome(
            db, case=debtor.case, actor_id=agent.id, attempt_id=attempt.id, outcome="no_answer"
        )
    assert entry.kind is EntryKind.OUTCOME and entry.outcome == "no_answer"
    assert entry.attempt_id == attempt.id
    case = debtor.case
    assert case.status is CaseStatus.ACTIVE
    assert statuses(db, case) == [("new", "active", "call: no answer")]
    assert case.lease_agent_id is None and case.lease_expires_at is None
    assert case.workable_at == OFFICE_HOURS + timedelta(hours=4)
    assert case.hold_rules == []
    assert case.last_contact_at is None
    assert case.priority == queue.priority(case)


def test_a_right_party_contact_waits_for_the_gate_after_a_conversation(
    db: Session, agent: Any, debtor: Debtor
) -> None:
    with clock.frozen(OFFICE_HOURS):
        attempt = call(db, agent, debtor)
        entry = actions.record_call_outcome(
            db,
            case=debtor.case,
            actor_id=agent.id,
            attempt_id=attempt.id,
            outcome="right_party_contact",
        )
    assert entry.outcome == "conversation"
    assert entry.detail == {"agent_outcome": "right_party_contact"}
    case = debtor.case
    assert case.status is CaseStatus.CONTACTED
    assert case.last_contact_at == OFFICE_HOURS
    # "Next day" would be 10 June; the 7-day wait after a conversation is later (day 8,
    # 16 June, from 08:00 in Chicago), so that wins.
    assert case.workable_at == datetime(2025, 6, 16, 13, 0, tzinfo=UTC)
    assert case.hold_rules == ["US-REGF-7DAY-CONVO"]
    assert case.priority == queue.priority(case, never_contacted=False)


def test_a_voicemail_is_not_a_reach(db: Session, agent: Any, debtor: Debtor) -> None:
    with clock.frozen(OFFICE_HOURS):
        attempt = call(db, agent, debtor)
        actions.record_call_outcome(
            db, case=debtor.case, actor_id=agent.id, attempt_id=attempt.id, outcome="voicemail"
        )
    assert debtor.case.status is CaseStatus.ACTIVE
    assert debtor.case.last_contact_at is None
    assert debtor.case.workable_at == OFFICE_HOURS + timedelta(hours=4)


def test_a_wrong_number_is_never_used_again(db: Session, agent: Any, debtor: Debtor) -> None:
    with clock.frozen(OFFICE_HOURS):
        attempt = call(db, agent, debtor)
        entry = actions.record_call_outcome(
            db, case=debtor.case, actor_id=agent.id, attempt_id=attempt.id, outcome="wrong_number"
        )
    assert entry.outcome == "not_connected"
    assert flags(db, debtor.phone).do_not_use
    [fact] = facts(db, debtor.consumer.id, FactKind.DO_NOT_USE)
    assert fact.contact_point_id == debtor.phone.id
    assert fact.detail == {"note": "wrong number"}
    # The consumer's only phone is gone: the case waits until someone finds another.
    assert debtor.case.workable_at == queue.FOREVER
    assert debtor.case.hold_rules == ["US-REGF-MEDIUM"]


def test_an_outcome_belongs_to_one_allowed_call_of_this_case_once(
    db: Session, agent: Any, debtor: Debtor
) -> None:
    other = make_debtor()
    with clock.frozen(OFFICE_HOURS):
        attempt = call(db, agent, debtor)
        with pytest.raises(CaseError, match=r"^outcome: choose one of"):
            actions.record_call_outcome(
                db, case=debtor.case, actor_id=agent.id, attempt_id=attempt.id, outcome="busy"
            )
        with pytest.raises(CaseError, match=r"^attempt: not a call about this case"):
            actions.record_call_outcome(
                db, case=other.case, actor_id=agent.id, attempt_id=attempt.id, outcome="voicemail"
            )
        actions.record_call_outcome(
            db, case=debtor.case, actor_id=agent.id, attempt_id=attempt.id, outcome="voicemail"
        )
        with pytest.raises(CaseError, match=r"^attempt: its outcome is already recorded"):
            actions.record_call_outcome(
                db, case=debtor.case, actor_id=agent.id, attempt_id=attempt.id, outcome="voicemail"
            )
    with clock.frozen(NIGHT):
        blocked = actions.place_call(db, case=debtor.case, actor_id=agent.id)
        with pytest.raises(CaseError, match=r"^attempt: that call was blocked"):
            actions.record_call_outcome(
                db,
                case=debtor.case,
                actor_id=agent.id,
                attempt_id=blocked.attempt.id,
                outcome="voicemail",
            )


# ---- callbacks (promises: tests/payments/arrangements) -------------------------------------


def test_a_callback_records_the_consumers_consent_and_comes_first_when_due(
    db: Session, agent: Any, debtor: Debtor
) -> None:
    due = OFFICE_HOURS + timedelta(days=2)
    with clock.frozen(OFFICE_HOURS):
        callback = actions.record_callback(
            db, case=debtor.case, actor_id=agent.id, due_at=due, contact_point_id=debtor.phone.id
        )
    assert db.get(Callback, callback.id) is not None
    assert callback.due_at == due and callback.created_by_id == agent.id
    [consent] = facts(db, debtor.consumer.id, FactKind.CALL_CONSENT)
    assert consent.effective_at == OFFICE_HOURS
    assert consent.until == OFFICE_HOURS + timedelta(days=compliance.CALL_CONSENT_DAYS)
    case = debtor.case
    assert case.status is CaseStatus.CONTACTED
    assert case.next_action_at == case.workable_at == due
    assert case.priority == queue.priority(case, callback=True) >= queue.CALLBACK_DUE


@pytest.mark.parametrize(
    ("delta", "message"),
    [
        (timedelta(minutes=-1), "^time: must be in the future"),
        (timedelta(days=31), "^time: at most 30 days ahead"),
    ],
)
def test_a_callback_is_in_the_next_30_days(
    db: Session, agent: Any, debtor: Debtor, delta: timedelta, message: str
) -> None:
    with clock.frozen(OFFICE_HOURS), pytest.raises(CaseError, match=message):
        actions.record_callback(
            db, case=debtor.case, actor_id=agent.id, due_at=OFFICE_HOURS + delta
        )
    assert facts(db, debtor.consumer.id, FactKind.CALL_CONSENT) == []


# ---- disputes, cease, attorney -------------------------------------------------------------


def test_a_written_dispute_within_the_validation_period_puts_the_case_on_hold(
    db: Session, agent: Any, debtor: Debtor
) -> None:
    at = datetime(2025, 5, 21, 15, 0, tzinfo=UTC)  # notice sent 1 May: inside the period
    with clock.frozen(at):
        new = actions.record_dispute(
            db, case=debtor.case, actor_id=agent.id, written=True, received=date(2025, 5, 20)
        )
        decision = gate_now(db, debtor)
    assert new == "hold"
    case = debtor.case
    assert case.status is CaseStatus.HOLD
    assert statuses(db, case) == [("new", "hold", actions.DISPUTE_HOLD_REASON)]
    assert case.workable_at == queue.FOREVER
    assert case.hold_rules == ["US-REGF-DISPUTE-HOLD"]
    [fact] = facts(db, debtor.consumer.id, FactKind.DISPUTE)
    assert fact.case_id == case.id and fact.detail == {"written": True}
    assert fact.effective_at.astimezone(UTC).date() == date(2025, 5, 20)
    # The gate agrees: no call until verification is sent.
    assert not decision.allowed
    assert "US-REGF-DISPUTE-HOLD" in decision.blocked_by


def test_a_late_or_oral_dispute_marks_the_debt_disputed(
    db: Session, agent: Any, debtor: Debtor
) -> None:
    with clock.frozen(OFFICE_HOURS):  # 9 June: the period ended in early June
        new = actions.record_dispute(
            db, case=debtor.case, actor_id=agent.id, written=True, received=date(2025, 6, 9)
        )
        assert gate_now(db, debtor).allowed  # collection may go on
    assert new == "disputed"
    assert debtor.case.status is CaseStatus.DISPUTED
    oral = make_debtor()
    with clock.frozen(datetime(2025, 5, 21, 15, 0, tzinfo=UTC)):
        assert (
            actions.record_dispute(
                db, case=oral.case, actor_id=agent.id, written=False, received=date(2025, 5, 20)
            )
            == "disputed"
        )


def test_with_no_validation_notice_yet_any_written_dispute_holds(db: Session, agent: Any) -> None:
    person = make_person(timezones=["America/Chicago"])
    with clock.frozen(MONDAY_AFTERNOON):
        new = actions.record_dispute(
            db, case=person.case, actor_id=agent.id, written=True, received=date(2026, 6, 8)
        )
    assert new == "hold"


def test_a_dispute_cannot_be_received_in_the_future(
    db: Session, agent: Any, debtor: Debtor
) -> None:
    with clock.frozen(OFFICE_HOURS), pytest.raises(CaseError, match=r"^received: cannot be"):
        actions.record_dispute(
            db, case=debtor.case, actor_id=agent.id, written=True, received=date(2025, 6, 11)
        )


def test_a_cease_request_holds_the_case_and_blocks_every_call(
    db: Session, agent: Any, debtor: Debtor
) -> None:
    with clock.frozen(OFFICE_HOURS):
        actions.record_cease(db, case=debtor.case, actor_id=agent.id, received=date(2025, 6, 9))
        decision = gate_now(db, debtor)
    assert debtor.case.status is CaseStatus.HOLD
    assert debtor.case.hold_rules == ["US-REGF-CEASE"]
    assert "US-REGF-CEASE" in decision.blocked_by and decision.next_allowed_at is None


def test_an_attorney_holds_the_case(db: Session, agent: Any, debtor: Debtor) -> None:
    with clock.frozen(OFFICE_HOURS):
        with pytest.raises(ComplianceError, match=r"^attorney name: required"):
            actions.record_attorney(db, case=debtor.case, actor_id=agent.id, name=" ")
        with pytest.raises(ComplianceError, match=r"^attorney: give a phone"):
            actions.record_attorney(db, case=debtor.case, actor_id=agent.id, name="Sam Counsel")
        actions.record_attorney(
            db, case=debtor.case, actor_id=agent.id, name="Sam Counsel", phone="+13125550199"
        )
        decision = gate_now(db, debtor)
    assert debtor.case.status is CaseStatus.HOLD
    assert "US-REGF-ATTORNEY" in decision.blocked_by
    [fact] = facts(db, debtor.consumer.id, FactKind.ATTORNEY)
    assert fact.case_id == debtor.case.id
    assert fact.detail == {"name": "Sam Counsel", "phone": "+13125550199"}


# ---- facts only ----------------------------------------------------------------------------


def test_inconvenient_times_are_blocked_by_the_gate(
    db: Session, agent: Any, debtor: Debtor
) -> None:
    with clock.frozen(OFFICE_HOURS):  # 10:00 on a Monday in Chicago
        assert gate_now(db, debtor).allowed
        actions.record_inconvenient_time(
            db, case=debtor.case, actor_id=agent.id, start="09:00", end="12:00", days=[0]
        )
        decision = gate_now(db, debtor)
        with pytest.raises(ComplianceError, match=r"^inconvenient time:"):
            actions.record_inconvenient_time(
                db, case=debtor.case, actor_id=agent.id, start="9", end="x"
            )
    assert "US-REGF-INCONVENIENT" in decision.blocked_by
    assert debtor.case.status is CaseStatus.NEW  # facts only


def test_a_workplace_restriction_and_a_wrong_number_mark_the_contact_point(
    db: Session, agent: Any, debtor: Debtor
) -> None:
    with clock.frozen(OFFICE_HOURS):
        actions.record_workplace_restriction(
            db, case=debtor.case, actor_id=agent.id, contact_point_id=debtor.email.id
        )
        actions.record_wrong_number(
            db, case=debtor.case, actor_id=agent.id, contact_point_id=debtor.phone.id
        )
        with pytest.raises(CaseError, match=r"^phone: not one of"):
            actions.record_wrong_number(
                db, case=debtor.case, actor_id=agent.id, contact_point_id=debtor.email.id
            )
        decision = gate_now(db, debtor)
    assert flags(db, debtor.email).workplace and flags(db, debtor.email).do_not_use
    assert flags(db, debtor.phone).do_not_use
    assert "US-REGF-MEDIUM" in decision.blocked_by
    assert debtor.case.status is CaseStatus.NEW


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        (actions.record_deceased, CloseReason.DECEASED),
        (actions.record_bankruptcy, CloseReason.BANKRUPTCY),
    ],
)
def test_deceased_and_bankruptcy_close_the_case_and_end_its_lease(
    db: Session, agent: Any, debtor: Debtor, record: Any, reason: CloseReason
) -> None:
    debtor.case.lease_agent_id = agent.id
    debtor.case.lease_expires_at = OFFICE_HOURS + timedelta(minutes=10)
    with clock.frozen(OFFICE_HOURS):
        record(db, case=debtor.case, actor_id=agent.id)
        with pytest.raises(CaseError, match=r"^status: the case is closed"):
            actions.place_call(db, case=debtor.case, actor_id=agent.id)
    case = debtor.case
    assert case.status is CaseStatus.CLOSED and case.close_reason is reason
    assert case.closed_at == OFFICE_HOURS
    assert case.lease_agent_id is None


# ---- notes and status ----------------------------------------------------------------------


def test_notes_are_kept_as_written(db: Session, agent: Any, debtor: Debtor) -> None:
    note = actions.add_note(db, case=debtor.case, actor_id=agent.id, body="  Asked for a letter. ")
    assert db.get(CaseNote, note.id) is not None
    assert note.body == "Asked for a letter." and note.author_id == agent.id
    with pytest.raises(CaseError, match=r"^note: write something"):
        actions.add_note(db, case=debtor.case, actor_id=agent.id, body=" \n ")
    with pytest.raises(CaseError, match=r"^note: at most 5000 characters"):
        actions.add_note(db, case=debtor.case, actor_id=agent.id, body="x" * 5001)


def test_a_person_decides_only_closing_and_resuming_once_nothing_stops_it(
    db: Session, agent: Any, debtor: Debtor
) -> None:
    case = debtor.case
    with clock.frozen(OFFICE_HOURS):
        actions.record_cease(db, case=case, actor_id=agent.id, received=date(2025, 6, 9))
        for target, message in [
            (CaseStatus.CONTACTED, r"^status: a case becomes contacted when a call's outcome"),
            (CaseStatus.DISPUTED, r"^status: a case becomes disputed when the consumer's dispute"),
            (CaseStatus.PAID, r"^status: a case is paid when posted payments clear its balance"),
            (CaseStatus.HOLD, r"^status: the case is already hold"),
            (
                CaseStatus.ACTIVE,
                r"^status: collection cannot resume while the cease request received 2025-06-09",
            ),
        ]:
            with pytest.raises(CaseError, match=message):
                actions.change_status(db, case=case, actor_id=agent.id, to=target, reason="x")
        with pytest.raises(CaseError, match=r"^close reason: say why"):
            actions.change_status(
                db, case=case, actor_id=agent.id, to=CaseStatus.CLOSED, reason="x"
            )
        with pytest.raises(CaseError, match=r"^close reason: a case is closed as paid in full"):
            actions.change_status(
                db,
                case=case,
                actor_id=agent.id,
                to=CaseStatus.CLOSED,
                reason="x",
                close_reason=CloseReason.PAID_IN_FULL,
            )
        [cease] = facts(db, case.consumer_id, FactKind.CEASE)
        compliance.record_fact(
            db,
            consumer_id=case.consumer_id,
            kind=FactKind.WITHDRAWN,
            actor_id=agent.id,
            source=Source.AGENT,
            detail={"fact_id": cease.id},
        )
        actions.change_status(
            db, case=case, actor_id=agent.id, to=CaseStatus.ACTIVE, reason="cease withdrawn"
        )
    assert case.status is CaseStatus.ACTIVE
    assert case.workable_at == OFFICE_HOURS and case.hold_rules == []
    assert [to for _, to, _ in statuses(db, case)] == ["hold", "active"]


# ---- who may act ---------------------------------------------------------------------------


def test_who_may_work_a_case(db: Session, agent: Any, debtor: Debtor) -> None:
    team = Team(name="East")
    db.add(team)
    db.flush()
    case = debtor.case
    other = UserFactory(role=Role.AGENT)
    now = OFFICE_HOURS

    def may(user: Any, role: Role, team_id: int | None = None) -> bool:
        return actions.may_work(case, user_id=user.id, role=role, team_id=team_id, now=now)

    assert may(agent, Role.AGENT)
    assert not may(other, Role.AGENT)
    assert may(other, Role.SUPERVISOR) and may(other, Role.ADMIN)
    assert not may(other, Role.COMPLIANCE) and not may(other, Role.MERCHANT)
    case.lease_agent_id, case.lease_expires_at = other.id, now + timedelta(minutes=5)
    assert may(other, Role.AGENT)
    case.lease_expires_at = now - timedelta(minutes=1)
    assert not may(other, Role.AGENT)  # a lapsed lease gives nothing
    case.assigned_agent_id, case.team_id = None, team.id
    assert may(other, Role.AGENT, team.id)  # in their team's pool
    assert not may(other, Role.AGENT, None)
