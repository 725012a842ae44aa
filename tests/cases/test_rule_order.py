"""A new assignment rule goes before the catch-all, and the rules page says which rule an
earlier one leaves no case to; forms submitted as the page renders them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from agency.auth.models import Role, User
from agency.cases import assignment, assignment_rules
from agency.cases.models import AssignmentRule, AssignmentStrategy, Case, Team
from agency.kit import clock
from tests.fixtures.factories import ClientFactory, ConsumerFactory, UserFactory, case_for
from tests.fixtures.forms import form_posting_to
from tests.fixtures.web import post_form, sign_in

NOW = datetime(2026, 6, 8, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen() -> Any:
    with clock.frozen(NOW):
        yield


@pytest.fixture
def boss(client: TestClient, db: Session) -> User:
    user: User = UserFactory(role=Role.SUPERVISOR)
    sign_in(client, db, user)
    return user


def new_rule(client: TestClient, **fields: str) -> int:
    page = client.get("/supervisor/rules/edit").text
    form = {**form_posting_to(page, "/supervisor/rules/edit"), **fields}
    return post_form(client, "/supervisor/rules/edit", form).status_code


def order(db: Session) -> list[str]:
    db.expire_all()
    return list(db.scalars(select(AssignmentRule.name).order_by(AssignmentRule.position)))


def test_a_new_rule_goes_before_everything_else_and_takes_its_cases(
    client: TestClient, db: Session, boss: User
) -> None:
    ana, ben = (UserFactory(role=Role.AGENT) for _ in range(2))
    team = Team(name="Floor")
    db.add(team)
    db.flush()
    assert (
        new_rule(client, name="Everything else", strategy="team_pool", team_id=str(team.id)) == 303
    )
    assert new_rule(client, name="Spanish", language="es", agent_ids=str(ana.id)) == 303
    assert new_rule(client, name="Australia", country="AU", agent_ids=str(ben.id)) == 303
    assert order(db) == ["Spanish", "Australia", "Everything else"]

    spanish = case_for(ClientFactory(), consumer=ConsumerFactory(language="es"))
    assignment.assign_cases(db, case_ids=[spanish.id])
    assert db.get_one(Case, spanish.id).assigned_agent_id == ana.id
    assert "Never used" not in client.get("/supervisor/rules").text


def test_the_rules_page_warns_of_a_rule_an_earlier_one_leaves_no_case_to(
    client: TestClient, db: Session, boss: User
) -> None:
    ana, ben = (UserFactory(role=Role.AGENT) for _ in range(2))
    acme = ClientFactory(name="Acme")
    assert new_rule(client, name="Everything else", agent_ids=str(ana.id)) == 303
    assert (
        new_rule(
            client, name="Acme US", client_id=str(acme.id), country="US", agent_ids=str(ben.id)
        )
        == 303
    )
    assert new_rule(client, name="Acme", client_id=str(acme.id), agent_ids=str(ben.id)) == 303
    rules = {r.name: r for r in db.scalars(select(AssignmentRule))}
    # "Acme" came in before the catch-all, after "Acme US"; move it up: it covers "Acme US".
    assert order(db) == ["Acme US", "Acme", "Everything else"]
    post_form(client, f"/supervisor/rules/move?rule={rules['Acme'].id}&direction=up", {})
    # And the catch-all to the top: everything below it is never used.
    for _ in range(2):
        post_form(
            client, f"/supervisor/rules/move?rule={rules['Everything else'].id}&direction=up", {}
        )
    assert order(db) == ["Everything else", "Acme", "Acme US"]
    page = client.get("/supervisor/rules").text
    assert (
        f'id="unused-{rules["Acme"].id}">⚠ Never used: every case this rule matches is taken '
        "first by rule 1, “Everything else”, which matches any case (a case reaches this rule "
        "only when all of that rule&#39;s agents are full). Move this rule above it, or narrow "
        "that one."
    ) in page
    assert f'id="unused-{rules["Acme US"].id}"' in page
    assert f'id="unused-{rules["Everything else"].id}"' not in page

    # Switched off, the catch-all shadows nothing; then "Acme" covers "Acme US".
    post_form(
        client, f"/supervisor/rules/active?rule={rules['Everything else'].id}&active=false", {}
    )
    page = client.get("/supervisor/rules").text
    assert f'id="unused-{rules["Acme"].id}"' not in page
    assert "taken first by rule 2, “Acme”, which matches all of them too" in page


def test_skill_match_and_narrower_rules_shadow_nothing(db: Session) -> None:
    def rule(**fields: Any) -> AssignmentRule:
        fields.setdefault("strategy", AssignmentStrategy.LEAST_COUNT)
        return AssignmentRule(name="r", is_active=True, **fields)

    wide_band = rule(balance_currency="USD", min_balance_minor=0, max_balance_minor=1000)
    narrow_band = rule(balance_currency="USD", min_balance_minor=100, max_balance_minor=500)
    assert assignment_rules.covers(wide_band, narrow_band)
    assert not assignment_rules.covers(narrow_band, wide_band)
    assert not assignment_rules.covers(wide_band, rule())  # a band does not take every case
    assert not assignment_rules.covers(rule(min_age_days=30), rule(max_age_days=60))
    assert assignment_rules.covers(rule(max_age_days=90), rule(min_age_days=5, max_age_days=60))
    skills = rule(id=1, strategy=AssignmentStrategy.SKILL_MATCH)
    assert assignment_rules.shadowing([skills, rule(id=2, country="US")]) == {}
    pool = rule(id=3, strategy=AssignmentStrategy.TEAM_POOL)
    assert assignment_rules.shadowing([pool, rule(id=4, country="US")]) == {4: pool}
