"""Champion / challenger: an experiment starts on an active rule with a published
challenger that could serve its cases; new cases fall on a side by a stable hash, which
their enrolment keeps; the split lands within tolerance; ending keeps the champion or
promotes the challenger through the rule's history; refusals name their field."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from agency.clients.models import Contract
from agency.kit import clock
from agency.outreach import demo_templates
from agency.outreach.strategies import assignment, enrolment, experiments, versions
from agency.outreach.strategies.models import (
    Strategy,
    StrategyEnrolment,
    StrategyExperiment,
    StrategyRule,
)
from agency.outreach.strategies.versions import StrategyRefused
from tests.fixtures.factories import ClientFactory, ContractFactory, case_for
from tests.outreach.strategies.world import NOTICE, step

NOW = datetime(2026, 12, 8, 16, 0, tzinfo=UTC)
STEPS = [NOTICE, step("text", "sms", days=5)]


def published(db: Session, name: str, **changes: object) -> Strategy:
    values: dict[str, object] = {"country": "US", "currency": "USD", "notice_by_client": False}
    strategy = versions.create(db, name=name, by_user_id=None, **(values | changes))  # type: ignore[arg-type]
    versions.publish(db, strategy=strategy, steps=STEPS, reason="launch", by_user_id=None)
    return strategy


@pytest.fixture
def contract(db: Session) -> Contract:
    demo_templates.save_all(db)
    return ContractFactory(client=ClientFactory())


@pytest.fixture
def rule(db: Session, contract: Contract) -> StrategyRule:
    champion = published(db, "Letters first")
    return assignment.save_rule(db, contract=contract, strategy_id=champion.id,
                                segment=assignment.Segment(), by_user_id=None)  # fmt: skip


def start(db: Session, contract: Contract, rule: StrategyRule, challenger: Strategy,
          percent: int = 20) -> StrategyExperiment:  # fmt: skip
    return experiments.start(db, contract=contract, rule=rule, challenger_id=challenger.id,
                             percent=percent, reason="texts first", by_user_id=None)  # fmt: skip


def test_the_split_is_within_tolerance_over_ten_thousand_cases() -> None:
    sides = Counter(enrolment.variant_of(case_id, 7, 20) for case_id in range(1, 10_001))
    # 20 % of 10,000 is 2,000 with a standard deviation of 40: four of them either way.
    assert abs(sides["challenger"] - 2_000) <= 160, sides
    other = Counter(enrolment.variant_of(case_id, 8, 20) for case_id in range(1, 10_001))
    assert abs(other["challenger"] - 2_000) <= 160, other
    # Another experiment splits the same cases independently: about a fifth of one
    # experiment's challengers are the other's.
    both = sum(
        enrolment.variant_of(case_id, 7, 20) == enrolment.variant_of(case_id, 8, 20) == "challenger"
        for case_id in range(1, 10_001)
    )
    assert abs(both - 400) <= 80, both


def test_new_cases_fall_on_their_side_and_keep_it(
    db: Session, contract: Contract, rule: StrategyRule
) -> None:
    challenger = published(db, "Texts first")
    experiment = start(db, contract, rule, challenger, percent=50)
    cases = [case_for(contract.client, contract=contract) for _ in range(40)]
    with clock.frozen(NOW):
        assert enrolment.enrol_new(db, limit=100) == 40
    enrolled = {e.case_id: e for e in db.scalars(select(StrategyEnrolment))}
    strategies = {v.id: v.strategy_id for s in (rule.strategy_id, challenger.id)
                  for v in versions.versions_of(db, s)}  # fmt: skip
    for case in cases:
        e = enrolled[case.id]
        assert e.experiment_id == experiment.id
        assert e.variant == enrolment.variant_of(case.id, experiment.id, 50)
        expected = challenger.id if e.variant == "challenger" else rule.strategy_id
        assert e.version_id is not None and strategies[e.version_id] == expected
        assert e.enrolled_at == NOW
    assert {e.variant for e in enrolled.values()} == {"champion", "challenger"}
    assert experiments.sides(db)[experiment.id] == dict(
        Counter(e.variant for e in enrolled.values())
    )


def test_ending_with_promotion_edits_the_rule_with_history_and_leaves_cases_where_they_are(
    db: Session, contract: Contract, rule: StrategyRule
) -> None:
    champion_id = rule.strategy_id
    challenger = published(db, "Texts first")
    experiment = start(db, contract, rule, challenger, percent=50)
    case_for(contract.client, contract=contract)
    with clock.frozen(NOW):
        enrolment.enrol_new(db, limit=10)
    before = {e.case_id: (e.version_id, e.variant) for e in db.scalars(select(StrategyEnrolment))}
    with clock.frozen(NOW):
        experiments.end(db, contract=contract, experiment_id=experiment.id, promote=True,
                        reason="collects more", by_user_id=None)  # fmt: skip
    assert (experiment.ended_at, experiment.promoted, experiment.end_reason) == (
        NOW,
        True,
        "collects more",
    )
    assert rule.strategy_id == challenger.id
    last = assignment.history(db, rule.id)[-1]
    assert last.before is not None and last.before["strategy_id"] == champion_id
    assert last.after["strategy_id"] == challenger.id
    after = {e.case_id: (e.version_id, e.variant) for e in db.scalars(select(StrategyEnrolment))}
    assert after == before
    with pytest.raises(StrategyRefused, match="already ended"):
        experiments.end(db, contract=contract, experiment_id=experiment.id, promote=False,
                        reason="again", by_user_id=None)  # fmt: skip
    # A new experiment may start on the rule once the last one ended; its champion is
    # the promoted strategy.
    third = published(db, "Calls first")
    assert start(db, contract, rule, third).champion_id == challenger.id


def test_ending_without_promotion_keeps_the_rule(
    db: Session, contract: Contract, rule: StrategyRule
) -> None:
    experiment = start(db, contract, rule, published(db, "Texts first"))
    edits = len(assignment.history(db, rule.id))
    experiments.end(db, contract=contract, experiment_id=experiment.id, promote=False,
                    reason="no difference", by_user_id=None)  # fmt: skip
    assert not experiment.promoted and experiment.ended_at is not None
    assert len(assignment.history(db, rule.id)) == edits
    assert experiments.open_of(db, rule.id) is None


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"percent": 0}, "percent", "1 to 50"),
        ({"percent": 51}, "percent", "1 to 50"),
        ({"reason": "  "}, "reason", "say what"),
        ({"challenger": "champion"}, "challenger_id", "the rule's own strategy"),
        ({"challenger": "unpublished"}, "challenger_id", "no published version"),
        ({"challenger": "canadian"}, "challenger_id", "works in CAD"),
        ({"rule": "inactive"}, "rule", "not active"),
        ({"rule": "running"}, "rule", "already has an experiment running"),
    ],
)
def test_a_refused_start_names_its_field_and_writes_nothing(
    db: Session, contract: Contract, rule: StrategyRule, change: dict[str, object], field: str,
    words: str,
) -> None:  # fmt: skip
    challenger = published(db, "Texts first")
    if change.get("challenger") == "champion":
        challenger = db.get_one(Strategy, rule.strategy_id)
    elif change.get("challenger") == "unpublished":
        challenger = versions.create(db, name="Draft", country="US", currency="USD",
                                     notice_by_client=False, by_user_id=None)  # fmt: skip
    elif change.get("challenger") == "canadian":
        challenger = published(db, "Canada", country="CA", currency="CAD")
    if change.get("rule") == "inactive":
        rule.is_active = False
    elif change.get("rule") == "running":
        start(db, contract, rule, published(db, "Other"))
    before = db.scalars(select(StrategyExperiment)).all()
    with pytest.raises(StrategyRefused) as refused:
        experiments.start(db, contract=contract, rule=rule, challenger_id=challenger.id,
                          percent=int(change.get("percent", 20)),  # type: ignore[call-overload]
                          reason=str(change.get("reason", "texts first")),
                          by_user_id=None)  # fmt: skip
    assert (refused.value.field, words in refused.value.message) == (field, True)
    assert db.scalars(select(StrategyExperiment)).all() == before
