"""The supervisor's pages: queue numbers and the case lists they link to, assignment
rules, teams and agents, moving cases; bad input answers 422 with nothing written; other
roles get 403."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from agency.auth.models import Role
from agency.cases.models import (
    AgentProfile,
    AssignmentChange,
    AssignmentRule,
    AssignmentStrategy,
    Case,
    CaseStatus,
    Team,
)
from agency.config import get_settings
from agency.kit import clock
from agency.payments.models import PaymentPlan, PlanKind
from tests.fixtures.factories import ClientFactory, UserFactory, case_for
from tests.fixtures.web import csrf_token, post_form, sign_in

NOW = datetime(2026, 6, 8, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen() -> Any:
    with clock.frozen(NOW):
        yield


@pytest.fixture
def boss(client: TestClient, db: Session) -> Any:
    user = UserFactory(role=Role.SUPERVISOR, full_name="Sam Supervisor")
    sign_in(client, db, user)
    return user


def count(db: Session, model: type) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0


def link(page: str, href: str) -> str:
    """The text of the link to ``href`` (as the template escapes it)."""
    found = re.search(re.escape(f'href="{href.replace("&", "&amp;")}"') + r">([^<]*)<", page)
    assert found, f"no link to {href}"
    return found.group(1)


def references(page: str) -> set[str]:
    return set(re.findall(r"\bREF-[A-Z0-9-]+\b", page))


# ---- the dashboard --------------------------------------------------------------------------


def test_the_dashboard_counts_queues_today_holds_and_unassigned_with_links(
    client: TestClient, db: Session, boss: Any
) -> None:
    acme = ClientFactory(name="Acme")
    team = Team(name="Blue team")
    db.add(team)
    db.flush()
    ana = UserFactory(role=Role.AGENT, full_name="Ana Agent")
    db.add(AgentProfile(user_id=ana.id, team_id=team.id, capacity=30))
    db.flush()
    later = NOW + timedelta(hours=2)
    yesterday = NOW - timedelta(days=1)

    def make(ref: str, **fields: Any) -> Case:
        made: Case = case_for(acme, client_reference=f"REF-{ref}", **fields)
        return made

    make("OLD", assigned_agent_id=ana.id, workable_at=NOW - timedelta(days=2, hours=3))
    make("FRESH", assigned_agent_id=ana.id, workable_at=NOW, last_attempt_at=NOW)
    make(
        "HELD",
        assigned_agent_id=ana.id,
        workable_at=later,
        hold_rules=["US-REGF-TIME"],
        last_contact_at=NOW - timedelta(hours=1),
        last_attempt_at=NOW - timedelta(hours=1),
    )
    promised = make("PROMISED", assigned_agent_id=ana.id, status=CaseStatus.PROMISE)
    promised.last_attempt_at = yesterday  # worked yesterday: not today
    db.add_all(
        [
            PaymentPlan(
                case_id=promised.id,
                kind=PlanKind.PROMISE,
                currency="USD",
                total_minor=5000,
                created_by_id=ana.id,
                created_at=NOW - timedelta(hours=3),
            ),
            PaymentPlan(  # yesterday's promise does not count today
                case_id=promised.id,
                kind=PlanKind.PROMISE,
                currency="USD",
                total_minor=5000,
                created_by_id=ana.id,
                created_at=yesterday,
            ),
        ]
    )
    make("PAID", assigned_agent_id=ana.id, status=CaseStatus.PAID, last_attempt_at=NOW)
    make("POOL", team_id=team.id, workable_at=NOW - timedelta(minutes=30))
    make("POOLHELD", team_id=team.id, workable_at=later, hold_rules=["US-REGF-TIME", "X-OTHER"])
    make("NOBODY-1")
    make("NOBODY-2", status=CaseStatus.ACTIVE)
    db.flush()

    page = client.get("/supervisor").text
    agent_list = f"/cases?agent={ana.id}"
    assert link(page, f"{agent_list}&workable=true") == "3"  # old, fresh, promised
    assert "2 d 3 h" in page  # the oldest workable case of Ana's book
    assert link(page, f"{agent_list}&open_only=true") == "4"
    assert link(page, f"{agent_list}&today=worked") == "3"  # fresh, held, paid after a call
    assert link(page, f"{agent_list}&today=contacted") == "1"
    assert link(page, f"{agent_list}&today=promised") == "1"
    pool_list = f"/cases?agent=none&team_id={team.id}"
    assert link(page, f"{pool_list}&workable=true") == "1"
    assert link(page, f"{pool_list}&open_only=true") == "2"
    assert "30 min" in page
    assert link(page, "/cases?unassigned=true") == "2"
    assert link(page, "/cases?hold_rule=US-REGF-TIME") == "2"
    assert "Convenient hours" in page  # the catalogue's title of the rule
    assert link(page, "/cases?hold_rule=X-OTHER") == "1"
    assert "Blue team" in page and "Ana Agent" in page and "(cap 30)" in page

    # Each link lists exactly the cases counted.
    def listed(href: str) -> set[str]:
        response = client.get(href)
        assert response.status_code == 200
        return references(response.text)

    assert listed(f"{agent_list}&workable=true") == {"REF-OLD", "REF-FRESH", "REF-PROMISED"}
    assert listed(f"{agent_list}&today=worked") == {"REF-FRESH", "REF-HELD", "REF-PAID"}
    assert listed(f"{agent_list}&today=contacted") == {"REF-HELD"}
    assert listed(f"{agent_list}&today=promised") == {"REF-PROMISED"}
    assert listed(f"{pool_list}&workable=true") == {"REF-POOL"}
    assert listed("/cases?unassigned=true") == {"REF-NOBODY-1", "REF-NOBODY-2"}
    assert listed("/cases?hold_rule=US-REGF-TIME") == {"REF-HELD", "REF-POOLHELD"}
    assert listed("/cases?hold_rule=US-REGF") == set()  # a whole rule id, not a prefix


def test_the_dashboard_shows_an_empty_office(client: TestClient, boss: Any) -> None:
    page = client.get("/supervisor")
    assert page.status_code == 200
    assert "No case is waiting on a hold." in page.text


# ---- rules --------------------------------------------------------------------------------


def rule_form(**values: Any) -> dict[str, Any]:
    return {"name": "Spanish speakers", "strategy": "skill_match", "is_active": "on", **values}


def test_a_supervisor_creates_edits_orders_and_switches_off_rules(
    client: TestClient, db: Session, boss: Any
) -> None:
    acme = ClientFactory(name="Acme")
    ana = UserFactory(role=Role.AGENT, full_name="Ana Agent")
    ben = UserFactory(role=Role.AGENT, full_name="Ben Agent")
    assert "No rules yet" in client.get("/supervisor/rules").text
    assert "Ana Agent" in client.get("/supervisor/rules/edit").text
    data = rule_form(
        client_id=acme.id, min_balance="100", max_balance="2500.50", language="ES", country="us"
    )
    response = client.post(
        "/supervisor/rules/edit",
        data={**data, "agent_ids": [str(ana.id), str(ben.id)], "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 303
    made = db.scalars(select(AssignmentRule)).one()
    assert (
        made.client_id,
        made.min_balance_minor,
        made.max_balance_minor,
        made.balance_currency,
        made.language,
        made.country,
        made.agent_ids,
        made.strategy,
        made.updated_by_id,
    ) == (
        acme.id,
        10_000,
        250_050,
        "USD",
        "es",
        "US",
        sorted([ana.id, ben.id]),
        AssignmentStrategy.SKILL_MATCH,
        boss.id,
    )
    listing = client.get("/supervisor/rules").text
    assert "Skill match" in listing and "Acme" in listing and "$100.00\u2013$2,500.50" in listing
    edit = client.get(f"/supervisor/rules/edit?rule={made.id}").text
    assert 'value="2500.50"' in edit

    assert (
        post_form(
            client,
            "/supervisor/rules/edit",
            rule_form(name="Second", agent_ids=str(ben.id), strategy="round_robin"),
        ).status_code
        == 303
    )
    second = db.scalars(select(AssignmentRule).where(AssignmentRule.name == "Second")).one()
    assert second.position == made.position + 1
    response = post_form(client, f"/supervisor/rules/move?rule={second.id}&direction=up", {})
    assert response.status_code == 303
    db.expire_all()
    assert [
        r.name for r in db.scalars(select(AssignmentRule).order_by(AssignmentRule.position))
    ] == [
        "Second",
        "Spanish speakers",
    ]
    response = post_form(client, f"/supervisor/rules/active?rule={made.id}&active=false", {})
    assert response.status_code == 303
    db.expire_all()
    assert db.get_one(AssignmentRule, made.id).is_active is False
    assert "Switch on" in client.get("/supervisor/rules").text
    update = post_form(
        client,
        f"/supervisor/rules/edit?rule={made.id}",
        rule_form(name="Renamed", agent_ids=str(ana.id)),
    )
    assert update.status_code == 303
    db.expire_all()
    assert db.get_one(AssignmentRule, made.id).name == "Renamed"
    history = client.get(f"/supervisor/rules/edit?rule={made.id}").text
    history = history[history.index('id="rule-history"') :]
    assert history.index("Edited") < history.index("Switched off") < history.index("Created")
    assert "<li>Name: Spanish speakers &rarr; Renamed</li>" in history
    assert "<li>Agents: Ana Agent, Ben Agent &rarr; Ana Agent</li>" in history
    assert "<li>Balance: $100.00\u2013$2,500.50 &rarr; any</li>" in history
    assert history.count(boss.full_name) == 3  # created, off, edited (the other rule moved)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {"min_balance": "500", "max_balance": "20", "balance_currency": "USD"},
            "Maximum balance must not be less than the minimum balance",
        ),
        (
            {"min_balance": "500"},
            "Balance currency is required with a balance band (or choose a client)",
        ),
        (
            {"min_balance": "0.5", "balance_currency": "JPY"},
            "Minimum balance must have at most 0 decimal places in JPY",
        ),
        ({"agent_ids": "987654321"}, "Agents must be active agents"),
        ({"agent_ids": ""}, "Agents or a team is required"),
        ({"min_balance": "abc"}, "Minimum balance must be a number"),
        ({"strategy": "random"}, "How must be one of"),
        ({"name": ""}, "Name is required"),
        ({"country": "USA"}, "Country "),
        (
            {"strategy": "team_pool", "agent_ids": ""},
            "Team is required for the team&#39;s shared pool",
        ),
    ],
)
def test_a_bad_rule_comes_back_with_the_field_marked_and_nothing_saved(
    client: TestClient, db: Session, boss: Any, values: dict[str, str], message: str
) -> None:
    ana = UserFactory(role=Role.AGENT)
    response = post_form(
        client, "/supervisor/rules/edit", rule_form(**{"agent_ids": str(ana.id), **values})
    )
    assert response.status_code == 422
    assert message in response.text
    assert count(db, AssignmentRule) == 0


def test_editing_an_unknown_rule_is_a_404(client: TestClient, boss: Any) -> None:
    assert client.get("/supervisor/rules/edit?rule=987654").status_code == 404
    assert (
        post_form(client, "/supervisor/rules/move?rule=987654&direction=up", {}).status_code == 404
    )
    assert client.get("/supervisor/rules/edit?rule=abc").status_code == 422


# ---- teams and agents ----------------------------------------------------------------------


def test_teams_are_created_renamed_and_unique(client: TestClient, db: Session, boss: Any) -> None:
    assert post_form(client, "/supervisor/teams", {"name": "Blue"}).status_code == 303
    team = db.scalars(select(Team)).one()
    again = post_form(client, "/supervisor/teams", {"name": "blue"})
    assert again.status_code == 422
    assert "Name is already the name of another team" in again.text
    assert (
        post_form(client, f"/supervisor/teams?team={team.id}", {"name": "Navy"}).status_code == 303
    )
    db.expire_all()
    assert [t.name for t in db.scalars(select(Team))] == ["Navy"]
    assert post_form(client, "/supervisor/teams", {"name": " "}).status_code == 422
    assert count(db, Team) == 1


def test_a_team_is_deleted_only_when_nothing_but_members_ties_it(
    client: TestClient, db: Session, boss: Any
) -> None:
    blue, red = Team(name="Blue"), Team(name="Red")
    db.add_all([blue, red])
    db.flush()
    ana = UserFactory(role=Role.AGENT)
    db.add(AgentProfile(user_id=ana.id, team_id=blue.id))
    pooled = case_for(ClientFactory(), team_id=blue.id)
    case_for(ClientFactory(), team_id=blue.id, status=CaseStatus.PAID)  # closed: no tie
    db.add(AssignmentRule(name="To blue", strategy=AssignmentStrategy.TEAM_POOL, team_id=blue.id))
    db.flush()

    refused = post_form(client, f"/supervisor/teams/{blue.id}/delete", {})
    assert refused.status_code == 422
    assert (
        "Blue still has 1 open case in its pool: move them; 1 assignment rule sending cases "
        "to it: change or delete them first"
    ) in refused.text
    assert f"/supervisor/reassign?agent=none&amp;team_id={blue.id}&amp;open_only=true" in (
        refused.text
    )
    assert count(db, Team) == 2 and count(db, AssignmentRule) == 1

    pooled.team_id = red.id
    db.execute(delete(AssignmentRule))
    db.flush()
    assert post_form(client, f"/supervisor/teams/{blue.id}/delete", {}).status_code == 303
    db.expire_all()
    assert [t.name for t in db.scalars(select(Team))] == ["Red"]
    assert db.get_one(AgentProfile, ana.id).team_id is None  # the member stays, teamless
    assert post_form(client, f"/supervisor/teams/{blue.id}/delete", {}).status_code == 404


def test_an_agents_team_capacity_and_skills_are_edited(
    client: TestClient, db: Session, boss: Any
) -> None:
    team = Team(name="Blue")
    db.add(team)
    db.flush()
    ana = UserFactory(role=Role.AGENT, full_name="Ana Agent")
    case_for(ClientFactory(), assigned_agent_id=ana.id)
    assert "no limit" in client.get("/supervisor/agents").text
    response = post_form(
        client,
        f"/supervisor/agents/{ana.id}",
        {"team_id": str(team.id), "capacity": "25", "languages": "en, ES", "regions": "us-ca"},
    )
    assert response.status_code == 303
    profile = db.get_one(AgentProfile, ana.id)
    assert (profile.team_id, profile.capacity, profile.languages, profile.regions) == (
        team.id,
        25,
        ["en", "es"],
        ["US-CA"],
    )
    page = client.get("/supervisor/agents").text
    assert "Blue" in page and "25" in page and "en, es" in page
    assert f'href="/cases?agent={ana.id}&amp;open_only=true">1<' in page
    bad = post_form(
        client, f"/supervisor/agents/{ana.id}", {"capacity": "-1", "regions": "California"}
    )
    assert bad.status_code == 422
    assert "Capacity must be at least 0" in bad.text and "Regions must be countries" in bad.text
    db.expire_all()
    assert db.get_one(AgentProfile, ana.id).capacity == 25
    assert client.get(f"/supervisor/agents/{boss.id}").status_code == 404  # not an agent


# ---- moving cases ------------------------------------------------------------------------


def test_a_supervisor_moves_one_case_and_the_change_is_recorded(
    client: TestClient, db: Session, boss: Any
) -> None:
    ana = UserFactory(role=Role.AGENT, full_name="Ana Agent")
    ben = UserFactory(role=Role.AGENT, full_name="Ben Agent")
    case = case_for(ClientFactory(), assigned_agent_id=ana.id, client_reference="REF-ONE")
    page = client.get(f"/supervisor/cases/{case.id}/assign").text
    assert "Never assigned." in page and "Ana Agent" in page
    refused = post_form(
        client, f"/supervisor/cases/{case.id}/assign", {"to": f"agent:{ben.id}", "reason": ""}
    )
    assert refused.status_code == 422 and "Why is required" in refused.text
    same = post_form(
        client, f"/supervisor/cases/{case.id}/assign", {"to": f"agent:{ana.id}", "reason": "x"}
    )
    assert same.status_code == 422 and "already holds this case" in same.text
    assert count(db, AssignmentChange) == 0
    moved = post_form(
        client,
        f"/supervisor/cases/{case.id}/assign",
        {"to": f"agent:{ben.id}", "reason": "Ana is away"},
    )
    assert moved.status_code == 303
    change = db.scalars(select(AssignmentChange)).one()
    assert (
        change.from_agent_id,
        change.to_agent_id,
        change.by_user_id,
        change.reason,
        change.at,
    ) == (
        ana.id,
        ben.id,
        boss.id,
        "Ana is away",
        NOW,
    )
    history = client.get(f"/supervisor/cases/{case.id}/assign").text
    assert "Ana is away" in history and "Sam Supervisor" in history
    assert client.get("/supervisor/cases/987654/assign").status_code == 404


def test_a_supervisor_rebalances_a_book(client: TestClient, db: Session, boss: Any) -> None:
    acme = ClientFactory()
    ana, ben, cy = (UserFactory(role=Role.AGENT) for _ in range(3))
    for _ in range(4):
        case_for(acme, assigned_agent_id=ana.id)
    form = client.get(f"/supervisor/rebalance?from_agent_id={ana.id}").text
    assert f'<option value="{ana.id}" selected>' in form
    refused = client.post(
        "/supervisor/rebalance",
        data={"from_agent_id": str(ana.id), "reason": "even out", "csrf_token": csrf_token(client)},
    )
    assert refused.status_code == 422 and "Agents is required" in refused.text
    assert count(db, AssignmentChange) == 0
    done = client.post(
        "/supervisor/rebalance",
        data={
            "from_agent_id": str(ana.id),
            "to_agent_ids": [str(ben.id), str(cy.id)],
            "reason": "even out",
            "csrf_token": csrf_token(client),
        },
    )
    assert done.status_code == 200 and "4 cases moved." in done.text
    holders = db.scalars(select(Case.assigned_agent_id)).all()
    assert sorted(holders) == sorted([ben.id, ben.id, cy.id, cy.id])


# ---- who may ----------------------------------------------------------------------------


SUPERVISOR_GETS = [
    "/supervisor",
    "/supervisor/rules",
    "/supervisor/rules/edit",
    "/supervisor/teams",
    "/supervisor/agents",
    "/supervisor/reassign",
    "/supervisor/rebalance",
]


@pytest.mark.parametrize("role", [Role.AGENT, Role.MERCHANT, Role.COMPLIANCE])
def test_other_roles_get_403_and_change_nothing(
    client: TestClient, db: Session, role: Role
) -> None:
    user = UserFactory(role=role, client=ClientFactory() if role is Role.MERCHANT else None)
    agent = UserFactory(role=Role.AGENT)
    case = case_for(ClientFactory(), assigned_agent_id=agent.id)
    sign_in(client, db, user)
    for path in [
        *SUPERVISOR_GETS,
        f"/supervisor/agents/{agent.id}",
        f"/supervisor/cases/{case.id}/assign",
    ]:
        assert client.get(path).status_code == 403, path
    posts = [
        ("/supervisor/rules/edit", rule_form(agent_ids=str(agent.id))),
        ("/supervisor/teams", {"name": "Mine"}),
        (f"/supervisor/agents/{agent.id}", {"capacity": "1"}),
        (f"/supervisor/cases/{case.id}/assign", {"to": f"agent:{user.id}", "reason": "mine"}),
        (f"/supervisor/reassign?agent={agent.id}", {"to": f"agent:{user.id}", "reason": "mine"}),
        (
            "/supervisor/rebalance",
            {"from_agent_id": str(agent.id), "to_agent_ids": str(user.id), "reason": "r"},
        ),
    ]
    for path, data in posts:
        assert post_form(client, path, data).status_code == 403, path
    assert count(db, AssignmentRule) == count(db, Team) == count(db, AssignmentChange) == 0
    assert count(db, AgentProfile) == 0


def test_admins_use_the_supervisor_pages(client: TestClient, db: Session) -> None:
    sign_in(client, db, UserFactory(role=Role.ADMIN))
    for path in SUPERVISOR_GETS:
        assert client.get(path).status_code == 200, path


@pytest.mark.parametrize(
    ("zone", "counted"),
    [("UTC", {"REF-LATE", "REF-MORNING"}), ("America/New_York", {"REF-MORNING"})],
)
def test_today_starts_at_the_agencys_midnight(
    client: TestClient,
    db: Session,
    boss: Any,
    monkeypatch: pytest.MonkeyPatch,
    zone: str,
    counted: set[str],
) -> None:
    monkeypatch.setattr(get_settings(), "time_zone", zone)
    acme = ClientFactory()
    ana = UserFactory(role=Role.AGENT)
    # 02:00 UTC today is 22:00 yesterday evening in New York (NOW is 11:00 there).
    late = datetime(2026, 6, 8, 2, 0, tzinfo=UTC)
    case_for(acme, client_reference="REF-LATE", assigned_agent_id=ana.id, last_attempt_at=late)
    morning = datetime(2026, 6, 8, 13, 0, tzinfo=UTC)
    case_for(
        acme, client_reference="REF-MORNING", assigned_agent_id=ana.id, last_attempt_at=morning
    )
    db.flush()
    page = client.get("/supervisor").text
    assert link(page, f"/cases?agent={ana.id}&today=worked") == str(len(counted))
    assert references(client.get(f"/cases?agent={ana.id}&today=worked").text) == counted
    assert f"Today counts from midnight, {zone} time." in page
