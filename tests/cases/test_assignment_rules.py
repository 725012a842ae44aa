"""Editing assignment rules: created at the end and reordered, switched off, each edit kept
in the rule's history, a bad rule refused naming its field, a band in minor units."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from agency.auth.models import Role
from agency.cases import assignment_rules
from agency.cases.models import AssignmentRule, RuleEdit
from agency.cases.repository import assignment as assignment_repo
from agency.cases.schemas import RuleForm
from agency.kit.forms import FormError
from tests.fixtures.factories import ClientFactory, UserFactory


def form(**values: Any) -> RuleForm:
    base: dict[str, Any] = {"name": "A rule", "strategy": "least_count", "is_active": "on"}
    return RuleForm.model_validate({**base, **values})


def test_rules_are_created_at_the_end_and_move_up_and_down(db: Session) -> None:
    boss = UserFactory(role=Role.SUPERVISOR)
    taker = UserFactory(role=Role.AGENT)
    made = [
        assignment_rules.create_rule(
            db, data=form(name=n, country=c, agent_ids=str(taker.id)), by_user_id=boss.id
        )
        for n, c in (("one", "US"), ("two", "CA"), ("three", "GB"))
    ]
    assert [r.position for r in made] == [0, 1, 2]
    assignment_rules.move_rule(db, rule=made[2], direction="up", by_user_id=boss.id)
    assignment_rules.move_rule(db, rule=made[0], direction="up", by_user_id=boss.id)  # first: stays
    order = [r.name for r in assignment_repo.assignment_rules(db)]
    assert order == ["one", "three", "two"]
    assignment_rules.set_rule_active(db, rule=made[1], active=False, by_user_id=boss.id)
    assignment_rules.set_rule_active(
        db, rule=made[1], active=False, by_user_id=boss.id
    )  # no change
    assert [r.name for r in assignment_repo.assignment_rules(db, active_only=True)] == [
        "one",
        "three",
    ]

    def history(rule: AssignmentRule) -> list[tuple[str, int, bool]]:
        return [
            (e.action.value, e.rule["position"], e.rule["is_active"])
            for e in assignment_repo.rule_edits(db, rule.id)
        ]

    assert history(made[0]) == [("created", 0, True)]
    assert history(made[1]) == [("switched_off", 2, False), ("created", 1, True)]
    assert history(made[2]) == [("moved_up", 1, True), ("created", 2, True)]


def test_each_rule_edit_keeps_who_and_the_rule_as_it_then_stood(db: Session) -> None:
    boss, other_boss = UserFactory(role=Role.SUPERVISOR), UserFactory(role=Role.SUPERVISOR)
    first, second = UserFactory(role=Role.AGENT), UserFactory(role=Role.AGENT)
    made = assignment_rules.create_rule(
        db, data=form(name="Big", agent_ids=str(first.id)), by_user_id=boss.id
    )
    changed = form(
        name="Big ones",
        agent_ids=f"{first.id},{second.id}",
        min_balance="250",
        balance_currency="usd",
    )
    assignment_rules.update_rule(db, rule=made, data=changed, by_user_id=other_boss.id)
    latest, created = assignment_repo.rule_edits(db, made.id)
    assert (created.action, created.by_user_id, latest.action, latest.by_user_id) == (
        RuleEdit.CREATED,
        boss.id,
        RuleEdit.EDITED,
        other_boss.id,
    )
    assert (created.rule["name"], created.rule["agent_ids"], created.rule["min_balance_minor"]) == (
        "Big",
        [first.id],
        None,
    )
    assert latest.rule == assignment_rules.rule_fields(made)
    assert (latest.rule["agent_ids"], latest.rule["balance_currency"]) == (
        sorted([first.id, second.id]),
        "USD",
    )


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"min_balance": "500", "max_balance": "499.99", "balance_currency": "USD"}, "max_balance"),
        ({"min_balance": "500"}, "balance_currency"),
        ({"min_balance": "500", "balance_currency": "XYZ"}, "balance_currency"),
        ({"max_balance": "250.5", "balance_currency": "JPY"}, "max_balance"),
        ({"min_age_days": "10", "max_age_days": "9"}, "max_age_days"),
        ({"agent_ids": "999999999"}, "agent_ids"),
        ({"agent_ids": ""}, "agent_ids"),
        ({"strategy": "team_pool", "agent_ids": ""}, "team_id"),
        ({"team_id": "999999999"}, "team_id"),
        ({"client_id": "999999999"}, "client_id"),
        ({"region": "CA"}, "country"),
    ],
)
def test_a_bad_rule_is_refused_naming_the_field(
    db: Session, values: dict[str, str], field: str
) -> None:
    taker = UserFactory(role=Role.AGENT)
    data = form(**{"agent_ids": str(taker.id), **values})
    with pytest.raises(FormError) as refused:
        assignment_rules.create_rule(db, data=data, by_user_id=taker.id)
    assert field in refused.value.errors
    assert assignment_repo.assignment_rules(db) == []


def test_rule_form_normalizes_codes() -> None:
    data = form(country="us", language="ES", balance_currency="jpy", agent_ids="3, 4")
    assert (data.country, data.language, data.balance_currency, data.agent_ids) == (
        "US",
        "es",
        "JPY",
        [3, 4],
    )


@pytest.mark.parametrize(
    ("currency", "client_currency", "band", "stored"),
    [
        ("USD", "USD", ("250", "1000.5"), ("USD", 25_000, 100_050)),
        ("", "JPY", ("30000", ""), ("JPY", 30_000, None)),  # the client's currency
        ("KWD", "USD", ("", "12.345"), ("KWD", None, 12_345)),  # a given one wins
    ],
)
def test_a_rules_band_is_kept_in_minor_units_of_its_currency(
    db: Session,
    currency: str,
    client_currency: str,
    band: tuple[str, str],
    stored: tuple[str, int | None, int | None],
) -> None:
    client, taker = ClientFactory(currency=client_currency), UserFactory(role=Role.AGENT)
    data = form(
        client_id=client.id,
        min_balance=band[0],
        max_balance=band[1],
        balance_currency=currency,
        agent_ids=str(taker.id),
    )
    made = assignment_rules.create_rule(db, data=data, by_user_id=taker.id)
    assert (made.balance_currency, made.min_balance_minor, made.max_balance_minor) == stored
