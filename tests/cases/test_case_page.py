"""The case page as an agent works it: panels (each an htmx fragment of the same
template), the call through the gate, the recording forms with their inline errors, who
may act, and "Next case"."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agency.auth.models import Role, User
from agency.cases import actions
from agency.cases.models import (
    AgentProfile,
    AssignmentChange,
    CaseNote,
    CaseStatus,
    StatusChange,
    Team,
)
from agency.compliance.models import LedgerEntry
from agency.kit import clock
from tests.fixtures.compliance import NIGHT, OFFICE_HOURS, Debtor, flags, make_debtor
from tests.fixtures.factories import ClientFactory, UserFactory, case_for
from tests.fixtures.web import post_form, sign_in

HTMX = {"HX-Request": "true", "HX-Target": "workspace"}


def squeeze(html: str) -> str:
    return " ".join(html.split())


@pytest.fixture
def office_hours() -> Iterator[None]:
    with clock.frozen(OFFICE_HOURS):
        yield


@pytest.fixture
def agent(client: TestClient, db: Session, office_hours: None) -> User:
    user: User = UserFactory(role=Role.AGENT, full_name="Alex Agent")
    sign_in(client, db, user)
    return user


@pytest.fixture
def debtor(db: Session, agent: User) -> Debtor:
    made = make_debtor(first_name="Dana", last_name="Lind", reference="AC-1", phone="+13125550142")
    made.case.assigned_agent_id = agent.id
    db.flush()
    return made


def page_of(client: TestClient, debtor: Debtor, **headers: str) -> str:
    response = client.get(f"/cases/{debtor.case.id}", headers=headers)
    assert response.status_code == 200
    return response.text


# ---- the page and its panels ---------------------------------------------------------------


def test_the_page_shows_consumer_debt_timeline_and_actions(
    client: TestClient, db: Session, agent: User, debtor: Debtor
) -> None:
    other = case_for(ClientFactory(name="Bolt Energy"), consumer=debtor.consumer)
    case_for(ClientFactory(name="Closed Lender"), consumer=debtor.consumer, status=CaseStatus.PAID)
    actions.add_note(db, case=debtor.case, actor_id=agent.id, body="Prefers mornings.")
    html = page_of(client, debtor)
    for shown in (
        'id="panel-consumer"',
        'id="panel-debt"',
        'id="panel-timeline"',
        'id="panel-actions"',
        "Dana Lind",
        "10:00 America/Chicago",  # the consumer's local time (15:00 UTC)
        "Itemization (Reg F)",
        "Status history",
        "Prefers mornings.",
        "Alex Agent",
        "Bolt Energy",
        f"/cases/{other.id}",
        'id="call-button"',
        'id="next-case"',
    ):
        assert shown in html, shown
    assert "Closed Lender" not in html  # other *open* cases only
    # The agent who may call sees the number only once the gate allows a call.
    assert "+13125550142" not in html and "…0142" in html
    assert "validation sent" in html  # the ledger's fact entry about this case


@pytest.mark.parametrize(
    "panel", ["panel-consumer", "panel-debt", "panel-timeline", "panel-actions"]
)
def test_each_panel_is_a_fragment_of_the_page(
    client: TestClient, debtor: Debtor, panel: str
) -> None:
    page = page_of(client, debtor)
    fragment = page_of(client, debtor, **{"HX-Request": "true", "HX-Target": panel})
    assert "<html" not in fragment
    assert fragment.strip().startswith("<section")
    assert f'id="{panel}"' in fragment
    assert squeeze(fragment) in squeeze(page)


def test_the_timeline_is_newest_first_and_capped(
    client: TestClient, db: Session, agent: User, debtor: Debtor
) -> None:
    for n in range(205):
        clock.advance(timedelta(seconds=1))
        actions.add_note(db, case=debtor.case, actor_id=agent.id, body=f"note {n}")
    html = page_of(client, debtor)
    notes = re.findall(r'<span class="detail">note (\d+)</span>', html)
    assert len(notes) == 200
    assert notes[0] == "204" and notes[-1] == "5"
    assert 'id="timeline-all"' in html
    everything = client.get(f"/cases/{debtor.case.id}?timeline=all").text
    assert len(re.findall(r'<span class="detail">note \d+</span>', everything)) == 205
    assert 'id="timeline-all"' not in everything


# ---- the call --------------------------------------------------------------------------------


def test_a_call_at_a_quiet_hour_shows_the_rule_and_when_it_will_be_allowed(
    client: TestClient, db: Session
) -> None:
    with clock.frozen(NIGHT):  # 22:00 in Chicago
        agent = UserFactory(role=Role.AGENT)
        sign_in(client, db, agent)
        debtor = make_debtor(phone="+13125550142")
        debtor.case.assigned_agent_id = agent.id
        db.flush()
        response = post_form(client, f"/cases/{debtor.case.id}/call", {}, headers=HTMX)
    assert response.status_code == 200
    html = response.text
    assert "<html" not in html and html.strip().startswith('<div id="workspace"')
    assert 'id="call-blocked"' in html
    assert "Convenient hours" in html and "US-REGF-TIME" in html
    assert "only allowed between 08:00 and 21:00" in html
    # Allowed again at 08:00 in Chicago, 13:00 UTC.
    assert "Allowed again from 2025-06-10 13:00 UTC" in html
    assert "Tue 10 Jun 08:00 America/Chicago" in html
    assert "+13125550142" not in html
    case = db.get(type(debtor.case), debtor.case.id)
    assert case is not None and case.hold_rules == ["US-REGF-TIME"]


def test_an_allowed_call_shows_the_number_then_takes_the_outcome(
    client: TestClient, db: Session, agent: User, debtor: Debtor
) -> None:
    response = post_form(client, f"/cases/{debtor.case.id}/call", {}, headers=HTMX)
    assert response.status_code == 200
    assert 'id="call-allowed"' in response.text and "+13125550142" in response.text
    attempt_id = int(re.search(r'name="attempt_id" value="(\d+)"', response.text).group(1))  # type: ignore[union-attr]
    # Reloading the page keeps the call waiting for its outcome.
    assert f'name="attempt_id" value="{attempt_id}"' in page_of(client, debtor)
    done = post_form(
        client,
        f"/cases/{debtor.case.id}/outcome",
        {"attempt_id": attempt_id, "outcome": "voicemail"},
        headers=HTMX,
    )
    assert done.status_code == 200
    assert "Outcome recorded: voicemail." in done.text
    assert 'id="call-button"' in done.text  # ready for the next call
    assert "call outcome: voicemail" in done.text  # on the timeline
    db.expire_all()
    assert db.get(type(debtor.case), debtor.case.id).status is CaseStatus.ACTIVE  # type: ignore[union-attr]


def test_a_bad_outcome_is_an_inline_error(
    client: TestClient, db: Session, agent: User, debtor: Debtor
) -> None:
    response = post_form(
        client, f"/cases/{debtor.case.id}/outcome", {"attempt_id": "999999", "outcome": "x"}
    )
    assert response.status_code == 422
    assert "Outcome: choose one of" in response.text
    assert "<html" in response.text


# ---- recording ---------------------------------------------------------------------------------


def test_a_written_dispute_within_the_validation_period_holds_the_case(
    client: TestClient, db: Session
) -> None:
    with clock.frozen(datetime(2025, 5, 21, 15, 0, tzinfo=UTC)):
        agent = UserFactory(role=Role.AGENT)
        sign_in(client, db, agent)
        debtor = make_debtor()
        debtor.case.assigned_agent_id = agent.id
        db.flush()
        response = post_form(
            client,
            f"/cases/{debtor.case.id}/record",
            {"kind": "dispute", "written": "on", "received": "2025-05-20"},
            headers=HTMX,
        )
    assert response.status_code == 200
    assert "the case is on hold until verification is sent" in response.text
    assert ">hold<" in response.text
    assert actions.DISPUTE_HOLD_REASON in response.text  # status history and timeline
    db.expire_all()
    case = db.get(type(debtor.case), debtor.case.id)
    assert case is not None and case.status is CaseStatus.HOLD
    assert case.hold_rules == ["US-REGF-DISPUTE-HOLD"]


@pytest.mark.parametrize(
    ("values", "message", "status"),
    [
        ({"kind": "cease", "received": "2025-06-09"}, "Cease request recorded", "hold"),
        (
            {"kind": "attorney", "attorney_name": "Sam Counsel", "attorney_email": "s@law.example"},
            "Attorney recorded",
            "hold",
        ),
        (
            {"kind": "inconvenient_time", "from": "18:00", "to": "20:00", "days": ["5", "6"]},
            "Inconvenient times recorded",
            "new",
        ),
        ({"kind": "deceased"}, "Recorded as deceased", "closed"),
        ({"kind": "bankruptcy"}, "Bankruptcy recorded", "closed"),
    ],
)
def test_each_record_form_updates_facts_and_status(
    client: TestClient,
    db: Session,
    agent: User,
    debtor: Debtor,
    values: dict[str, Any],
    message: str,
    status: str,
) -> None:
    response = post_form(client, f"/cases/{debtor.case.id}/record", values, headers=HTMX)
    assert response.status_code == 200
    assert message in response.text
    db.expire_all()
    assert db.get(type(debtor.case), debtor.case.id).status.value == status  # type: ignore[union-attr]


def test_callbacks_wrong_numbers_and_workplace_from_the_forms(
    client: TestClient, db: Session, agent: User, debtor: Debtor
) -> None:
    response = post_form(
        client,
        f"/cases/{debtor.case.id}/record",
        {"kind": "callback", "due_at": "2025-06-10T17:30", "zone": "America/Chicago"},
        headers=HTMX,
    )
    assert "Callback set for 2025-06-10 17:30 (America/Chicago)." in response.text
    db.expire_all()
    case = db.get(type(debtor.case), debtor.case.id)
    assert case is not None
    assert case.next_action_at == datetime(2025, 6, 10, 22, 30, tzinfo=UTC)
    bad_zone = post_form(
        client,
        f"/cases/{debtor.case.id}/record",
        {"kind": "callback", "due_at": "2025-06-10T17:30", "zone": "Europe/Paris"},
    )
    assert bad_zone.status_code == 422 and "choose one of the consumer" in bad_zone.text
    post_form(
        client,
        f"/cases/{debtor.case.id}/record",
        {"kind": "workplace", "contact_point_id": debtor.email.id},
        headers=HTMX,
    )
    wrong = post_form(
        client,
        f"/cases/{debtor.case.id}/record",
        {"kind": "wrong_number", "contact_point_id": debtor.phone.id},
        headers=HTMX,
    )
    assert "it will not be called again" in wrong.text
    db.expire_all()
    assert flags(db, debtor.phone).do_not_use
    assert flags(db, debtor.email).workplace
    unknown = post_form(client, f"/cases/{debtor.case.id}/record", {"kind": "bogus"})
    assert unknown.status_code == 422 and "Kind: choose one of" in unknown.text


def test_notes_and_status_changes_from_the_forms(
    client: TestClient, db: Session, agent: User, debtor: Debtor
) -> None:
    response = post_form(
        client, f"/cases/{debtor.case.id}/notes", {"body": "Will call back."}, headers=HTMX
    )
    assert "Note added." in response.text and "Will call back." in response.text
    empty = post_form(client, f"/cases/{debtor.case.id}/notes", {"body": "  "})
    assert empty.status_code == 422 and "Note: write something" in empty.text
    moved = post_form(
        client,
        f"/cases/{debtor.case.id}/status",
        {"to": "closed", "reason": "client asked", "close_reason": ""},
    )
    assert moved.status_code == 422 and "Close reason: say why the case is closed" in moved.text
    ok = post_form(
        client,
        f"/cases/{debtor.case.id}/status",
        {"to": "closed", "reason": "client asked", "close_reason": "client_request"},
        headers=HTMX,
    )
    assert "The case is now closed." in ok.text
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(CaseNote)) == 1
    assert [c.to_status for c in db.scalars(select(StatusChange))] == [CaseStatus.CLOSED]


def test_an_illegal_transition_is_refused_with_its_reason(
    client: TestClient, db: Session, agent: User, debtor: Debtor
) -> None:
    actions.record_deceased(db, case=debtor.case, actor_id=agent.id)
    db.flush()
    response = post_form(
        client, f"/cases/{debtor.case.id}/status", {"to": "active", "reason": "oops"}
    )
    assert response.status_code == 422
    assert "Status: the case is closed; it cannot change any more" in response.text


# ---- who may act -------------------------------------------------------------------------------


def test_only_those_who_work_the_case_see_and_use_the_actions(
    client: TestClient, db: Session, debtor: Debtor
) -> None:
    other_agent = UserFactory(role=Role.AGENT)
    sign_in(client, db, other_agent)
    html = page_of(client, debtor)
    assert 'id="panel-actions"' not in html
    assert post_form(client, f"/cases/{debtor.case.id}/call", {}).status_code == 403
    officer = UserFactory(role=Role.COMPLIANCE)
    sign_in(client, db, officer)
    assert 'id="panel-actions"' not in page_of(client, debtor)
    assert "+13125550142" not in page_of(client, debtor)  # masked for every reader
    assert post_form(client, f"/cases/{debtor.case.id}/notes", {"body": "x"}).status_code == 403
    merchant = UserFactory(role=Role.MERCHANT, client=debtor.client)
    sign_in(client, db, merchant)
    html = page_of(client, debtor)
    assert 'id="panel-actions"' not in html and 'id="next-case"' not in html
    assert 'id="timeline"' not in html  # the contact history stays with the agency
    assert post_form(client, f"/cases/{debtor.case.id}/call", {}).status_code == 403
    assert post_form(client, "/queue/next", {}).status_code == 403
    supervisor = UserFactory(role=Role.SUPERVISOR)
    sign_in(client, db, supervisor)
    assert 'id="panel-actions"' in page_of(client, debtor)
    assert (
        db.scalar(
            select(func.count()).select_from(LedgerEntry).where(LedgerEntry.kind == "attempt")
        )
        == 0
    )


# ---- next case -------------------------------------------------------------------------------


def test_next_case_opens_the_best_workable_case(
    client: TestClient, db: Session, agent: User, debtor: Debtor
) -> None:
    response = post_form(client, "/queue/next", {})
    assert response.status_code == 303
    assert response.headers["location"] == f"/cases/{debtor.case.id}"
    db.expire_all()
    case = db.get(type(debtor.case), debtor.case.id)
    assert case is not None and case.lease_agent_id == agent.id
    # "Next case" from that page moves on to the next one; the case left unworked
    # loses its lease and waits a while before it is offered again.
    second = make_debtor()
    second.case.assigned_agent_id = agent.id
    db.flush()
    htmx = post_form(
        client, "/queue/next", {"leaving": debtor.case.id}, headers={"HX-Request": "true"}
    )
    assert htmx.status_code == 200 and htmx.headers["HX-Redirect"] == f"/cases/{second.case.id}"
    db.expire_all()
    left = db.get(type(debtor.case), debtor.case.id)
    assert left is not None and left.lease_agent_id is None
    assert left.workable_at == OFFICE_HOURS + timedelta(minutes=30)
    assert post_form(client, "/queue/next", {"leaving": "x"}).status_code == 422


def test_a_pool_case_becomes_the_agents_when_they_first_act_on_it(
    client: TestClient, db: Session, agent: User
) -> None:
    team = Team(name="East")
    db.add(team)
    db.flush()
    db.add(AgentProfile(user_id=agent.id, team_id=team.id))
    pooled, skipped = make_debtor(), make_debtor()
    pooled.case.team_id = skipped.case.team_id = team.id
    skipped.case.priority = pooled.case.priority + 1
    db.flush()
    # Next case only leases a pool case: skipped, it stays in the team's pool.
    assert post_form(client, "/queue/next", {}).headers["location"] == f"/cases/{skipped.case.id}"
    response = post_form(client, "/queue/next", {"leaving": skipped.case.id})
    assert response.headers["location"] == f"/cases/{pooled.case.id}"
    db.expire_all()
    assert (skipped.case.assigned_agent_id, skipped.case.team_id) == (None, team.id)
    assert pooled.case.assigned_agent_id is None and pooled.case.lease_agent_id == agent.id
    # The first thing the agent records on it makes it theirs, with the change recorded.
    post_form(client, f"/cases/{pooled.case.id}/notes", {"body": "Left a message."}, headers=HTMX)
    db.expire_all()
    assert (pooled.case.assigned_agent_id, pooled.case.team_id) == (agent.id, team.id)
    change = db.scalars(select(AssignmentChange).filter_by(case_id=pooled.case.id)).one()
    assert (change.from_agent_id, change.to_agent_id, change.reason) == (
        None,
        agent.id,
        "taken from the team pool",
    )
    assert db.scalar(select(func.count()).select_from(AssignmentChange)) == 1


def test_nothing_to_call_says_when_the_next_case_will_be_workable(
    client: TestClient, db: Session, agent: User, debtor: Debtor
) -> None:
    debtor.case.workable_at = OFFICE_HOURS + timedelta(hours=3)
    db.flush()
    response = post_form(client, "/queue/next", {})
    assert response.status_code == 200
    assert "Nothing to call right now" in response.text
    assert "2025-06-09 18:00 UTC" in response.text
    # Its wait over but not yet woken (the wake job runs every minute): no time in the past.
    debtor.case.workable_at = OFFICE_HOURS - timedelta(seconds=20)
    debtor.case.ready = False
    db.flush()
    waking = post_form(client, "/queue/next", {})
    assert 'id="back-soon"' in waking.text and 'id="earliest-workable"' not in waking.text
    debtor.case.status = CaseStatus.PAID
    db.flush()
    empty = post_form(client, "/queue/next", {})
    assert "have no case waiting to be called" in empty.text
    assert 'id="earliest-workable"' not in empty.text
