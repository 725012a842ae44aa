"""Assignment: each strategy, capacity, rule conditions and order, the job after a
placement commits, and the supervisor's moves (agency.cases.reassign), each recorded as an
AssignmentChange."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from agency.auth.models import Role
from agency.cases import assignment, reassign, tasks
from agency.cases.errors import CaseError
from agency.cases.models import (
    AgentProfile,
    AssignmentChange,
    AssignmentRule,
    AssignmentStrategy,
    Case,
    CaseStatus,
    StatusChange,
    Team,
)
from agency.clients.models import Client
from agency.db import session_scope
from agency.kit import clock
from agency.kit.forms import FormError
from agency.referrals import file_placements
from agency.referrals.models import PlacementSource
from agency.worker import drain, run_job
from tests.fixtures.factories import (
    ClientFactory,
    ConsumerFactory,
    ContractFactory,
    UserFactory,
    bind,
    case_for,
)
from tests.fixtures.referral_files import csv_text, good

NOW = datetime(2026, 6, 8, 15, 0, tzinfo=UTC)
S = AssignmentStrategy


@pytest.fixture(autouse=True)
def frozen() -> Any:
    with clock.frozen(NOW):
        yield


def agent(db: Session, **profile: Any) -> Any:
    """An active agent, with a profile when ``profile`` says anything."""
    user = UserFactory(role=Role.AGENT)
    if profile:
        db.add(AgentProfile(user_id=user.id, **profile))
        db.flush()
    return user


def rule(db: Session, strategy: AssignmentStrategy, **fields: Any) -> AssignmentRule:
    fields.setdefault("name", f"{strategy.value} rule")
    fields.setdefault("position", 0)
    made = AssignmentRule(strategy=strategy, **fields)
    db.add(made)
    db.flush()
    return made


def new_case(client: Any, *, language: str | None = None, **fields: Any) -> Case:
    """A new, unassigned case of a consumer in Illinois, US (language as given)."""
    consumer = ConsumerFactory(
        country=fields.pop("country", "US"), region=fields.pop("region", "IL"), language=language
    )
    fields.setdefault("placed_at", NOW - timedelta(days=1))
    made: Case = case_for(client, consumer=consumer, **fields)
    return made


def run(db: Session, *cases: Case) -> assignment.Outcome:
    outcome = assignment.assign_cases(db, case_ids=[c.id for c in cases])
    db.expire_all()
    return outcome


def holders(db: Session, cases: list[Case]) -> list[int | None]:
    return [db.get_one(Case, c.id).assigned_agent_id for c in cases]


def changes(db: Session, case: Case) -> list[AssignmentChange]:
    return list(
        db.scalars(
            select(AssignmentChange)
            .where(AssignmentChange.case_id == case.id)
            .order_by(AssignmentChange.id)
        )
    )


# ---- strategies --------------------------------------------------------------------------


def test_round_robin_goes_round_in_id_order_and_keeps_its_cursor(db: Session) -> None:
    client = ClientFactory()
    a1, a2, a3 = agent(db), agent(db), agent(db)
    robin = rule(db, S.ROUND_ROBIN, agent_ids=[a3.id, a1.id, a2.id])
    cases = [new_case(client) for _ in range(4)]
    assert run(db, *cases) == assignment.Outcome(assigned=4)
    assert holders(db, cases) == [a1.id, a2.id, a3.id, a1.id]
    assert db.get_one(AssignmentRule, robin.id).last_agent_id == a1.id
    # The next run carries on after the cursor.
    more = [new_case(client), new_case(client)]
    run(db, *more)
    assert holders(db, more) == [a2.id, a3.id]


def test_round_robin_skips_a_full_agent_without_losing_its_turn_order(db: Session) -> None:
    client = ClientFactory()
    a1, a2, a3 = agent(db), agent(db, capacity=0), agent(db)
    rule(db, S.ROUND_ROBIN, agent_ids=[a1.id, a2.id, a3.id], last_agent_id=a1.id)
    cases = [new_case(client) for _ in range(3)]
    run(db, *cases)
    assert holders(db, cases) == [a3.id, a1.id, a3.id]


def test_least_count_gives_to_the_agent_with_fewest_open_cases(db: Session) -> None:
    client = ClientFactory()
    busy, idle = agent(db), agent(db)
    for _ in range(2):
        case_for(client, assigned_agent_id=busy.id, status=CaseStatus.ACTIVE)
    for _ in range(3):  # closed cases are no load
        case_for(client, assigned_agent_id=idle.id, status=CaseStatus.PAID)
    rule(db, S.LEAST_COUNT, agent_ids=[busy.id, idle.id])
    cases = [new_case(client) for _ in range(3)]
    run(db, *cases)
    # idle 0 -> 1 -> 2, then a tie at 2 goes to the lower id (busy).
    assert holders(db, cases) == [idle.id, idle.id, busy.id]


def test_least_balance_compares_open_balance_in_the_cases_currency(db: Session) -> None:
    dollars, euros = ClientFactory(currency="USD"), ClientFactory(currency="EUR")
    rich, poor = agent(db), agent(db)
    case_for(dollars, assigned_agent_id=rich.id, principal_minor=500_000)  # $5,005 open
    case_for(dollars, assigned_agent_id=poor.id, principal_minor=1_000)  # $15 open
    case_for(euros, assigned_agent_id=poor.id, principal_minor=900_000)  # EUR 9,005 open
    case_for(dollars, assigned_agent_id=poor.id, principal_minor=900_000, status=CaseStatus.PAID)
    rule(db, S.LEAST_BALANCE, agent_ids=[rich.id, poor.id])
    in_dollars, in_euros = new_case(dollars), new_case(euros)
    run(db, in_dollars, in_euros)
    assert holders(db, [in_dollars, in_euros]) == [poor.id, rich.id]


def test_skill_match_needs_the_language_and_covers_the_region(db: Session) -> None:
    client = ClientFactory()
    english = agent(db, languages=["en"])
    spanish_texas = agent(db, languages=["es"], regions=["US-TX"])
    spanish_us = agent(db, languages=["en", "es"], regions=["US"])
    spanish_anywhere = agent(db, languages=["es"])
    for _ in range(2):  # spanish_anywhere is busier than spanish_us
        case_for(client, assigned_agent_id=spanish_anywhere.id)
    ids = [english.id, spanish_texas.id, spanish_us.id, spanish_anywhere.id]
    rule(db, S.SKILL_MATCH, agent_ids=ids)
    in_illinois = new_case(client, language="es", region="IL")
    run(db, in_illinois)
    assert holders(db, [in_illinois]) == [spanish_us.id]
    in_texas = new_case(client, language="es", region="TX")
    texan_load = [case_for(client, assigned_agent_id=spanish_us.id) for _ in range(5)]
    assert texan_load
    run(db, in_texas)
    assert holders(db, [in_texas]) == [spanish_texas.id]  # covers US-TX, fewest cases
    no_language = new_case(client, language=None)
    run(db, no_language)
    assert holders(db, [no_language]) == [english.id]  # any agent will do: fewest cases


def test_skill_match_with_no_skilled_agent_falls_through_to_the_next_rule(db: Session) -> None:
    client = ClientFactory()
    english, fallback = agent(db, languages=["en"]), agent(db)
    rule(db, S.SKILL_MATCH, agent_ids=[english.id], position=0)
    rule(db, S.LEAST_COUNT, agent_ids=[fallback.id], position=1)
    french = new_case(client, language="fr")
    run(db, french)
    assert holders(db, [french]) == [fallback.id]


def test_team_pool_puts_the_case_in_the_pool_without_an_agent(db: Session) -> None:
    client = ClientFactory()
    team = Team(name="Pool team")
    db.add(team)
    db.flush()
    pool_rule = rule(db, S.TEAM_POOL, team_id=team.id)
    case = new_case(client)
    assert run(db, case) == assignment.Outcome(pooled=1)
    stored = db.get_one(Case, case.id)
    assert (stored.assigned_agent_id, stored.team_id, stored.status) == (
        None,
        team.id,
        CaseStatus.ACTIVE,
    )
    (change,) = changes(db, case)
    assert (change.to_agent_id, change.to_team_id, change.rule_id, change.by_user_id) == (
        None,
        team.id,
        pool_rule.id,
        None,
    )


def test_team_members_are_candidates_active_agents_only(db: Session) -> None:
    client = ClientFactory()
    team = Team(name="Members")
    db.add(team)
    db.flush()
    gone = UserFactory(role=Role.AGENT, is_active=False)
    db.add(AgentProfile(user_id=gone.id, team_id=team.id))
    member = agent(db, team_id=team.id)
    agent(db)  # not in the team
    rule(db, S.LEAST_COUNT, team_id=team.id)
    cases = [new_case(client) for _ in range(2)]
    run(db, *cases)
    assert holders(db, cases) == [member.id, member.id]


# ---- capacity, conditions, order --------------------------------------------------------------


def test_agents_at_capacity_are_skipped_and_a_full_rule_does_not_apply(db: Session) -> None:
    client = ClientFactory()
    full, roomy = agent(db, capacity=1), agent(db, capacity=2)
    case_for(client, assigned_agent_id=full.id)
    rule(db, S.LEAST_COUNT, agent_ids=[full.id, roomy.id])
    cases = [new_case(client) for _ in range(3)]
    assert run(db, *cases) == assignment.Outcome(assigned=2, unassigned=1)
    assert holders(db, cases) == [roomy.id, roomy.id, None]
    assert changes(db, cases[2]) == []
    assert db.get_one(Case, cases[2].id).status is CaseStatus.NEW


@pytest.mark.parametrize(
    ("conditions", "matching", "not_matching"),
    [
        ({"client_id": "mine"}, {}, {"other_client": True}),
        (
            {"min_balance_minor": 10_500, "balance_currency": "USD"},
            {"principal_minor": 10_000},
            {"principal_minor": 9_999},
        ),
        (
            {"max_balance_minor": 10_500, "balance_currency": "USD"},
            {"principal_minor": 10_000},
            {"principal_minor": 10_001},
        ),
        ({"country": "US", "region": "IL"}, {}, {"region": "CA"}),
        ({"country": "CA"}, {"country": "CA", "region": "ON"}, {}),
        ({"language": "es"}, {"language": "es"}, {"language": "en"}),
        (
            {"min_age_days": 3, "max_age_days": 5},
            {"placed_at": NOW - timedelta(days=3)},
            {"placed_at": NOW - timedelta(days=2, hours=23)},
        ),
        ({"max_age_days": 5}, {"placed_at": NOW - timedelta(days=5, hours=23)}, {"age": 6}),
    ],
)
def test_a_rule_takes_only_the_cases_its_conditions_match(
    db: Session, conditions: dict[str, Any], matching: dict[str, Any], not_matching: dict[str, Any]
) -> None:
    client, other = ClientFactory(), ClientFactory()
    taker = agent(db)
    if conditions.get("client_id") == "mine":
        conditions = {**conditions, "client_id": client.id}
    rule(db, S.LEAST_COUNT, agent_ids=[taker.id], **conditions)

    def make(spec: dict[str, Any]) -> Case:
        spec = dict(spec)
        owner = other if spec.pop("other_client", False) else client
        if "age" in spec:
            spec["placed_at"] = NOW - timedelta(days=spec.pop("age"))
        return new_case(owner, **spec)

    yes, no = make(matching), make(not_matching)
    run(db, yes, no)
    assert holders(db, [yes, no]) == [taker.id, None]


def test_rules_are_tried_in_position_order_and_inactive_ones_are_skipped(db: Session) -> None:
    client = ClientFactory()
    first, second, off = agent(db), agent(db), agent(db)
    rule(db, S.LEAST_COUNT, agent_ids=[off.id], position=0, is_active=False)
    rule(db, S.LEAST_COUNT, agent_ids=[second.id], position=2)
    big_first = rule(
        db,
        S.LEAST_COUNT,
        agent_ids=[first.id],
        position=1,
        min_balance_minor=50_000,
        balance_currency="USD",
    )
    small, big = new_case(client), new_case(client, principal_minor=100_000)
    run(db, small, big)
    assert holders(db, [small, big]) == [second.id, first.id]
    assert changes(db, big)[0].rule_id == big_first.id


def test_with_no_rule_a_case_stays_unassigned_and_new(db: Session) -> None:
    case = new_case(ClientFactory())
    rule(db, S.LEAST_COUNT, agent_ids=[agent(db).id], is_active=False)
    assert run(db, case) == assignment.Outcome(unassigned=1)
    stored = db.get_one(Case, case.id)
    assert (stored.assigned_agent_id, stored.team_id, stored.status) == (None, None, CaseStatus.NEW)
    assert changes(db, case) == []


def test_assigning_records_the_change_moves_new_to_active_and_ends_others_leases(
    db: Session,
) -> None:
    client = ClientFactory()
    taker, other = agent(db), agent(db)
    by_rule = rule(db, S.ROUND_ROBIN, agent_ids=[taker.id], name="Big ones")
    case = new_case(client, lease_agent_id=other.id, lease_expires_at=NOW + timedelta(minutes=5))
    run(db, case)
    stored = db.get_one(Case, case.id)
    assert (stored.status, stored.lease_agent_id, stored.lease_expires_at) == (
        CaseStatus.ACTIVE,
        None,
        None,
    )
    (change,) = changes(db, case)
    assert (change.from_agent_id, change.to_agent_id, change.rule_id, change.at) == (
        None,
        taker.id,
        by_rule.id,
        NOW,
    )
    assert "Big ones" in change.reason
    status = db.scalar(select(StatusChange).where(StatusChange.case_id == case.id))
    assert status is not None and (status.from_status, status.to_status) == (
        CaseStatus.NEW,
        CaseStatus.ACTIVE,
    )


def test_already_assigned_cases_are_left_alone(db: Session) -> None:
    client = ClientFactory()
    holder, taker = agent(db), agent(db)
    rule(db, S.LEAST_COUNT, agent_ids=[taker.id])
    held = case_for(client, assigned_agent_id=holder.id)
    assert run(db, held) == assignment.Outcome()
    assert holders(db, [held]) == [holder.id]


def test_a_band_takes_only_cases_in_its_currency(db: Session) -> None:
    dollars, yen = ClientFactory(currency="USD"), ClientFactory(currency="JPY")
    taker = agent(db)
    rule(db, S.LEAST_COUNT, agent_ids=[taker.id], min_balance_minor=5_000, balance_currency="JPY")
    big_in_dollars = new_case(dollars, principal_minor=1_000_000)  # $10,000.00
    in_yen, too_small = new_case(yen, principal_minor=6_000), new_case(yen, principal_minor=4_000)
    run(db, big_in_dollars, in_yen, too_small)  # a yen case's balance: 6,500 and 4,500
    assert holders(db, [big_in_dollars, in_yen, too_small]) == [None, taker.id, None]


# ---- the job after a placement commits ------------------------------------------------------


def test_the_job_after_a_placement_commit_assigns_and_a_second_run_changes_nothing(
    bound_engine: Engine, tmp_path: Path
) -> None:
    with session_scope() as db:
        bind(db)
        client = ClientFactory(code="ASSIGN")
        ContractFactory(client=client, currency="USD", effective_from=date(2020, 1, 1))
        a1, a2 = UserFactory(role=Role.AGENT), UserFactory(role=Role.AGENT)
        db.add(AssignmentRule(name="All", strategy=S.ROUND_ROBIN, agent_ids=[a1.id, a2.id]))
        client_id, agent_ids = client.id, {a1.id, a2.id}
    path = tmp_path / "file.csv"
    path.write_text(csv_text([good("R1"), good("R2", email="r2@example.com"), good("R3")]))
    with session_scope() as db:
        found = db.get(Client, client_id)
        assert found is not None
        placement, _ = file_placements.open_file_placement(
            db,
            client=found,
            path=path,
            file_name="file.csv",
            source=PlacementSource.UPLOAD,
            layout=None,
            user_id=None,
        )
        file_placements.mark_queued_here(db, placement=placement)
        placement_id = placement.id
    # On the in-process job thread, as the app runs it: the assignment job each committed
    # batch queues runs after the placement on the same thread (SQLite has one writer).
    run_job("agency.referrals.tasks.run_placement", placement_id)
    drain()

    def state() -> tuple[list[tuple[int | None, CaseStatus]], int]:
        with session_scope() as db:
            cases = db.scalars(select(Case).order_by(Case.id)).all()
            moves = db.scalar(select(func.count()).select_from(AssignmentChange)) or 0
            return [(c.assigned_agent_id, c.status) for c in cases], moves

    assigned, moves = state()
    assert len(assigned) == 3 and moves == 3
    assert {holder for holder, _ in assigned} == agent_ids
    assert {status for _, status in assigned} == {CaseStatus.ACTIVE}
    assert tasks.assign_new_cases(placement_id) == 0
    assert state() == (assigned, moves)


def test_the_task_is_idempotent_over_pooled_and_unassigned_cases(db: Session) -> None:
    client = ClientFactory()
    team = Team(name="Only pool")
    db.add(team)
    db.flush()
    case = new_case(client)
    outcome = assignment.assign_new_cases(db, placement_id=-1)
    assert outcome == assignment.Outcome()  # no such placement: nothing to do
    rule(db, S.TEAM_POOL, team_id=team.id)
    case.placement_id = None
    db.flush()
    assert run(db, case).pooled == 1
    assert run(db, case) == assignment.Outcome()  # already in the pool
    assert len(changes(db, case)) == 1


# ---- the supervisor's moves -----------------------------------------------------------------


def test_reassign_one_case_to_an_agent_and_then_to_a_team_pool(db: Session) -> None:
    client = ClientFactory()
    boss = UserFactory(role=Role.SUPERVISOR)
    first, second = agent(db), agent(db, capacity=0)  # capacity does not bind a supervisor
    team = Team(name="Reassign team")
    db.add(team)
    db.flush()
    case = case_for(
        client,
        assigned_agent_id=first.id,
        lease_agent_id=first.id,
        lease_expires_at=NOW + timedelta(minutes=5),
    )
    moved = reassign.reassign(
        db, case_ids=[case.id], to_agent_id=second.id, by_user_id=boss.id, reason="holiday"
    )
    assert moved == 1
    assert (case.assigned_agent_id, case.lease_agent_id, case.status) == (
        second.id,
        None,
        CaseStatus.ACTIVE,
    )
    with clock.frozen(NOW + timedelta(hours=1)):
        reassign.reassign(
            db, case_ids=[case.id], to_team_id=team.id, by_user_id=boss.id, reason="to the pool"
        )
    assert (case.assigned_agent_id, case.team_id) == (None, team.id)
    history = [
        (c.from_agent_id, c.to_agent_id, c.to_team_id, c.by_user_id, c.reason, c.at, c.rule_id)
        for c in changes(db, case)
    ]
    assert history == [
        (first.id, second.id, None, boss.id, "holiday", NOW, None),
        (second.id, None, team.id, boss.id, "to the pool", NOW + timedelta(hours=1), None),
    ]
    # Moving it where it already is changes nothing.
    assert (
        reassign.reassign(
            db, case_ids=[case.id], to_team_id=team.id, by_user_id=boss.id, reason="again"
        )
        == 0
    )


@pytest.mark.parametrize(
    ("target", "reason", "field"),
    [
        ({}, "why", "to"),
        ({"to_agent_id": 10**9}, "why", "to"),
        ({"to_team_id": 10**9}, "why", "to"),
        ({"to_agent_id": "supervisor"}, "why", "to"),
        ({"to_agent_id": "agent"}, "   ", "reason"),
    ],
)
def test_reassign_refuses_a_bad_target_or_no_reason_and_moves_nothing(
    db: Session, target: dict[str, Any], reason: str, field: str
) -> None:
    boss = UserFactory(role=Role.SUPERVISOR)
    holder = agent(db)
    if target.get("to_agent_id") == "supervisor":
        target = {"to_agent_id": boss.id}
    elif target.get("to_agent_id") == "agent":
        target = {"to_agent_id": agent(db).id}
    case = case_for(ClientFactory(), assigned_agent_id=holder.id)
    with pytest.raises(FormError) as refused:
        reassign.reassign(db, case_ids=[case.id], by_user_id=boss.id, reason=reason, **target)
    assert field in refused.value.errors
    assert case.assigned_agent_id == holder.id and changes(db, case) == []


def test_rebalance_spreads_a_book_least_loaded_first_and_respects_capacity(db: Session) -> None:
    client = ClientFactory()
    boss = UserFactory(role=Role.SUPERVISOR)
    leaving, light, heavy, tiny = agent(db), agent(db), agent(db), agent(db, capacity=1)
    for _ in range(2):
        case_for(client, assigned_agent_id=heavy.id)
    book = [case_for(client, assigned_agent_id=leaving.id, principal_minor=p) for p in range(1, 7)]
    case_for(client, assigned_agent_id=leaving.id, status=CaseStatus.PAID)  # closed: stays
    moved = reassign.rebalance(
        db,
        from_agent_id=leaving.id,
        to_agent_ids=[light.id, heavy.id, tiny.id],
        by_user_id=boss.id,
        reason="leaving the team",
    )
    assert moved == 6
    db.expire_all()
    counts = {
        who.id: sum(1 for c in book if db.get_one(Case, c.id).assigned_agent_id == who.id)
        for who in (light, heavy, tiny)
    }
    # Biggest first, each to the fewest open cases (ties: lower id): light 0 -> 1, tiny
    # 0 -> 1 (now full), light 1 -> 2, light 2 -> 3 (tie with heavy), heavy 2 -> 3, light.
    assert counts == {light.id: 4, heavy.id: 1, tiny.id: 1}
    biggest = db.get_one(Case, book[-1].id)
    assert biggest.assigned_agent_id == light.id
    assert all(
        c.by_user_id == boss.id and c.reason == "leaving the team" for c in changes(db, biggest)
    )


def test_rebalance_with_a_limit_moves_the_biggest_cases_only(db: Session) -> None:
    client = ClientFactory()
    boss = UserFactory(role=Role.SUPERVISOR)
    leaving, taker = agent(db), agent(db)
    small = case_for(client, assigned_agent_id=leaving.id, principal_minor=100)
    big = case_for(client, assigned_agent_id=leaving.id, principal_minor=900_000)
    moved = reassign.rebalance(
        db,
        from_agent_id=leaving.id,
        to_agent_ids=[taker.id],
        by_user_id=boss.id,
        reason="r",
        limit=1,
    )
    assert moved == 1
    assert (big.assigned_agent_id, small.assigned_agent_id) == (taker.id, leaving.id)


def test_rebalance_refuses_its_own_agent_or_nobody(db: Session) -> None:
    boss = UserFactory(role=Role.SUPERVISOR)
    leaving = agent(db)
    for to in ([], [leaving.id], [boss.id]):
        with pytest.raises(FormError) as refused:
            reassign.rebalance(
                db, from_agent_id=leaving.id, to_agent_ids=to, by_user_id=boss.id, reason="r"
            )
        assert "to_agent_ids" in refused.value.errors


def test_taking_a_case_from_the_pool_records_it_and_keeps_the_team(db: Session) -> None:
    team = Team(name="Takers")
    db.add(team)
    db.flush()
    member = agent(db, team_id=team.id)
    case = case_for(ClientFactory(), team_id=team.id, status=CaseStatus.ACTIVE)
    change = assignment.take_from_pool(db, case=case, agent_id=member.id)
    assert (case.assigned_agent_id, case.team_id) == (member.id, team.id)
    assert (change.to_agent_id, change.by_user_id, change.reason) == (
        member.id,
        member.id,
        "taken from the team pool",
    )
    with pytest.raises(CaseError):
        assignment.take_from_pool(db, case=case, agent_id=member.id)
