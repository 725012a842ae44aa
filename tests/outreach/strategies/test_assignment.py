"""A contract's strategy rules: the first active rule whose conditions hold gives the
case its strategy; each save keeps the rule before and after; a strategy that cannot
serve the contract is refused, naming why."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from agency.outreach.strategies import assignment, versions
from agency.outreach.strategies.assignment import CaseSegment, Segment
from agency.outreach.strategies.models import Strategy
from tests.fixtures.factories import ContractFactory

TODAY = date(2026, 12, 6)


def strategy(db: Session, name: str, **changes: object) -> Strategy:
    values: dict[str, object] = {"country": "US", "currency": "USD", "notice_by_client": False}
    return versions.create(db, name=name, by_user_id=None, **(values | changes))  # type: ignore[arg-type]


def case(**changes: object) -> CaseSegment:
    values: dict[str, object] = {"country": "US", "balance_minor": 50_000,
                                 "placed_on": date(2026, 11, 1), "language": "en",
                                 "status": "active"}  # fmt: skip
    return CaseSegment(**(values | changes))  # type: ignore[arg-type]


def test_the_first_rule_that_holds_gives_the_strategy(db: Session) -> None:
    contract = ContractFactory()
    small, rest = strategy(db, "small"), strategy(db, "rest")
    first = assignment.save_rule(db, contract=contract, strategy_id=small.id,
                                 segment=Segment(max_balance_minor=10_000, statuses=("new",)),
                                 by_user_id=None)  # fmt: skip
    assignment.save_rule(db, contract=contract, strategy_id=rest.id, segment=Segment(),
                         by_user_id=None)  # fmt: skip
    pick = assignment.strategy_for
    assert pick(db, contract.id, case(balance_minor=9_000, status="new"), TODAY) is first
    assert pick(db, contract.id, case(balance_minor=9_000), TODAY).strategy_id == rest.id  # type: ignore[union-attr]
    old = Segment(min_age_days=60)
    assignment.save_rule(db, contract=contract, strategy_id=small.id, segment=old,
                         by_user_id=None, rule=first)  # fmt: skip
    assert pick(db, contract.id, case(placed_on=date(2026, 9, 1)), TODAY) is first
    added, changed = assignment.history(db, first.id)
    assert added.before is None and added.after["max_balance_minor"] == 10_000
    assert changed.before == added.after and changed.after["min_age_days"] == 60


@pytest.mark.parametrize(
    ("changes", "segment", "message"),
    [
        ({"currency": "CAD", "country": "CA"}, Segment(), "works in CAD"),
        ({"country": "CA"}, Segment(country="US"), "is a strategy for CA"),
        ({"notice_by_client": True}, Segment(), "does not say the client sends it"),
        ({}, Segment(min_age_days=30, max_age_days=10), "must not be below the lower end"),
        ({}, Segment(statuses=("asleep",)), "'asleep' is not a case status"),
    ],
)
def test_a_strategy_that_cannot_serve_the_contract_is_refused(
    db: Session, changes: dict[str, object], segment: Segment, message: str
) -> None:
    contract = ContractFactory()
    chosen = strategy(db, "s", **changes)
    with pytest.raises(versions.StrategyRefused, match=message):
        assignment.save_rule(db, contract=contract, strategy_id=chosen.id, segment=segment,
                             by_user_id=None)  # fmt: skip
    assert assignment.rules_of(db, contract.id) == []
