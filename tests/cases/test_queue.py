"""The agent's queue: order, leases, the gate's holds, the team pool, and (on PostgreSQL)
concurrent picks that never hand out a case twice."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from agency.cases import queue, tasks
from agency.cases.models import AgentProfile, Case, CaseStatus, Channel, ContactPoint, Team
from agency.compliance import service as compliance
from agency.compliance.models import FactKind, Source
from agency.db import session_scope
from agency.kit import clock
from tests.fixtures.compliance import MONDAY_AFTERNOON
from tests.fixtures.factories import (
    ClientFactory,
    ConsumerFactory,
    ContactPointFactory,
    UserFactory,
    case_for,
)

# Monday 8 June 2026, 03:00 in Chicago: quiet hours.
MONDAY_NIGHT = datetime(2026, 6, 8, 8, 0, tzinfo=UTC)


def callable_case(client: Any, **case: Any) -> Case:
    """A case of a Chicago consumer with one mobile, as intake would store them."""
    consumer = ConsumerFactory(timezones=["America/Chicago"])
    ContactPointFactory(consumer=consumer)
    made: Case = case_for(client, consumer=consumer, **case)
    return made


@pytest.fixture
def agent(db: Session) -> Any:
    return UserFactory()


@pytest.fixture
def frozen() -> Any:
    with clock.frozen(MONDAY_AFTERNOON):
        yield


def test_the_highest_priority_then_the_freshest_case_comes_first(
    db: Session, agent: Any, frozen: None
) -> None:
    client = ClientFactory()
    low = callable_case(client, assigned_agent_id=agent.id, priority=10)
    high_old = callable_case(
        client,
        assigned_agent_id=agent.id,
        priority=50,
        placed_at=MONDAY_AFTERNOON - timedelta(days=30),
    )
    high_new = callable_case(
        client,
        assigned_agent_id=agent.id,
        priority=50,
        placed_at=MONDAY_AFTERNOON - timedelta(days=1),
    )
    db.flush()
    picked, leaving = [], None
    for _ in range(3):
        pick = queue.next_case(db, agent_id=agent.id, leaving=leaving)
        assert pick is not None
        picked.append(pick.id)
        leaving = pick.id
    # Each "next" from a case page skips that case, so all three come in order.
    assert picked == [high_new.id, high_old.id, low.id]
    assert queue.next_case(db, agent_id=agent.id, leaving=leaving) is None


def test_a_pick_is_a_lease_that_lapses(db: Session, frozen: None) -> None:
    client = ClientFactory()
    first, second = UserFactory(), UserFactory()
    team = Team(name="Pool")
    db.add(team)
    db.flush()
    case = callable_case(client, team_id=team.id)
    join_team(db, team, first, second)
    pick = queue.next_case(db, agent_id=first.id)
    assert pick is not None and pick.id == case.id and pick.assigned_agent_id is None
    assert case.lease_agent_id == first.id
    assert case.lease_expires_at == MONDAY_AFTERNOON + timedelta(minutes=15)
    assert queue.next_case(db, agent_id=second.id) is None
    clock.advance(timedelta(minutes=15))
    assert queue.wake(db) == 1
    taken = queue.next_case(db, agent_id=second.id)
    assert taken is not None and taken.id == case.id
    assert case.lease_agent_id == second.id


def test_cases_not_workable_are_never_offered(db: Session, agent: Any, frozen: None) -> None:
    client = ClientFactory()
    later = MONDAY_AFTERNOON + timedelta(hours=1)
    callable_case(client, assigned_agent_id=agent.id, workable_at=later)
    for status in (CaseStatus.DISPUTED, CaseStatus.HOLD, CaseStatus.PLAN, CaseStatus.PAID):
        callable_case(client, assigned_agent_id=agent.id, status=status)
    callable_case(client, assigned_agent_id=UserFactory().id)  # someone else's book
    db.flush()
    assert queue.next_case(db, agent_id=agent.id) is None
    clock.advance(timedelta(hours=1))
    assert queue.next_case(db, agent_id=agent.id) is not None


def test_the_agents_own_book_comes_before_the_team_pool(db: Session, frozen: None) -> None:
    client = ClientFactory()
    agent = UserFactory()
    team = Team(name="Pool")
    db.add(team)
    db.flush()
    pooled = callable_case(client, team_id=team.id, priority=900)
    own = callable_case(client, assigned_agent_id=agent.id, priority=1)
    join_team(db, team, agent)
    pick = queue.next_case(db, agent_id=agent.id)
    assert pick is not None and (pick.id, pick.assigned_agent_id is None) == (own.id, False)
    pick = queue.next_case(db, agent_id=agent.id, leaving=own.id)
    assert pick is not None and (pick.id, pick.assigned_agent_id is None) == (pooled.id, True)


def test_skipping_a_case_puts_it_back_after_a_while(db: Session, agent: Any, frozen: None) -> None:
    case = callable_case(ClientFactory(), assigned_agent_id=agent.id)
    db.flush()
    assert queue.next_case(db, agent_id=agent.id) is not None
    # Still leased to the agent: not offered again, not even to them.
    assert queue.next_case(db, agent_id=agent.id) is None
    assert queue.next_case(db, agent_id=agent.id, leaving=case.id) is None
    db.refresh(case)
    assert case.lease_agent_id is None
    assert case.workable_at == MONDAY_AFTERNOON + timedelta(minutes=30)
    assert not case.ready  # out of the queue's indexes ...
    clock.advance(timedelta(minutes=29))
    assert queue.wake(db) == 0
    clock.advance(timedelta(minutes=1))
    assert queue.wake(db) == 1  # ... until the wake job puts it back
    pick = queue.next_case(db, agent_id=agent.id)
    assert pick is not None and pick.id == case.id


def test_quiet_hours_defer_the_case_until_the_gate_allows_a_call(db: Session, agent: Any) -> None:
    with clock.frozen(MONDAY_NIGHT):
        case = callable_case(ClientFactory(), assigned_agent_id=agent.id)
        db.flush()
        assert queue.next_case(db, agent_id=agent.id) is None
        db.refresh(case)
        # 08:00 in Chicago (CDT): 13:00 UTC.
        assert case.workable_at == datetime(2026, 6, 8, 13, 0, tzinfo=UTC)
        assert case.hold_rules == ["US-REGF-TIME"]
        assert case.lease_agent_id is None
    with clock.frozen(datetime(2026, 6, 8, 13, 0, tzinfo=UTC)):
        queue.wake(db)
        pick = queue.next_case(db, agent_id=agent.id)
        assert pick is not None and pick.id == case.id


def test_a_case_with_nothing_to_call_is_held_for_good(
    db: Session, agent: Any, frozen: None
) -> None:
    client = ClientFactory()
    consumer = ConsumerFactory(timezones=["America/Chicago"])
    ContactPointFactory(consumer=consumer, channel=Channel.EMAIL, kind="personal", value="a@b.org")
    case = case_for(client, consumer=consumer, assigned_agent_id=agent.id)
    db.flush()
    assert queue.next_case(db, agent_id=agent.id) is None
    db.refresh(case)
    assert (case.workable_at, case.hold_rules) == (queue.FOREVER, [queue.NO_PHONE])
    # A phone marked do-not-call: held by the gate's own rule, still for good.
    ContactPointFactory(consumer=consumer, do_not_call=True)
    queue.make_workable(case)
    db.flush()
    assert queue.next_case(db, agent_id=agent.id) is None
    db.refresh(case)
    assert (case.workable_at, case.hold_rules) == (queue.FOREVER, ["US-REGF-MEDIUM"])


def test_a_blocked_phone_falls_back_to_another_that_may_be_called(
    db: Session, agent: Any, frozen: None
) -> None:
    """Every phone is asked; one that may be called now is enough, and a case whose only
    phone is blocked is held with the rule that blocks it."""
    client = ClientFactory()
    consumer = ConsumerFactory(timezones=["America/Chicago"])
    work = ContactPointFactory(consumer=consumer, kind="work", workplace=True)
    case = case_for(client, consumer=consumer, assigned_agent_id=agent.id)
    db.flush()
    compliance.record_fact(
        db,
        consumer_id=consumer.id,
        kind=FactKind.WORKPLACE_RESTRICTION,
        contact_point_id=work.id,
        actor_id=None,
        source=Source.AGENT,
    )
    assert queue.next_case(db, agent_id=agent.id) is None
    db.refresh(case)
    assert (case.workable_at, case.hold_rules) == (queue.FOREVER, ["US-REGF-WORKPLACE"])
    ContactPointFactory(consumer=consumer, kind="home", line_type="fixed_line")
    queue.make_workable(case)
    db.flush()
    pick = queue.next_case(db, agent_id=agent.id)
    assert pick is not None and pick.id == case.id


def test_priority_orders_callbacks_promises_fresh_cases_then_balance(db: Session) -> None:
    case = case_for(ClientFactory(), principal_minor=250_000, interest_minor=0)
    assert queue.priority(case) == queue.NEVER_CONTACTED + 25
    case.last_contact_at = MONDAY_AFTERNOON
    assert queue.priority(case) == 25
    assert queue.priority(case, promise=True) == queue.PROMISE_DUE + 25
    assert queue.priority(case, callback=True) > queue.priority(case, promise=True)
    case.principal_minor = 10**12
    assert queue.priority(case) == queue.BALANCE_CAP


def test_the_wake_job_returns_lapsed_leases_and_ended_holds_to_the_queue(
    bound_engine: Engine,
) -> None:
    from tests.fixtures import factories

    with clock.frozen(MONDAY_AFTERNOON):
        with session_scope() as db:
            factories.bind(db)
            _team, agents = _seed_pool_in(db, 2)
            leased = queue.next_case(db, agent_id=agents[0])
            held = queue.next_case(db, agent_id=agents[1])
            assert leased is not None and held is not None
            queue.defer(held, until=MONDAY_AFTERNOON + timedelta(hours=2), rules=["X"])
            ids = leased.id, held.id
        with session_scope() as db:
            assert queue.next_case(db, agent_id=agents[2]) is None
    with clock.frozen(MONDAY_AFTERNOON + timedelta(minutes=15)):
        assert tasks.wake_cases() == 1  # the lease has lapsed; the hold has not ended
        with session_scope() as db:
            back = queue.next_case(db, agent_id=agents[2])
            assert back is not None and back.id == ids[0]
    with clock.frozen(MONDAY_AFTERNOON + timedelta(hours=2)):
        assert tasks.wake_cases() == 2  # the hold has ended, and the second lease lapsed
        with session_scope() as db:
            again = [queue.next_case(db, agent_id=agents[n]) for n in (3, 4, 5)]
            assert {case.id for case in again if case is not None} == set(ids)


# ---- concurrency (PostgreSQL) -------------------------------------------------------------


def test_concurrent_agents_never_get_the_same_case(bound_engine: Engine) -> None:
    if bound_engine.dialect.name != "postgresql":
        pytest.skip("SKIP LOCKED concurrency is PostgreSQL's; SQLite has one writer")
    from tests.fixtures import factories

    with clock.frozen(MONDAY_AFTERNOON):
        with session_scope() as db:
            factories.bind(db)
            _team, agents = _seed_pool_in(db, 40)
        picks: list[tuple[int, int]] = []
        lock = threading.Lock()
        start = threading.Barrier(len(agents))

        def work(agent_id: int) -> None:
            start.wait()
            for _ in range(6):
                with session_scope() as db:
                    pick = queue.next_case(db, agent_id=agent_id)
                    if pick is None:
                        return
                    assert pick.lease_agent_id == agent_id
                    with lock:
                        picks.append((pick.id, agent_id))

        threads = [threading.Thread(target=work, args=(a,)) for a in agents]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    ids = [case_id for case_id, _ in picks]
    assert len(ids) == 40  # every case handed out ...
    assert len(set(ids)) == len(ids)  # ... exactly once


def _seed_pool_in(db: Session, cases: int) -> tuple[int, list[int]]:
    client = ClientFactory()
    team = Team(name="Shared")
    db.add(team)
    db.flush()
    for _ in range(cases):
        callable_case(client, team_id=team.id)
    agents = [UserFactory() for _ in range(8)]
    join_team(db, team, *agents)
    return team.id, [a.id for a in agents]


def join_team(db: Session, team: Team, *agents: Any) -> None:
    """Put ``agents`` in ``team`` (their profile says so: the pick reads it)."""
    db.flush()
    db.add_all(AgentProfile(user_id=agent.id, team_id=team.id) for agent in agents)
    db.flush()


def test_a_locked_candidate_is_skipped_not_waited_for(bound_engine: Engine) -> None:
    """While one transaction holds the best case (row lock), another agent's pick takes
    the next one at once instead of waiting."""
    if bound_engine.dialect.name != "postgresql":
        pytest.skip("row locks and SKIP LOCKED are PostgreSQL's")
    from tests.fixtures import factories

    with clock.frozen(MONDAY_AFTERNOON):
        with session_scope() as db:
            factories.bind(db)
            _team, agents = _seed_pool_in(db, 2)
        with session_scope() as first:
            held = queue.next_case(first, agent_id=agents[0])
            assert held is not None
            with session_scope() as second:
                second.execute(select(ContactPoint.id).limit(1))  # a live connection of its own
                second.connection().exec_driver_sql("SET LOCAL lock_timeout = '2s'")
                other = queue.next_case(second, agent_id=agents[1])
                assert other is not None and other.id != held.id
